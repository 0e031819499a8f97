// Reading a whole text file named on the command line, with the error codes every command uses.
import { readFile } from 'node:fs/promises';
import { MlinferError } from '../errors.js';

/**
 * The text of `path`; MLI_NOT_FOUND when it does not exist, MLI_IO for any other failure.
 *
 * @example
 * const json = JSON.parse(await readTextFile('row.json'));
 */
export async function readTextFile(path: string): Promise<string> {
  return (await readBytes(path, 'utf8')) as string;
}

/**
 * The bytes of `path` (binary model files: ONNX), with the same error codes as readTextFile.
 *
 * @example
 * const bytes = await readBinaryFile('model.onnx');
 */
export async function readBinaryFile(path: string): Promise<Uint8Array> {
  return new Uint8Array((await readBytes(path)) as Buffer);
}

async function readBytes(path: string, encoding?: 'utf8'): Promise<string | Buffer> {
  try {
    return await readFile(path, encoding);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new MlinferError(
      code === 'ENOENT' ? 'MLI_NOT_FOUND' : 'MLI_IO',
      `cannot read ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
