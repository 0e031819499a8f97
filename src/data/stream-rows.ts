/**
 * Node only: training files read as a stream of row batches, the same rows in the same order on every pass
 * (issue 16). CSV files must share one header; JSON Lines and Parquet records take the union of their keys,
 * in first-seen order over the files in order, as `toTable` does for row objects (absent keys are null).
 * Rows are never held beyond their batch.
 */

import { stat } from 'node:fs/promises';
import { type Issue, MlinferError } from '../errors.js';
import { describeValue } from './cells.js';
import { csvBatches } from './csv.js';
import { delimiterOfPath, type FileFormat, formatOfPath } from './file-format.js';
import { jsonlBatches } from './jsonl.js';
import { fileChunks } from './node-io.js';
import { readParquetRows } from './parquet-rows.js';
import type { Cell } from './table.js';

/** One batch of rows of one file, cells in the order of `StreamColumns.names` at the time of reading. */
export interface RowBatch {
  file: string;
  rows: Cell[][];
  /** Where row i is, for messages: data rows (CSV, Parquet; 1-based, the header not counted) or lines (JSON Lines). */
  position(i: number): number;
  /** Bytes (CSV, JSON Lines) or rows (Parquet) read so far over all files, and in all. */
  done: number;
  total: number;
}

/** The column names met so far; a pass can only grow them (records), never reorder them. */
export class StreamColumns {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  indexOf(name: string): number {
    let j = this.index.get(name);
    if (j === undefined) {
      j = this.names.length;
      this.index.set(name, j);
      this.names.push(name);
    }
    return j;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }
}

/** `file, row N` (CSV, Parquet) or `file:N` (JSON Lines, N a line): how every message names a row. */
export function rowLocation(format: FileFormat, file: string, position: number): string {
  return format === 'jsonl' ? `${file}:${position}` : `${file}, row ${position}`;
}

/** The one format of a list of files (from their extensions, CSV when none says); mixing formats is refused. */
export function formatOfFiles(files: readonly string[]): FileFormat {
  if (files.length === 0) throw new MlinferError('MLI_INVALID_OPTION', 'no training files given');
  const formats = new Set(files.map((f) => formatOfPath(f) ?? 'csv'));
  if (formats.size > 1)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `the training files mix formats (${[...formats].join(', ')}): give files of one format`,
    );
  return [...formats][0];
}

/** Size and modification time per file: pass two checks that no file changed after pass one. */
export async function fileStamps(files: readonly string[]): Promise<string[]> {
  return Promise.all(
    files.map(async (f) => {
      try {
        const s = await stat(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch (e) {
        throw new MlinferError('MLI_NOT_FOUND', `file not found: ${f}`, { cause: e });
      }
    }),
  );
}

function parseProblems(file: string, problems: Issue[], what: string): MlinferError {
  return new MlinferError(
    'MLI_CSV_PARSE',
    `${file}: ${problems.length} problem(s), first: ${problems
      .slice(0, 5)
      .map((p) => `${what} ${p.message}`)
      .join('; ')}`,
    { issues: problems.map((p) => ({ ...p, path: [file, ...p.path] })) },
  );
}

/** A record's cells in column order; a value that is not a plain cell fails naming the row. */
function recordCells(r: Record<string, unknown>, columns: StreamColumns, where: () => string): Cell[] {
  const row: Cell[] = new Array(columns.names.length).fill(null);
  for (const k of Object.keys(r)) {
    let v = r[k];
    if (v === undefined) continue;
    if (typeof v === 'bigint') v = Number(v);
    else if (v instanceof Date) v = v.toISOString();
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `${where()}, column ${JSON.stringify(k)}: expected a string, number, boolean or null, got ${describeValue(v)}`,
      );
    const j = columns.indexOf(k);
    row[j] = v as Cell;
  }
  return row;
}

async function* csvFile(
  file: string,
  delimiter: string | undefined,
  columns: StreamColumns,
  progress: { done: number; total: number },
): AsyncGenerator<RowBatch> {
  const sep = delimiter || delimiterOfPath(file);
  let checked = false;
  const problems: Issue[] = [];
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of fileChunks(file, 1 << 20)) {
      progress.done += c.byteLength;
      yield c;
    }
  }
  for await (const b of csvBatches(counted(), { delimiter: sep, batchRows: 8192 })) {
    if (!checked) {
      checked = true;
      if (columns.names.length === 0) for (const name of b.header) columns.indexOf(name);
      else if (b.header.join('\u0000') !== columns.names.join('\u0000'))
        throw new MlinferError(
          'MLI_INVALID_DATA',
          `${file}: its header (${b.header.join(', ')}) differs from the first file's (${columns.names.join(', ')}); every CSV file of a training set must have the same columns in the same order`,
        );
    }
    for (const p of b.problems) if (problems.length < 1000) problems.push(p);
    if (problems.length > 0) continue;
    yield { file, rows: b.rows, position: (i) => b.firstRow + i, ...progress };
  }
  if (problems.length > 0) throw parseProblems(file, problems, '');
}

async function* jsonlFile(
  file: string,
  columns: StreamColumns,
  progress: { done: number; total: number },
): AsyncGenerator<RowBatch> {
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of fileChunks(file, 1 << 20)) {
      progress.done += c.byteLength;
      yield c;
    }
  }
  for await (const b of jsonlBatches(counted(), { batchRows: 8192 })) {
    if (b.problems.length > 0) throw parseProblems(file, b.problems, 'line');
    const rows = b.rows.map((r, i) => recordCells(r, columns, () => `${file}:${b.lines[i]}`));
    yield { file, rows, position: (i) => b.lines[i], ...progress };
  }
}

async function* parquetFile(
  file: string,
  columns: StreamColumns,
  progress: { done: number; total: number },
): AsyncGenerator<RowBatch> {
  const src = await readParquetRows(file);
  for (const name of src.columns) columns.indexOf(name);
  let rows: Cell[][] = [];
  let first = 1;
  const flush = (): RowBatch => {
    const at = first;
    const batch = { file, rows, position: (i: number) => at + i, ...progress };
    first += rows.length;
    rows = [];
    return batch;
  };
  for await (const r of src.rows) {
    rows.push(recordCells(r, columns, () => `${file}, row ${first + rows.length}`));
    progress.done++;
    if (rows.length === 8192) yield flush();
  }
  if (rows.length > 0) yield flush();
}

/** The progress unit in all: bytes of CSV and JSON Lines files, rows of Parquet files. */
async function totalOf(files: readonly string[], format: FileFormat): Promise<number> {
  let total = 0;
  for (const f of files) {
    if (format === 'parquet') total += (await readParquetRows(f)).rowCount;
    else total += (await stat(f)).size;
  }
  return total;
}

/**
 * Reads training files as row batches (see the module comment). `columns` collects the column names; pass
 * the same object to a later pass so that rows come out with the final columns from the first batch on.
 *
 * @example
 * const columns = new StreamColumns();
 * for await (const b of readRowBatches(['a.csv', 'b.csv'], 'csv', columns)) count += b.rows.length;
 */
export async function* readRowBatches(
  files: readonly string[],
  format: FileFormat,
  columns: StreamColumns,
  delimiter?: string,
): AsyncGenerator<RowBatch> {
  const progress = { done: 0, total: await totalOf(files, format) };
  for (const file of files) {
    if (format === 'csv') yield* csvFile(file, delimiter, columns, progress);
    else if (format === 'jsonl') yield* jsonlFile(file, columns, progress);
    else yield* parquetFile(file, columns, progress);
  }
}
