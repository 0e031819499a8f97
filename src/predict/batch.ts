/**
 * Batch scoring of a stream, in one pass, on every core, with bounded memory (Node only).
 *
 * The main thread reads bytes and cuts them at record boundaries (batch-split.ts); worker threads parse,
 * encode, score and format each piece (batch-chunk.ts). At most `maxInFlight` pieces exist at any time,
 * counting the finished ones that the consumer has not taken yet, so a slow consumer stops the reading
 * and memory stays flat however large the input is. Results are taken in submission order, so the output
 * keeps the input order whatever the thread count.
 */

import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { c, checkOptions, type Spec } from '../constraints.js';
import { parseCsvText } from '../data/csv.js';
import { createCsvRowEncoder, createRowEncoder } from '../data/encode.js';
import { type Issue, MlinferError, throwIfIssues } from '../errors.js';
import { loadModel } from '../model/io.js';
import { type Model, modelFromBytes, modelToBytes } from '../model/model.js';
import type { ChunkConfig, ChunkResult } from './batch-chunk.js';
import { createFormatter } from './batch-chunk.js';
import {
  type OutputLayout,
  outputColumns,
  PREDICTION_COLUMN,
  PROBA_PREFIX,
  predictionValue,
  type RejectedRow,
} from './batch-format.js';
import { type ChunkRunner, createInlineRunner, createWorkerPool } from './batch-pool.js';
import { RecordSplitter } from './batch-split.js';

export type { RejectedRow } from './batch-format.js';

/** Byte chunks (CSV or JSON Lines text) or row objects. */
export type BatchInput =
  | AsyncIterable<Uint8Array | string | Record<string, unknown>>
  | Iterable<Uint8Array | string | Record<string, unknown>>
  | ReadableStream<Uint8Array | string | Record<string, unknown>>;

export interface BatchOptions {
  /** The model, the bytes of a model file, or a path to one. */
  model: Model | Uint8Array | string;
  /** The format of byte input, default `csv`. Ignored for row objects. */
  format?: 'csv' | 'jsonl';
  /** CSV delimiter, one ASCII character, default `,`. */
  delimiter?: string;
  /** Add class probabilities (classification). */
  proba?: boolean;
  /** Input columns carried into each result. */
  keep?: string[];
  /** Carry every input column. */
  joinInput?: boolean;
  /** Worker threads, default: the available cores; 0 scores on the calling thread. */
  threads?: number;
  /** Bytes per piece of text input, default 1 MiB. */
  chunkBytes?: number;
  /** Rows per piece of row-object input, default 8192. */
  batchRows?: number;
  /** Pieces in flight (read but not yet consumed), default 2 per thread, at least 2. Bounds memory. */
  maxInFlight?: number;
  /** A record longer than this many bytes fails the run (a quote left open), default 64 MiB. */
  maxRecordBytes?: number;
  /** More rejected rows than this fails the run with MLI_TOO_MANY_REJECTS once the input is read; default: no limit. */
  maxErrors?: number;
  /** Called for every rejected row, in row order. */
  onReject?: (reject: RejectedRow) => void;
  /** Called after each piece with the running counts. */
  onProgress?: (stats: BatchStats) => void;
  signal?: AbortSignal;
}

/** Running counts of a batch run. rowsIn = rowsOut + rowsRejected once it is done. */
export interface BatchStats {
  rowsIn: number;
  rowsOut: number;
  rowsRejected: number;
  bytesRead: number;
  unknownCategories: number;
  /** Notes about the input (extra columns, unseen categories), each once. */
  notes: Issue[];
}

function emptyStats(): BatchStats {
  return { rowsIn: 0, rowsOut: 0, rowsRejected: 0, bytesRead: 0, unknownCategories: 0, notes: [] };
}

/** One result row. */
export interface BatchRow {
  /** 1-based record number in the input (the header and blank lines not counted). */
  row: number;
  prediction: string | number;
  /** Classification with `proba`: the probability of each class, keyed by label. */
  probabilities?: Record<string, number>;
  /** The kept input columns (`keep`, `joinInput`). */
  columns?: Record<string, unknown>;
}

/** A running batch: iterate it for result rows in input order (once), or turn it into a Readable. */
export interface BatchRun extends AsyncIterable<BatchRow> {
  readonly stats: BatchStats;
  /** An object-mode Readable of BatchRow, with backpressure. */
  toReadable(): Readable;
}

/** @internal What the file writer and the row iterator share: the run once its header is known. */
export interface OpenBatch {
  model: Model;
  layout: OutputLayout;
  /** Output columns, known once the input header was read. */
  columns: string[];
  /** Input columns (CSV header, Parquet schema) or null. */
  inputColumns: string[] | null;
  stats: BatchStats;
  /** Ordered results with their first row number. */
  chunks: AsyncGenerator<ChunkResult & { firstRow: number }, void, undefined>;
}

interface Resolved {
  format: 'csv' | 'jsonl';
  delimiter: string;
  proba: boolean;
  keep: string[];
  joinInput: boolean;
  threads: number;
  chunkBytes: number;
  batchRows: number;
  maxInFlight: number;
  maxRecordBytes: number;
  maxErrors: number;
}

const isModelSource = (m: unknown): boolean =>
  typeof m === 'string' ||
  m instanceof Uint8Array ||
  (typeof m === 'object' && m !== null && 'forest' in m && 'schema' in m);

/** batchPredict's options, declared once (batchPredictFile adds its own to these). */
export const BATCH_SPEC: Spec = {
  model: {
    anyOf: [c.custom('a Model, the bytes of a model file, or a path', isModelSource)],
    required: true,
  },
  format: [c.oneOf('csv', 'jsonl')],
  delimiter: [
    c.custom(
      'one ASCII character other than a quote or a line break',
      (d) => typeof d === 'string' && d.length === 1 && !/["\r\n]/.test(d) && d <= '\x7f',
    ),
  ],
  proba: [c.boolean],
  keep: [c.array(c.string({ nonEmpty: true }), 'an array of column names')],
  joinInput: [c.boolean],
  threads: [c.integer({ min: 0 })],
  chunkBytes: [c.integer({ min: 1 })],
  batchRows: [c.integer({ min: 1 })],
  maxInFlight: [c.integer({ min: 1 })],
  maxRecordBytes: [c.integer({ min: 1 })],
  maxErrors: [c.integer({ min: 0 })],
  onReject: [c.function],
  onProgress: [c.function],
  signal: [c.signal],
};

/** Checks every option up front and fills in the defaults. */
export function resolveBatchOptions(o: BatchOptions): Resolved {
  const issues = checkOptions(o, BATCH_SPEC, { what: 'batch options' });
  const keep = o.keep ?? [];
  if (Array.isArray(keep) && new Set(keep).size !== keep.length)
    issues.push({
      path: ['keep'],
      message: `keep lists a column twice: ${keep.join(', ')}`,
      kind: 'invalid_option',
    });
  if (o.joinInput && Array.isArray(keep) && keep.length > 0)
    issues.push({
      path: ['joinInput'],
      message: 'joinInput (--join-input) and keep (--keep) cannot be used together',
      kind: 'invalid_option',
    });
  throwIfIssues('MLI_INVALID_OPTION', issues, 'batch options');
  const threads = o.threads ?? Math.max(1, availableParallelism());
  return {
    format: o.format ?? 'csv',
    delimiter: o.delimiter ?? ',',
    proba: o.proba ?? false,
    keep: [...keep],
    joinInput: o.joinInput ?? false,
    threads,
    chunkBytes: o.chunkBytes ?? 1 << 20,
    batchRows: o.batchRows ?? 8192,
    maxInFlight: o.maxInFlight ?? Math.max(2, threads * 2),
    maxRecordBytes: o.maxRecordBytes ?? 64 << 20,
    maxErrors: o.maxErrors ?? Number.POSITIVE_INFINITY,
  };
}

async function toModel(m: BatchOptions['model']): Promise<Model> {
  if (typeof m === 'string') return loadModel(m);
  if (m instanceof Uint8Array) return modelFromBytes(m);
  if (typeof m === 'object' && m !== null && 'forest' in m && 'schema' in m) return m;
  throw new MlinferError('MLI_INVALID_OPTION', 'model must be a Model, the bytes of a model file, or a path');
}

type Item = Uint8Array | string | Record<string, unknown>;

async function* fromWeb(stream: ReadableStream<Item>): AsyncGenerator<Item> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function iteratorOf(input: BatchInput): AsyncIterator<Item> | Iterator<Item> {
  if (input && typeof (input as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in input))
    return fromWeb(input as ReadableStream<Item>)[Symbol.asyncIterator]();
  if (input && Symbol.asyncIterator in (input as object))
    return (input as AsyncIterable<Item>)[Symbol.asyncIterator]();
  if (input && Symbol.iterator in (input as object) && typeof input !== 'string')
    return (input as Iterable<Item>)[Symbol.iterator]();
  throw new MlinferError(
    'MLI_INVALID_OPTION',
    'batch input must be a Node Readable, a web ReadableStream, or an (async) iterable of byte chunks or row objects',
  );
}

const encoder = new TextEncoder();

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MlinferError('MLI_ABORTED', 'the batch run was aborted');
}

function makeLayout(model: Model, r: Resolved, inputColumns: string[] | null): OutputLayout {
  const labels = model.classes ? model.classes.map(String) : null;
  if (r.proba && !labels)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      '--proba needs a classification model; this one is regression',
    );
  const keep = r.joinInput && inputColumns ? [...inputColumns] : r.keep;
  if (inputColumns) {
    const have = new Set(inputColumns);
    const lacking = r.keep.filter((k) => !have.has(k));
    if (lacking.length > 0)
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `keep names column(s) the input lacks: ${lacking.map((k) => JSON.stringify(k)).join(', ')}`,
      );
  }
  const layout: OutputLayout = {
    keep,
    keepAll: r.joinInput && !inputColumns,
    labels,
    proba: r.proba,
  };
  const own = [PREDICTION_COLUMN, ...(r.proba && labels ? labels.map((l) => PROBA_PREFIX + l) : [])];
  const clash = keep.filter((k) => own.includes(k));
  if (clash.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `kept input column(s) ${clash.map((k) => JSON.stringify(k)).join(', ')} clash with the output column(s) of the same name`,
    );
  return layout;
}

/**
 * Opens a run: reads up to the header (CSV), checks it against the model, starts the workers, and returns
 * the ordered pieces. Used by `batchPredict` and `batchPredictFile`.
 * @internal
 */
export async function openBatch(
  input: BatchInput,
  options: BatchOptions,
  output: ChunkConfig['output'],
  hints: { inputColumns?: string[] } = {},
): Promise<OpenBatch> {
  const r = resolveBatchOptions(options);
  const signal = options.signal;
  aborted(signal);
  const it = iteratorOf(input);
  const model = await toModel(options.model);
  const stats = emptyStats();
  const first = await it.next();
  const rowsMode = !first.done && !(first.value instanceof Uint8Array) && typeof first.value !== 'string';
  let buffered: Item[] = first.done ? [] : [first.value];

  let header: string[] | null = null;
  let newline: '\n' | '\r\n' = '\n';
  let splitter: RecordSplitter | null = null;
  const asBytes = (v: Item): Uint8Array => {
    if (v instanceof Uint8Array) return v;
    if (typeof v === 'string') return encoder.encode(v);
    throw new MlinferError('MLI_INVALID_OPTION', 'byte input mixes row objects with byte chunks');
  };
  let ended = first.done === true;
  const earlyPieces: ReturnType<RecordSplitter['push']> = [];
  if (!rowsMode) {
    splitter = new RecordSplitter({
      format: r.format,
      delimiter: r.delimiter,
      header: r.format === 'csv',
      targetBytes: r.chunkBytes,
      maxRecordBytes: r.maxRecordBytes,
    });
    // Read until the header is complete, so that it can be checked before any worker starts.
    for (;;) {
      for (const v of buffered) {
        const b = asBytes(v);
        stats.bytesRead += b.byteLength;
        earlyPieces.push(...splitter.push(b));
      }
      buffered = [];
      if (r.format !== 'csv' || splitter.header !== null || ended) break;
      const n = await it.next();
      if (n.done) {
        ended = true;
        earlyPieces.push(...splitter.end());
        break;
      }
      buffered.push(n.value);
    }
    if (splitter.header !== null) {
      const text = new TextDecoder().decode(splitter.header);
      const parsed = parseCsvText(`${text}\n`, { delimiter: r.delimiter });
      // The splitter cuts records at LF only: with lone-CR line breaks (classic Mac OS) the whole file
      // would pass for the header and the run would score 0 rows with exit 0. Fail loudly instead.
      if (parsed.rows.length > 0)
        throw new MlinferError(
          'MLI_CSV_PARSE',
          'the CSV input has lone CR line breaks (classic Mac OS); batch scoring reads LF or CRLF line breaks: convert the file first',
        );
      header = parsed.header;
      newline = splitter.headerCrlf ? '\r\n' : '\n';
      createCsvRowEncoder(model.schema, header); // fails now, on the main thread, when columns are lacking
    }
  }
  const inputColumns = header ?? hints.inputColumns ?? null;
  const layout = makeLayout(model, r, inputColumns);
  if (layout.keepAll && output !== 'jsonl' && output !== 'rows')
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      'joinInput (--join-input) needs input with known columns (CSV or Parquet) for CSV or Parquet output; list the columns with keep instead',
    );
  const config: ChunkConfig = {
    input: rowsMode ? 'matrix' : r.format,
    header,
    delimiter: r.delimiter,
    newline,
    layout,
    output,
  };
  const columns = outputColumns(layout);
  const runner: ChunkRunner =
    r.threads === 0
      ? createInlineRunner(model, config)
      : createWorkerPool(modelToBytes(model), config, r.threads);

  type Submitted = Promise<ChunkResult & { firstRow: number }>;
  const submitText = (p: { bytes: Uint8Array; firstRow: number; records: number }): Submitted =>
    runner.run({ kind: 'text', ...p }).then((res) => ({ ...res, firstRow: p.firstRow }));

  // Row objects: encoded here (cloning objects to a worker costs more than encoding them), scored there.
  const rowEncoder = rowsMode ? createRowEncoder(model.schema) : null;
  const rowFormatter = rowsMode ? createFormatter(config, model.classes, model.forest.arrays.nOutputs) : null;
  let nextRow = 1;
  const submitRows = (rows: Item[]): Submitted => {
    const d = model.forest.nFeatures;
    const C = model.forest.arrays.nOutputs;
    const firstRow = nextRow;
    nextRow += rows.length;
    const X = new Float64Array(rows.length * d);
    const valid = new Uint8Array(rows.length);
    const okIndex: number[] = [];
    const rejects: RejectedRow[] = [];
    const before = rowEncoder!.unknownCategoryTotal;
    const seenNotes = rowEncoder!.notes.length;
    for (let i = 0; i < rows.length; i++) {
      const issues: Issue[] = [];
      const row = firstRow + i;
      if (rowEncoder!.encode(rows[i], X, okIndex.length * d, issues, row)) {
        valid[i] = 1;
        okIndex.push(i);
      } else rejects.push({ row, raw: safeJson(rows[i]), reasons: issues });
    }
    const recs = rows.map((x, i) => (valid[i] ? (x as Record<string, unknown>) : null));
    const unknownCategories = rowEncoder!.unknownCategoryTotal - before;
    const notes = rowEncoder!.notes.slice(seenNotes);
    return runner
      .run({ kind: 'matrix', data: X.subarray(0, okIndex.length * d).slice(), nRows: okIndex.length })
      .then((res) => {
        const scores = new Float64Array(rows.length * C).fill(Number.NaN);
        for (let k = 0; k < okIndex.length; k++)
          scores.set(res.scores!.subarray(k * C, (k + 1) * C), okIndex[k] * C);
        const out: ChunkResult & { firstRow: number } = {
          records: rows.length,
          ok: okIndex.length,
          rejects,
          unknownCategories,
          notes,
          firstRow,
        };
        if (output === 'rows') {
          out.scores = scores;
          out.valid = valid;
          if (layout.keep.length > 0 || layout.keepAll)
            out.kept = recs.map((x) => (x === null ? [] : rowFormatter!.keptOf(x)));
        } else out.text = rowFormatter!.format(recs, scores, valid);
        return out;
      });
  };

  // Wrapped in an object: an async generator would await a yielded promise, and serialise the pieces.
  async function* produce(): AsyncGenerator<{ p: Submitted }> {
    for (const p of earlyPieces) yield { p: submitText(p) };
    if (rowsMode) {
      let batch: Item[] = buffered;
      for (;;) {
        if (batch.length >= r.batchRows) {
          yield { p: submitRows(batch.slice(0, r.batchRows)) };
          batch = batch.slice(r.batchRows);
          continue;
        }
        if (ended) break;
        const n = await it.next();
        if (n.done) ended = true;
        else batch.push(n.value);
      }
      if (batch.length > 0) yield { p: submitRows(batch) };
      return;
    }
    while (!ended) {
      const n = await it.next();
      if (n.done) {
        ended = true;
        for (const p of splitter!.end()) yield { p: submitText(p) };
        break;
      }
      const b = asBytes(n.value);
      stats.bytesRead += b.byteLength;
      for (const p of splitter!.push(b)) yield { p: submitText(p) };
    }
  }

  async function* ordered(): AsyncGenerator<ChunkResult & { firstRow: number }, void, undefined> {
    const queue: Submitted[] = [];
    const source = produce();
    let sourceDone = false;
    const seenNotes = new Set<string>();
    try {
      for (;;) {
        while (!sourceDone && queue.length < r.maxInFlight) {
          aborted(signal);
          const n = await source.next();
          if (n.done) sourceDone = true;
          else {
            n.value.p.catch(() => {}); // awaited below, in order; this only silences an early rejection
            queue.push(n.value.p);
          }
        }
        if (queue.length === 0) break;
        const res = await withAbort(queue.shift()!, signal);
        stats.rowsIn += res.records;
        stats.rowsOut += res.ok;
        stats.rowsRejected += res.rejects.length;
        stats.unknownCategories += res.unknownCategories;
        for (const n of res.notes) {
          const key = `${n.kind}:${n.path.join('.')}`;
          if (!seenNotes.has(key)) {
            seenNotes.add(key);
            stats.notes.push(n);
          }
        }
        if (options.onReject) for (const rej of res.rejects) options.onReject(rej);
        options.onProgress?.(stats);
        yield res;
      }
    } finally {
      await source.return(undefined);
      await runner.close();
      if (!ended) await (it as AsyncIterator<Item>).return?.();
    }
  }

  return { model, layout, columns, inputColumns, stats, chunks: ordered() };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function withAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  aborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new MlinferError('MLI_ABORTED', 'the batch run was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Throws MLI_TOO_MANY_REJECTS when the run rejected more rows than `maxErrors`. */
export function checkRejects(stats: BatchStats, maxErrors: number | undefined): void {
  if (maxErrors !== undefined && stats.rowsRejected > maxErrors)
    throw new MlinferError(
      'MLI_TOO_MANY_REJECTS',
      `${stats.rowsRejected} rows were rejected, more than the ${maxErrors} allowed (--max-errors)`,
    );
}

function* rowsOf(
  res: ChunkResult & { firstRow: number },
  model: Model,
  layout: OutputLayout,
): Generator<BatchRow> {
  const C = model.forest.arrays.nOutputs;
  const labels = model.classes;
  const scores = res.scores!;
  for (let i = 0; i < res.records; i++) {
    if (!res.valid![i]) continue;
    const o = i * C;
    const row: BatchRow = { row: res.firstRow + i, prediction: predictionValue(labels, scores, o, C) };
    if (layout.proba && labels) {
      const p: Record<string, number> = {};
      for (let c = 0; c < C; c++) p[String(labels[c])] = scores[o + c];
      row.probabilities = p;
    }
    if (res.kept) {
      const k = res.kept[i];
      if (Array.isArray(k)) {
        const cols: Record<string, unknown> = {};
        for (let j = 0; j < layout.keep.length; j++) cols[layout.keep[j]] = k[j];
        row.columns = cols;
      } else row.columns = { ...k };
    }
    yield row;
  }
}

/**
 * Scores a stream in one pass on worker threads: result rows come out in input order, with
 * backpressure (a slow consumer slows the reading) and bounded memory. Rejected rows go to `onReject`
 * and are counted in `stats`; every input row is either a result or a reject.
 *
 * @example
 * const run = batchPredict(fs.createReadStream('customers.csv'), { model, proba: true, keep: ['customer_id'] });
 * for await (const r of run) console.log(r.row, r.columns?.customer_id, r.prediction, r.probabilities);
 * console.log(run.stats); // { rowsIn, rowsOut, rowsRejected, ... }
 */
export function batchPredict(input: BatchInput, options: BatchOptions): BatchRun {
  const stats = emptyStats();
  let used = false;
  async function* rows(): AsyncGenerator<BatchRow, void, undefined> {
    if (used) throw new MlinferError('MLI_INVALID_OPTION', 'a batch run can be iterated only once');
    used = true;
    const open = await openBatch(input, options, 'rows');
    for await (const res of open.chunks) {
      Object.assign(stats, open.stats);
      for (const row of rowsOf(res, open.model, open.layout)) {
        aborted(options.signal);
        yield row;
      }
    }
    Object.assign(stats, open.stats);
    checkRejects(stats, options.maxErrors);
  }
  return {
    stats,
    [Symbol.asyncIterator]: () => rows(),
    toReadable: () => Readable.from(rows(), { objectMode: true, highWaterMark: 64 }),
  };
}
