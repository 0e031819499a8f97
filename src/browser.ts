// The browser and edge-runtime entry: everything that needs no `node:` module.

export type { FeatureSpec, FeatureType, Schema, TargetSpec } from './data/schema.js';
export type { Cell, Table, TableInput } from './data/table.js';
export { ERROR_CODES, type ErrorCode, type Issue, isMlinferError, MlinferError } from './errors.js';
export {
  createScorer,
  type FitOptions,
  type FittedForest,
  type ForestArrays,
  type ForestParams,
  type ForestScorer,
  type ForestShard,
  fitForestSync,
  type Matrix,
  type Task,
} from './forest/index.js';
export {
  type DriftBin,
  type DriftLevel,
  type DriftOptions,
  type DriftReport,
  type FeatureDrift,
  type PredictionDrift,
  PSI_EPSILON,
} from './model/drift.js';
export { driftOf, profileOf } from './model/drift-of.js';
export { modelFromLightGBM, modelFromXGBoost } from './model/import/from-boosted.js';
export type { ImportOptions } from './model/import/model-from-foreign.js';
export {
  type MergeOptions,
  mergeModels,
  modelFromForests,
} from './model/merge.js';
export {
  type ImportInfo,
  type Model,
  type ModelFromForestOptions,
  type ModelMetadata,
  modelFromBytes,
  modelFromForest,
  modelToBytes,
} from './model/model.js';
export type { BinnedCounts, TrainingProfile } from './model/profile.js';
export type { MergedInfo, ShardInfo } from './model/shard.js';
export type { DriftWindowOptions } from './predict/drift-window.js';
export type {
  ExplainMethod,
  ExplainOptions,
  Explanation,
  FeatureContribution,
} from './predict/explanation.js';
export {
  createPredictorFromModel as createPredictor,
  type Prediction,
  type Predictor,
  type PredictorOptions,
  type PredictRecord,
  type ValidationResult,
} from './predict/predictor.js';
export { VERSION } from './version.js';
