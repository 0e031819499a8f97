/**
 * evaluate(): a model and a labelled data file in, every score people look at out, as plain JSON: the
 * headline metrics, per-class scores, the confusion matrix, and the points of the ROC, precision-recall and
 * calibration curves (or, for regression, predicted-vs-actual points and a residual histogram). The HTML
 * report and `mlinfer evaluate --json` both render this one object.
 *
 * Rows are never dropped silently: a row that fails validation (a bad cell, a ragged row, an unknown class
 * label) or has no target is counted and listed with its reasons.
 */

import { assertOptions, c, type Spec } from '../constraints.js';
import { createCsvRowEncoder, createTargetEncoder, INVALID_TARGET } from '../data/encode.js';
import { delimiterOfPath, tableFormatOfPath } from '../data/file-format.js';
import { readCsvFile, readJsonlFile } from '../data/node-io.js';
import { type Cell, type TableInput, toTable } from '../data/table.js';
import { type Issue, MlinferError } from '../errors.js';
import type { Matrix } from '../forest/types.js';
import { compareDrift, type DriftReport } from './drift.js';
import { addDriftRows, addUnseen, emptyDriftCounts } from './drift-counts.js';
import { type ContributionImportance, contributionImportance } from './global-importance.js';
import { hashArrays } from './hash.js';
import {
  accuracy,
  type CalibrationBin,
  type ClassScores,
  calibrationBins,
  classScores,
  confusionMatrix,
  type HistogramBin,
  histogram,
  logLoss,
  meanAbsoluteError,
  meanDefined,
  oneVsRest,
  r2Score,
  rankedClasses,
  rankingCurves,
  rocAuc,
  rootMeanSquaredError,
} from './metrics.js';
import type { Model } from './model.js';

export interface EvaluateOptions {
  /** CSV delimiter when `data` is a CSV path; default ','. */
  delimiter?: string;
  /** Points kept per ROC or precision-recall curve (evenly thinned, ends kept); default 200. */
  maxCurvePoints?: number;
  /** Predicted-vs-actual points kept (regression, an even sample); default 1000. */
  maxScatterPoints?: number;
  /** Equal-width bins of the calibration plot; default 10. */
  calibrationBins?: number;
  /** Bins of the residual histogram (regression); default 30. */
  histogramBins?: number;
  /** Rejected rows listed with their reasons (all are counted); default 100. */
  maxListedRows?: number;
  /**
   * Rows explained (an even sample, `path` method) for the global importance from mean absolute
   * contributions; default 0, none. The report asks for 2000, which bounds its cost to about 2000 predictions.
   */
  maxExplainedRows?: number;
}

/** A row that could not be scored, and why. `row` is the 1-based data row (the line for JSON Lines). */
export interface UnscoredRow {
  row: number;
  reasons: string[];
}

interface EvaluationBase {
  /** Where the data came from (a path, or `(table)`). */
  source: string;
  modelVersion: string;
  target: string;
  /** Rows read from the data. */
  rowsRead: number;
  /** Rows scored (read minus rejected). */
  rows: number;
  /** Rows that could not be scored: invalid values, ragged rows, unknown class labels, no target. */
  rejectedCount: number;
  /** The first `maxListedRows` rejected rows. */
  rejected: UnscoredRow[];
  /** Category values unseen in training, routed as missing (not errors). */
  unknownCategories: number;
  /** Notes worth showing: extra columns, unknown categories. */
  notes: string[];
  /**
   * True when the scored rows are exactly the model's training data (the same data hash): the scores are
   * then optimistic, as the trees have seen every row.
   */
  isTrainingData: boolean;
  /**
   * Global importance from mean absolute contributions when `maxExplainedRows` > 0 and the model keeps node
   * statistics; null otherwise (`contributionNote` then says why when it was asked for).
   */
  contributionImportance: ContributionImportance | null;
  contributionNote?: string;
  /**
   * The scored rows compared with the model's training profile (PSI per feature and for the predictions, see
   * drift.ts); null for a model without a profile (written before format 1.2, or imported).
   */
  drift: DriftReport | null;
}

export interface Curve {
  /** The class whose scores the curve ranks (one-vs-rest). */
  label: string;
  /** ROC: [false positive rate, true positive rate]; precision-recall: [recall, precision]. */
  points: [number, number][];
  /** ROC: the AUC; precision-recall: the average precision. */
  area: number;
}

export interface ClassificationEvaluation extends EvaluationBase {
  task: 'classification';
  classes: string[];
  accuracy: number;
  logLoss: number;
  /** Binary: the AUC of the second class; more classes: the macro average of one-vs-rest AUCs. */
  rocAuc: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassScores[];
  /** confusion[actual][predicted], in the order of `classes`. */
  confusion: number[][];
  /** Binary: one curve, for the second (positive) class; more classes: one per class. */
  roc: Curve[];
  precisionRecall: Curve[];
  /**
   * Binary: predicted probability of the positive class against the fraction of positives. More classes:
   * the confidence of the predicted class against how often it is right.
   */
  calibration: { label: string; bins: CalibrationBin[] };
}

export interface RegressionEvaluation extends EvaluationBase {
  task: 'regression';
  r2: number;
  mae: number;
  rmse: number;
  /** [actual, predicted], an even sample of at most `maxScatterPoints` rows. */
  points: [number, number][];
  /** Residuals (actual minus predicted). */
  residuals: HistogramBin[];
}

export type Evaluation = ClassificationEvaluation | RegressionEvaluation;
export type { CalibrationBin, ClassScores, HistogramBin };

interface Resolved {
  maxCurvePoints: number;
  maxScatterPoints: number;
  calibrationBins: number;
  histogramBins: number;
  maxListedRows: number;
  maxExplainedRows: number;
  delimiter?: string;
}

/** evaluate's options, declared once. */
const EVALUATE_SPEC: Spec = {
  delimiter: [c.custom('one character', (v) => typeof v === 'string' && v.length === 1)],
  maxCurvePoints: [c.integer({ min: 2 })],
  maxScatterPoints: [c.integer({ min: 1 })],
  calibrationBins: [c.integer({ min: 1 })],
  histogramBins: [c.integer({ min: 1 })],
  maxListedRows: [c.integer({ min: 0 })],
  maxExplainedRows: [c.integer({ min: 0 })],
};

function resolveOptions(o: EvaluateOptions): Resolved {
  assertOptions(o, EVALUATE_SPEC, 'evaluate options');
  return {
    maxCurvePoints: o.maxCurvePoints ?? 200,
    maxScatterPoints: o.maxScatterPoints ?? 1000,
    calibrationBins: o.calibrationBins ?? 10,
    histogramBins: o.histogramBins ?? 30,
    maxListedRows: o.maxListedRows ?? 100,
    maxExplainedRows: o.maxExplainedRows ?? 0,
    delimiter: o.delimiter,
  };
}

/** Rows of a data source with problems found while reading (ragged rows, bad JSON lines), by row number. */
interface ReadData {
  header: string[];
  rows: Cell[][];
  /** Row number of each row (1-based data row, or the JSON Lines line number). */
  rowNumbers: number[];
  problems: Map<number, string[]>;
  source: string;
}

async function readData(data: string | TableInput, delimiter?: string): Promise<ReadData> {
  const problems = new Map<number, string[]>();
  const add = (row: number, why: string) => problems.set(row, [...(problems.get(row) ?? []), why]);
  if (typeof data !== 'string') {
    const t = toTable(data);
    return {
      header: t.columns,
      rows: t.rows,
      rowNumbers: t.rows.map((_, i) => i + 1),
      problems,
      source: '(table)',
    };
  }
  if (tableFormatOfPath(data) === 'jsonl') {
    const r = await readJsonlFile(data);
    // Bad lines are not rows at all: they are listed under their line number.
    for (const p of r.problems) add(Number(p.path[0]), p.message);
    const t = toTable(r.rows as Record<string, unknown>[]);
    return { header: t.columns, rows: t.rows, rowNumbers: r.lines, problems, source: data };
  }
  const sep = delimiter || delimiterOfPath(data);
  const r = await readCsvFile(data, sep ? { delimiter: sep } : {});
  for (const p of r.problems) if (p.kind !== 'ragged_row') add(Number(p.path[0]), p.message);
  return { header: r.header, rows: r.rows, rowNumbers: r.rows.map((_, i) => i + 1), problems, source: data };
}

/**
 * Scores a model on a labelled CSV or JSON Lines file (or a table). The data needs the model's feature
 * columns and its target column; rows that cannot be scored are counted and listed in `rejected`.
 * Throws MLI_INVALID_DATA when the target column is absent or no row can be scored, MLI_SCHEMA_MISMATCH
 * when feature columns are missing, MLI_NOT_FOUND / MLI_IO for file problems.
 *
 * @example
 * const model = await loadModel('churn.mlinfer');
 * const ev = await evaluate(model, 'fixtures/customers.csv');
 * if (ev.task === 'classification') console.log(ev.accuracy, ev.rocAuc, ev.confusion);
 */
export async function evaluate(
  model: Model,
  data: string | TableInput,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const o = resolveOptions(options);
  const schema = model.schema;
  const d = await readData(data, o.delimiter);
  const tCol = d.header.indexOf(schema.target.name);
  if (tCol < 0)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `${d.source}: the target column ${JSON.stringify(schema.target.name)} is not in the data, so there is nothing to compare the predictions with; columns: ${d.header.map((c) => JSON.stringify(c)).join(', ')}`,
      { issues: [{ path: [schema.target.name], kind: 'missing_column', message: 'no target column' }] },
    );
  const enc = createCsvRowEncoder(schema, d.header);
  const encodeTarget = createTargetEncoder(schema);
  const n = d.rows.length;
  const nf = enc.nFeatures;
  const X = new Float64Array(n * nf);
  const y = new Float64Array(n);
  const rejected: UnscoredRow[] = [];
  // problems of lines that are not rows at all (bad JSON lines) are rejected rows of their own
  const rowSet = new Set(d.rowNumbers);
  const orphans = [...d.problems].filter(([row]) => !rowSet.has(row));
  let rejectedCount = orphans.length;
  for (const [row, reasons] of orphans)
    if (rejected.length < o.maxListedRows) rejected.push({ row, reasons });
  let kept = 0;
  const width = d.header.length;
  for (let i = 0; i < n; i++) {
    const row = d.rowNumbers[i];
    const issues: Issue[] = [];
    const reasons = [...(d.problems.get(row) ?? [])];
    const cells = d.rows[i];
    // JSON Lines tables are padded to the header's width; CSV rows may be ragged (the encoder reports it)
    const ok = enc.encode(cells, X, kept * nf, issues, row) && reasons.length === 0;
    // reasons are listed under their row, so the row number inside a message is left out
    const prefix = `row ${row}`;
    for (const is of issues)
      reasons.push(
        is.message.startsWith(prefix) ? is.message.slice(prefix.length).replace(/^[:,]? /, '') : is.message,
      );
    const t = cells.length === width ? encodeTarget(cells[tCol]) : Number.NaN;
    if (cells.length === width && Number.isNaN(t)) reasons.push('no target value');
    else if (t === INVALID_TARGET)
      reasons.push(
        `the target ${JSON.stringify(cells[tCol])} is ${schema.target.task === 'regression' ? 'not a number' : 'not a class the model knows'}`,
      );
    if (!ok || reasons.length > 0) {
      rejectedCount++;
      if (rejected.length < o.maxListedRows) rejected.push({ row, reasons });
      continue;
    }
    y[kept++] = t;
  }
  if (kept === 0)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `${d.source}: no row could be scored (${rejectedCount} rejected${rejected[0] ? `; first: ${rejected[0].reasons[0]}` : ''})`,
      { issues: rejected.slice(0, 50).map((r) => ({ path: [r.row], message: r.reasons.join('; ') })) },
    );
  const Xk = { data: X.subarray(0, kept * nf), nRows: kept, nFeatures: nf };
  const yk = y.subarray(0, kept);
  const base: EvaluationBase = {
    source: d.source,
    modelVersion: model.metadata.modelVersion,
    target: schema.target.name,
    rowsRead: n + orphans.length,
    rows: kept,
    rejectedCount,
    rejected,
    unknownCategories: enc.unknownCategoryTotal,
    notes: enc.notes.map((i) => i.message),
    isTrainingData: hashArrays([Xk.data, yk]) === model.metadata.dataHash,
    contributionImportance: contributionImportance(model, Xk, o.maxExplainedRows),
    drift: null,
  };
  if (o.maxExplainedRows > 0 && !base.contributionImportance)
    base.contributionNote =
      'Global importance from contributions is omitted: this model file has no node statistics (format 1.0, or an imported forest); retrain it with this version to explain it.';
  const regressor = schema.target.task === 'regression';
  const outputs = regressor ? model.forest.predict(Xk) : model.forest.predictProba(Xk);
  base.drift = driftOfScored(model, Xk, outputs, enc.unknownCategoryCounts);
  if (regressor) return regression(base, outputs, yk, o);
  return classification(base, outputs, yk, (model.classes ?? []).map(String), o);
}

/** The scored rows and their outputs against the training profile, or null without one. */
function driftOfScored(
  model: Model,
  X: Matrix,
  outputs: Float64Array,
  unknown: ArrayLike<number>,
): DriftReport | null {
  const profile = model.profile;
  if (!profile) return null;
  const counts = emptyDriftCounts(model.forest.arrays, profile);
  addDriftRows(counts, model.forest.arrays, profile, X, outputs);
  addUnseen(counts, unknown);
  return compareDrift(model, profile, counts);
}

/** Keeps at most `max` items, evenly spaced, always the first and the last. */
export function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(items[Math.round((k * (items.length - 1)) / (max - 1))]);
  return out;
}

function classification(
  base: EvaluationBase,
  proba: Float64Array,
  y: Float64Array,
  classes: string[],
  o: Resolved,
): ClassificationEvaluation {
  const k = classes.length;
  const n = y.length;
  const { pred, confusion } = confusionMatrix(proba, y, k);
  const perClass = classScores(confusion, classes);
  const mean = (f: (s: ClassScores) => number) => perClass.reduce((s, c) => s + f(c), 0) / (k || 1);
  const roc: Curve[] = [];
  const precisionRecall: Curve[] = [];
  for (const c of rankedClasses(k)) {
    const { score, positive } = oneVsRest(proba, y, k, c);
    const curves = rankingCurves(score, positive);
    roc.push({
      label: classes[c],
      points: thin(curves.roc, o.maxCurvePoints),
      area: rocAuc(score, positive),
    });
    precisionRecall.push({
      label: classes[c],
      points: thin(curves.pr, o.maxCurvePoints),
      area: curves.averagePrecision,
    });
  }
  let calibration: ClassificationEvaluation['calibration'];
  if (k === 2) {
    const p = Float64Array.from({ length: n }, (_, i) => proba[i * 2 + 1]);
    const hit = Uint8Array.from(y, (v) => (v === 1 ? 1 : 0));
    calibration = { label: classes[1], bins: calibrationBins(p, hit, o.calibrationBins) };
  } else {
    const p = Float64Array.from({ length: n }, (_, i) => proba[i * k + pred[i]]);
    const hit = Uint8Array.from(y, (v, i) => (v === pred[i] ? 1 : 0));
    calibration = { label: 'predicted class', bins: calibrationBins(p, hit, o.calibrationBins) };
  }
  return {
    task: 'classification',
    ...base,
    classes,
    accuracy: accuracy(pred, y),
    logLoss: logLoss(proba, y, k),
    // the same number as rocAucFromProba, from the areas already computed for the curves
    rocAuc: meanDefined(roc.map((r) => r.area)),
    macroPrecision: mean((s) => s.precision),
    macroRecall: mean((s) => s.recall),
    macroF1: mean((s) => s.f1),
    perClass,
    confusion,
    roc,
    precisionRecall,
    calibration,
  };
}

function regression(
  base: EvaluationBase,
  pred: Float64Array,
  y: Float64Array,
  o: Resolved,
): RegressionEvaluation {
  const n = y.length;
  const step = Math.max(1, n / o.maxScatterPoints);
  const points: [number, number][] = [];
  for (let t = 0; Math.floor(t) < n && points.length < o.maxScatterPoints; t += step)
    points.push([y[Math.floor(t)], pred[Math.floor(t)]]);
  return {
    task: 'regression',
    ...base,
    r2: r2Score(pred, y),
    mae: meanAbsoluteError(pred, y),
    rmse: rootMeanSquaredError(pred, y),
    points,
    residuals: histogram(
      Float64Array.from(y, (v, i) => v - pred[i]),
      o.histogramBins,
    ),
  };
}
