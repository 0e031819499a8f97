/**
 * Batch scoring of a stream, in one pass, on every core, with bounded memory (Node only): the pipeline.
 *
 * The input is read and cut into pieces (batch-input.ts); worker threads parse, encode, score and format
 * each piece (batch-chunk.ts). At most `maxInFlight` pieces exist at any time, counting the finished ones
 * that the consumer has not taken yet, so a slow consumer stops the reading and memory stays flat however
 * large the input is. Results are taken in submission order, so the output keeps the input order whatever
 * the thread count. The options are in batch-options.ts.
 */

import { Readable } from 'node:stream';
import { createCsvRowEncoder, createRowEncoder } from '../data/encode.js';
import { type Issue, MlinferError } from '../errors.js';
import { addUnseen } from '../model/drift-counts.js';
import type { Model } from '../model/model.js';
import {
  type ChunkConfig,
  type ChunkResult,
  createFormatter,
  encodeRecords,
  shapeResult,
  spreadScores,
} from './batch-chunk.js';
import { type OutputLayout, outputColumns, predictionValue } from './batch-format.js';
import { type BatchInput, type InputPiece, inputSource, type OpenedInput, openInput } from './batch-input.js';
import {
  type BatchOptions,
  makeLayout,
  type ResolvedBatchOptions,
  resolveBatchOptions,
  toModel,
} from './batch-options.js';
import { type ChunkRunner, createRunner } from './batch-pool.js';
import { spreadReasons } from './batch-reasons.js';
import { createUnseenDelta, wantsDrift } from './drift-batch.js';

export type { RejectedRow } from './batch-format.js';
export type { BatchInput } from './batch-input.js';
export type { BatchOptions } from './batch-options.js';

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
  /** With `explain`: the features with the largest effect toward the prediction, largest first. */
  reasons?: { feature: string; value: unknown; contribution: number }[];
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

/** A piece's result with the number of its first record. */
type Numbered = ChunkResult & { firstRow: number };

/**
 * Opens a run: reads up to the header (CSV), checks it against the model, starts the workers, and returns
 * the ordered pieces. Used by `batchPredict` and `batchPredictFile`.
 * @internal
 */
export async function openBatch(
  input: BatchInput,
  options: BatchOptions,
  output: ChunkConfig['output'],
  hints: { inputColumns?: string[]; plainCsv?: boolean } = {},
): Promise<OpenBatch> {
  const r = resolveBatchOptions(options);
  aborted(options.signal);
  const stats = emptyStats();
  const source = inputSource(input);
  const model = await toModel(options.model);
  // A run that fails while opening returns its source, so that a file read is closed now, not by the GC.
  const opened = await openInput(source, r, stats).catch(async (e: unknown) => {
    await source.return?.();
    throw e;
  });
  try {
    return startRun(model, r, opened, stats, options, output, hints);
  } catch (e) {
    await opened.close();
    throw e;
  }
}

/** The run once its input is open: checks the header against the model, starts the workers. */
function startRun(
  model: Model,
  r: ResolvedBatchOptions,
  opened: OpenedInput,
  stats: BatchStats,
  options: BatchOptions,
  output: ChunkConfig['output'],
  hints: { inputColumns?: string[]; plainCsv?: boolean },
): OpenBatch {
  const { header, rowsMode } = opened;
  if (header) createCsvRowEncoder(model.schema, header); // fails now, on the main thread, when columns are lacking
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
    newline: opened.newline,
    layout,
    output,
    drift: wantsDrift(model, options.drift),
    ...(hints.plainCsv === false ? { plainCsv: false } : {}),
  };
  const runner = createRunner(model, config, r.threads);
  const submitRows = rowsMode ? rowSubmitter(model, config, runner) : null;
  const submit = (p: InputPiece): Promise<Numbered> =>
    p.kind === 'rows'
      ? submitRows!(p.rows)
      : runner.run(p).then(({ spent, ...res }) => {
          if (spent) opened.recycle(spent);
          return { ...res, firstRow: p.firstRow };
        });
  const chunks = ordered(opened.pieces, submit, r.maxInFlight, stats, options, async () => {
    await runner.close();
    await opened.close();
  });
  return { model, layout, columns: outputColumns(layout), inputColumns, stats, chunks };
}

/**
 * Row objects are encoded on the main thread (cloning objects to a worker costs more than encoding them)
 * and scored there as a matrix.
 */
function rowSubmitter(
  model: Model,
  config: ChunkConfig,
  runner: ChunkRunner,
): (rows: Record<string, unknown>[]) => Promise<Numbered> {
  const rowEncoder = createRowEncoder(model.schema);
  const C = model.forest.arrays.nOutputs;
  const d = model.forest.nFeatures;
  const formatter = createFormatter(config, model.classes, C, model.featureNames);
  let nextRow = 1;
  const unseenSince = createUnseenDelta(rowEncoder.unknownCategoryCounts);
  return (rows) => {
    const firstRow = nextRow;
    nextRow += rows.length;
    const before = rowEncoder.unknownCategoryTotal;
    const seenNotes = rowEncoder.notes.length;
    const enc = encodeRecords(
      rows,
      (row, X, offset, issues, n) => rowEncoder.encode(row, X, offset, issues, n),
      d,
      firstRow,
      safeJson,
    );
    const unseen = unseenSince();
    const found = {
      rejects: enc.rejects,
      unknownCategories: rowEncoder.unknownCategoryTotal - before,
      notes: rowEncoder.notes.slice(seenNotes),
    };
    return runner.run({ kind: 'matrix', data: enc.X.slice(), nRows: enc.okIndex.length }).then((res) => {
      const scores = spreadScores(res.scores!, enc.okIndex, rows.length, C);
      const reasons = res.reasons ? spreadReasons(res.reasons, enc.okIndex, rows.length) : null;
      const out = { ...shapeResult(config, formatter, rows, scores, enc.valid, found, reasons), firstRow };
      // the rows were encoded here: the unseen categories are this encoder's, not the worker's
      if (res.drift) addUnseen(res.drift, unseen);
      out.drift = res.drift;
      return out;
    });
  };
}

/**
 * The run's results in input order, with at most `maxInFlight` pieces submitted and not yet taken; counts
 * them into `stats` and calls `onReject` and `onProgress` as they are taken. `close` runs however it ends.
 */
async function* ordered(
  pieces: AsyncGenerator<InputPiece, void, undefined>,
  submit: (p: InputPiece) => Promise<Numbered>,
  maxInFlight: number,
  stats: BatchStats,
  options: BatchOptions,
  close: () => Promise<void>,
): AsyncGenerator<Numbered, void, undefined> {
  const queue: Promise<Numbered>[] = [];
  let sourceDone = false;
  const seenNotes = new Set<string>();
  try {
    for (;;) {
      while (!sourceDone && queue.length < maxInFlight) {
        aborted(options.signal);
        const n = await pieces.next();
        if (n.done) sourceDone = true;
        else {
          const p = submit(n.value);
          p.catch(() => {}); // awaited below, in order; this only silences an early rejection
          queue.push(p);
        }
      }
      if (queue.length === 0) break;
      const res = await withAbort(queue.shift()!, options.signal);
      stats.rowsIn += res.records;
      stats.rowsOut += res.predicted;
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
    await pieces.return(undefined);
    await close();
  }
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MlinferError('MLI_ABORTED', 'the batch run was aborted');
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
    if (res.reasons) {
      const { n, feature, contribution } = res.reasons;
      row.reasons = [];
      for (let j = 0; j < n; j++)
        row.reasons.push({
          feature: model.featureNames[feature[i * n + j]],
          value: res.reasonValues![i][j],
          contribution: contribution[i * n + j],
        });
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
