/**
 * The work on one piece of a batch run, in a worker thread (or inline with `threads: 0`): parse the text
 * of whole records, encode them against the schema, score them, and format the output. Doing all of it
 * here, not only the scoring, keeps the main thread free to read and write: on 2 cores, parsing and
 * formatting cost as much as the forest.
 *
 * No `node:` imports: this file only needs papaparse, the encoders and the scorer.
 */

import Papa from 'papaparse';
import { raggedRowIssue } from '../data/cells.js';
import { quoteCsvField } from '../data/csv.js';
import { encodePlainCsv, isPlainCsv } from '../data/csv-bytes.js';
import { type CsvRowEncoder, createCsvRowEncoder, createRowEncoder } from '../data/encode.js';
import { type Issue, MlinferError } from '../errors.js';
import { argmax } from '../forest/argmax.js';
import { createScorer } from '../forest/compiled.js';
import type { DriftCounts } from '../model/drift-counts.js';
import type { Model } from '../model/model.js';
import type { Matrix } from '../types.js';
import {
  createNumberText,
  csvCell,
  jsonValue,
  type OutputLayout,
  PREDICTION_COLUMN,
  PROBA_PREFIX,
  predictionValue,
  type RejectedRow,
} from './batch-format.js';
import { createReasoner, type Reasons, spreadReasons } from './batch-reasons.js';
import { createPieceDrift } from './drift-batch.js';

/** Fixed per run, sent to each worker once. */
export interface ChunkConfig {
  input: 'csv' | 'jsonl' | 'matrix';
  /** CSV: the header (trimmed names). */
  header: string[] | null;
  delimiter: string;
  newline: '\n' | '\r\n';
  layout: OutputLayout;
  /** 'csv' | 'jsonl': text lines (no header); 'rows': scores and kept values for the main thread. */
  output: 'csv' | 'jsonl' | 'rows';
  /** Count each piece's rows on the training profile's bins (ChunkResult.drift). */
  drift?: boolean;
  /**
   * false: parse every CSV piece the general way, also plain ones (no quote, ASCII only) that are otherwise
   * read straight from bytes. For tests that compare both ways.
   */
  plainCsv?: boolean;
}

export type ChunkTask =
  | { kind: 'text'; bytes: Uint8Array; firstRow: number; records: number }
  | { kind: 'matrix'; data: Float64Array; nRows: number };

export interface ChunkResult {
  /** Records parsed (text) or rows scored (matrix). */
  records: number;
  /** Records predicted: `records - rejects.length`. */
  predicted: number;
  rejects: RejectedRow[];
  /** output 'csv' / 'jsonl': the formatted lines of the predicted rows, in order (as UTF-8 bytes or text). */
  text?: string | Uint8Array;
  /**
   * output 'rows' or matrix tasks: nOutputs values per record (NaN for rejects). A classification run without
   * `proba` needs only each row's class (see labelScores): its scores are a one-hot of the predicted class.
   */
  scores?: Float64Array;
  /** output 'rows': 1 for each predicted record. */
  valid?: Uint8Array;
  /** output 'rows': the kept values of each record (objects with keepAll). */
  kept?: (unknown[] | Record<string, unknown>)[];
  /** With reason columns: the reasons of each record (matrix tasks: of each row), and output 'rows': their values. */
  reasons?: Reasons;
  reasonValues?: unknown[][];
  unknownCategories: number;
  /** Notes raised while encoding (unknown categories, extra columns), each once per worker. */
  notes: Issue[];
  /** With `drift`: the piece's rows on the training profile's bins. */
  drift?: DriftCounts;
  /** A worker's text task: its input bytes, transferred back to be filled again (batch-pool.ts). */
  spent?: Uint8Array;
}

export type ChunkProcessor = (task: ChunkTask) => ChunkResult;

/** A text piece read: its records (null for a reject), the valid ones encoded, and every reject in row order. */
interface Read {
  recs: readonly (Rec | null)[];
  enc: Pick<EncodedRecords, 'X' | 'okIndex' | 'valid'>;
  rejects: RejectedRow[];
}

interface Parsed {
  /** CSV cells or JSON objects, one per record; null for a record rejected while parsing. */
  records: (string[] | Record<string, unknown> | null)[];
  rejects: RejectedRow[];
}

function csvRaw(cells: string[], delimiter: string): string {
  return cells.map((c) => quoteCsvField(c, delimiter)).join(delimiter);
}

export interface Formatter {
  /** The kept values of a record: an array in `layout.keep` order (the cells with keepAll), or the object itself. */
  keptOf(rec: string[] | Record<string, unknown>): unknown[] | Record<string, unknown>;
  /** The record's values of its reasons' features (the input's text for CSV). */
  reasonValuesOf(rec: string[] | Record<string, unknown>, reasons: Reasons, i: number): unknown[];
  /** The output lines of the valid records, each ending with a line break: text, or its UTF-8 bytes. */
  format(
    recs: readonly (string[] | Record<string, unknown> | null)[],
    scores: Float64Array,
    valid: Uint8Array,
    reasons: Reasons | null,
  ): string | Uint8Array;
}

/**
 * Formats predicted records as CSV or JSON Lines (`cfg.output`), the same way in every thread.
 *
 * @example
 * const f = createFormatter(config, model.classes, 2);
 * const text = f.format(records, scores, valid);
 */
export function createFormatter(
  cfg: ChunkConfig,
  labels: readonly (string | number)[] | null,
  C: number,
  featureNames: readonly string[] = [],
): Formatter {
  const header = cfg.header ?? [];
  const featureColumn = featureNames.map((name) => header.indexOf(name));
  const reasonValuesOf = (
    rec: string[] | Record<string, unknown>,
    reasons: Reasons,
    i: number,
  ): unknown[] => {
    const values: unknown[] = [];
    for (let j = 0; j < reasons.n; j++) {
      const f = reasons.feature[i * reasons.n + j];
      if (f < 0) values.push(null);
      else values.push(Array.isArray(rec) ? rec[featureColumn[f]] : (rec[featureNames[f]] ?? null));
    }
    return values;
  };
  const keepIdx = cfg.layout.keep.map((k) => header.indexOf(k));
  const keptOf = (rec: string[] | Record<string, unknown>): unknown[] | Record<string, unknown> => {
    if (Array.isArray(rec)) return cfg.layout.keepAll ? rec : keepIdx.map((k) => rec[k]);
    if (cfg.layout.keepAll) return rec;
    return cfg.layout.keep.map((k) => rec[k] ?? null);
  };

  // The prediction cell of each class, as predictionValue and csvCell would write it.
  const labelCells = labels?.map((l) => (typeof l === 'string' ? csvCell(l) : String(l))) ?? null;
  const numberText = createNumberText();
  const formatCsv = (
    recs: readonly (string[] | Record<string, unknown> | null)[],
    scores: Float64Array,
    valid: Uint8Array,
    reasons: Reasons | null,
  ): string => {
    const parts: string[] = [];
    const sep = ',';
    const keeps = cfg.layout.keep.length > 0 || cfg.layout.keepAll;
    const proba = cfg.layout.proba && labels !== null;
    for (let i = 0; i < recs.length; i++) {
      if (!valid[i]) continue;
      const rec = recs[i]!;
      let line = '';
      if (keeps) {
        const kept = keptOf(rec) as unknown[];
        for (const v of kept) line += csvCell(v) + sep;
      }
      const o = i * C;
      line += labelCells ? labelCells[argmax(scores, o, C)] : numberText(scores[o]);
      if (proba) for (let c = 0; c < C; c++) line += sep + numberText(scores[o + c]);
      if (reasons) {
        const values = reasonValuesOf(rec, reasons, i);
        for (let j = 0; j < reasons.n; j++) {
          const f = reasons.feature[i * reasons.n + j];
          line += `${sep}${csvCell(f < 0 ? null : featureNames[f])}${sep}${csvCell(values[j])}`;
          line += sep + (f < 0 ? '' : String(reasons.contribution[i * reasons.n + j]));
        }
      }
      parts.push(line);
    }
    return parts.length > 0 ? `${parts.join('\n')}\n` : '';
  };

  // The usual layout (no kept columns, no reasons) is written straight into bytes, the file's own: no
  // string per line, and the main thread writes them as they are instead of encoding a string.
  const utf8 = new TextEncoder();
  const labelBytes = labelCells?.map((t) => utf8.encode(t)) ?? null;
  // String(x) of a double is at most 24 ASCII characters ('-1.2345678901234567e-308').
  const lineMax = Math.max(32, ...(labelBytes ?? []).map((b) => b.length)) + 33 * C + 1;
  let bytes = new Uint8Array(1 << 16);
  const formatCsvBytes = (scores: Float64Array, valid: Uint8Array): Uint8Array => {
    const proba = cfg.layout.proba && labels !== null;
    let at = 0;
    const ascii = (t: string): void => {
      for (let k = 0; k < t.length; k++) bytes[at + k] = t.charCodeAt(k);
      at += t.length;
    };
    for (let i = 0; i < valid.length; i++) {
      if (!valid[i]) continue;
      if (at + lineMax > bytes.length) {
        const grown = new Uint8Array(2 * bytes.length + lineMax);
        grown.set(bytes.subarray(0, at));
        bytes = grown;
      }
      const o = i * C;
      if (labelBytes) {
        const b = labelBytes[argmax(scores, o, C)];
        for (let k = 0; k < b.length; k++) bytes[at + k] = b[k];
        at += b.length;
      } else ascii(numberText(scores[o]));
      if (proba)
        for (let c = 0; c < C; c++) {
          bytes[at++] = 44; // ','
          ascii(numberText(scores[o + c]));
        }
      bytes[at++] = 10; // '\n'
    }
    return bytes.slice(0, at);
  };
  const plainLayout = !cfg.layout.keepAll && cfg.layout.keep.length === 0;

  const formatJsonl = (
    recs: readonly (string[] | Record<string, unknown> | null)[],
    scores: Float64Array,
    valid: Uint8Array,
    reasons: Reasons | null,
  ): string => {
    const parts: string[] = [];
    for (let i = 0; i < recs.length; i++) {
      if (!valid[i]) continue;
      const rec = recs[i]!;
      const out: Record<string, unknown> = {};
      if (Array.isArray(rec)) {
        if (cfg.layout.keepAll) for (let k = 0; k < header.length; k++) out[header[k]] = rec[k];
        else for (let k = 0; k < keepIdx.length; k++) out[cfg.layout.keep[k]] = rec[keepIdx[k]];
      } else if (cfg.layout.keepAll) for (const k in rec) out[k] = jsonValue(rec[k]);
      else for (const k of cfg.layout.keep) out[k] = jsonValue(rec[k] ?? null);
      const o = i * C;
      out[PREDICTION_COLUMN] = predictionValue(labels, scores, o, C);
      if (cfg.layout.proba && labels)
        for (let c = 0; c < C; c++) out[PROBA_PREFIX + labels[c]] = scores[o + c];
      if (reasons) {
        const values = reasonValuesOf(rec, reasons, i);
        for (let j = 0; j < reasons.n; j++) {
          const f = reasons.feature[i * reasons.n + j];
          out[`reason_${j + 1}`] = f < 0 ? null : featureNames[f];
          out[`reason_${j + 1}_value`] = jsonValue(values[j]);
          out[`reason_${j + 1}_contribution`] = f < 0 ? null : reasons.contribution[i * reasons.n + j];
        }
      }
      parts.push(JSON.stringify(out));
    }
    return parts.length > 0 ? `${parts.join('\n')}\n` : '';
  };

  return {
    keptOf,
    reasonValuesOf,
    format: (recs, scores, valid, reasons) =>
      cfg.output === 'jsonl'
        ? formatJsonl(recs, scores, valid, reasons)
        : plainLayout && reasons === null
          ? formatCsvBytes(scores, valid)
          : formatCsv(recs, scores, valid, reasons),
  };
}

type Rec = string[] | Record<string, unknown>;

/** Records encoded into a dense matrix of the valid ones, with where each valid one came from. */
export interface EncodedRecords {
  /** The valid records' features, row-major, `okIndex.length` rows. */
  X: Float64Array;
  /** The position of each encoded row among the records. */
  okIndex: number[];
  /** 1 for each record encoded. */
  valid: Uint8Array;
  /** The records the encoder refused, in row order. */
  rejects: RejectedRow[];
}

/**
 * Encodes records (null for one already rejected while parsing) into a dense matrix of the valid ones:
 * scoring then runs on valid rows only, and `spreadScores` puts the scores back at record positions. Used
 * by the workers (text records) and by the main thread (row objects) alike.
 *
 * @example
 * const enc = encodeRecords(rows, (r, X, o, issues, row) => enc.encode(r, X, o, issues, row), d, 1, JSON.stringify);
 */
export function encodeRecords<R extends Rec>(
  recs: readonly (R | null)[],
  encode: (rec: R, X: Float64Array, offset: number, issues: Issue[], row: number) => boolean,
  d: number,
  firstRow: number,
  raw: (rec: R) => string,
): EncodedRecords {
  const X = new Float64Array(recs.length * d);
  const valid = new Uint8Array(recs.length);
  const okIndex: number[] = [];
  const rejects: RejectedRow[] = [];
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    if (rec === null) continue;
    const issues: Issue[] = [];
    const row = firstRow + i;
    if (encode(rec, X, okIndex.length * d, issues, row)) {
      valid[i] = 1;
      okIndex.push(i);
    } else rejects.push({ row, raw: raw(rec), reasons: issues });
  }
  return { X: X.subarray(0, okIndex.length * d), okIndex, valid, rejects };
}

/** The scores of the valid rows (`dense`) spread back to their records; NaN for the others. */
export function spreadScores(
  dense: Float64Array,
  okIndex: readonly number[],
  nRecords: number,
  C: number,
  out?: Float64Array,
): Float64Array {
  const scores = (out ?? new Float64Array(nRecords * C)).fill(Number.NaN);
  for (let k = 0; k < okIndex.length; k++) scores.set(dense.subarray(k * C, (k + 1) * C), okIndex[k] * C);
  return scores;
}

/** A piece's result in the run's output form: formatted text, or scores and kept values for the main thread. */
export function shapeResult(
  cfg: ChunkConfig,
  formatter: Formatter,
  recs: readonly (Rec | null)[],
  scores: Float64Array,
  valid: Uint8Array,
  found: Pick<ChunkResult, 'rejects' | 'unknownCategories' | 'notes'>,
  reasons: Reasons | null = null,
): ChunkResult {
  let predicted = 0;
  for (let i = 0; i < valid.length; i++) predicted += valid[i];
  const result: ChunkResult = { records: recs.length, predicted, ...found };
  if (cfg.output !== 'rows') result.text = formatter.format(recs, scores, valid, reasons);
  else {
    result.scores = scores;
    result.valid = valid;
    if (cfg.layout.keep.length > 0 || cfg.layout.keepAll)
      result.kept = recs.map((r, i) => (r === null || !valid[i] ? [] : formatter.keptOf(r)));
    if (reasons) {
      result.reasons = reasons;
      result.reasonValues = recs.map((r, i) =>
        r === null || !valid[i] ? [] : formatter.reasonValuesOf(r, reasons, i),
      );
    }
  }
  return result;
}

/** Parses a CSV piece; a ragged or badly quoted row becomes a reject and a null record (rows keep their numbers). */
function parseCsvPiece(text: string, firstRow: number, cfg: ChunkConfig, width: number): Parsed {
  const res = Papa.parse<string[]>(text, {
    delimiter: cfg.delimiter,
    newline: cfg.newline,
    quoteChar: '"',
  });
  const errs = new Map<number, string[]>();
  for (const e of res.errors) {
    if (e.row === undefined) continue;
    const list = errs.get(e.row);
    if (list) list.push(e.message);
    else errs.set(e.row, [e.message]);
  }
  const records: Parsed['records'] = [];
  const rejects: RejectedRow[] = [];
  for (let i = 0; i < res.data.length; i++) {
    const row = res.data[i];
    if (row.length === 1 && row[0] === '') continue; // a blank line is not a record
    const n = firstRow + records.length;
    const reasons: Issue[] = [];
    const e = errs.get(i);
    if (e) reasons.push({ path: [n], kind: 'quotes', message: `row ${n}: ${e.join('; ')}` });
    if (row.length !== width) reasons.push(raggedRowIssue(n, row.length, width));
    if (reasons.length > 0) {
      rejects.push({ row: n, raw: csvRaw(row, cfg.delimiter), reasons });
      records.push(null);
    } else records.push(row);
  }
  return { records, rejects };
}

/** Parses a JSON Lines piece; a line that is not a JSON object becomes a reject and a null record. */
function parseJsonlPiece(text: string, firstRow: number): Parsed {
  const records: Parsed['records'] = [];
  const rejects: RejectedRow[] = [];
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    const line = text.slice(start, nl).trim();
    start = nl + 1;
    if (line.length === 0) continue;
    const n = firstRow + records.length;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      rejects.push({
        row: n,
        raw: line,
        reasons: [{ path: [n], kind: 'invalid_json', message: `row ${n}: ${(e as Error).message}` }],
      });
      records.push(null);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rejects.push({
        row: n,
        raw: line,
        reasons: [{ path: [n], kind: 'not_an_object', message: `row ${n}: expected a JSON object` }],
      });
      records.push(null);
      continue;
    }
    records.push(value as Record<string, unknown>);
  }
  return { records, rejects };
}

/**
 * Buffers a processor reuses from piece to piece for what does not leave it (the feature matrix, the dense
 * scores, the scores of text output): a new megabyte or two for each piece was garbage that the worker's
 * heap and malloc kept for a while, and the peak RSS grew with the piece size.
 */
function createScratch() {
  const grown = (): ((n: number) => Float64Array) => {
    let buf = new Float64Array(0);
    return (n) => {
      if (buf.length < n) buf = new Float64Array(Math.max(n, Math.ceil(buf.length * 1.5)));
      return buf.subarray(0, n);
    };
  };
  return { matrix: grown(), dense: grown(), spread: grown() };
}

/**
 * The scoring of a run's rows. A classification run without `proba` writes only each row's class: the
 * prediction cell, drift's predicted-class counts and the reasons' class all take the argmax of a row's scores,
 * and nothing else reads them. So such a run asks the scorer for labels, which may stop walking a row's trees
 * once its class is certain (forest/early-exit.ts; the same labels by construction), and its scores are a
 * one-hot of the class: 1 for it, 0 for the others, whose argmax is that class.
 */
function labelScores(
  model: Model,
  cfg: ChunkConfig,
): (X: Matrix, out: Float64Array | undefined, binCounts?: Float64Array[]) => Float64Array {
  const scorer = createScorer(model.forest.arrays);
  const C = model.forest.arrays.nOutputs;
  if (model.classes === null || cfg.layout.proba)
    return (X, out, binCounts) => scorer.scoreMatrix(X, out, binCounts);
  let classes = new Int32Array(0);
  return (X, out, binCounts) => {
    if (classes.length < X.nRows)
      classes = new Int32Array(Math.max(X.nRows, Math.ceil(classes.length * 1.5)));
    const k = scorer.scoreLabels(X, classes.subarray(0, X.nRows), binCounts);
    const scores = (out ?? new Float64Array(X.nRows * C)).fill(0, 0, X.nRows * C);
    for (let r = 0; r < X.nRows; r++) scores[r * C + k[r]] = 1;
    return scores;
  };
}

/**
 * Makes the processor of a run's pieces. One per thread: it holds the encoder's counters and scratch space.
 *
 * @example
 * const process = createChunkProcessor(model, config);
 * const { text, rejects } = process({ kind: 'text', bytes, firstRow: 1, records: 100 });
 */
export function createChunkProcessor(model: Model, cfg: ChunkConfig): ChunkProcessor {
  const score = labelScores(model, cfg);
  const C = model.forest.arrays.nOutputs;
  const d = model.forest.nFeatures;
  const labels = model.classes;
  const header = cfg.header ?? [];
  const csvEncoder = cfg.input === 'csv' ? createCsvRowEncoder(model.schema, header) : null;
  const rowEncoder = cfg.input === 'jsonl' ? createRowEncoder(model.schema) : null;
  const formatter = createFormatter(cfg, labels, C, model.featureNames);
  const reasonsOf =
    cfg.layout.reasons > 0 ? createReasoner(model, cfg.layout.reasons, cfg.layout.explainMethod) : null;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const drift = cfg.drift ? createPieceDrift(model) : null;
  const scratch = createScratch();
  const width = header.length;
  let notesSent = 0;

  const newNotes = (): Issue[] => {
    const all = (csvEncoder ?? rowEncoder)?.notes ?? [];
    const fresh = all.slice(notesSent);
    notesSent = all.length;
    return fresh;
  };

  // The general way: decode, parse (papaparse for CSV), encode the records.
  const readText = (bytes: Uint8Array, firstRow: number): Read => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch (e) {
      throw new MlinferError('MLI_CSV_PARSE', `the input is not valid UTF-8 (rows from ${firstRow})`, {
        cause: e,
      });
    }
    const parsed =
      cfg.input === 'csv' ? parseCsvPiece(text, firstRow, cfg, width) : parseJsonlPiece(text, firstRow);
    const enc = encodeRecords(
      parsed.records,
      (rec, X, offset, issues, row) =>
        csvEncoder
          ? csvEncoder.encode(rec as string[], X, offset, issues, row)
          : rowEncoder!.encode(rec, X, offset, issues, row),
      d,
      firstRow,
      (rec) => (Array.isArray(rec) ? csvRaw(rec, cfg.delimiter) : JSON.stringify(rec)),
    );
    // Rejects in row order, whether found by the parser or the encoder.
    const rejects =
      enc.rejects.length === 0
        ? parsed.rejects
        : [...parsed.rejects, ...enc.rejects].sort((a, b) => a.row - b.row);
    return { recs: parsed.records, enc, rejects };
  };
  // The common case straight from bytes (csv-bytes.ts): the same records, values and rejects.
  const needCells = cfg.layout.keep.length > 0 || cfg.layout.keepAll || reasonsOf !== null;
  const delimiterCode = cfg.delimiter.charCodeAt(0);
  const readPlainCsv = (bytes: Uint8Array, firstRow: number, csv: CsvRowEncoder): Read => {
    const p = encodePlainCsv(bytes, csv, scratch.matrix, {
      firstRow,
      delimiter: delimiterCode,
      newline: cfg.newline,
      width,
      cells: needCells,
    });
    const rejects = p.rejects.map((r) => ({
      row: r.row,
      raw: csvRaw(r.cells, cfg.delimiter),
      reasons: r.reasons,
    }));
    // Without kept columns or reasons the formatter reads no record's cells, only their count.
    const recs = p.cells ?? new Array<null>(p.records).fill(null);
    return { recs, enc: p, rejects };
  };

  return (task) => {
    if (task.kind === 'matrix') {
      const counts = drift?.begin();
      const scores = score({ data: task.data, nRows: task.nRows, nFeatures: d }, undefined, counts?.features);
      return {
        records: task.nRows,
        predicted: task.nRows,
        rejects: [],
        scores,
        ...(reasonsOf ? { reasons: reasonsOf(task.data, task.nRows, scores) } : {}),
        ...(drift && counts ? { drift: drift.finish(counts, task.nRows, scores, null) } : {}),
        unknownCategories: 0,
        notes: [],
      };
    }
    const encoder = (csvEncoder ?? rowEncoder)!;
    const before = encoder.unknownCategoryTotal;
    const { recs, enc, rejects } =
      csvEncoder && cfg.plainCsv !== false && isPlainCsv(task.bytes)
        ? readPlainCsv(task.bytes, task.firstRow, csvEncoder)
        : readText(task.bytes, task.firstRow);
    const n = enc.okIndex.length;
    const counts = drift?.begin();
    const dense = score({ data: enc.X, nRows: n, nFeatures: d }, scratch.dense(n * C), counts?.features);
    const reasons = reasonsOf
      ? spreadReasons(reasonsOf(enc.X, enc.okIndex.length, dense), enc.okIndex, recs.length)
      : null;
    // Text output is formatted here, so its scores can live in scratch space; 'rows' hands them over.
    const spreadOut = cfg.output === 'rows' ? undefined : scratch.spread(recs.length * C);
    const scores = spreadScores(dense, enc.okIndex, recs.length, C, spreadOut);
    const found = { rejects, unknownCategories: encoder.unknownCategoryTotal - before, notes: newNotes() };
    const result = shapeResult(cfg, formatter, recs, scores, enc.valid, found, reasons);
    if (drift && counts) result.drift = drift.finish(counts, n, dense, encoder.unknownCategoryCounts);
    return result;
  };
}
