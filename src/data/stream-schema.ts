/**
 * Pass one of streaming training (issue 16): one read of the files gathers, per column, what schema
 * inference needs (see `SchemaSource` in schema.ts) and what binning needs, in memory bounded by the number
 * of columns, not rows:
 * - types, present and missing counts, and the target scan: exactly as on a table in memory;
 * - category counts: exact (first-seen order and all) while a column has at most `CATEGORY_LIMIT` distinct
 *   values; past that, Misra-Gries counters (every value seen in more than n / (CATEGORY_LIMIT + 1) rows is
 *   kept, each count low by at most that much), and a note says so. A column that reads as numbers and then
 *   meets text (it turns categorical late) is counted again from its first row in an extra pass over the files;
 * - identifier columns (schema.ts' rule): exact while the category counts are; past the limit, by 64-bit
 *   hashes of the labels (8 bytes a row, for such columns only; a false duplicate has odds about n^2 / 2^65);
 *   integer keys in columns named as ids are kept as numbers (8 bytes a row) and checked exactly;
 * - per numeric feature, a quantile sketch (sketch.ts) and the distinct values up to `maxBins` of them,
 *   so that a feature with few values gets exact bins, as the in-memory path gives it.
 */

import { type Issue, MlinferError } from '../errors.js';
import { isMissing, parseBoolean, parseDecimal } from './cells.js';
import type { FileFormat } from './file-format.js';
import {
  cellLabel,
  type FeatureType,
  ID_MIN_ROWS,
  isIdName,
  newTargetScan,
  type ResolvedOptions,
  type SchemaSource,
  scanTargetCell,
  type TargetScan,
} from './schema.js';
import { QuantileSketch } from './sketch.js';
import { type RowBatch, rowLocation, type StreamColumns } from './stream-rows.js';
import type { Cell } from './table.js';

/** Distinct values counted exactly per categorical column (and per target, as classes). */
export const CATEGORY_LIMIT = 65_536;

/** FNV-1a, 64 bits (as two 32-bit halves): the label hashes of the identifier check. */
function hash64(s: string): bigint {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 15);
  }
  return (BigInt(h1 >>> 0) << 32n) | BigInt(h2 >>> 0);
}

/** A growable typed array of numbers or hashes. */
class Growable<T extends Float64Array | BigUint64Array> {
  size = 0;
  constructor(public data: T) {}
  push(v: T[number]): void {
    if (this.size === this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.size++] = v;
  }
  /** True when some value appears twice. */
  hasDuplicate(): boolean {
    const sorted = this.data.subarray(0, this.size).sort();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
    return false;
  }
}

/** Category counts: exact up to CATEGORY_LIMIT distinct values, then Misra-Gries (see the module comment). */
export class CategoryCounter {
  readonly counts = new Map<string, number>();
  /** No value seen twice (exact while not overflowed; then `hashes` decides). */
  distinct = true;
  overflowed = false;
  private hashes: Growable<BigUint64Array> | null = null;

  add(label: string): void {
    const c = this.counts.get(label);
    if (c !== undefined) {
      this.counts.set(label, c + 1);
      if (!this.overflowed) this.distinct = false;
      else this.hashes?.push(hash64(label));
      return;
    }
    if (this.counts.size < CATEGORY_LIMIT) {
      this.counts.set(label, 1);
      this.hashes?.push(hash64(label));
      return;
    }
    if (!this.overflowed) {
      this.overflowed = true;
      if (this.distinct) {
        this.hashes = new Growable(new BigUint64Array(CATEGORY_LIMIT * 2));
        for (const k of this.counts.keys()) this.hashes.push(hash64(k));
      }
    }
    this.hashes?.push(hash64(label));
    // Misra-Gries: a new value when every counter is taken lowers them all by one.
    for (const [k, n] of this.counts) {
      if (n <= 1) this.counts.delete(k);
      else this.counts.set(k, n - 1);
    }
  }

  /** Whether every value was different (checks the hashes once the exact counts overflowed). */
  allDistinct(): boolean {
    if (!this.distinct) return false;
    if (this.hashes === null) return true;
    this.distinct = !this.hashes.hasDuplicate();
    this.hashes = null;
    return this.distinct;
  }
}

/** What pass one knows of a numeric or boolean feature, for its bin edges. */
export interface NumericSummary {
  sketch: QuantileSketch;
  /** The distinct values, while there are at most maxBins of them; null past that. */
  distinct: Set<number> | null;
  /** Values seen (present and finite). */
  count: number;
}

/** One column's accumulators. */
class ColumnStats {
  present = 0;
  missing = 0;
  numeric = true;
  boolean = true;
  /** Numbers seen before the column turned non-numeric: its category counts then start late. */
  countsStartedLate = false;
  counter: CategoryCounter | null = null;
  num: NumericSummary | null;
  /** Integer keys of a column named as an id, while it can still be one. */
  idNumbers: Growable<Float64Array> | null;

  constructor(
    readonly name: string,
    readonly given: FeatureType | undefined,
    private readonly maxBins: number,
    readonly missingSet: ReadonlySet<string>,
    priorRows: number,
  ) {
    const numericLike = given === undefined || given === 'numeric' || given === 'boolean';
    this.num = numericLike ? { sketch: new QuantileSketch(), distinct: new Set(), count: 0 } : null;
    if (given === 'categorical') this.counter = new CategoryCounter();
    this.idNumbers = given === undefined && isIdName(name) ? new Growable(new Float64Array(1024)) : null;
    // A key first seen after some records: it was absent (missing) in every earlier one.
    if (priorRows > 0) {
      this.missing = priorRows;
      this.idNumbers = null;
    }
  }

  private addNumber(x: number): void {
    const num = this.num!;
    if (!Number.isFinite(x)) return;
    num.sketch.add(x);
    num.count++;
    if (num.distinct !== null) {
      num.distinct.add(x);
      if (num.distinct.size > this.maxBins) num.distinct = null;
    }
  }

  /** Adds a cell; `binned` is false for a row without a target, which training leaves out of the bins too. */
  add(v: Cell, binned: boolean): void {
    if (isMissing(v, this.missingSet)) {
      this.missing++;
      this.idNumbers = null;
      return;
    }
    this.present++;
    const s = typeof v === 'string' ? v.trim() : '';
    const x = typeof v === 'number' ? v : typeof v === 'string' ? parseDecimal(s) : Number.NaN;
    const b = typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? parseBoolean(s) : Number.NaN;
    if (this.given === undefined) {
      const wasNumeric = this.numeric;
      if (typeof v === 'number') this.boolean = false;
      else if (typeof v === 'boolean') this.numeric = false;
      else {
        if (this.numeric && Number.isNaN(x)) this.numeric = false;
        if (this.boolean && Number.isNaN(b)) this.boolean = false;
      }
      if (wasNumeric && !this.numeric) {
        // Numbers came first: their labels were not counted, so a later pass counts this column again.
        if (this.present > 1) this.countsStartedLate = true;
        this.counter = new CategoryCounter();
      }
      if (!this.numeric && !this.boolean) this.num = null;
      if (this.idNumbers !== null && (!this.numeric || !Number.isInteger(x))) this.idNumbers = null;
    }
    if (this.counter !== null) this.counter.add(cellLabel(v));
    if (this.num !== null && binned) {
      const numeric = this.given === 'numeric' || (this.given === undefined && this.numeric);
      if (numeric && !Number.isNaN(x)) this.addNumber(x);
      else if (!numeric && !Number.isNaN(b)) this.addNumber(b);
    }
    this.idNumbers?.push(x);
  }

  type(): FeatureType {
    return this.given ?? (this.numeric ? 'numeric' : this.boolean ? 'boolean' : 'categorical');
  }
}

/** The target's classes, both ways, until it is known whether every value is a number. */
class TargetValues {
  numbers: Set<number> | null = new Set();
  labels: Set<string> | null = new Set();

  add(v: Cell, missing: ReadonlySet<string>): void {
    if (isMissing(v, missing)) return;
    if (this.labels !== null) {
      this.labels.add(cellLabel(v));
      if (this.labels.size > CATEGORY_LIMIT) this.labels = null;
    }
    if (this.numbers !== null) {
      const x = typeof v === 'number' ? v : typeof v === 'string' ? parseDecimal(v.trim()) : Number.NaN;
      if (!Number.isNaN(x)) this.numbers.add(x);
      if (this.numbers.size > CATEGORY_LIMIT) this.numbers = null;
    }
  }
}

/** What pass one found: a schema source, the numeric summaries, and counts. */
export interface StreamSummary {
  source: SchemaSource;
  columns: StreamColumns;
  /** The summary of each column by name (features only: not the target, not excluded columns). */
  numeric: Map<string, NumericSummary>;
  rowCount: number;
  /** Rows with a target value: the rows that pass two encodes (less any invalid ones). */
  rowsWithTarget: number;
  /** Notes of the streaming summary itself (approximate category counts). */
  notes: Issue[];
}

export interface SummarizeOptions {
  format: FileFormat;
  /** The target, chosen from the first columns seen (`pickTarget`); checked again against all columns. */
  chooseTarget(columns: readonly string[]): string;
  o: Omit<ResolvedOptions, 'target'>;
  maxBins: number;
  /** Reads the files again from the start (for a column counted late), with the same columns object. */
  reread(): AsyncIterable<RowBatch>;
}

/** Feeds one batch into the accumulators; new columns (records) get theirs on first sight. */
function feed(
  batch: RowBatch,
  stats: (ColumnStats | null)[],
  make: (j: number, priorRows: number) => ColumnStats | null,
  target: { j: number; scan: TargetScan; values: TargetValues; o: ResolvedOptions },
  format: FileFormat,
  firstRow: number,
): void {
  const { rows } = batch;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    while (stats.length < row.length) stats.push(make(stats.length, firstRow + i - 1));
    const tv = target.j < row.length ? row[target.j] : null;
    const binned = !isMissing(tv, target.o.missing);
    for (let j = 0; j < stats.length; j++) stats[j]?.add(j < row.length ? row[j] : null, binned);
    scanTargetCell(target.scan, tv, firstRow + i, target.o, () =>
      rowLocation(format, batch.file, batch.position(i)),
    );
    target.values.add(tv, target.o.missing);
  }
}

/**
 * Pass one (see the module comment): reads `batches` once (plus once more when a column turned categorical
 * after a stretch of numbers) and returns the schema source and the numeric summaries.
 *
 * @example
 * const s = await summarizeStream(readRowBatches(files, 'csv', columns), { format: 'csv', ... });
 * const { schema } = inferSchemaFromSource(s.source, { target, ... });
 */
export async function summarizeStream(
  batches: AsyncIterable<RowBatch>,
  columns: StreamColumns,
  opts: SummarizeOptions,
): Promise<StreamSummary> {
  const excluded = new Set(opts.o.exclude);
  let targetName: string | null = null;
  const o = () => ({ ...opts.o, target: targetName! }) as ResolvedOptions;
  const make = (j: number, priorRows: number): ColumnStats | null => {
    const name = columns.names[j];
    if (name === targetName || excluded.has(name)) return null;
    return new ColumnStats(name, opts.o.types[name], opts.maxBins, opts.o.missing, priorRows);
  };
  const stats: (ColumnStats | null)[] = [];
  let target: Parameters<typeof feed>[3] | null = null;
  let rowCount = 0;
  for await (const batch of batches) {
    if (target === null) {
      targetName = opts.chooseTarget(columns.names);
      target = { j: columns.indexOf(targetName), scan: newTargetScan(), values: new TargetValues(), o: o() };
      if (!columns.has(targetName)) target.j = Number.MAX_SAFE_INTEGER;
    }
    feed(batch, stats, make, target, opts.format, rowCount + 1);
    rowCount += batch.rows.length;
  }
  if (target === null) throw new MlinferError('MLI_INVALID_DATA', 'the training files have no rows');
  const finalTarget = opts.chooseTarget(columns.names);
  if (finalTarget !== targetName)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `the target was taken to be ${JSON.stringify(targetName)} from the first records, but later records add the column ${JSON.stringify(finalTarget)}: pass target (--target)`,
    );
  while (stats.length < columns.names.length) stats.push(make(stats.length, rowCount));
  const late = stats.filter((s): s is ColumnStats => s?.countsStartedLate === true);
  if (late.length > 0) await recount(opts.reread(), late, stats);
  return buildSummary(stats, target, columns, rowCount, o());
}

/** Counts the labels of columns that turned categorical late, from their first row. */
async function recount(
  batches: AsyncIterable<RowBatch>,
  late: ColumnStats[],
  stats: (ColumnStats | null)[],
): Promise<void> {
  for (const s of late) s.counter = new CategoryCounter();
  const js = late.map((s) => stats.indexOf(s));
  for await (const b of batches)
    for (const row of b.rows)
      for (let k = 0; k < js.length; k++) {
        const v = js[k] < row.length ? row[js[k]] : null;
        if (!isMissing(v, late[k].missingSet)) late[k].counter!.add(cellLabel(v));
      }
}

function buildSummary(
  stats: (ColumnStats | null)[],
  target: Parameters<typeof feed>[3],
  columns: StreamColumns,
  rowCount: number,
  o: ResolvedOptions,
): StreamSummary {
  const notes: Issue[] = [];
  const numeric = new Map<string, NumericSummary>();
  for (const s of stats) if (s?.num) numeric.set(s.name, s.num);
  const byIndex = (j: number): ColumnStats => {
    const s = stats[j];
    if (!s)
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `column ${JSON.stringify(columns.names[j])} was not summarised`,
      );
    return s;
  };
  const source: SchemaSource = {
    columns: columns.names,
    rowCount,
    scanTarget: () => target.scan,
    targetValues(_j, allNumeric) {
      const set = allNumeric ? target.values.numbers : target.values.labels;
      if (set === null)
        throw new MlinferError(
          'MLI_INVALID_DATA',
          `the target ${JSON.stringify(o.target)} has more than ${CATEGORY_LIMIT} distinct values: too many classes; pass task 'regression' (--task regression) to predict a number`,
        );
      return set;
    },
    inferType: (j) => ({ type: byIndex(j).type(), present: byIndex(j).present }),
    identifiesRows(_name, j, type) {
      const s = byIndex(j);
      if (rowCount < ID_MIN_ROWS || type === 'boolean' || s.missing > 0) return false;
      if (type === 'numeric') return s.idNumbers !== null && !s.idNumbers.hasDuplicate();
      return s.counter?.allDistinct() === true;
    },
    categoryCounts(j) {
      const s = byIndex(j);
      s.counter ??= new CategoryCounter();
      if (s.counter.overflowed)
        notes.push({
          path: [s.name],
          kind: 'approximate_categories',
          message: `column ${JSON.stringify(s.name)} has more than ${CATEGORY_LIMIT} distinct values: its most frequent categories were found by Misra-Gries counting (exact for any category in more than ${Math.floor(rowCount / (CATEGORY_LIMIT + 1))} rows)`,
        });
      return s.counter.counts;
    },
  };
  return { source, columns, numeric, rowCount, rowsWithTarget: target.scan.present, notes };
}
