/**
 * Encoding raw cells into the forest's numbers, per the stored schema: numeric as is, booleans as 0/1,
 * categories as codes, missing as NaN. Training (`encodeTable`), real-time records (`createRowEncoder`)
 * and CSV batch scoring (`createCsvRowEncoder`) share `encodeValue`, so they cannot drift apart.
 *
 * Unknown categories at predict time are not errors: the value is routed as missing (NaN), like
 * scikit-learn's `handle_unknown='ignore'`, and counted. When the feature has an "other" code (rare
 * categories were pooled at training), values outside the kept categories get that code instead, since
 * that is what training did with them.
 */

import { assertOptions, c, type Spec } from '../constraints.js';
import { type Issue, MlinferError } from '../errors.js';
import type { Matrix } from '../types.js';
import {
  describeValue,
  IssueList,
  type IssueSink,
  isMissing,
  parseBoolean,
  parseDecimal,
  raggedRowIssue,
} from './cells.js';
import type { Schema } from './schema.js';
import { columnIndex, duplicateColumns, type TableInput, toTable } from './table.js';

const T_NUMERIC = 0;
const T_BOOLEAN = 1;
const T_CATEGORICAL = 2;
/** Sentinels returned by encodeValue: never valid encoded values, since non-finite numbers are rejected. */
const INVALID = Number.NEGATIVE_INFINITY;
const UNKNOWN = Number.POSITIVE_INFINITY;
/** At most this many distinct extra column names are remembered and reported. */
const MAX_EXTRA_NOTES = 100;

interface CompiledFeature {
  name: string;
  type: number;
  codes: Map<string, number> | null;
  /** The "other" code, or -1. */
  other: number;
  expected: string;
}

interface Compiled {
  features: CompiledFeature[];
  missing: Set<string>;
  /** Target and excluded columns: known, so not reported as extra. */
  known: Set<string>;
}

function compile(schema: Schema): Compiled {
  if (typeof schema !== 'object' || schema === null || !Array.isArray(schema.features)) {
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `schema must be a Schema object, got ${describeValue(schema)}`,
    );
  }
  const features = schema.features.map((f): CompiledFeature => {
    if (f.type === 'categorical') {
      const categories = f.categories ?? [];
      return {
        name: f.name,
        type: T_CATEGORICAL,
        codes: new Map(categories.map((c, i) => [c, i])),
        other: f.hasOther ? categories.length : -1,
        expected: 'a string category',
      };
    }
    if (f.type === 'boolean') {
      return { name: f.name, type: T_BOOLEAN, codes: null, other: -1, expected: 'true/false or yes/no' };
    }
    return { name: f.name, type: T_NUMERIC, codes: null, other: -1, expected: 'a number' };
  });
  return {
    features,
    missing: new Set(schema.missingValues),
    known: new Set([schema.target.name, ...schema.excluded]),
  };
}

function category(f: CompiledFeature, s: string): number {
  const c = f.codes!.get(s);
  if (c !== undefined) return c;
  return f.other >= 0 ? f.other : UNKNOWN;
}

/** One cell to its encoded value: a number, NaN (missing), INVALID or UNKNOWN. Allocation-free for strings and numbers on the usual paths. */
function encodeValue(f: CompiledFeature, v: unknown, missing: Set<string>): number {
  if (typeof v === 'string') {
    const s = v.trim();
    if (missing.has(s)) return Number.NaN;
    if (f.type === T_NUMERIC) {
      const x = parseDecimal(s);
      return Number.isNaN(x) ? INVALID : x;
    }
    if (f.type === T_BOOLEAN) {
      const b = parseBoolean(s);
      return Number.isNaN(b) ? INVALID : b;
    }
    return category(f, s);
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return Number.NaN;
    if (!Number.isFinite(v)) return INVALID;
    if (f.type === T_NUMERIC) return v;
    if (f.type === T_BOOLEAN) return v === 0 || v === 1 ? v : INVALID;
    return category(f, String(v));
  }
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'boolean') {
    if (f.type === T_BOOLEAN) return v ? 1 : 0;
    if (f.type === T_CATEGORICAL) return category(f, v ? 'true' : 'false');
  }
  return INVALID;
}

function invalidIssue(f: CompiledFeature, v: unknown, path: (string | number)[], where: string): Issue {
  return {
    path,
    kind: 'invalid_type',
    message: `${where}: expected ${f.expected}, got ${describeValue(v)}`,
    expected: f.expected,
    received: describeValue(v),
  };
}

function where(row: number | undefined, name: string): string {
  return row === undefined ? JSON.stringify(name) : `row ${row}, column ${JSON.stringify(name)}`;
}

function pathOf(row: number | undefined, name: string): (string | number)[] {
  return row === undefined ? [name] : [row, name];
}

/** Counts unknown categories per feature and keeps one note per feature (the first value seen). */
class UnknownTracker {
  readonly counts: Uint32Array;
  total = 0;
  constructor(
    private readonly features: CompiledFeature[],
    private readonly notes: Issue[],
  ) {
    this.counts = new Uint32Array(features.length);
  }

  add(k: number, v: unknown): void {
    this.total++;
    if (this.counts[k]++ === 0) {
      const f = this.features[k];
      this.notes.push({
        path: [f.name],
        kind: 'unknown_category',
        message: `column ${JSON.stringify(f.name)} has categories unseen in training (first: ${describeValue(v)}); they are treated as missing`,
        received: describeValue(v),
      });
    }
  }
}

/**
 * Writes feature `k`'s encoded cell at `out[at]`: the one copy of the per-cell step that training,
 * records and CSV rows share. An unknown category becomes NaN and is counted; an invalid cell becomes NaN,
 * is reported to `sink` and makes the result false.
 */
function putCell(
  features: CompiledFeature[],
  missing: Set<string>,
  unknown: UnknownTracker,
  k: number,
  v: unknown,
  out: Float64Array,
  at: number,
  sink: IssueSink,
  row: number | undefined,
): boolean {
  const f = features[k];
  const x = encodeValue(f, v, missing);
  if (x === INVALID) {
    out[at] = Number.NaN;
    sink.push(invalidIssue(f, v, pathOf(row, f.name), where(row, f.name)));
    return false;
  }
  if (x === UNKNOWN) {
    out[at] = Number.NaN;
    unknown.add(k, v);
    return true;
  }
  out[at] = x;
  return true;
}

/** Encodes the cells at `positions` (feature k reads `cells[positions[k]]`) into `out[offset ..]`; false if any is invalid. */
function putCells(
  features: CompiledFeature[],
  missing: Set<string>,
  unknown: UnknownTracker,
  cells: readonly unknown[],
  positions: ArrayLike<number>,
  out: Float64Array,
  offset: number,
  sink: IssueSink,
  row: number | undefined,
): boolean {
  let ok = true;
  for (let k = 0; k < features.length; k++)
    ok = putCell(features, missing, unknown, k, cells[positions[k]], out, offset + k, sink, row) && ok;
  return ok;
}

/** Encodes records at predict time; see `createRowEncoder`. */
export interface RowEncoder {
  readonly nFeatures: number;
  readonly featureNames: readonly string[];
  /**
   * Writes one record's features into `out[offset .. offset + nFeatures)` and returns true, or pushes
   * every problem found into `issues` and returns false (then `out` holds partial values: discard them).
   * `row`, when given, prefixes issue paths (`[row, name]`) and messages.
   */
  encode(record: unknown, out: Float64Array, offset: number, issues: Issue[], row?: number): boolean;
  /** Encodes many records: `X` has one row per record; `valid[i]` is 0 when `rowIssues[i]` is not empty. */
  encodeRows(records: readonly unknown[]): EncodedRows;
  /** Unknown categories seen so far, per feature (schema order). */
  readonly unknownCategoryCounts: Uint32Array;
  readonly unknownCategoryTotal: number;
  /** Not errors: each extra column once (`extra_column`), each feature's first unknown category (`unknown_category`). */
  readonly notes: Issue[];
}

export interface EncodedRows {
  X: Matrix;
  valid: Uint8Array;
  /** Issues of each record, paths `[name]` (or `[]` for the record itself). */
  rowIssues: Issue[][];
  invalidCount: number;
}

/** Encodes `count` records into one matrix; `encodeAt` encodes record i at `offset` and says whether it was valid. */
function encodeBatch(
  n: number,
  count: number,
  encodeAt: (i: number, out: Float64Array, offset: number) => boolean,
): { X: Matrix; valid: Uint8Array; invalidCount: number } {
  const data = new Float64Array(count * n);
  const valid = new Uint8Array(count);
  let invalidCount = 0;
  for (let i = 0; i < count; i++) {
    if (encodeAt(i, data, i * n)) valid[i] = 1;
    else invalidCount++;
  }
  return { X: { data, nRows: count, nFeatures: n }, valid, invalidCount };
}

/**
 * Builds the predict-time encoder for a schema. A record is an object keyed by column name (extra keys
 * are ignored and reported once in `notes`; the target and excluded columns are silently ignored) or
 * an array of feature values in schema order. Missing values are fine (NaN); a missing key is a
 * `missing_column` issue, a value of the wrong type an `invalid_type` issue, an array of the wrong length
 * a `wrong_length` issue. Valid records are encoded without allocating.
 *
 * @example
 * const enc = createRowEncoder(schema);
 * const out = new Float64Array(enc.nFeatures);
 * const issues: Issue[] = [];
 * if (!enc.encode({ age: 42, plan: 'pro' }, out, 0, issues)) throw new MlinferError('MLI_SCHEMA_MISMATCH', 'bad record', { issues });
 */
export function createRowEncoder(schema: Schema): RowEncoder {
  const { features, missing, known } = compile(schema);
  const n = features.length;
  const index = new Map(features.map((f, k) => [f.name, k]));
  const identity = Int32Array.from(features, (_, k) => k);
  const notes: Issue[] = [];
  const unknown = new UnknownTracker(features, notes);
  const reportedExtras = new Set<string>();

  const noteExtras = (record: Record<string, unknown>): void => {
    for (const key in record) {
      if (index.has(key) || known.has(key) || reportedExtras.has(key)) continue;
      if (reportedExtras.size >= MAX_EXTRA_NOTES) return;
      reportedExtras.add(key);
      notes.push({
        path: [key],
        kind: 'extra_column',
        message: `column ${JSON.stringify(key)} is not a feature of the model and is ignored`,
      });
    }
  };

  const encode = (
    record: unknown,
    out: Float64Array,
    offset: number,
    issues: Issue[],
    row?: number,
  ): boolean => {
    if (Array.isArray(record)) {
      if (record.length !== n) {
        issues.push({
          path: row === undefined ? [] : [row],
          kind: 'wrong_length',
          message: `${row === undefined ? 'the record' : `row ${row}`} has ${record.length} values, the model has ${n} features`,
          expected: `${n} values`,
          received: `${record.length} values`,
        });
        return false;
      }
      return putCells(features, missing, unknown, record, identity, out, offset, issues, row);
    }
    if (typeof record !== 'object' || record === null) {
      issues.push({
        path: row === undefined ? [] : [row],
        kind: 'invalid_record',
        message: `${row === undefined ? 'the record' : `row ${row}`} must be an object or an array, got ${describeValue(record)}`,
        expected: 'object or array',
        received: describeValue(record),
      });
      return false;
    }
    const r = record as Record<string, unknown>;
    let ok = true;
    let present = 0;
    for (let k = 0; k < n; k++) {
      const name = features[k].name;
      const v = r[name];
      if (v === undefined && !(name in r)) {
        ok = false;
        out[offset + k] = Number.NaN;
        issues.push({
          path: pathOf(row, name),
          kind: 'missing_column',
          message: `${where(row, name)}: the column is missing (send null for a missing value)`,
          expected: features[k].expected,
          received: 'nothing',
        });
        continue;
      }
      present++;
      ok = putCell(features, missing, unknown, k, v, out, offset + k, issues, row) && ok;
    }
    // Count keys first: the usual record has exactly the features, and then there is nothing to look up.
    let keys = 0;
    for (const _ in r) keys++;
    if (keys > present) noteExtras(r);
    return ok;
  };

  return {
    nFeatures: n,
    featureNames: features.map((f) => f.name),
    encode,
    encodeRows(records: readonly unknown[]): EncodedRows {
      const rowIssues: Issue[][] = records.map(() => []);
      const batch = encodeBatch(n, records.length, (i, out, offset) =>
        encode(records[i], out, offset, rowIssues[i]),
      );
      return { ...batch, rowIssues };
    },
    unknownCategoryCounts: unknown.counts,
    get unknownCategoryTotal() {
      return unknown.total;
    },
    notes,
  };
}

/** Encodes CSV rows at predict time; see `createCsvRowEncoder`. */
export interface CsvRowEncoder {
  readonly nFeatures: number;
  /**
   * Encodes one row of cells (in header order) into `out[offset ..]`; `row` is its 1-based data row
   * number, used in issue paths `[row, name]`. Returns false after pushing every problem found.
   */
  encode(cells: readonly unknown[], out: Float64Array, offset: number, issues: Issue[], row: number): boolean;
  /** Encodes a batch: `rows[i]` is row `firstRow + i`. */
  encodeRows(rows: readonly (readonly unknown[])[], firstRow: number): EncodedCsvRows;
  readonly unknownCategoryCounts: Uint32Array;
  readonly unknownCategoryTotal: number;
  /** Extra columns of the header (once, at creation) and each feature's first unknown category. */
  readonly notes: Issue[];
  /** Feature k reads the header's column `positions[k]`. */
  readonly positions: Int32Array;
  /**
   * 1 for a numeric feature whose plain decimal cells may be parsed by the caller itself (from bytes): no
   * missing-value spelling is itself a plain decimal number, so such a cell is never missing.
   */
  readonly plainNumeric: Uint8Array;
  /** Encodes one cell of feature k, as `encode` does for each cell of a row (same issues, same counts). */
  encodeCell(k: number, cell: string, out: Float64Array, at: number, issues: Issue[], row: number): boolean;
}

export interface EncodedCsvRows {
  X: Matrix;
  valid: Uint8Array;
  /** All issues of the batch, paths `[row, name]` or `[row]`. */
  issues: Issue[];
  invalidCount: number;
}

/**
 * Maps a CSV header onto the schema once, then encodes string rows fast. Throws MLI_SCHEMA_MISMATCH
 * listing every feature column the header lacks; extra columns are reported once in `notes`.
 * A row with a different number of fields than the header is a `ragged_row` issue.
 *
 * @example
 * const enc = createCsvRowEncoder(schema, batch.header);
 * const { X, valid, issues } = enc.encodeRows(batch.rows, batch.firstRow);
 */
export function createCsvRowEncoder(schema: Schema, header: readonly string[]): CsvRowEncoder {
  const { features, missing, known } = compile(schema);
  const n = features.length;
  const dups = duplicateColumns(header);
  if (dups.length > 0) {
    throw new MlinferError('MLI_INVALID_DATA', dups.map((d) => d.message).join('; '), { issues: dups });
  }
  const index = columnIndex(header);
  const positions = new Int32Array(n);
  const missingCols: Issue[] = [];
  features.forEach((f, k) => {
    const p = index.get(f.name);
    if (p === undefined) {
      missingCols.push({
        path: [f.name],
        kind: 'missing_column',
        message: `the input has no column ${JSON.stringify(f.name)}`,
        expected: f.expected,
      });
    } else positions[k] = p;
  });
  if (missingCols.length > 0) {
    throw new MlinferError(
      'MLI_SCHEMA_MISMATCH',
      `the input lacks ${missingCols.length} column(s) the model needs: ${missingCols.map((i) => JSON.stringify(i.path[0])).join(', ')}`,
      { issues: missingCols },
    );
  }
  const notes: Issue[] = [];
  const featureSet = new Set(features.map((f) => f.name));
  for (const c of header) {
    if (featureSet.has(c) || known.has(c)) continue;
    notes.push({
      path: [c],
      kind: 'extra_column',
      message: `column ${JSON.stringify(c)} is not a feature of the model and is ignored`,
    });
  }
  const unknown = new UnknownTracker(features, notes);
  const width = header.length;

  const encode = (
    cells: readonly unknown[],
    out: Float64Array,
    offset: number,
    issues: Issue[],
    row: number,
  ): boolean => {
    if (cells.length !== width) {
      issues.push(raggedRowIssue(row, cells.length, width));
      return false;
    }
    return putCells(features, missing, unknown, cells, positions, out, offset, issues, row);
  };
  const numericMissing = [...missing].some((m) => !Number.isNaN(parseDecimal(m)));
  const plainNumeric = Uint8Array.from(features, (f) => (f.type === T_NUMERIC && !numericMissing ? 1 : 0));

  return {
    nFeatures: n,
    encode,
    positions,
    plainNumeric,
    encodeCell: (k, cell, out, at, issues, row) =>
      putCell(features, missing, unknown, k, cell, out, at, issues, row),
    encodeRows(rows, firstRow) {
      const issues: Issue[] = [];
      const batch = encodeBatch(n, rows.length, (i, out, offset) =>
        encode(rows[i], out, offset, issues, firstRow + i),
      );
      return { ...batch, issues };
    },
    unknownCategoryCounts: unknown.counts,
    get unknownCategoryTotal() {
      return unknown.total;
    },
    notes,
  };
}

/** Training data encoded for the forest. Rows with a problem or without a target are left out. */
export interface EncodedTable {
  X: Matrix;
  /** Classification: the index into `schema.target.classes`; regression: the value. */
  y: Float64Array;
  /** The 1-based data row number of each row of X. */
  rowNumbers: Uint32Array;
  /** Problems of rejected rows (paths `[row, column]` or `[row]`), the first `maxIssues` of them. */
  issues: Issue[];
  /** The total number of problems, also those past `maxIssues`. */
  issueCount: number;
  /** Rows left out because of a problem (rows without a target are counted in `notes` instead). */
  rejectedRows: number;
  /** Not errors: rows without a target (`missing_target`), unknown categories (`unknown_category`). */
  notes: Issue[];
}

export interface EncodeTableOptions {
  /** Problems kept in `issues`, default 1000 (all are counted in `issueCount`). */
  maxIssues?: number;
}

const ENCODE_TABLE_SPEC: Spec = { maxIssues: [c.integer({ min: 0 })] };

/** What `createTargetEncoder` returns for a target value that is not a number (regression) or not a known class. */
export const INVALID_TARGET = Number.NEGATIVE_INFINITY;

/**
 * The one reading of target cells, for training and evaluation: a class index (classification) or the
 * value (regression); NaN for a missing value; INVALID_TARGET (never a valid value, as non-finite numbers
 * are rejected) for anything else. Numeric class labels compare as numbers, so `"1.0"` is the class 1.
 *
 * @example
 * const encodeTarget = createTargetEncoder(schema);
 * encodeTarget(' yes '); // 1 with classes ['no', 'yes']
 */
export function createTargetEncoder(schema: Schema): (v: unknown) => number {
  const missing = new Set(schema.missingValues);
  const t = schema.target;
  const asNumber = (v: unknown): number =>
    typeof v === 'number'
      ? Number.isFinite(v)
        ? v
        : INVALID_TARGET
      : typeof v === 'string'
        ? parseDecimal(v.trim())
        : INVALID_TARGET;
  if (t.task === 'regression') {
    return (v) => {
      if (isMissing(v, missing)) return Number.NaN;
      const x = asNumber(v);
      return Number.isNaN(x) ? INVALID_TARGET : x;
    };
  }
  const classes = t.classes ?? [];
  if (classes.length > 0 && classes.every((c) => typeof c === 'number')) {
    const idx = new Map((classes as number[]).map((c, i) => [c, i]));
    return (v) => (isMissing(v, missing) ? Number.NaN : (idx.get(asNumber(v)) ?? INVALID_TARGET));
  }
  const idx = new Map(classes.map((c, i) => [String(c), i]));
  return (v) => {
    if (isMissing(v, missing)) return Number.NaN;
    if (typeof v === 'string') return idx.get(v.trim()) ?? INVALID_TARGET;
    if (typeof v === 'number' || typeof v === 'boolean') return idx.get(String(v)) ?? INVALID_TARGET;
    return INVALID_TARGET;
  };
}

function targetExpected(schema: Schema): string {
  if (schema.target.task === 'regression') return 'a number';
  const classes = (schema.target.classes ?? []).map((c) => JSON.stringify(c));
  const shown = classes.length > 10 ? `${classes.slice(0, 10).join(', ')}, ...` : classes.join(', ');
  return `one of ${shown}`;
}

/**
 * Encodes a training table with its schema. Every bad cell is an issue (`invalid_type`, path
 * `[row, column]`), as is a wrong row length (`ragged_row`) and a target value that is not a number
 * (regression) or not a known class (`invalid_target`); such rows are left out of X and y, and the
 * caller decides whether any issue is fatal. Rows without a target are left out and noted.
 * Throws MLI_SCHEMA_MISMATCH listing every feature column the table lacks, MLI_INVALID_DATA when
 * the target column is absent.
 *
 * @example
 * const { X, y, issues, notes } = encodeTable(table, schema);
 * if (issues.length > 0) throw new MlinferError('MLI_INVALID_DATA', 'bad training rows', { issues });
 */
export function encodeTable(input: TableInput, schema: Schema, opts: EncodeTableOptions = {}): EncodedTable {
  assertOptions(opts, ENCODE_TABLE_SPEC, 'encodeTable options');
  const maxIssues = opts.maxIssues ?? 1000;
  const table = toTable(input);
  const { features, missing } = compile(schema);
  const dups = duplicateColumns(table.columns);
  if (dups.length > 0) {
    throw new MlinferError('MLI_INVALID_DATA', dups.map((d) => d.message).join('; '), { issues: dups });
  }
  const index = columnIndex(table.columns);
  const lacking = features.filter((f) => !index.has(f.name));
  if (lacking.length > 0) {
    throw new MlinferError(
      'MLI_SCHEMA_MISMATCH',
      `the data lacks ${lacking.length} feature column(s): ${lacking.map((f) => JSON.stringify(f.name)).join(', ')}`,
      {
        issues: lacking.map((f) => ({
          path: [f.name],
          kind: 'missing_column',
          message: `no column ${JSON.stringify(f.name)}`,
        })),
      },
    );
  }
  const tCol = index.get(schema.target.name);
  if (tCol === undefined) {
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `target column ${JSON.stringify(schema.target.name)} is not in the data; available columns: ${table.columns.map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
  const n = features.length;
  const positions = features.map((f) => index.get(f.name)!);
  const width = table.columns.length;
  const encodeTarget = createTargetEncoder(schema);
  const tExpected = targetExpected(schema);
  const notes: Issue[] = [];
  const unknown = new UnknownTracker(features, notes);
  const issues = new IssueList(maxIssues);
  const nRows = table.rows.length;
  const data = new Float64Array(nRows * n);
  const y = new Float64Array(nRows);
  const rowNumbers = new Uint32Array(nRows);
  let kept = 0;
  let rejected = 0;
  let noTarget = 0;
  const noTargetRows: number[] = [];

  for (let i = 0; i < nRows; i++) {
    const cells = table.rows[i];
    const row = i + 1;
    if (cells.length !== width) {
      rejected++;
      issues.push(raggedRowIssue(row, cells.length, width));
      continue;
    }
    const tv = cells[tCol];
    const t = encodeTarget(tv);
    if (Number.isNaN(t)) {
      noTarget++;
      if (noTargetRows.length < 10) noTargetRows.push(row);
      continue;
    }
    let ok = t !== INVALID_TARGET;
    if (!ok) {
      issues.push({
        path: [row, schema.target.name],
        kind: 'invalid_target',
        message: `${where(row, schema.target.name)}: expected ${tExpected}, got ${describeValue(tv)}`,
        expected: tExpected,
        received: describeValue(tv),
      });
    }
    ok = putCells(features, missing, unknown, cells, positions, data, kept * n, issues, row) && ok;
    if (!ok) {
      rejected++;
      continue;
    }
    y[kept] = t;
    rowNumbers[kept] = row;
    kept++;
  }
  if (noTarget > 0) {
    const more = noTarget > noTargetRows.length ? ', ...' : '';
    notes.unshift({
      path: [schema.target.name],
      kind: 'missing_target',
      message: `${noTarget} rows have no target value and are left out (rows ${noTargetRows.join(', ')}${more})`,
    });
  }
  return {
    // Copies only when rows were left out, so that X does not pin the larger buffer.
    X: { data: kept === nRows ? data : data.slice(0, kept * n), nRows: kept, nFeatures: n },
    y: kept === nRows ? y : y.slice(0, kept),
    rowNumbers: kept === nRows ? rowNumbers : rowNumbers.slice(0, kept),
    issues: issues.items,
    issueCount: issues.count,
    rejectedRows: rejected,
    notes,
  };
}
