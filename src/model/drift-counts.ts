/**
 * Counts of new data on the training profile's bins: what batch runs, served requests and `driftOf` add up,
 * and what drift.ts compares with the profile. Counting is one bin search per feature and row (the scorer's
 * own kind of work, a small fraction of walking the trees) and allocates nothing; counts from several
 * threads or windows add up (`mergeDriftCounts`). No `node:` imports.
 */

import { MlinferError } from '../errors.js';
import type { ForestArrays, Matrix } from '../forest/types.js';
import type { Model } from './model.js';
import { countFeatures, predictionBin, type TrainingProfile, valueBins } from './profile.js';

/** New data on the profile's bins. */
export interface DriftCounts {
  rows: number;
  /** Per feature: counts per value bin, then missing, then unseen categories (encoded as missing, told apart by the encoder's counters). */
  features: Float64Array[];
  /** Predictions per prediction bin (class, or histogram bin). */
  prediction: Float64Array;
}

/** The model's profile, or MLI_NO_PROFILE naming why a model has none. */
export function requireProfile(model: Model): TrainingProfile {
  if (model.profile) return model.profile;
  throw new MlinferError(
    'MLI_NO_PROFILE',
    `model ${model.metadata.modelVersion} has no training profile: it was written before format 1.2 or imported; ` +
      'train it again with this mlinfer to compare new data with its training data',
  );
}

/**
 * Empty counts for a model's profile.
 *
 * @example
 * const counts = emptyDriftCounts(model.forest.arrays, requireProfile(model));
 */
export function emptyDriftCounts(arrays: ForestArrays, profile: TrainingProfile): DriftCounts {
  return {
    rows: 0,
    features: Array.from({ length: arrays.nFeatures }, (_, f) => new Float64Array(valueBins(arrays, f) + 2)),
    prediction: new Float64Array(profile.prediction.counts.length),
  };
}

/**
 * Adds rows of encoded features and their outputs (nOutputs per row: probabilities or the prediction).
 *
 * @example
 * addDriftRows(counts, model.forest.arrays, profile, X, outputs);
 */
export function addDriftRows(
  counts: DriftCounts,
  arrays: ForestArrays,
  profile: TrainingProfile,
  X: Matrix,
  outputs: ArrayLike<number>,
): void {
  // The profile's own counting: missing values at valueBins(f), which is where drift counts keep them too.
  countFeatures(arrays, X, counts.features);
  addDriftOutputs(counts, arrays, profile, X.nRows, outputs);
}

/**
 * Adds the outputs of rows whose features the scorer already counted: `scorer.scoreMatrix(X, out,
 * counts.features)` counts each row's bin per feature while it bins the rows for the walk (the same bins, the
 * missing bin at the same index), so a batch piece pays no second bin search.
 *
 * @example
 * const dense = scorer.scoreMatrix(X, undefined, counts.features);
 * addDriftOutputs(counts, model.forest.arrays, profile, X.nRows, dense);
 */
export function addDriftOutputs(
  counts: DriftCounts,
  arrays: ForestArrays,
  profile: TrainingProfile,
  nRows: number,
  outputs: ArrayLike<number>,
): void {
  const C = arrays.nOutputs;
  for (let r = 0; r < nRows; r++)
    if (!Number.isNaN(outputs[r * C]))
      counts.prediction[predictionBin(profile.prediction, outputs, r * C, C)]++;
  counts.rows += nRows;
}

/**
 * Moves unseen categories, which the encoder turned into missing values and counted per feature, from the
 * missing bins to the unseen ones. `unseen` is the per-feature count for the rows added (not a running total).
 */
export function addUnseen(counts: DriftCounts, unseen: ArrayLike<number>): void {
  for (let f = 0; f < counts.features.length; f++) {
    const n = unseen[f];
    if (!n) continue;
    const c = counts.features[f];
    const moved = Math.min(n, c[c.length - 2]);
    c[c.length - 2] -= moved;
    c[c.length - 1] += moved;
  }
}

/** Adds `from` into `into` (same model). */
export function mergeDriftCounts(into: DriftCounts, from: DriftCounts): void {
  into.rows += from.rows;
  from.features.forEach((c, f) => {
    const t = into.features[f];
    for (let i = 0; i < c.length; i++) t[i] += c[i];
  });
  for (let i = 0; i < from.prediction.length; i++) into.prediction[i] += from.prediction[i];
}
