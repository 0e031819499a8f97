/**
 * The training profile: what the training data looked like, kept in the model file (format 1.2, see
 * profile-sections.ts) so that batch runs, served requests and `mlinfer drift` can tell when new data moves
 * away from it (drift.ts), without a second system and without the training data.
 *
 * Per feature it holds the training rows' counts on the forest's own bins: a numeric feature's bins are the
 * forest's bin edges (value v is in the first bin b with v <= edge b, past the last edge in the last one), a
 * categorical feature's bins are its codes (the "other" code included, when the schema pools rare categories);
 * then one more bin for missing values. Also the target's distribution (class counts, or a histogram on the
 * target's deciles) and the model's predictions on the training rows (out-of-bag where the forest has them,
 * else in-sample): predicted class counts, or a histogram on the predictions' deciles.
 * No `node:` imports: predictors in browsers read it too.
 */

import { argmax } from '../forest/argmax.js';
import { findBin } from '../forest/binning.js';
import { binOf } from '../forest/compiled.js';
import type { Targets } from '../forest/grow-tree.js';
import { FEATURE_CATEGORICAL, type ForestArrays, type Matrix, type Task } from '../forest/types.js';

/** A distribution: counts per bin; for a regression target or prediction, the upper edges of the bins. */
export interface BinnedCounts {
  counts: Float64Array;
  /** Regression: ascending upper edges (counts.length - 1 of them); classification: null (a bin per class). */
  edges: Float64Array | null;
}

/** The training profile of a model (see the module comment). */
export interface TrainingProfile {
  /** Training rows counted (the holdout rows of `testSize` are not). */
  rows: number;
  /** Per feature (schema order): counts per bin, the last bin holding the missing values. */
  features: Float64Array[];
  /** The target: class counts (in class order), or a histogram on the target's deciles. */
  target: BinnedCounts;
  /** The model's predictions on the training rows: predicted class counts, or a histogram on their deciles. */
  prediction: BinnedCounts;
  /** Where the predictions come from: out-of-bag (each row by the trees that did not see it) or in-sample. */
  predictionSource: 'oob' | 'training';
}

/** Bins of regression histograms (target and predictions): deciles. */
export const REGRESSION_BINS = 10;

/** Value bins of feature f (its missing bin not included): the forest's bins or its category codes. */
export function valueBins(arrays: ForestArrays, f: number): number {
  return arrays.featureKinds[f] === FEATURE_CATEGORICAL
    ? arrays.categoryCounts[f]
    : arrays.binEdgeOffsets[f + 1] - arrays.binEdgeOffsets[f] + 1;
}

/**
 * The value bin of an encoded value of feature f, or -1 when it is missing (NaN, or a code the forest does not
 * know). Numeric values go through the scorer's branch-free search (the same bin as training's findBin): the
 * serve drift window runs this for every feature of every request, and the branching search cost it twice as
 * much (1.1 against 0.5 µs a row on 20 features).
 */
export function binOfValue(arrays: ForestArrays, f: number, v: number): number {
  if (Number.isNaN(v)) return -1;
  if (arrays.featureKinds[f] === FEATURE_CATEGORICAL)
    return Number.isInteger(v) && v >= 0 && v < arrays.categoryCounts[f] ? v : -1;
  return binOf(arrays.binEdges, arrays.binEdgeOffsets[f], arrays.binEdgeOffsets[f + 1], v);
}

/**
 * Adds the rows of X to per-feature counts (valueBins + 1 per feature, missing last, plus `extra` more bins
 * that stay untouched). One pass over the matrix, feature after feature.
 */
export function countFeatures(arrays: ForestArrays, X: Matrix, counts: Float64Array[]): void {
  const { data, nRows, nFeatures } = X;
  for (let f = 0; f < nFeatures; f++) {
    const c = counts[f];
    const missing = valueBins(arrays, f);
    for (let r = 0, at = f; r < nRows; r++, at += nFeatures) {
      const b = binOfValue(arrays, f, data[at]);
      c[b < 0 ? missing : b]++;
    }
  }
}

/** The bin of one prediction: the argmax class, or the histogram bin of a regression value. */
export function predictionBin(
  prediction: BinnedCounts,
  out: ArrayLike<number>,
  offset: number,
  nOutputs: number,
): number {
  const { edges } = prediction;
  if (edges === null) return argmax(out, offset, nOutputs);
  return findBin(edges, 0, edges.length, out[offset]);
}

/** Decile edges of the finite values (fewer when values repeat); no edge for fewer than 2 distinct values. */
export function decileEdges(values: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort();
  const edges: number[] = [];
  const n = sorted.length;
  if (n === 0) return new Float64Array(0);
  for (let k = 1; k < REGRESSION_BINS; k++) {
    const e = sorted[Math.min(n - 1, Math.floor((k / REGRESSION_BINS) * n))];
    if (e < sorted[n - 1] && (edges.length === 0 || e > edges[edges.length - 1])) edges.push(e);
  }
  return Float64Array.from(edges);
}

function histogram(
  values: ArrayLike<number>,
  stride: number,
  nOutputs: number,
  edges: Float64Array | null,
): BinnedCounts {
  const counts = new Float64Array(edges === null ? nOutputs : edges.length + 1);
  const bins: BinnedCounts = { counts, edges };
  for (let i = 0; i < values.length; i += stride) {
    if (Number.isNaN(values[i])) continue;
    counts[predictionBin(bins, values, i, nOutputs)]++;
  }
  return bins;
}

/**
 * The training profile of a fitted forest from its training rows: X (encoded), y (class index or value),
 * and the forest's outputs per row (`nOutputs` each: out-of-bag where it has them, NaN for rows never out of
 * bag, which are left out of the prediction counts).
 *
 * @example
 * const profile = computeProfile(forest.arrays, X, y, forest.oobPrediction ?? forest.predictProba(X), 'oob');
 */
export function computeProfile(
  arrays: ForestArrays,
  X: Matrix,
  y: Targets,
  outputs: Float64Array,
  predictionSource: TrainingProfile['predictionSource'],
): TrainingProfile {
  const features = Array.from(
    { length: arrays.nFeatures },
    (_, f) => new Float64Array(valueBins(arrays, f) + 1),
  );
  countFeatures(arrays, X, features);
  const task: Task = arrays.task;
  const C = arrays.nOutputs;
  if (task === 'classification') {
    // y holds class indexes: a bin per class
    const target: BinnedCounts = { counts: new Float64Array(C), edges: null };
    for (const v of y) if (v >= 0 && v < C) target.counts[v]++;
    return { rows: X.nRows, features, target, prediction: histogram(outputs, C, C, null), predictionSource };
  }
  return {
    rows: X.nRows,
    features,
    target: histogram(y, 1, 1, decileEdges(y)),
    prediction: histogram(outputs, 1, 1, decileEdges(outputs)),
    predictionSource,
  };
}
