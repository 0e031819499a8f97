// Node only: file-to-file batch scoring, as `mlinfer batch` runs it. Output, rejects and report are each
// written to a temporary file next to their destination and renamed at the end, so a failed or killed
// run leaves nothing half-written where a downstream job would look.
import { rename, rm, stat } from 'node:fs/promises';
import { assertOptions, c, type Spec } from '../constraints.js';
import { quoteCsvField } from '../data/csv.js';
import { delimiterOfPath, type FileFormat, formatOfPath } from '../data/file-format.js';
import { fileChunksReused } from '../data/node-io.js';
import { isMlinferError, MlinferError } from '../errors.js';
import { type DriftReport, driftError } from '../model/drift.js';
import { loadModel } from '../model/io.js';
import { type Model, modelFromBytes } from '../model/model.js';
import {
  type AtomicFile,
  createAtomicFile,
  tempPathFor,
  writeError,
  writeStream,
} from '../node/atomic-file.js';
import { type BatchStats, checkRejects, type OpenBatch, openBatch } from './batch.js';
import type { ChunkResult } from './batch-chunk.js';
import { predictionValue, type RejectedRow } from './batch-format.js';
import type { BatchInput } from './batch-input.js';
import { BATCH_SPEC, type BatchOptions } from './batch-options.js';
import { createRunDrift } from './drift-batch.js';
import { createParquetSink, type ParquetColumnSpec, type ParquetSink, readParquetRows } from './parquet.js';

export type { FileFormat } from '../data/file-format.js';

export interface BatchFileOptions extends Omit<BatchOptions, 'model' | 'format' | 'onReject'> {
  /** A Model, model bytes, or a path; default `model.mlinfer`. */
  model: BatchOptions['model'];
  /** Input format; default from the extension (.csv, .tsv, .jsonl, .ndjson, .parquet), csv for `-`. */
  inputFormat?: FileFormat;
  /** Output format; default from the extension, else the input format (csv for Parquet via `-`). */
  outputFormat?: FileFormat;
  /** Write every rejected row as JSON Lines here: `{ row, raw, reasons }`. */
  rejectsPath?: string;
  /** Write the run report (counts, durations, rows/s) as JSON here, also when the run fails. */
  reportPath?: string;
  /** Called for each rejected row too. */
  onReject?: (r: RejectedRow) => void;
  /** Where the model came from, for the report, when `model` is a loaded Model. */
  modelPath?: string;
  /**
   * Fail with MLI_DRIFT (exit 4) when a feature or the predictions reach the act level of the drift comparison;
   * the report (with its drift section) and the rejects are written, the output is not.
   */
  failOnDrift?: boolean;
}

/** batchPredictFile's options: batchPredict's (but the format, which is per file) and its own. */
const { format: _format, ...batchSpec } = BATCH_SPEC;
const BATCH_FILE_SPEC: Spec = {
  ...batchSpec,
  inputFormat: [c.oneOf('csv', 'jsonl', 'parquet')],
  outputFormat: [c.oneOf('csv', 'jsonl', 'parquet')],
  rejectsPath: [c.string({ nonEmpty: true })],
  reportPath: [c.string({ nonEmpty: true })],
  modelPath: [c.string()],
  failOnDrift: [c.boolean],
};

/** The report of a batch run: the counts reconcile (rowsIn = rowsOut + rowsRejected). */
export interface BatchReport {
  status: 'ok' | 'too_many_rejects' | 'drifted' | 'failed';
  input: string;
  output: string;
  inputFormat: FileFormat;
  outputFormat: FileFormat;
  model: string | null;
  modelVersion: string | null;
  rowsIn: number;
  rowsOut: number;
  rowsRejected: number;
  reconciled: boolean;
  maxErrors: number | null;
  unknownCategories: number;
  notes: string[];
  columns: string[];
  threads: number | null;
  bytesRead: number;
  startedAt: string;
  finishedAt: string;
  durationsMs: { loadModel: number; score: number; total: number };
  rowsPerSecond: number;
  /** The input compared with the model's training profile (drift.ts), when the run counted drift. */
  drift?: DriftReport;
  error?: { code: string; message: string };
}

/** A text output: an atomic file, or stdout for `-`. */
function atomicText(path: string): AtomicFile {
  if (path === '-')
    return { write: (s) => writeStream(process.stdout, s), commit: async () => {}, discard: async () => {} };
  return createAtomicFile(path);
}

function csvHeaderLine(columns: string[]): string {
  return `${columns.map((c) => quoteCsvField(c)).join(',')}\n`;
}

function textOf(v: unknown): string {
  return typeof v === 'object' && !(v instanceof Date)
    ? JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x))
    : String(v);
}

/** Builds the Parquet columns of one scored piece (output 'rows'). */
function parquetColumns(
  res: ChunkResult,
  model: Model,
  keep: string[],
  proba: boolean,
  asText: boolean[],
): unknown[][] {
  const n = res.reasons?.n ?? 0;
  // Per reason: the feature name, the value as text (features differ in type), the contribution.
  const reasonCols: unknown[][] = Array.from({ length: 3 * n }, () => []);
  const C = model.forest.arrays.nOutputs;
  const labels = model.classes;
  const cols: unknown[][] = keep.map(() => []);
  const pred: unknown[] = [];
  const probs: number[][] = proba && labels ? labels.map(() => []) : [];
  for (let i = 0; i < res.records; i++) {
    if (!res.valid![i]) continue;
    const k = res.kept?.[i];
    keep.forEach((name, j) => {
      const v = Array.isArray(k) ? k[j] : (k as Record<string, unknown> | undefined)?.[name];
      // A string column gets text whatever the input held (JSON Lines numbers, nested values).
      cols[j].push(v === undefined || v === null ? null : asText[j] && typeof v !== 'string' ? textOf(v) : v);
    });
    const p = predictionValue(labels, res.scores!, i * C, C);
    pred.push(labels ? String(p) : p);
    for (let c = 0; c < probs.length; c++) probs[c].push(res.scores![i * C + c]);
    for (let j = 0; j < n; j++) {
      const f = res.reasons!.feature[i * n + j];
      const v = res.reasonValues![i][j];
      reasonCols[3 * j].push(f < 0 ? null : model.featureNames[f]);
      reasonCols[3 * j + 1].push(
        v === undefined || v === null ? null : typeof v === 'string' ? v : textOf(v),
      );
      reasonCols[3 * j + 2].push(res.reasons!.contribution[i * n + j]);
    }
  }
  return [...cols, pred, ...probs, ...reasonCols];
}

/** The input and output formats (given, else from the extensions) and the delimiter; refuses impossible pairs. */
function resolveFormats(inPath: string, outPath: string, options: BatchFileOptions) {
  const inputFormat = options.inputFormat ?? (inPath === '-' ? 'csv' : (formatOfPath(inPath) ?? 'csv'));
  const outputFormat =
    options.outputFormat ??
    (outPath === '-'
      ? inputFormat === 'parquet'
        ? 'csv'
        : inputFormat
      : (formatOfPath(outPath) ?? inputFormat));
  if (inPath === '-' && inputFormat === 'parquet')
    throw new MlinferError('MLI_INVALID_OPTION', 'Parquet input cannot come from stdin: give a file');
  if (outPath === '-' && outputFormat === 'parquet')
    throw new MlinferError('MLI_INVALID_OPTION', 'Parquet output cannot go to stdout: give a file');
  if (outPath !== '-' && inPath !== '-' && outPath === inPath)
    throw new MlinferError('MLI_INVALID_OPTION', 'the output must not be the input file');
  return { inputFormat, outputFormat, delimiter: options.delimiter ?? delimiterOfPath(inPath) };
}

/** A report with nothing done yet (status 'failed' until the run succeeds). */
function emptyReport(
  inPath: string,
  outPath: string,
  formats: { inputFormat: FileFormat; outputFormat: FileFormat },
  options: BatchFileOptions,
  started: number,
): BatchReport {
  return {
    status: 'failed',
    input: inPath,
    output: outPath,
    inputFormat: formats.inputFormat,
    outputFormat: formats.outputFormat,
    model: typeof options.model === 'string' ? options.model : (options.modelPath ?? null),
    modelVersion: null,
    rowsIn: 0,
    rowsOut: 0,
    rowsRejected: 0,
    reconciled: false,
    maxErrors: options.maxErrors ?? null,
    unknownCategories: 0,
    notes: [],
    columns: [],
    threads: options.threads ?? null,
    bytesRead: 0,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationsMs: { loadModel: 0, score: 0, total: 0 },
    rowsPerSecond: 0,
  };
}

/** Counts, durations and rate once the run has ended (stats is null when it failed before opening). */
function completeReport(report: BatchReport, stats: BatchStats | null, started: number): void {
  const finished = Date.now();
  if (stats) {
    report.rowsIn = stats.rowsIn;
    report.rowsOut = stats.rowsOut;
    report.rowsRejected = stats.rowsRejected;
    report.unknownCategories = stats.unknownCategories;
    report.notes = stats.notes.map((n) => n.message);
    report.bytesRead = stats.bytesRead;
  }
  report.reconciled = report.rowsIn === report.rowsOut + report.rowsRejected;
  report.finishedAt = new Date(finished).toISOString();
  report.durationsMs.total = finished - started;
  report.durationsMs.score = finished - started - report.durationsMs.loadModel;
  report.rowsPerSecond =
    report.durationsMs.score > 0 ? Math.round((report.rowsIn * 1000) / report.durationsMs.score) : 0;
}

async function resolveModel(model: BatchFileOptions['model']): Promise<Model> {
  if (typeof model === 'string') return loadModel(model);
  return model instanceof Uint8Array ? modelFromBytes(model) : model;
}

/** The input as batch reads it: stdin, a file's chunks, or a Parquet file's rows (with its column types). */
async function openInput(inPath: string, inputFormat: FileFormat) {
  if (inPath !== '-') {
    const s = await stat(inPath).catch((e) => {
      throw new MlinferError('MLI_NOT_FOUND', `input file not found: ${inPath}`, { cause: e });
    });
    if (s.isDirectory()) throw new MlinferError('MLI_IO', `${inPath} is a directory, not a file`);
  }
  // The splitter copies each chunk at once, so one read buffer serves the whole file.
  if (inputFormat !== 'parquet')
    return { input: (inPath === '-' ? process.stdin : fileChunksReused(inPath)) as BatchInput };
  const src = await readParquetRows(inPath);
  return { input: src.rows as BatchInput, inputColumns: src.columns, elements: src.elements };
}

/** Where scored pieces go; nothing appears at the destination before commit. */
interface OutputSink {
  write(res: ChunkResult): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** A text output (CSV with its header line, or JSON Lines), written atomically or to stdout. */
async function textSink(outPath: string, outputFormat: FileFormat, columns: string[]): Promise<OutputSink> {
  const out = atomicText(outPath);
  if (outputFormat === 'csv') await out.write(csvHeaderLine(columns));
  return {
    write: (res) => out.write(res.text ?? ''),
    commit: () => out.commit(),
    discard: () => out.discard(),
  };
}

/**
 * A Parquet output written to a temporary file and renamed at commit. Kept columns take the input's Parquet
 * types when it was Parquet, else strings; the prediction is a string (classes) or a double, probabilities doubles.
 */
async function parquetSink(
  outPath: string,
  open: OpenBatch,
  model: Model,
  elements: Map<string, unknown> | undefined,
): Promise<OutputSink> {
  const pqTemp = tempPathFor(outPath);
  const keepCount = open.layout.keep.length;
  const specs: ParquetColumnSpec[] = open.columns.map((name, j) => {
    if (j < keepCount) {
      const el = elements?.get(name);
      return el ? { name, element: el as ParquetColumnSpec['element'] } : { name, kind: 'string' };
    }
    if (j === keepCount) return { name, kind: model.classes ? 'string' : 'double' };
    // reason_k and reason_k_value are text; reason_k_contribution and proba_<label> are doubles.
    if (/^reason_\d+(_value)?$/.test(name)) return { name, kind: 'string' };
    return { name, kind: 'double' };
  });
  const asText = specs.slice(0, keepCount).map((s) => s.kind === 'string');
  let pq: (ParquetSink & { close?: () => void }) | null = null;
  try {
    pq = await createParquetSink(pqTemp, specs);
  } catch (e) {
    await rm(pqTemp, { force: true });
    throw e;
  }
  return {
    write: async (res) =>
      pq!.write(parquetColumns(res, model, open.layout.keep, open.layout.proba, asText), res.predicted),
    commit: async () => {
      pq!.finish();
      pq = null;
      await rename(pqTemp, outPath).catch((e) => {
        throw writeError(outPath, e);
      });
    },
    discard: async () => {
      pq?.close?.();
      await rm(pqTemp, { force: true });
    },
  };
}

/**
 * Scores a file into another file: CSV, JSON Lines or Parquet, `-` for stdin/stdout. Writes atomically,
 * and writes the report (and the rejects) also when the run fails. Throws MLI_TOO_MANY_REJECTS (after
 * writing the report and the rejects, but not the output) when more rows were rejected than `maxErrors`.
 *
 * @example
 * const report = await batchPredictFile('in.csv', 'out.csv', { model: 'model.mlinfer', proba: true, rejectsPath: 'rejects.jsonl' });
 * console.log(report.rowsIn, report.rowsOut, report.rowsRejected, report.rowsPerSecond);
 */
export async function batchPredictFile(
  inPath: string,
  outPath: string,
  options: BatchFileOptions,
): Promise<BatchReport> {
  const started = Date.now();
  assertOptions(options, BATCH_FILE_SPEC, 'batch options');
  const { inputFormat, outputFormat, delimiter } = resolveFormats(inPath, outPath, options);
  const report = emptyReport(inPath, outPath, { inputFormat, outputFormat }, options, started);
  let sink: OutputSink | null = null;
  let rejects: AtomicFile | null = null;
  let stats: BatchStats | null = null;
  let failure: unknown = null;
  try {
    const model = await resolveModel(options.model);
    report.durationsMs.loadModel = Date.now() - started;
    const { input, inputColumns, elements } = await openInput(inPath, inputFormat);
    if (options.rejectsPath) rejects = atomicText(options.rejectsPath);
    const rejectLines: string[] = [];
    const {
      inputFormat: _i,
      outputFormat: _o,
      rejectsPath: _r,
      reportPath: _p,
      modelPath: _m,
      failOnDrift: _f,
      ...batch
    } = options;
    const drift = createRunDrift(model, options.failOnDrift ? (options.drift ?? true) : options.drift);
    const open = await openBatch(
      input,
      {
        ...batch,
        model,
        delimiter,
        format: inputFormat === 'jsonl' ? 'jsonl' : 'csv',
        onReject: (r) => {
          options.onReject?.(r);
          if (rejects) rejectLines.push(JSON.stringify(r));
        },
      },
      outputFormat === 'parquet' ? 'rows' : outputFormat,
      { inputColumns },
    );
    stats = open.stats;
    report.modelVersion = model.metadata.modelVersion;
    report.columns = open.columns;
    sink =
      outputFormat === 'parquet'
        ? await parquetSink(outPath, open, model, elements)
        : await textSink(outPath, outputFormat, open.columns);
    for await (const res of open.chunks) {
      drift?.add(res.drift);
      await sink.write(res);
      if (rejects && rejectLines.length > 0) await rejects.write(`${rejectLines.splice(0).join('\n')}\n`);
    }
    checkRejects(stats, options.maxErrors);
    if (drift) report.drift = drift.report();
    if (options.failOnDrift && report.drift?.level === 'act') throw driftError(report.drift);
    await sink.commit();
    sink = null;
    report.status = 'ok';
  } catch (e) {
    failure = e;
    const code = isMlinferError(e) ? e.code : null;
    report.status =
      code === 'MLI_TOO_MANY_REJECTS' ? 'too_many_rejects' : code === 'MLI_DRIFT' ? 'drifted' : 'failed';
    report.error = {
      code: isMlinferError(e) ? e.code : 'MLI_INTERNAL',
      message: (e as Error)?.message ?? String(e),
    };
    await sink?.discard();
  }
  // The rejects are kept whatever happened: they say why rows were refused.
  if (rejects) {
    try {
      await rejects.commit();
    } catch (e) {
      failure ??= e;
    }
  }
  completeReport(report, stats, started);
  if (options.reportPath) {
    const r = atomicText(options.reportPath);
    await r.write(`${JSON.stringify(report, null, 2)}\n`);
    await r.commit();
  }
  if (failure) {
    if (isMlinferError(failure)) Object.assign(failure, { report });
    throw failure;
  }
  return report;
}
