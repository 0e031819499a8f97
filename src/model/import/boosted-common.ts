/** What the LightGBM and XGBoost readers share: how an objective shapes the ensemble, and one-class leaves. */
import type { Task } from '../../types.js';
import type { ForeignEnsemble, PostTransform } from './foreign-ensemble.js';

/** The outputs an objective gives a boosted ensemble. */
export interface BoostedObjective {
  task: Task;
  nOutputs: number;
  nClasses: number;
  postTransform: PostTransform;
}

/**
 * A boosted ensemble of the objective's shape.
 *
 * @example
 * boostedEnsemble(objective, { nFeatures: 5, precision: 'float32', aggregate: 'sum', baseScores: [0], trees });
 */
export function boostedEnsemble(
  objective: BoostedObjective,
  rest: Omit<ForeignEnsemble, keyof BoostedObjective>,
): ForeignEnsemble {
  const { task, nOutputs, nClasses, postTransform } = objective;
  return { task, nOutputs, nClasses, postTransform, ...rest };
}

/**
 * The leaf values of a tree that adds to output k only (boosted multi-class trees each score one class).
 *
 * @example
 * classLeaf(3, 1, 0.25); // [0, 0.25, 0]
 */
export function classLeaf(nOutputs: number, k: number, value: number): number[] {
  const values = new Array<number>(nOutputs).fill(0);
  values[k] = value;
  return values;
}
