/**
 * The format of a data file by its extension: one list for training, evaluation and batch scoring.
 * Plain string work, no `node:` module.
 */

import { MlinferError } from '../errors.js';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

const BY_EXTENSION: Record<string, FileFormat> = {
  csv: 'csv',
  tsv: 'csv',
  txt: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
};

function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * The format of `path` by its extension: .csv .tsv .txt are CSV, .jsonl .ndjson .json JSON Lines, .parquet
 * .pq Parquet; null for any other.
 *
 * @example
 * formatOfPath('data/part-0.ndjson'); // 'jsonl'
 */
export function formatOfPath(path: string): FileFormat | null {
  return BY_EXTENSION[extensionOf(path)] ?? null;
}

/** The delimiter a path implies: a tab for .tsv, else undefined (the reader's default). */
export function delimiterOfPath(path: string): string | undefined {
  return extensionOf(path) === 'tsv' ? '\t' : undefined;
}

/**
 * The format of a table file that training and evaluation read (CSV or JSON Lines; CSV when the extension
 * says nothing). Parquet is read by batch scoring and by training (which streams it): here it fails with a message saying so.
 */
export function tableFormatOfPath(path: string): 'csv' | 'jsonl' {
  const format = formatOfPath(path) ?? 'csv';
  if (format === 'parquet')
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `${path}: Parquet is read by batch scoring and training; evaluate reads CSV or JSON Lines`,
    );
  return format;
}
