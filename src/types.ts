/**
 * The vocabulary every layer shares: the task, the dense matrix the forest reads, and the codes of feature
 * kinds. It imports nothing, so the data layer and the engine can both use it without knowing each other.
 */

export type Task = 'classification' | 'regression';

/** Feature kinds as stored in typed arrays: 0 numeric (also booleans as 0/1), 1 categorical (codes 0..k-1). */
export const FEATURE_NUMERIC = 0;
export const FEATURE_CATEGORICAL = 1;

/** A dense row-major matrix of float64 values. NaN means missing. Categorical features hold integer codes. */
export interface Matrix {
  data: Float64Array;
  nRows: number;
  nFeatures: number;
}
