// Node entry of training: the same forest as fitForestSync, grown on worker threads.
import { assembleForest, type FitOptions, type FittedForest, fitForestSync, prepareFit } from './fit.js';
import { defaultThreadCount, growTreesOnThreads, trainingWorker } from './threads.js';
import type { Matrix } from './types.js';

/** Below this many rows x trees, training stays on the calling thread (measured: digits, 1,437 x 100). */
const SMALL_JOB_ROW_TREES = 200_000;

/**
 * Trains a random forest on all cores. The result is bit-identical whatever `nThreads` is.
 *
 * @example
 * const forest = await fitForest(X, y, { task: 'classification', nEstimators: 100, seed: 42 });
 * const proba = forest.predictProba(Xtest); // nRows * nClasses
 */
export async function fitForest(X: Matrix, y: ArrayLike<number>, options: FitOptions): Promise<FittedForest> {
  const nThreads = options?.nThreads ?? defaultThreadCount();
  const nTrees = options?.nEstimators ?? 100;
  // Starting workers costs tens of milliseconds: small jobs finish sooner on this thread.
  const small = (X?.nRows ?? 0) * (Number.isInteger(nTrees) ? nTrees : 1) < SMALL_JOB_ROW_TREES;
  const entry =
    nThreads <= 1 || nTrees <= 1 || !Number.isInteger(nThreads) || small ? null : trainingWorker();
  if (!entry) return fitForestSync(X, y, options);
  const prep = prepareFit(X, y, options, true);
  const trees = await growTreesOnThreads(entry, prep.data, prep.cfg, prep.seeds, nThreads, (done) =>
    options.onProgress?.(done, prep.seeds.length),
  );
  return assembleForest(prep, trees);
}
