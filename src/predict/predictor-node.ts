// Node only: a predictor that can be created from a model file path and hot-reloaded from one, and that
// scores large predictManyAsync calls on worker threads.
import { assertOptions } from '../constraints.js';
import { isMlinferError, MlinferError } from '../errors.js';
import type { Matrix } from '../forest/types.js';
import { loadModel, loadModelSync } from '../model/io.js';
import type { Model } from '../model/model.js';
import {
  createOffloadingPredictor,
  type MatrixOffload,
  PREDICTOR_SPEC,
  type Predictor,
  type PredictorOptions,
} from './predictor.js';
import { createScoringPool, SCORING_POOL_SPEC, type ScoringPool } from './score-pool-node.js';

/**
 * Below this many rows x trees (10,000 rows through 100 trees, about 40 ms on one core), predictManyAsync
 * scores on the calling thread: a call through the workers adds messages, copies and thread wake-ups, which
 * on a busy machine cost milliseconds, and small calls gain little from more cores.
 */
const PARALLEL_ROW_TREES = 1_000_000;

export interface NodePredictorOptions extends PredictorOptions {
  /**
   * Worker threads that score large `predictManyAsync` calls (see createScoringPool); default:
   * `os.availableParallelism()`. They start on the first large call and stop on `close()`; idle, they do not
   * keep the process alive. `0` scores every call on the calling thread.
   */
  threads?: number;
}

export interface ReloadResult {
  ok: boolean;
  /** The model version serving after the call (the old one when the reload failed). */
  modelVersion: string;
  /** Why the reload failed. */
  error?: MlinferError;
}

export interface NodePredictor extends Predictor {
  /**
   * Loads a model file and swaps it in atomically. When loading fails (missing, corrupt, a different task),
   * the old model keeps serving and the result says why.
   */
  reload(source: string | Uint8Array | Model): Promise<ReloadResult>;
  /** When the model now serving was loaded (ms since the epoch). */
  readonly loadedAt: number;
}

/**
 * Loads a model once (from a path, the bytes of a model file, or a Model) and returns a predictor.
 *
 * @example
 * const predictor = createPredictor('churn.mlinfer');
 * predictor.predict({ age: 42, plan: 'pro' }); // { prediction: 'yes', probabilities: {...}, modelVersion }
 */
export function createPredictor(
  source: string | Uint8Array | Model,
  options: NodePredictorOptions = {},
): NodePredictor {
  assertOptions(options, { ...PREDICTOR_SPEC, threads: SCORING_POOL_SPEC.threads }, 'predictor options');
  const { threads, ...coreOptions } = options;
  const model = typeof source === 'string' ? loadModelSync(source) : source;
  const workers = poolOfPredictor(threads);
  const core = createOffloadingPredictor(model, coreOptions, workers.offload);
  let loadedAt = Date.now();
  return {
    get model() {
      return core.model;
    },
    get modelVersion() {
      return core.modelVersion;
    },
    get stats() {
      return core.stats;
    },
    get loadedAt() {
      return loadedAt;
    },
    validate: core.validate,
    predict: core.predict,
    drift: core.drift,
    driftCounts: core.driftCounts,
    predictProba: core.predictProba,
    predictMany: core.predictMany,
    predictManyAsync: core.predictManyAsync,
    explain: core.explain,
    explainMany: core.explainMany,
    predictAsync: core.predictAsync,
    swap(m: Model) {
      core.swap(m);
      loadedAt = Date.now();
    },
    async close() {
      await core.close();
      await workers.close();
    },
    async reload(next: string | Uint8Array | Model): Promise<ReloadResult> {
      try {
        const m = typeof next === 'string' || next instanceof Uint8Array ? await loadModel(next) : next;
        core.swap(m);
        loadedAt = Date.now();
        return { ok: true, modelVersion: core.modelVersion };
      } catch (e) {
        const error = isMlinferError(e) ? e : new MlinferError('MLI_INTERNAL', String(e), { cause: e });
        return { ok: false, modelVersion: core.modelVersion, error };
      }
    },
  };
}

/**
 * The worker threads of a predictor: one pool for the model serving now, started on the first large call;
 * a swap starts another (the old one finishes its calls, then stops), and a failed pool is replaced.
 */
function poolOfPredictor(threads: number | undefined): {
  offload: MatrixOffload;
  close(): Promise<void>;
} {
  let current: { model: Model; pool: ScoringPool } | null = null;
  let closed = false;
  const retire = (entry: { pool: ScoringPool }): void => {
    if (current === entry) current = null;
    void entry.pool.close();
  };
  return {
    offload(model: Model, X: Matrix) {
      // after close(), calls still work, on this thread, as predict and predictMany do
      if (closed || threads === 0 || X.nRows * model.forest.arrays.treeOffsets.length < PARALLEL_ROW_TREES)
        return null;
      if (current?.model !== model) {
        if (current) retire(current);
        current = { model, pool: createScoringPool(model, { threads }) };
      }
      const entry = current;
      const scored = entry.pool.scoreMatrix(X);
      scored.catch((e) => {
        if (isMlinferError(e) && e.code === 'MLI_WORKER_FAILED') retire(entry);
      });
      return scored;
    },
    async close() {
      closed = true;
      const entry = current;
      current = null;
      await entry?.pool.close();
    },
  };
}
