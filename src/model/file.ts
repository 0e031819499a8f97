/**
 * Reading and writing model files on disk (Node only). Writing is atomic: a reader (for example a
 * server watching the file) sees either the old model or the new one, never half of one.
 */

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlinferError } from '../errors.js';

function ioError(action: string, path: string, cause: unknown): MlinferError {
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
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // flush: the data reaches the disk before the rename makes it visible, so a crash leaves no empty model.
    await writeFile(temp, bytes, { flush: true });
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => {});
    throw ioError('write model file', path, cause);
  }
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
    throw ioError('read model file', path, cause);
  }
}
