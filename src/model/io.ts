// Node only: models on disk.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMlinferError, MlinferError } from '../errors.js';
import { readModelFile, saveModelFile } from './file.js';
import { type Model, modelFromBytes, modelToBytes, rememberModelBytes } from './model.js';

/** Default model file name used by the CLI when no path is given. */
export const DEFAULT_MODEL_FILE = 'model.mlinfer';

/** Where the default model file is missing, say how it comes about: `mlinfer train` writes it. */
function notFound(path: string, cause: unknown): MlinferError {
  const hint =
    basename(path) === DEFAULT_MODEL_FILE
      ? ` (mlinfer train <data.csv> writes ${DEFAULT_MODEL_FILE}; or give the model's path)`
      : '';
  return new MlinferError('MLI_NOT_FOUND', `cannot read model file ${path}: no such file${hint}`, { cause });
}

function asBytes(source: Uint8Array | ArrayBuffer): Uint8Array {
  return source instanceof Uint8Array ? source : new Uint8Array(source);
}

/**
 * Writes a model file atomically (a temporary file, then a rename), so a reader never sees half a model.
 *
 * @example
 * await saveModel(model, 'churn.mlinfer');
 */
export async function saveModel(model: Model, path: string): Promise<void> {
  await saveModelFile(path, modelToBytes(model));
}

/**
 * Loads a model from a path, a Buffer or a Uint8Array. A missing, truncated, corrupt, foreign or
 * newer-version file fails with a clear MlinferError (MLI_NOT_FOUND, MLI_MODEL_CORRUPT, MLI_MODEL_FOREIGN,
 * MLI_MODEL_VERSION).
 *
 * @example
 * const model = await loadModel('churn.mlinfer');
 */
export async function loadModel(source: string | Uint8Array | ArrayBuffer): Promise<Model> {
  if (typeof source === 'string')
    return withPath(source, () =>
      readModelFile(source).then(
        (bytes) => rememberModelBytes(modelFromBytes(bytes), bytes),
        (e) => {
          throw isMlinferError(e) && e.code === 'MLI_NOT_FOUND' ? notFound(source, e) : e;
        },
      ),
    );
  return modelFromBytes(asBytes(source));
}

/** The synchronous form of `loadModel`, for start-up code. */
export function loadModelSync(source: string | Uint8Array | ArrayBuffer): Model {
  if (typeof source !== 'string') return modelFromBytes(asBytes(source));
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ENOENT') throw notFound(source, cause);
    throw new MlinferError('MLI_IO', `cannot read model file ${source}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return prefixed(source, () => rememberModelBytes(modelFromBytes(bytes), bytes));
}

function prefixed<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MlinferError && !e.message.includes(path))
      throw new MlinferError(e.code, `${path}: ${e.message}`, { issues: e.issues, cause: e });
    throw e;
  }
}

async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MlinferError && !e.message.includes(path))
      throw new MlinferError(e.code, `${path}: ${e.message}`, { issues: e.issues, cause: e });
    throw e;
  }
}
