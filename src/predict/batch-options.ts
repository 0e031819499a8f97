/**
 * The options of batch scoring: what each means, their checks and defaults (resolved once per run), and the
 * output layout they give with a model and the input's columns.
 */

import { availableParallelism } from 'node:os';
import { c, checkOptions, type Spec } from '../constraints.js';
import { MlinferError, throwIfIssues } from '../errors.js';
import { createExplainer, EXPLAIN_METHODS, type ExplainMethod } from '../forest/explain.js';
import type { DriftOptions } from '../model/drift.js';
import { DRIFT_SPEC } from '../model/drift.js';
import { loadModel } from '../model/io.js';
import { type Model, modelFromBytes } from '../model/model.js';
import type { BatchStats } from './batch.js';
import { type OutputLayout, PREDICTION_COLUMN, PROBA_PREFIX, type RejectedRow } from './batch-format.js';
import { reasonColumns } from './batch-reasons.js';

export interface BatchOptions {
  /** The model, the bytes of a model file, or a path to one. */
  model: Model | Uint8Array | string;
  /** The format of byte input, default `csv`. Ignored for row objects. */
  format?: 'csv' | 'jsonl';
  /** CSV delimiter, one ASCII character, default `,`. */
  delimiter?: string;
  /** Add class probabilities (classification). */
  proba?: boolean;
  /**
   * Reason columns per row: the `explain` features with the largest effect toward the prediction, each with
   * its value and contribution (reason_1, reason_1_value, reason_1_contribution, ...). Default 0: none.
   */
  explain?: number;
  /** How reasons are found: `path` (default, about one prediction per row) or `shap` (exact, slower). */
  explainMethod?: ExplainMethod;
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
  /**
   * Compare the input with the model's training profile (drift-batch.ts): default on when the model has one;
   * `false` off; `true` or drift options (`psiWatch`, `psiAct`, `bins`) on, failing when the model has none.
   * `batchPredictFile` puts the comparison in its report.
   */
  drift?: boolean | DriftOptions;
  /** Called for every rejected row, in row order. */
  onReject?: (reject: RejectedRow) => void;
  /** Called after each piece with the running counts. */
  onProgress?: (stats: BatchStats) => void;
  signal?: AbortSignal;
}

/** The options checked, with their defaults filled in. */
export interface ResolvedBatchOptions {
  format: 'csv' | 'jsonl';
  delimiter: string;
  proba: boolean;
  explain: number;
  explainMethod: ExplainMethod;
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
  explain: [c.integer({ min: 0 })],
  explainMethod: [c.oneOf(...EXPLAIN_METHODS)],
  keep: [c.array(c.string({ nonEmpty: true }), 'an array of column names')],
  joinInput: [c.boolean],
  threads: [c.integer({ min: 0 })],
  chunkBytes: [c.integer({ min: 1 })],
  batchRows: [c.integer({ min: 1 })],
  maxInFlight: [c.integer({ min: 1 })],
  maxRecordBytes: [c.integer({ min: 1 })],
  maxErrors: [c.integer({ min: 0 })],
  drift: [
    c.boolean,
    c.custom(
      `drift options (${Object.keys(DRIFT_SPEC).join(', ')})`,
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    ),
  ],
  onReject: [c.function],
  onProgress: [c.function],
  signal: [c.signal],
};

/** Checks every option up front and fills in the defaults. */
export function resolveBatchOptions(o: BatchOptions): ResolvedBatchOptions {
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
    explain: o.explain ?? 0,
    explainMethod: o.explainMethod ?? 'path',
    keep: [...keep],
    joinInput: o.joinInput ?? false,
    threads,
    chunkBytes: o.chunkBytes ?? 1 << 20,
    batchRows: o.batchRows ?? 8192,
    // What a run holds, whatever the input's length (measured: 1M rows x 20 features, 2 threads, 1 MiB
    // pieces, 100 trees: peak RSS 188-200 MB over the whole run, 83 MB of it before the first piece):
    //   main thread: Node and the package, the model decoded and its file bytes (sent to each worker);
    //   + per worker (threads): its isolate, the model decoded, the scorer's walk layout and WebAssembly
    //     memory, a young generation of at most 12 MB (batch-pool.ts) and scratch space for one piece
    //     (rows x (features + 2 x outputs) doubles: about 1.6 MB for a 1 MiB piece of 20 numbers a row);
    //   + input: (maxInFlight + 3) piece buffers of chunkBytes + 128 KiB (in flight, the one being filled,
    //     two recycled ones; batch-split.ts) and one 256 KiB read buffer;
    //   + output: maxInFlight pieces of formatted text waiting to be written, each a fraction of its input.
    // Pieces are taken from the source only while fewer than maxInFlight are submitted and not yet written,
    // so a slow writer stops the reading: the piece terms are bounded, and nothing grows with the rows.
    maxInFlight: o.maxInFlight ?? Math.max(2, threads * 2),
    maxRecordBytes: o.maxRecordBytes ?? 64 << 20,
    maxErrors: o.maxErrors ?? Number.POSITIVE_INFINITY,
  };
}

/** The model of a run, from a Model, the bytes of a model file, or a path. */
export async function toModel(m: BatchOptions['model']): Promise<Model> {
  if (typeof m === 'string') return loadModel(m);
  if (m instanceof Uint8Array) return modelFromBytes(m);
  if (typeof m === 'object' && m !== null && 'forest' in m && 'schema' in m) return m;
  throw new MlinferError('MLI_INVALID_OPTION', 'model must be a Model, the bytes of a model file, or a path');
}

/**
 * What each output row holds: the kept columns (checked against the input's columns when known) and the
 * prediction, with the class probabilities when asked.
 */
export function makeLayout(
  model: Model,
  r: ResolvedBatchOptions,
  inputColumns: string[] | null,
): OutputLayout {
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
    reasons: Math.min(r.explain, model.forest.nFeatures),
    explainMethod: r.explainMethod,
  };
  // A model without node statistics fails now, with MLI_CANNOT_EXPLAIN, not in a worker.
  if (layout.reasons > 0) createExplainer(model.forest.arrays);
  const own = [
    PREDICTION_COLUMN,
    ...(r.proba && labels ? labels.map((l) => PROBA_PREFIX + l) : []),
    ...reasonColumns(layout.reasons),
  ];
  const clash = keep.filter((k) => own.includes(k));
  if (clash.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `kept input column(s) ${clash.map((k) => JSON.stringify(k)).join(', ')} clash with the output column(s) of the same name`,
    );
  return layout;
}
