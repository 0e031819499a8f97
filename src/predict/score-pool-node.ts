// Node only: predictions over large matrices on all cores, as an async call. The single-threaded
// `forest.predictProba(X)` and `scorer.scoreMatrix(X)` stay as they are (and run in browsers); a ScoringPool
// gives the same numbers, bit for bit, from worker threads that live as long as the pool.
import { availableParallelism } from 'node:os';
import { assertOptions, c, type Spec, show } from '../constraints.js';
import { MlinferError } from '../errors.js';
import { argmax } from '../forest/argmax.js';
import { createScorer, type ForestScorer } from '../forest/compiled.js';
import { checkMatrix, type FittedForest } from '../forest/fit.js';
import type { ForestArrays, Matrix } from '../forest/types.js';
import type { Model } from '../model/model.js';
import { findWorker, warnNoWorkers } from '../node/workers.js';
import { type MatrixRunner, startScoreThreads } from './score-threads-node.js';

export interface ScoringPoolOptions {
  /**
   * Worker threads; default: `os.availableParallelism()`. `0` scores on the calling thread (no workers: for
   * debugging, and what happens anyway when the package was bundled without its worker files).
   */
  threads?: number;
  /**
   * Most rows a worker scores at once; default: 16384, fewer for wide rows (at most 4 MB of a piece's rows
   * and outputs). A call is split into at least one piece per thread.
   */
  chunkRows?: number;
}

/** The pool's options, declared once. */
export const SCORING_POOL_SPEC: Spec = {
  threads: [c.integer({ min: 0 })],
  chunkRows: [c.integer({ min: 1 })],
};

/** A forest's predictions on worker threads. Idle workers do not keep the process alive; `close()` stops them. */
export interface ScoringPool {
  /** Worker threads (0: the calling thread). */
  readonly threads: number;
  /** The forest it scores. */
  readonly arrays: ForestArrays;
  /**
   * The trees' averaged outputs for every row of X, nRows * nOutputs values row-major: class probabilities
   * (classification) or values (regression); the same numbers as `createScorer(arrays).scoreMatrix(X)`.
   * The rows are read piece by piece while the call runs: leave X unchanged until it settles.
   */
  scoreMatrix(X: Matrix): Promise<Float64Array>;
  /** As `forest.predictProba(X)`: class probabilities, nRows * nClasses (classification only). */
  predictProba(X: Matrix): Promise<Float64Array>;
  /** As `forest.predict(X)`: the class index (classification) or the value (regression) per row. */
  predict(X: Matrix): Promise<Float64Array>;
  /** Lets the calls already made finish, then stops the workers. Later calls reject with MLI_ABORTED. */
  close(): Promise<void>;
}

/** At most this many bytes of rows and outputs in one piece (per slot), for the default chunkRows. */
const PIECE_BYTES = 4 << 20;
/** One scorer block (compiled.ts): smaller pieces walk each tree for fewer rows. */
const DEFAULT_CHUNK_ROWS = 16384;

function arraysOf(source: unknown): ForestArrays {
  const s = source as Partial<Model & FittedForest & ForestArrays> | null;
  if (s && typeof s === 'object') {
    if (s.forest?.arrays) return s.forest.arrays;
    if (s.arrays?.nodes) return s.arrays;
    if (s.nodes instanceof Int32Array && s.treeOffsets) return s as ForestArrays;
  }
  throw new MlinferError(
    'MLI_INVALID_OPTION',
    `createScoringPool takes a Model, a FittedForest or ForestArrays, got ${show(source)}`,
  );
}

function inlineRunner(arrays: ForestArrays): MatrixRunner {
  let scorer: ForestScorer | null = null;
  let closed = false;
  return {
    async score(X, out) {
      if (closed) throw new MlinferError('MLI_ABORTED', 'the scoring pool is closed');
      scorer ??= createScorer(arrays);
      scorer.scoreMatrix(X, out);
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * Starts a pool of worker threads that score a forest (of a Model, a FittedForest, or its ForestArrays):
 * one async call scores a large matrix on every core. The forest is shared with the workers, not copied; a
 * call's rows go to them in pieces through shared memory, so no per-row objects cross threads. Outputs are
 * bit-identical to the single-threaded `forest.predictProba(X)` whatever the thread count. Workers start at
 * once (tens of milliseconds, in the background) and serve every later call: make one pool and keep it.
 *
 * @example
 * const forest = await fitForest(X, y, { task: 'classification', nEstimators: 100 });
 * const pool = createScoringPool(forest, { threads: 2 });
 * const proba = await pool.predictProba(bigX); // Float64Array, nRows * nClasses, as forest.predictProba(bigX)
 * await pool.close(); // optional: idle workers do not keep the process alive
 */
export function createScoringPool(
  source: Model | FittedForest | ForestArrays,
  options: ScoringPoolOptions = {},
): ScoringPool {
  assertOptions(options, SCORING_POOL_SPEC, 'scoring pool options');
  const arrays = arraysOf(source);
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const C = arrays.nOutputs;
  const chunkRows =
    options.chunkRows ??
    Math.max(1, Math.min(DEFAULT_CHUNK_ROWS, Math.floor(PIECE_BYTES / (8 * (arrays.nFeatures + C)))));
  const entry = threads === 0 ? null : findWorker(import.meta.url, 'score-worker', 'score-worker.ts');
  if (threads > 0 && !entry) warnNoWorkers();
  const runner = entry ? startScoreThreads(entry, arrays, threads, chunkRows) : inlineRunner(arrays);

  const scoreMatrix = async (X: Matrix): Promise<Float64Array> => {
    // the pieces are copied with typed-array methods (the single-threaded scorer reads any array)
    if (!(X?.data instanceof Float64Array))
      throw new MlinferError('MLI_INVALID_DATA', `X.data must be a Float64Array, got ${show(X?.data)}`);
    checkMatrix(arrays, X);
    const out = new Float64Array(X.nRows * C);
    await runner.score(X, out);
    return out;
  };
  return {
    threads: entry ? threads : 0,
    arrays,
    scoreMatrix,
    async predictProba(X) {
      if (arrays.task !== 'classification')
        throw new MlinferError('MLI_INVALID_OPTION', 'predictProba needs a classification forest');
      return scoreMatrix(X);
    },
    async predict(X) {
      const out = await scoreMatrix(X);
      if (arrays.task === 'regression') return out;
      const labels = new Float64Array(X.nRows);
      for (let r = 0; r < X.nRows; r++) labels[r] = argmax(out, r * C, C);
      return labels;
    },
    close: () => runner.close(),
  };
}
