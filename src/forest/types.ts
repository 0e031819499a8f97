/**
 * Shared shapes of the forest engine. The forest knows typed arrays only: no CSV, no HTTP, no `node:`.
 */

// The shared vocabulary lives in src/types.ts (neutral ground for every layer); the engine re-exports it.
import type { Task } from '../types.js';

export { FEATURE_CATEGORICAL, FEATURE_NUMERIC, type Matrix, type Task } from '../types.js';

/**
 * The compiled, typed-array form of a fitted forest: what predicts, and what the model file stores.
 *
 * Each row is first binned (see `binRow` in compiled.ts): a numeric value v falls in the first bin b with
 * v <= binEdges[b] of its feature (past the last edge: bin = number of edges); NaN falls in MISSING_BIN;
 * a categorical code c is its own bin, and codes that are unseen, negative or not integers are missing.
 * Nodes then compare small integers, so a node is 8 bytes and a whole tree stays in cache.
 *
 * Node layout in `nodes` (Int32 words; offsets are absolute word offsets into `nodes`):
 * - word 0: feature (bits 0-15) | threshold bin (bits 16-31)
 * - word 1: flags (bits 29-31, see NODE_*) | internal node: word offset of the right child;
 *   leaf: leaf index, whose values are leafValues[leaf * nOutputs ...]
 * - a categorical node is followed by ceil(categoryCounts[feature] / 32) words: the set of the codes
 *   that go left, as bits.
 * The left child follows its parent directly (at +2, or +2 + set words for a categorical node).
 * Numeric rule: go left when bin <= threshold bin; the real-valued threshold is that bin's edge.
 * Missing values (and unseen categories) go left when NODE_MISSING_LEFT is set.
 */
export interface ForestArrays {
  task: Task;
  nFeatures: number;
  /** Number of classes for classification, 1 for regression. */
  nOutputs: number;
  /** FEATURE_NUMERIC or FEATURE_CATEGORICAL per feature. */
  featureKinds: Uint8Array;
  /** For categorical features the number of codes (0..count-1); 0 for numeric ones. */
  categoryCounts: Uint32Array;
  /** Upper edges of each numeric feature's bins, ascending, concatenated; categorical features have none. */
  binEdges: Float64Array;
  /** nFeatures + 1 offsets into binEdges. */
  binEdgeOffsets: Uint32Array;
  /** nTrees + 1 word offsets into nodes. */
  treeOffsets: Uint32Array;
  nodes: Int32Array;
  /**
   * nOutputs values per leaf. Classification: the class fractions of the leaf (scikit-learn's definition),
   * rounded to float32 so that a model file can store them in 4 bytes exactly. Regression: the mean target.
   * With `additive`: raw scores (any finite value) that the trees sum.
   */
  leafValues: Float64Array;
  /**
   * What training saw at every node, for explanations only (scoring never reads it, so the hot arrays above
   * stay as they are). Absent from forests loaded from model files older than format 1.1 and from imported
   * forests: those predict but cannot explain.
   */
  nodeStats?: NodeStats;
  /**
   * How the trees combine when they are not a plain average of probabilities or means: imported gradient
   * boosting (summed raw scores, base scores, a link) and imported forests with a base or a link. Absent: the
   * averaged forest every trained model is. With it, classification leaves hold raw scores of any sign,
   * so the scorer and the model file treat them as numbers, not class fractions, and explanations are refused.
   */
  additive?: AdditiveScoring;
}

/**
 * How raw scores become outputs (ONNX's post_transform names, plus the binary case):
 * - none: as they are;
 * - logistic: 1 / (1 + exp(-s)) per output;
 * - logistic_binary: two outputs from the raw score s of output 1 (output 0's score is ignored):
 *   p = 1 / (1 + exp(-s)) and the outputs [1 - p, p] (LightGBM and XGBoost binary classifiers);
 * - softmax: exp(s_k - max) / sum_j exp(s_j - max);
 * - softmax_zero: softmax over the outputs whose score is not 0, the others stay 0 (ONNX Runtime counts a
 *   score within 1e-7 of 0 as 0).
 */
export type Link = 'none' | 'logistic' | 'logistic_binary' | 'softmax' | 'softmax_zero';

export const LINKS: readonly Link[] = ['none', 'logistic', 'logistic_binary', 'softmax', 'softmax_zero'];

/**
 * The scoring of an additive (or transformed) ensemble: out_k = link(aggregate_t(leaf_t,k) + baseScores[k]),
 * the trees summed in tree order ('sum') or averaged ('average': the sum times 1 / nTrees).
 */
export interface AdditiveScoring {
  aggregate: 'sum' | 'average';
  /** nOutputs values added after aggregating. */
  baseScores: Float64Array;
  link: Link;
}

/**
 * Per-node training statistics. Nodes are numbered in pre-order over the whole forest (tree 0's nodes in
 * `nodes` order, then tree 1's...), leaves included; internal nodes are also numbered on their own, in the
 * same order.
 */
export interface NodeStats {
  /** Per node: the training weight that reached it (bootstrap counts x sample and class weights), shap's node_sample_weight. */
  cover: Float64Array;
  /**
   * nOutputs values per internal node, by internal-node number, with the leaves' definition: class fractions
   * rounded to float32 (classification), the mean target (regression). A leaf's value is in leafValues.
   */
  internalValues: Float64Array;
}

/** The bin of a missing value in the compiled form (bins are Uint16). */
export const MISSING_BIN = 0xffff;
/** Training bins are Uint8, with 255 for missing, so at most 255 bins per numeric feature. */
export const MAX_TRAIN_BINS = 255;
export const TRAIN_MISSING_BIN = 255;
export const FLAG_SHIFT = 29;
export const OFFSET_MASK = 0x1fffffff;
export const NODE_LEAF = 1;
export const NODE_MISSING_LEFT = 2;
export const NODE_CATEGORICAL = 4;
