// The public API of mlinfer, and nothing else.

export type { FeatureSpec, FeatureType, Schema, TargetSpec } from './data/schema.js';
export type { Cell, Table, TableInput } from './data/table.js';
export { ERROR_CODES, type ErrorCode, type Issue, isMlinferError, MlinferError } from './errors.js';
export { fitForest } from './forest/fit-node.js';
export {
  createScorer,
  type FitOptions,
  type FittedForest,
  type ForestArrays,
  type ForestParams,
  type ForestParamsInput,
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
export type { DriftCounts } from './model/drift-counts.js';
export { driftOf, profileOf } from './model/drift-of.js';
export {
  type ClassificationEvaluation,
  type EvaluateOptions,
  type Evaluation,
  evaluate,
  type RegressionEvaluation,
  type UnscoredRow,
} from './model/evaluate.js';
export { modelToOnnx, type OnnxExportOptions } from './model/export/onnx-export.js';
export { modelFromLightGBM, modelFromXGBoost } from './model/import/from-boosted.js';
export type { ImportOptions } from './model/import/model-from-foreign.js';
export { type ModelFromOnnxOptions, modelFromOnnx } from './model/import/onnx.js';
export { DEFAULT_MODEL_FILE, loadModel, loadModelSync, saveModel } from './model/io.js';
export {
  type MergeOptions,
  mergeModels,
  modelFromForests,
} from './model/merge.js';
export {
  type ImportInfo,
  type MetricSet,
  type Model,
  type ModelFromForestOptions,
  type ModelFromMlRandomForestOptions,
  type ModelMetadata,
  modelFromBytes,
  modelFromForest,
  modelFromMlRandomForest,
  modelToBytes,
  type TrainingMetrics,
} from './model/model.js';
export type { BinnedCounts, TrainingProfile } from './model/profile.js';
export type { MergedInfo, ShardInfo } from './model/shard.js';
export { type TrainOptions, train } from './model/train.js';
export {
  type BatchInput,
  type BatchOptions,
  type BatchRow,
  type BatchRun,
  type BatchStats,
  batchPredict,
  type RejectedRow,
} from './predict/batch.js';
export {
  type BatchFileOptions,
  type BatchReport,
  batchPredictFile,
  type FileFormat,
} from './predict/batch-file.js';
export type { DriftWindowOptions } from './predict/drift-window.js';
export type {
  ExplainMethod,
  ExplainOptions,
  Explanation,
  FeatureContribution,
} from './predict/explanation.js';
export type {
  Prediction,
  Predictor,
  PredictorOptions,
  PredictRecord,
  ValidationResult,
  WindowCounts,
} from './predict/predictor.js';
export {
  createPredictor,
  type NodePredictor,
  type NodePredictorOptions,
  type ReloadResult,
} from './predict/predictor-node.js';
export {
  createScoringPool,
  type ScoringPool,
  type ScoringPoolOptions,
} from './predict/score-pool-node.js';
export { createBearerCheck } from './serve/auth.js';
export { createHandler, type HandlerOptions, type MlinferHandler } from './serve/handler.js';
export { openApiDocument } from './serve/openapi.js';
export { type RunningServer, type ServerOptions, startServer } from './serve/server.js';
export { VERSION } from './version.js';
