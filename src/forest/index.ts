export { argmax } from './argmax.js';
export { binRow, createScorer, type ForestScorer } from './compiled.js';
export {
  createFittedForest,
  type FitOptions,
  type FittedForest,
  type ForestShard,
  fitForestSync,
} from './fit.js';
export { defaultParams, type ForestParams, type ForestParamsInput, resolveParams } from './params.js';
export {
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  type ForestArrays,
  type Matrix,
  type Task,
} from './types.js';
