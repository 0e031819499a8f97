/**
 * The real-time predictor: a model loaded once, records validated against its schema and scored in
 * microseconds. No `node:` imports: this runs in browsers and edge runtimes (the file-loading wrapper is
 * in predictor-node.ts).
 */

import { assertOptions, type Spec } from '../constraints.js';
import { createRowEncoder, type RowEncoder } from '../data/encode.js';
import { type Issue, MlinferError } from '../errors.js';
import { argmax } from '../forest/argmax.js';
import { createScorer, type ForestScorer } from '../forest/compiled.js';
import { createExplainer, type ForestExplainer } from '../forest/explain.js';
import type { Matrix } from '../forest/types.js';
import type { DriftOptions, DriftReport } from '../model/drift.js';
import { type DriftCounts, requireProfile } from '../model/drift-counts.js';
import { type Model, modelFromBytes } from '../model/model.js';
import {
  createDriftWindow,
  DRIFT_WINDOW_SPEC,
  type DriftWindow,
  type DriftWindowOptions,
  windowOff,
} from './drift-window.js';
import {
  type ExplainOptions,
  type Explanation,
  resolveExplainOptions,
  toExplanation,
} from './explanation.js';
import {
  createMicroBatcher,
  MICRO_BATCH_SPEC,
  type MicroBatcher,
  type MicroBatchOptions,
} from './micro-batch.js';

/** The predictor's options, declared once. */
export const PREDICTOR_SPEC: Spec = { ...MICRO_BATCH_SPEC, ...DRIFT_WINDOW_SPEC };

/** One prediction. */
export interface Prediction {
  /** The class label (as given in the training data) or the predicted value. */
  prediction: string | number;
  /** Classification: the probability of each class, keyed by label. */
  probabilities?: Record<string, number>;
  /** The version of the model that made the prediction. */
  modelVersion: string;
}

/** A record: an object keyed by feature name, or an array of feature values in schema order. */
export type PredictRecord = Record<string, unknown> | readonly unknown[];

export type ValidationResult = { ok: true; issues: [] } | { ok: false; issues: Issue[] };

export interface PredictorOptions extends MicroBatchOptions {
  /**
   * The sliding window of scored rows that `drift()` compares with the model's training profile (see
   * drift-window.ts): `{ rows }` (default 10000) or `{ seconds }`; `false` turns counting off. Models without
   * a profile count nothing.
   */
  driftWindow?: boolean | DriftWindowOptions;
}

export interface Predictor {
  /** The model serving now (it changes on reload). */
  readonly model: Model;
  readonly modelVersion: string;
  /** Checks a record against the schema: every problem with its field path, as data. */
  validate(record: unknown): ValidationResult;
  /** Predicts one record; throws MLI_SCHEMA_MISMATCH listing every problem when the record is invalid. */
  predict(record: PredictRecord): Prediction;
  /** Class probabilities keyed by label (classification only). */
  predictProba(record: PredictRecord): Record<string, number>;
  /** Predicts several records; throws MLI_SCHEMA_MISMATCH listing the problems of every invalid record (path [index, field]). */
  predictMany(records: readonly PredictRecord[]): Prediction[];
  /**
   * As `predictMany`, as a promise (rejected with the same errors). The Node predictor (`createPredictor`)
   * scores large calls on worker threads (its `threads` option), so the event loop stays free and every core
   * works; the records are still validated and encoded on the calling thread. Elsewhere it scores here.
   *
   * @example
   * const predictions = await predictor.predictManyAsync(records); // 1M records: the walk on all cores
   */
  predictManyAsync(records: readonly PredictRecord[]): Promise<Prediction[]>;
  /**
   * Predicts one record and says why: a base value and one contribution per feature that add up to the
   * explained output (the predicted class's probability, or the value). Validates the record as `predict`
   * does; throws MLI_CANNOT_EXPLAIN for a model without node statistics (a file older than format 1.1).
   *
   * @example
   * const e = predictor.explain({ age: 42, plan: 'pro', tenure_months: 3 }, { method: 'shap', top: 3 });
   * // { prediction: 'yes', baseValue: 0.31, output: { value: 0.73, class: 'yes' },
   * //   contributions: [{ feature: 'tenure_months', value: 3, contribution: 0.29 }, ...], byClass: {...} }
   */
  explain(record: PredictRecord, options?: ExplainOptions): Explanation;
  /** Explains several records; invalid records are reported all at once as `predictMany` does. */
  explainMany(records: readonly PredictRecord[], options?: ExplainOptions): Explanation[];
  /** Like predict, through the micro-batcher when `maxBatchSize` > 1; rejects MLI_OVERLOADED when its queue is full. */
  predictAsync(record: PredictRecord): Promise<Prediction>;
  /**
   * Replaces the model atomically: the next prediction uses the new one. Throws MLI_SCHEMA_MISMATCH, and keeps
   * the old model, when the new one is of the other task (its callers expect labels, or values).
   */
  swap(model: Model): void;
  /**
   * The rows scored in the drift window compared with the model's training profile: PSI per feature and for
   * the predictions, missing and unseen-category rates. Throws MLI_NO_PROFILE for a model without a profile.
   *
   * @example
   * const report = predictor.drift();
   * if (report.level === 'act') alert(`drifted: ${report.drifted.join(', ')}`);
   */
  drift(options?: DriftOptions, others?: readonly WindowCounts[]): DriftReport;
  /**
   * The drift window's counts, tagged with the model version, so that the windows of several processes serving
   * one model add up: pass them to another predictor's `drift(options, others)` (counts of another model version
   * are left out there). `mlinfer serve --workers` does this. Throws as `drift()` does.
   *
   * @example
   * const report = predictor.drift({}, await countsFromOtherProcesses());
   */
  driftCounts(): WindowCounts;
  /** Counters since creation. */
  readonly stats: { predictions: number; invalid: number; unknownCategories: number; queued: number };
  /** Stops the micro-batcher; pending requests still finish. */
  close(): Promise<void>;
}

/** A drift window's counts and the model version they were counted for (`predictor.driftCounts()`). */
export interface WindowCounts {
  modelVersion: string;
  counts: DriftCounts;
}

/** Everything that depends on the model, swapped as one object so that a reload is atomic. */
interface Loaded {
  model: Model;
  encoder: RowEncoder;
  scorer: ForestScorer;
  row: Float64Array;
  out: Float64Array;
  labels: readonly (string | number)[] | null;
  nOutputs: number;
  /** Built on the first explanation: most predictors never explain. */
  explainer: ForestExplainer | null;
  /** Null when the model has no profile or the window is off. */
  window: DriftWindow | null;
}

/** The loaded model's drift window: MLI_NO_PROFILE without a profile, MLI_INVALID_OPTION when it is off. */
function windowOf(l: Loaded): DriftWindow {
  requireProfile(l.model);
  if (!l.window) throw windowOff();
  return l.window;
}

function load(model: Model, window: PredictorOptions['driftWindow']): Loaded {
  const scorer = createScorer(model.forest.arrays);
  const encoder = createRowEncoder(model.schema);
  return {
    model,
    encoder,
    window:
      window === false
        ? null
        : createDriftWindow(model, encoder.unknownCategoryCounts, window === true ? {} : window),
    scorer,
    row: new Float64Array(model.forest.nFeatures),
    out: new Float64Array(model.forest.arrays.nOutputs),
    labels: model.classes,
    nOutputs: model.forest.arrays.nOutputs,
    explainer: null,
  };
}

/**
 * Throws unless `next` can replace `serving`: a model of the other task would change what every caller gets
 * back (labels and probabilities, or values). The Node predictor's `reload` goes through `swap`, so both check.
 */
function checkSwappable(serving: Model, next: Model): void {
  if (next.metadata.task !== serving.metadata.task)
    throw new MlinferError(
      'MLI_SCHEMA_MISMATCH',
      `the new model is a ${next.metadata.task} model, the serving one a ${serving.metadata.task} model`,
      {
        issues: [{ path: ['task'], message: `expected ${serving.metadata.task}, got ${next.metadata.task}` }],
      },
    );
}

function toPrediction(l: Loaded, out: Float64Array, offset: number): Prediction {
  const version = l.model.metadata.modelVersion;
  if (!l.labels) return { prediction: out[offset], modelVersion: version };
  const probabilities: Record<string, number> = {};
  for (let c = 0; c < l.nOutputs; c++) probabilities[String(l.labels[c])] = out[offset + c];
  return { prediction: l.labels[argmax(out, offset, l.nOutputs)], probabilities, modelVersion: version };
}

function invalid(issues: Issue[], what = 'record'): MlinferError {
  const shown = issues
    .slice(0, 5)
    .map((i) => i.message)
    .join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return new MlinferError('MLI_SCHEMA_MISMATCH', `invalid ${what}: ${shown}${more}`, { issues });
}

/** The predictor's running counts. */
interface PredictorCounts {
  predictions: number;
  invalid: number;
  unknownCategories: number;
  queued: number;
}

function encodeOrThrow(
  l: Loaded,
  record: unknown,
  out: Float64Array,
  offset: number,
  stats: PredictorCounts,
): void {
  const issues: Issue[] = [];
  if (!l.encoder.encode(record, out, offset, issues)) {
    stats.invalid++;
    throw invalid(issues);
  }
}

/**
 * Scores the encoded rows of a model somewhere else (worker threads: predictor-node.ts), or returns null to
 * score them on the calling thread (small calls). The predictor core has none.
 */
export type MatrixOffload = (model: Model, X: Matrix) => Promise<Float64Array> | null;

/** Encodes every record as a matrix row, reporting the problems of all invalid ones at once. */
function encodeRecords(l: Loaded, records: readonly PredictRecord[], stats: PredictorCounts): Matrix {
  if (!Array.isArray(records))
    throw new MlinferError('MLI_SCHEMA_MISMATCH', 'predictMany and explainMany take an array of records');
  const d = l.model.forest.nFeatures;
  const X = new Float64Array(records.length * d);
  const issues: Issue[] = [];
  for (let i = 0; i < records.length; i++) {
    const own: Issue[] = [];
    if (!l.encoder.encode(records[i], X, i * d, own))
      for (const is of own)
        issues.push({ ...is, path: [i, ...is.path], message: `record ${i}: ${is.message}` });
  }
  if (issues.length) {
    stats.invalid++;
    throw invalid(issues, 'records');
  }
  return { data: X, nRows: records.length, nFeatures: d };
}

/** Counts scored rows (the drift window, the stats). */
function countScored(l: Loaded, X: Matrix, out: Float64Array, stats: PredictorCounts): void {
  l.window?.add(X.data, 0, X.nRows, out);
  stats.predictions += X.nRows;
}

/** Encodes every record (reporting the problems of all invalid ones at once) and scores them as one block. */
function scoreRecords(
  l: Loaded,
  records: readonly PredictRecord[],
  stats: PredictorCounts,
): { X: Float64Array; out: Float64Array } {
  const X = encodeRecords(l, records, stats);
  const out = l.scorer.scoreMatrix(X);
  countScored(l, X, out, stats);
  return { X: X.data, out };
}

/** Scores a micro-batch: the valid records as one block; each invalid one gets its own error. */
function scoreQueued(l: Loaded, records: readonly unknown[], stats: PredictorCounts): (Prediction | Error)[] {
  const d = l.model.forest.nFeatures;
  const X = new Float64Array(records.length * d);
  const results: (Prediction | Error)[] = new Array(records.length);
  const ok: number[] = [];
  for (let i = 0; i < records.length; i++) {
    try {
      encodeOrThrow(l, records[i], X, ok.length * d, stats);
      ok.push(i);
    } catch (e) {
      results[i] = e as Error;
    }
  }
  const out = l.scorer.scoreMatrix({ data: X.subarray(0, ok.length * d), nRows: ok.length, nFeatures: d });
  l.window?.add(X, 0, ok.length, out);
  ok.forEach((i, k) => {
    results[i] = toPrediction(l, out, k * l.nOutputs);
  });
  stats.predictions += ok.length;
  return results;
}

/**
 * Makes a predictor from a model or the bytes of a model file.
 *
 * @example
 * const predictor = createPredictorFromModel(model);
 * predictor.predict({ age: 42, plan: 'pro', tenure_months: 3 });
 * // { prediction: 'yes', probabilities: { no: 0.27, yes: 0.73 }, modelVersion: '5f1c...' }
 */
export function createPredictorFromModel(
  source: Model | Uint8Array,
  options: PredictorOptions = {},
): Predictor {
  return createOffloadingPredictor(source, options);
}

/**
 * createPredictorFromModel with somewhere else to score `predictManyAsync` calls: the Node predictor's worker
 * threads (predictor-node.ts). Not public: the hook is the Node entry's business.
 */
export function createOffloadingPredictor(
  source: Model | Uint8Array,
  options: PredictorOptions,
  offload?: MatrixOffload,
): Predictor {
  assertOptions(options, PREDICTOR_SPEC, 'predictor options');
  let current = load(source instanceof Uint8Array ? modelFromBytes(source) : source, options.driftWindow);
  const stats = { predictions: 0, invalid: 0, unknownCategories: 0, queued: 0 };

  const encodeOne = (l: Loaded, record: unknown, out: Float64Array, offset: number): void =>
    encodeOrThrow(l, record, out, offset, stats);

  const predictOne = (record: PredictRecord): Prediction => {
    const l = current;
    encodeOne(l, record, l.row, 0);
    l.scorer.scoreRow(l.row, 0, l.out, 0);
    l.window?.add(l.row, 0, 1, l.out);
    stats.predictions++;
    return toPrediction(l, l.out, 0);
  };

  let batcher: MicroBatcher<unknown, Prediction> | null = null;
  if ((options.maxBatchSize ?? 1) > 1) {
    // Every record in a batch is scored by the same model, even if a reload lands meanwhile.
    batcher = createMicroBatcher<unknown, Prediction>(options, (records) =>
      scoreQueued(current, records, stats),
    );
  }

  return {
    get model() {
      return current.model;
    },
    get modelVersion() {
      return current.model.metadata.modelVersion;
    },
    get stats() {
      return {
        ...stats,
        unknownCategories: current.encoder.unknownCategoryTotal,
        queued: batcher?.queued ?? 0,
      };
    },
    explain(record, options) {
      const l = current;
      const { method, top } = resolveExplainOptions(options, l.model.forest.nFeatures);
      l.explainer ??= createExplainer(l.model.forest.arrays);
      const prediction = predictOne(record);
      const row = l.explainer.explainRow(l.row, 0, method);
      return toExplanation(l.model, prediction, record, row, l.out, 0, method, top);
    },
    explainMany(records, options) {
      const l = current;
      const { method, top } = resolveExplainOptions(options, l.model.forest.nFeatures);
      l.explainer ??= createExplainer(l.model.forest.arrays);
      const { X, out } = scoreRecords(l, records, stats);
      const d = l.model.forest.nFeatures;
      return records.map((record, i) =>
        toExplanation(
          l.model,
          toPrediction(l, out, i * l.nOutputs),
          record,
          l.explainer!.explainRow(X, i * d, method),
          out,
          i * l.nOutputs,
          method,
          top,
        ),
      );
    },
    validate(record) {
      const issues: Issue[] = [];
      const l = current;
      return l.encoder.encode(record, l.row, 0, issues) ? { ok: true, issues: [] } : { ok: false, issues };
    },
    predict: predictOne,
    drift(driftOptions, others = []) {
      const l = current;
      const window = windowOf(l);
      const version = l.model.metadata.modelVersion;
      const same = others.filter((o) => o.modelVersion === version).map((o) => o.counts);
      return window.report(driftOptions, same);
    },
    driftCounts() {
      const l = current;
      return { modelVersion: l.model.metadata.modelVersion, counts: windowOf(l).counts() };
    },
    predictProba(record) {
      if (!current.labels)
        throw new MlinferError('MLI_INVALID_OPTION', 'predictProba needs a classification model');
      return predictOne(record).probabilities!;
    },
    predictMany(records) {
      const l = current;
      const { out } = scoreRecords(l, records, stats);
      return Array.from({ length: records.length }, (_, i) => toPrediction(l, out, i * l.nOutputs));
    },
    async predictManyAsync(records) {
      // the model of the call, even if a swap lands while the workers score
      const l = current;
      const X = encodeRecords(l, records, stats);
      const out = (await offload?.(l.model, X)) ?? l.scorer.scoreMatrix(X);
      countScored(l, X, out, stats);
      return Array.from({ length: X.nRows }, (_, i) => toPrediction(l, out, i * l.nOutputs));
    },
    predictAsync(record) {
      if (!batcher) {
        try {
          return Promise.resolve(predictOne(record));
        } catch (e) {
          return Promise.reject(e);
        }
      }
      return batcher.submit(record);
    },
    swap(model) {
      checkSwappable(current.model, model);
      // a new model has its own profile: the window starts again
      current = load(model, options.driftWindow);
    },
    async close() {
      await batcher?.close();
    },
  };
}
