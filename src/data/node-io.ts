/**
 * Node-only file helpers. The rest of src/data works on strings and byte chunks, so that it also runs
 * in browsers and workers; only this file imports `node:` modules.
 */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { MlinferError } from '../errors.js';
import { type CsvBatch, type CsvOptions, type CsvTable, csvBatches } from './csv.js';
import { type JsonlBatch, type JsonlOptions, jsonlBatches } from './jsonl.js';

/** Maps a file system error to MLI_NOT_FOUND or MLI_IO, naming the file. */
function ioError(path: string, e: unknown): MlinferError {
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOENT') return new MlinferError('MLI_NOT_FOUND', `file not found: ${path}`, { cause: e });
  if (code === 'EISDIR')
    return new MlinferError('MLI_IO', `${path} is a directory, not a file`, { cause: e });
  return new MlinferError('MLI_IO', `reading ${path} failed: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
  });
}

/**
 * Reads a file as a stream of byte chunks (64 KiB). Iterating a stream waits for each chunk to be
 * consumed, so this applies backpressure; I/O errors become MlinferError (MLI_NOT_FOUND, MLI_IO).
 *
 * @example
 * for await (const chunk of fileChunks('data.csv')) total += chunk.byteLength;
 */
export async function* fileChunks(
  path: string,
  chunkBytes = 64 * 1024,
): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    if (e instanceof MlinferError) throw e;
    throw ioError(path, e);
  } finally {
    stream.destroy();
  }
}

/**
 * Reads a file in chunks of up to `chunkBytes` into one buffer that is read into again for the next chunk:
 * a chunk is valid only until the next one is asked for. For a consumer that copies what it keeps (the
 * batch splitter), so that reading makes no garbage: 64 KiB Buffers for each chunk of a large file piled up
 * on a thread whose heap is too small to be collected often. I/O errors as in `fileChunks`.
 *
 * @example
 * for await (const chunk of fileChunksReused('data.csv')) splitter.push(chunk); // push copies
 */
export async function* fileChunksReused(
  path: string,
  chunkBytes = 256 * 1024,
): AsyncGenerator<Uint8Array, void, undefined> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw ioError(path, e);
  });
  const buf = new Uint8Array(chunkBytes);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null).catch((e: unknown) => {
        throw ioError(path, e);
      });
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Streams a CSV file in batches (see `csvBatches`).
 *
 * @example
 * for await (const { header, rows, firstRow, problems } of csvFileBatches('in.csv')) { ... }
 */
export function csvFileBatches(path: string, opts?: CsvOptions): AsyncGenerator<CsvBatch, void, undefined> {
  return csvBatches(fileChunks(path), opts);
}

/**
 * Reads a whole CSV file into memory, parsing it in streamed batches. Wrong rows are kept and listed in
 * `problems` (row numbers are 1-based data rows).
 *
 * @example
 * const { header, rows, problems } = await readCsvFile('fixtures/customers.csv');
 */
export async function readCsvFile(path: string, opts?: Omit<CsvOptions, 'batchRows'>): Promise<CsvTable> {
  let header: string[] = [];
  const rows: string[][] = [];
  const problems: CsvTable['problems'] = [];
  for await (const batch of csvBatches(fileChunks(path), { ...opts, batchRows: 10_000 })) {
    header = batch.header;
    for (const r of batch.rows) rows.push(r);
    for (const p of batch.problems) problems.push(p);
  }
  return { header, rows, problems };
}

/**
 * Streams a JSON Lines file in batches (see `jsonlBatches`).
 *
 * @example
 * for await (const { rows, lines, problems } of jsonlFileBatches('in.jsonl')) { ... }
 */
export function jsonlFileBatches(
  path: string,
  opts?: JsonlOptions,
): AsyncGenerator<JsonlBatch, void, undefined> {
  return jsonlBatches(fileChunks(path), opts);
}

/**
 * Reads a whole JSON Lines file: records with their line numbers, and the bad lines.
 *
 * @example
 * const { rows, problems } = await readJsonlFile('records.jsonl');
 */
export async function readJsonlFile(
  path: string,
  opts?: Omit<JsonlOptions, 'batchRows'>,
): Promise<JsonlBatch> {
  const out: JsonlBatch = { rows: [], lines: [], problems: [] };
  for await (const b of jsonlBatches(fileChunks(path), opts)) {
    for (const r of b.rows) out.rows.push(r);
    for (const l of b.lines) out.lines.push(l);
    for (const p of b.problems) out.problems.push(p);
  }
  return out;
}
