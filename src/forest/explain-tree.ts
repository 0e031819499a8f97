/**
 * The forest in the form explanations walk: every node numbered in pre-order over the forest, with its
 * children, its feature, its training weight (cover) and the row of its values. Built once per forest from
 * `ForestArrays.nodeStats`; scoring never needs it, so it costs nothing until something is explained.
 */
import { MlinferError } from '../errors.js';
import { isLeaf, nextNode, nodeFeature, nodeTarget, nodeWords } from './node-step.js';
import type { ForestArrays } from './types.js';

export interface ExplainTree {
  readonly arrays: ForestArrays;
  readonly nTrees: number;
  readonly nOutputs: number;
  /** Node number of each tree's root. */
  readonly roots: Uint32Array;
  /** Per node: word offset in `arrays.nodes` (for the shared node step). */
  readonly offset: Uint32Array;
  /** Per node: split feature, or -1 for a leaf. */
  readonly feature: Int32Array;
  /** Per internal node: node numbers of the left and right children. */
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  readonly cover: Float64Array;
  /** Per node: nOutputs values, leaves (from leafValues) and internal nodes alike, row-major. */
  readonly values: Float64Array;
  /** The deepest leaf's depth (root = 0), over all trees. */
  readonly maxDepth: number;
}

/**
 * Builds the explanation form of a forest. Throws MLI_CANNOT_EXPLAIN when the forest has no node statistics.
 *
 * @example
 * const tree = explainTree(forest.arrays);
 */
export function explainTree(arrays: ForestArrays): ExplainTree {
  const stats = arrays.nodeStats;
  // Contributions to summed raw scores through a link would need shap's boosted-tree form (and the source's
  // node covers); rather than wrong numbers, additive ensembles are refused.
  if (arrays.additive !== undefined)
    throw new MlinferError(
      'MLI_CANNOT_EXPLAIN',
      'this model cannot explain predictions: it is an imported additive ensemble (gradient boosting, or a forest ' +
        'with a base score or link), which mlinfer scores but does not explain; use the source library (shap) to explain it',
    );
  if (!stats)
    throw new MlinferError(
      'MLI_CANNOT_EXPLAIN',
      'this model cannot explain predictions: its file has no node statistics (written before model format 1.1, ' +
        'or an imported forest); retrain it with this mlinfer to explain',
    );
  const { nodes, categoryCounts, treeOffsets, leafValues } = arrays;
  const C = arrays.nOutputs;
  const n = stats.cover.length;
  const offset = new Uint32Array(n);
  const feature = new Int32Array(n);
  const values = new Float64Array(n * C);
  const byOffset = new Map<number, number>();
  for (let p = 0, i = 0, internal = 0; p < nodes.length; p += nodeWords(nodes, categoryCounts, p), i++) {
    offset[i] = p;
    byOffset.set(p, i);
    if (isLeaf(nodes, p)) {
      feature[i] = -1;
      values.set(leafValues.subarray(nodeTarget(nodes, p) * C, (nodeTarget(nodes, p) + 1) * C), i * C);
    } else {
      feature[i] = nodeFeature(nodes, p);
      values.set(stats.internalValues.subarray(internal * C, (internal + 1) * C), i * C);
      internal++;
    }
  }
  const left = new Uint32Array(n);
  const right = new Uint32Array(n);
  const depth = new Uint32Array(n);
  let maxDepth = 0;
  // Pre-order: a node's depth is known before its children are reached.
  for (let i = 0; i < n; i++) {
    if (depth[i] > maxDepth) maxDepth = depth[i];
    if (feature[i] < 0) continue;
    left[i] = i + 1;
    right[i] = byOffset.get(nodeTarget(nodes, offset[i]))!;
    depth[left[i]] = depth[right[i]] = depth[i] + 1;
  }
  const nTrees = treeOffsets.length - 1;
  const roots = new Uint32Array(nTrees);
  for (let t = 0; t < nTrees; t++) roots[t] = byOffset.get(treeOffsets[t])!;
  return {
    arrays,
    nTrees,
    nOutputs: C,
    roots,
    offset,
    feature,
    left,
    right,
    cover: stats.cover,
    values,
    maxDepth,
  };
}

/** The child of internal node `i` that a binned row goes to (the shared node step decides). */
export function childOf(t: ExplainTree, i: number, rowBins: Uint16Array): number {
  const { nodes, categoryCounts } = t.arrays;
  const p = t.offset[i];
  return nextNode(nodes, categoryCounts, p, rowBins[t.feature[i]]) === p + nodeWords(nodes, categoryCounts, p)
    ? t.left[i]
    : t.right[i];
}
