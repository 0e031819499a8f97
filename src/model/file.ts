/**
 * Reading and writing model files on disk (Node only). Writing is atomic: a reader (for example a
 * server watching the file) sees either the old model or the new one, never half of one.
 */

import { readFile } from 'node:fs/promises';
import { MlinferError } from '../errors.js';
import { writeFileAtomic } from '../node/atomic-file.js';

function readError(action: string, path: string, cause: unknown): MlinferError {
  const code = (cause as { code?: unknown })?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ENOENT')
    return new MlinferError('MLI_NOT_FOUND', `cannot ${action} ${path}: no such file`, { cause });
  return new MlinferError('MLI_IO', `cannot ${action} ${path}: ${reason}`, { cause });
}

/**
 * Writes `bytes` to `path` atomically: into a temporary file in the same folder (so the rename cannot
 * cross file systems), then renamed over `path`. The temporary file is removed when anything fails.
 * A missing folder gives MLI_NOT_FOUND, other failures MLI_IO.
 *
 * @example
 * await saveModelFile('models/churn.mlinfer', encodeModel({ metadata, forest }));
 */
export async function saveModelFile(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes, 'model file');
}

/**
 * Reads the bytes of a model file; decode them with `decodeModel`. A missing file gives MLI_NOT_FOUND,
 * other failures (a folder, no permission) MLI_IO.
 *
 * @example
 * const { metadata, forest } = decodeModel(await readModelFile('models/churn.mlinfer'));
 */
export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw readError('read model file', path, cause);
  }
}
