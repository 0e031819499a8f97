/** LightGBM and XGBoost model files as mlinfer Models: the public entry points of those importers. */

import type { Model } from '../model.js';
import { readLightGBM } from './lightgbm.js';
import { type ImportOptions, modelFromForeign } from './model-from-foreign.js';
import { readXGBoost } from './xgboost.js';

/**
 * Turns a LightGBM text model (`booster.save_model('model.txt')`) into an mlinfer Model that predicts what
 * LightGBM's `predict` / `predict_proba` do: binary, multiclass (softmax) and regression (L2) objectives,
 * missing values (None, Zero and NaN missing types), categorical splits (the feature takes its integer codes;
 * see the README), random forest mode (average_output). Feature names come from the file unless given.
 * Throws MLI_MODEL_UNSUPPORTED naming what it cannot score exactly (another objective, linear trees).
 *
 * @example
 * const model = modelFromLightGBM(readFileSync('model.txt', 'utf8'), { classes: ['no', 'yes'] });
 * await saveModel(model, 'model.mlinfer');
 * createPredictorFromModel(model).predict({ Column_0: 1.5, Column_1: null }); // { prediction: 'yes', ... }
 */
export function modelFromLightGBM(text: string, options: ImportOptions = {}): Model {
  const lgb = readLightGBM(text);
  return modelFromForeign(
    lgb.ensemble,
    {
      featureNames: lgb.featureNames,
      lastCodeIsOther: true,
      importedFrom: {
        format: 'lightgbm',
        source: 'lightgbm text model (save_model)',
        objective: lgb.objective,
      },
    },
    options,
  );
}

/**
 * Turns an XGBoost JSON model (`booster.save_model('model.json')`, as text or parsed) into an mlinfer Model
 * that predicts what XGBoost's `predict` / `predict_proba` do (within float32 rounding, about 1e-7):
 * binary:logistic, multi:softprob / multi:softmax and reg:squarederror, with learned missing-value
 * directions and the base score. Throws MLI_MODEL_UNSUPPORTED naming what it cannot score exactly (another
 * objective, categorical splits, gblinear).
 *
 * @example
 * const model = modelFromXGBoost(readFileSync('model.json', 'utf8'), { featureNames: ['age', 'income'] });
 * await saveModel(model, 'model.mlinfer');
 */
export function modelFromXGBoost(json: unknown, options: ImportOptions = {}): Model {
  const xgb = readXGBoost(json);
  return modelFromForeign(
    xgb.ensemble,
    {
      featureNames: xgb.featureNames,
      importedFrom: {
        format: 'xgboost',
        source: 'xgboost JSON model (save_model)',
        objective: xgb.objective,
      },
    },
    options,
  );
}
