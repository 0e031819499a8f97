/**
 * The common form every imported tree ensemble passes through (ONNX TreeEnsemble*, LightGBM text models,
 * XGBoost JSON, ml-random-forest): trees of real-valued comparisons as their library wrote them, before they
 * become ForestArrays. Importers only translate their format into this; one compiler (compileForeignEnsemble)
 * turns thresholds into bin edges, rules into "go left when bin <= threshold bin", set rules into category
 * sets, and keeps how the trees combine (averaged forest, or additive sum + base scores + link).
 *
 * Issue 13. This file is the contract between the importers: change it only with every importer in view.
 */

import type { Task } from '../../types.js';

/**
 * How a node compares feature value x with its threshold t; the node follows `ifTrue` when the rule holds.
 * - leq x <= t, lt x < t, gte x >= t, gt x > t, eq x == t, neq x != t (numeric rules);
 * - member: x is one of `set` (integer category values, LightGBM categorical splits and ONNX opset-5
 *   BRANCH_MEMBER).
 */
export type ForeignRule = 'leq' | 'lt' | 'gte' | 'gt' | 'eq' | 'neq' | 'member';

/**
 * How the raw scores (leaf sums + base scores) become outputs, as ONNX's post_transform names them:
 * - none: as they are (regression, or classifiers whose leaves already hold probabilities);
 * - logistic: 1 / (1 + exp(-s)) per output; for a binary classifier scored by one raw score (leaves of
 *   width 1), the probabilities are [1 - p, p];
 * - softmax: exp(s_k) / sum_j exp(s_j); softmax_zero: the same but outputs whose score is exactly 0 stay 0.
 */
export type PostTransform = 'none' | 'logistic' | 'softmax' | 'softmax_zero';

export interface ForeignSplit {
  kind: 'split';
  feature: number;
  rule: ForeignRule;
  /** The threshold of a numeric rule (unused for member). */
  threshold: number;
  /** For member: the category values on the `ifTrue` side. */
  set?: readonly number[];
  /** Where a missing value (NaN) goes. */
  missingGoesTrue: boolean;
  /** Node indices into ForeignTree.nodes. */
  ifTrue: number;
  ifFalse: number;
}

export interface ForeignLeaf {
  kind: 'leaf';
  /** nOutputs values (the leaf's weight per class or target; zero where the leaf adds nothing). */
  values: readonly number[];
}

export type ForeignNode = ForeignSplit | ForeignLeaf;

/** One tree: node 0 is the root; every node is reachable from it exactly once (a tree, not a graph). */
export interface ForeignTree {
  nodes: ForeignNode[];
}

export interface ForeignEnsemble {
  task: Task;
  nFeatures: number;
  /** Width of every leaf: the number of raw scores (classes, 1 for a binary classifier scored by one raw score, 1 for regression). */
  nOutputs: number;
  /** Number of classes of a classifier (2 for a binary one even when nOutputs is 1); 0 for regression. */
  nClasses: number;
  /**
   * The precision the source library compares in. 'float32': x is rounded to float32 before each comparison
   * (ONNX float inputs, XGBoost, scikit-learn); 'float64': compared as given (LightGBM, ONNX double inputs).
   * The compiler picks bin edges so that our double-precision binning reproduces either exactly.
   */
  precision: 'float32' | 'float64';
  /** 'average': outputs are the mean of the trees' leaves (random forests); 'sum': gradient boosting. */
  aggregate: 'average' | 'sum';
  /** nOutputs values added to the aggregated leaves (zeros when the source has none). */
  baseScores: readonly number[];
  postTransform: PostTransform;
  trees: ForeignTree[];
  /**
   * Optional (added for LightGBM, backward compatible): per feature, the least number of category codes a
   * categorical feature takes (0 or absent: the largest code a set names, plus one). A code past every set
   * still counts as a category (it goes to the false side) rather than as missing: LightGBM's importer
   * reserves one for the schema's "other" category.
   */
  categoryCounts?: readonly number[];
}
