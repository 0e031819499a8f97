import type { FittedForest } from '../forest/fit.js';
import type { Matrix } from '../forest/types.js';
import { computeProfile, type TrainingProfile } from './profile.js';

/**
 * The training profile of a forest just fitted on X and y: its predictions are the out-of-bag ones when it
 * has them (what the model does on rows it did not see, the fair reference for new data), else in-sample.
 *
 * @example
 * const profile = profileOfTraining(forest, X, y);
 */
export function profileOfTraining(forest: FittedForest, X: Matrix, y: Float64Array): TrainingProfile {
  if (forest.oobPrediction) return computeProfile(forest.arrays, X, y, forest.oobPrediction, 'oob');
  const outputs = forest.task === 'classification' ? forest.predictProba(X) : forest.predict(X);
  return computeProfile(forest.arrays, X, y, outputs, 'training');
}
