/**
 * The in-memory table: column names and row-major raw cells. Nothing is typed or encoded yet; the
 * schema decides what a cell means.
 */

import { type Issue, MlinferError } from '../errors.js';
import { describeValue, IssueList } from './cells.js';

export type Cell = string | number | boolean | null;

/** Row-major raw cells. Row `i` is data row number `i + 1` in issues. */
export interface Table {
  columns: string[];
  rows: Cell[][];
}

/** What `toTable` accepts. */
export type TableInput =
  | Record<string, unknown>[]
  | Record<string, ArrayLike<unknown>>
  | { header: string[]; rows: Cell[][] }
  | Table;

const MAX_ISSUES = 1000;

function isCell(v: unknown): v is Cell {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function fail(message: string, issues: IssueList): never {
  const more = issues.count > issues.items.length ? ` (showing ${issues.items.length})` : '';
  throw new MlinferError('MLI_INVALID_DATA', `${message}: ${issues.count} problems${more}`, {
    issues: issues.items,
  });
}

function fromRecords(records: unknown[]): Table {
  const index = new Map<string, number>();
  const columns: string[] = [];
  const issues = new IssueList(MAX_ISSUES);
  // First pass: the union of keys in first-seen order, so every row gets the same width.
  records.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      issues.push({
        path: [i + 1],
        kind: 'not_an_object',
        message: `row ${i + 1} must be an object, got ${describeValue(r)}`,
      });
      return;
    }
    for (const k of Object.keys(r)) {
      if (!index.has(k)) {
        index.set(k, columns.length);
        columns.push(k);
      }
    }
  });
  if (issues.count > 0) fail('the rows are not all objects', issues);
  const rows: Cell[][] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as Record<string, unknown>;
    const row: Cell[] = new Array(columns.length).fill(null);
    for (const k of Object.keys(r)) {
      const v = r[k];
      if (v === undefined) continue;
      if (!isCell(v)) {
        issues.push({
          path: [i + 1, k],
          kind: 'invalid_type',
          message: `row ${i + 1}, column ${JSON.stringify(k)}: expected a string, number, boolean or null, got ${describeValue(v)}`,
          expected: 'string, number, boolean or null',
          received: describeValue(v),
        });
        continue;
      }
      row[index.get(k)!] = v;
    }
    rows[i] = row;
  }
  if (issues.count > 0) fail('some cells are not plain values', issues);
  return { columns, rows };
}

function fromColumns(obj: Record<string, unknown>): Table {
  const columns = Object.keys(obj);
  const issues = new IssueList(MAX_ISSUES);
  let nRows = -1;
  for (const c of columns) {
    const col = obj[c];
    const arrayLike = Array.isArray(col) || ArrayBuffer.isView(col);
    if (!arrayLike) {
      issues.push({
        path: [c],
        kind: 'invalid_type',
        message: `column ${JSON.stringify(c)} must be an array, got ${describeValue(col)}`,
      });
      continue;
    }
    const len = (col as ArrayLike<unknown>).length;
    if (nRows === -1) nRows = len;
    else if (len !== nRows) {
      issues.push({
        path: [c],
        kind: 'length_mismatch',
        message: `column ${JSON.stringify(c)} has ${len} values, column ${JSON.stringify(columns[0])} has ${nRows}`,
        expected: `${nRows} values`,
        received: `${len} values`,
      });
    }
  }
  if (issues.count > 0) fail('the column table is not rectangular', issues);
  nRows = Math.max(nRows, 0);
  const rows: Cell[][] = new Array(nRows);
  for (let i = 0; i < nRows; i++) rows[i] = new Array(columns.length);
  columns.forEach((c, j) => {
    const col = obj[c] as ArrayLike<unknown>;
    for (let i = 0; i < nRows; i++) {
      const v = col[i];
      if (v === undefined) rows[i][j] = null;
      else if (isCell(v)) rows[i][j] = v;
      else {
        rows[i][j] = null;
        issues.push({
          path: [i + 1, c],
          kind: 'invalid_type',
          message: `row ${i + 1}, column ${JSON.stringify(c)}: expected a string, number, boolean or null, got ${describeValue(v)}`,
        });
      }
    }
  });
  if (issues.count > 0) fail('some cells are not plain values', issues);
  return { columns, rows };
}

/**
 * Builds a Table from row objects (columns: the union of keys, in first-seen order; absent keys are
 * null), from a column table `{ a: [...], b: [...] }` (equal lengths), or from a parsed CSV
 * `{ header, rows }` / a Table (returned as is, sharing the rows).
 * Throws MLI_INVALID_DATA listing every problem (up to 1000).
 *
 * @example
 * toTable([{ a: 1 }, { b: 'x' }]); // { columns: ['a', 'b'], rows: [[1, null], [null, 'x']] }
 * toTable({ a: [1, 2], b: ['x', 'y'] }); // { columns: ['a', 'b'], rows: [[1, 'x'], [2, 'y']] }
 */
export function toTable(input: TableInput): Table {
  if (Array.isArray(input)) return fromRecords(input);
  if (typeof input !== 'object' || input === null) {
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `expected an array of row objects, a column table or { header, rows }, got ${describeValue(input)}`,
    );
  }
  const o = input as Record<string, unknown>;
  // Parsed forms have rows that are arrays of arrays; a column named "rows" would hold cells instead.
  const names = isStringArray(o.columns) ? o.columns : isStringArray(o.header) ? o.header : null;
  if (names && Array.isArray(o.rows) && o.rows.every((r) => Array.isArray(r))) {
    return { columns: names, rows: o.rows as Cell[][] };
  }
  return fromColumns(o);
}

/** The index of each column name; used to map a schema onto a table. */
export function columnIndex(columns: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  columns.forEach((c, i) => {
    if (!m.has(c)) m.set(c, i);
  });
  return m;
}

/** Issues for names that appear more than once (a table from a header can have them). */
export function duplicateColumns(columns: readonly string[]): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const c of columns) {
    if (seen.has(c)) {
      issues.push({
        path: [c],
        kind: 'duplicate_column',
        message: `column ${JSON.stringify(c)} appears more than once`,
      });
    }
    seen.add(c);
  }
  return issues;
}
