// Node only: a predictor that can be created from a model file path and hot-reloaded from one.
import { isMlinferError, MlinferError } from '../errors.js';
import { loadModel, loadModelSync } from '../model/io.js';
import type { Model } from '../model/model.js';
import { createPredictorFromModel, type Predictor, type PredictorOptions } from './predictor.js';

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
  options: PredictorOptions = {},
): NodePredictor {
  const model = typeof source === 'string' ? loadModelSync(source) : source;
  const core = createPredictorFromModel(model, options);
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
    predictProba: core.predictProba,
    predictMany: core.predictMany,
    explain: core.explain,
    explainMany: core.explainMany,
    predictAsync: core.predictAsync,
    swap(m: Model) {
      core.swap(m);
      loadedAt = Date.now();
    },
    close: core.close,
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
