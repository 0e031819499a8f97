/**
 * Output columns and value formatting of batch scoring, shared by the worker threads (which format CSV and
 * JSON Lines text) and the main thread (Parquet, row objects). Numbers are written with `String(x)`: the
 * shortest text that reads back as the same double, and the same bytes on every run and every thread count.
 */

import { quoteCsvField } from '../data/csv.js';
import type { Issue } from '../errors.js';
import { argmax } from '../forest/argmax.js';
import type { ExplainMethod } from '../forest/explain.js';
import { reasonColumns } from './batch-reasons.js';

/** The name of the prediction column. */
export const PREDICTION_COLUMN = 'prediction';
/** Probability columns are `proba_<class label>`. */
export const PROBA_PREFIX = 'proba_';

/** What each output row holds, decided once per run. */
export interface OutputLayout {
  /** Input columns carried through, in output order (before the prediction). */
  keep: string[];
  /** Carry every input column: for JSON Lines each record's own keys. */
  keepAll: boolean;
  /** Class labels (classification) or null. */
  labels: string[] | null;
  proba: boolean;
  /** Reason columns per row (0: none), found with `explainMethod`. */
  reasons: number;
  explainMethod: ExplainMethod;
}

/**
 * The output header: kept columns, `prediction`, then `proba_<label>` per class with `--proba`, then the
 * reason columns with `--explain`.
 */
export function outputColumns(layout: OutputLayout): string[] {
  const cols = [...layout.keep, PREDICTION_COLUMN];
  if (layout.proba && layout.labels) for (const l of layout.labels) cols.push(PROBA_PREFIX + l);
  cols.push(...reasonColumns(layout.reasons));
  return cols;
}

/** A kept value as a CSV cell, quoted only when needed (RFC 4180). */
export function csvCell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  else if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  else if (v instanceof Date) return v.toISOString();
  else s = JSON.stringify(v);
  return quoteCsvField(s);
}

/** A value as JSON, for JSON Lines output; bigints as numbers when safe, else strings. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/**
 * `String(x)` with a small cache of recent values, for writing scores: a forest's probabilities take few
 * distinct values (sums of leaf values), and a lookup costs a quarter of formatting the number again.
 * The cache is direct-mapped on the bits of the double; `===` tells a hit (0 and -0 both give "0").
 *
 * @example
 * const text = createNumberText();
 * text(0.25); // '0.25'
 */
export function createNumberText(): (x: number) => string {
  const size = 4096;
  const keys = new Float64Array(size).fill(Number.NaN);
  const texts: string[] = new Array<string>(size).fill('');
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  return (x) => {
    bits[0] = x;
    const h = Math.imul(words[0] ^ words[1], 0x9e3779b1) >>> 20;
    if (keys[h] === x) return texts[h];
    const t = String(x);
    keys[h] = x;
    texts[h] = t;
    return t;
  };
}

/** One rejected input row: nothing is dropped silently. */
export interface RejectedRow {
  /** 1-based record number in the input (the header and blank lines not counted). */
  row: number;
  /** The row as read: the CSV record re-joined, or the JSON text. */
  raw: string;
  /** Every problem found, each with a `kind` (ragged_row, invalid_type, invalid_json, ...). */
  reasons: Issue[];
}

/** Formats the prediction of row `i` (its outputs at scores[i*C ..]). */
export function predictionValue(
  labels: readonly (string | number)[] | null,
  scores: Float64Array,
  offset: number,
  C: number,
): string | number {
  if (!labels) return scores[offset];
  return labels[argmax(scores, offset, C)];
}
