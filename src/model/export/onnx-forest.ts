/**
 * The compiled forest (ForestArrays) as one ai.onnx.ml TreeEnsemble node (opset 5), the same trees node for
 * node:
 *
 * - a numeric node goes left when bin <= threshold bin, that is when x <= the bin's upper edge: BRANCH_LEQ on
 *   that edge, true branch = left. The edges are float64 and the node compares in the input's type, so the
 *   input must be double for the comparison to be ours exactly (a float input would round x first).
 *   A threshold bin past the last edge (every value goes left) becomes +Infinity.
 * - a categorical node becomes BRANCH_MEMBER with the codes that go left; a node that sends no code left
 *   becomes BRANCH_LEQ -1 (codes are >= 0), since ONNX Runtime cannot read an empty set.
 * - NODE_MISSING_LEFT becomes nodes_missing_value_tracks_true: NaN (missing values, unseen categories) takes
 *   the branch our forest learned for it.
 * - a tree that is one leaf becomes one node whose both branches name that leaf (the specification's way).
 *
 * An ONNX leaf adds one weight to one target, while ours holds one value per class: a classifier's trees are
 * written once per class (tree t for class c has class c's leaf values), which is how the converters write
 * multi-output trees for this op. AVERAGE then divides by all nTrees x nClasses trees, so the graph multiplies
 * the scores by nClasses after the node (see onnx-scores.ts). Trained forests average (AVERAGE); imported
 * additive ensembles keep their own aggregate (SUM for gradient boosting).
 */

import {
  categorySetWords,
  isLeaf,
  nodeFeature,
  nodeFlags,
  nodeTarget,
  nodeThresholdBin,
  nodeWords,
} from '../../forest/node-step.js';
import { type ForestArrays, NODE_CATEGORICAL, NODE_MISSING_LEFT } from '../../forest/types.js';
import type { OnnxNode } from '../onnx/onnx-proto.js';
import { doubleTensor, intAttr, intsAttr, ML_DOMAIN, node, tensorAttr, uint8Tensor } from './onnx-build.js';

const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;
const AGGREGATE_AVERAGE = 0;
const AGGREGATE_SUM = 1;
const POST_TRANSFORM_NONE = 0;

interface Branch {
  leaf: boolean;
  /** A leaf: its index into leafValues (rows of nOutputs); a node: its index in the tree's node list. */
  index: number;
}

interface TreeNode {
  feature: number;
  mode: number;
  split: number;
  members: number[] | null;
  missingTrue: boolean;
  ifTrue: Branch;
  ifFalse: Branch;
}

/** The split of the internal node at word `p`: mode, threshold and set. */
function splitOf(arrays: ForestArrays, p: number): Pick<TreeNode, 'feature' | 'mode' | 'split' | 'members'> {
  const { nodes, categoryCounts, binEdges, binEdgeOffsets } = arrays;
  const feature = nodeFeature(nodes, p);
  if ((nodeFlags(nodes, p) & NODE_CATEGORICAL) !== 0) {
    const members: number[] = [];
    const count = categoryCounts[feature];
    for (let w = 0; w < categorySetWords(count); w++)
      for (let b = 0; b < 32 && 32 * w + b < count; b++)
        if ((nodes[p + 2 + w] >>> b) & 1) members.push(32 * w + b);
    return members.length > 0
      ? { feature, mode: BRANCH_MEMBER, split: 0, members }
      : { feature, mode: BRANCH_LEQ, split: -1, members: null };
  }
  const at = binEdgeOffsets[feature] + nodeThresholdBin(nodes, p);
  const split = at < binEdgeOffsets[feature + 1] ? binEdges[at] : Number.POSITIVE_INFINITY;
  return { feature, mode: BRANCH_LEQ, split, members: null };
}

/** The word offsets of the internal nodes of the tree rooted at `root`, in pre-order (left subtree first). */
function internalNodes(arrays: ForestArrays, root: number): number[] {
  const { nodes, categoryCounts } = arrays;
  const order: number[] = [];
  // An explicit stack: trees can be deeper than the call stack allows.
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (isLeaf(nodes, p)) continue;
    order.push(p);
    stack.push(nodeTarget(nodes, p), p + nodeWords(nodes, categoryCounts, p));
  }
  return order;
}

/**
 * The internal nodes of the tree rooted at word `root`, numbered in pre-order with the true (left) branch
 * first: the order in which a recursive reader meets them, and so their BRANCH_MEMBER sets (the ONNX
 * specification lists sets in node order; onnx's Python reference reads them in that recursion order).
 */
function treeNodes(arrays: ForestArrays, root: number): TreeNode[] {
  const { nodes, categoryCounts } = arrays;
  if (isLeaf(nodes, root)) {
    const leaf = { leaf: true, index: nodeTarget(nodes, root) };
    return [
      {
        feature: 0,
        mode: BRANCH_LEQ,
        split: 0,
        members: null,
        missingTrue: false,
        ifTrue: leaf,
        ifFalse: leaf,
      },
    ];
  }
  const order = internalNodes(arrays, root);
  const index = new Map(order.map((p, i) => [p, i]));
  const branch = (p: number): Branch =>
    isLeaf(nodes, p) ? { leaf: true, index: nodeTarget(nodes, p) } : { leaf: false, index: index.get(p)! };
  return order.map((p) => ({
    ...splitOf(arrays, p),
    missingTrue: (nodeFlags(nodes, p) & NODE_MISSING_LEFT) !== 0,
    ifTrue: branch(p + nodeWords(nodes, categoryCounts, p)),
    ifFalse: branch(nodeTarget(nodes, p)),
  }));
}

/** The attribute arrays of the TreeEnsemble node, trees in order, each written once per output. */
class EnsembleArrays {
  featureIds: number[] = [];
  modes: number[] = [];
  splits: number[] = [];
  members: number[] = [];
  missingTrue: number[] = [];
  trueIds: number[] = [];
  trueLeafs: number[] = [];
  falseIds: number[] = [];
  falseLeafs: number[] = [];
  leafTargets: number[] = [];
  leafWeights: number[] = [];
  roots: number[] = [];

  /** Appends one copy of a tree whose leaves add output `target`'s values. */
  addTree(tree: TreeNode[], leafValues: Float64Array, nOutputs: number, target: number): void {
    const nodeBase = this.featureIds.length;
    // this copy's leaves, numbered in the order the nodes name them
    const leafIds = new Map<number, number>();
    const ref = (b: Branch): number => {
      if (!b.leaf) return nodeBase + b.index;
      let id = leafIds.get(b.index);
      if (id === undefined) {
        id = this.leafTargets.length;
        leafIds.set(b.index, id);
        this.leafTargets.push(target);
        this.leafWeights.push(leafValues[b.index * nOutputs + target]);
      }
      return id;
    };
    this.roots.push(nodeBase);
    for (const n of tree) {
      this.featureIds.push(n.feature);
      this.modes.push(n.mode);
      this.splits.push(n.split);
      if (n.members) this.members.push(...n.members, Number.NaN);
      this.missingTrue.push(n.missingTrue ? 1 : 0);
      this.trueLeafs.push(n.ifTrue.leaf ? 1 : 0);
      this.trueIds.push(ref(n.ifTrue));
      this.falseLeafs.push(n.ifFalse.leaf ? 1 : 0);
      this.falseIds.push(ref(n.ifFalse));
    }
  }
}

/**
 * The TreeEnsemble node (ai.onnx.ml opset 5) scoring `input` (double [N, nFeatures]) into `output`
 * (double [N, nOutputs]): AVERAGE (or an additive ensemble's SUM) over the trees; a classifier's are nOutputs
 * copies of each tree, so its averaged output is the class fractions divided by nOutputs.
 *
 * @example
 * const tree = treeEnsembleNode(model.forest.arrays, 'features', 'scores');
 */
export function treeEnsembleNode(arrays: ForestArrays, input: string, output: string): OnnxNode {
  const a = new EnsembleArrays();
  const { treeOffsets, leafValues, nOutputs } = arrays;
  for (let t = 0; t + 1 < treeOffsets.length; t++) {
    const tree = treeNodes(arrays, treeOffsets[t]);
    for (let c = 0; c < nOutputs; c++) a.addTree(tree, leafValues, nOutputs, c);
  }
  const attributes = [
    intAttr('aggregate_function', arrays.additive?.aggregate === 'sum' ? AGGREGATE_SUM : AGGREGATE_AVERAGE),
    intAttr('post_transform', POST_TRANSFORM_NONE),
    intAttr('n_targets', nOutputs),
    intsAttr('tree_roots', a.roots),
    intsAttr('nodes_featureids', a.featureIds),
    tensorAttr('nodes_modes', uint8Tensor(a.modes)),
    tensorAttr('nodes_splits', doubleTensor(a.splits)),
    intsAttr('nodes_missing_value_tracks_true', a.missingTrue),
    intsAttr('nodes_truenodeids', a.trueIds),
    intsAttr('nodes_trueleafs', a.trueLeafs),
    intsAttr('nodes_falsenodeids', a.falseIds),
    intsAttr('nodes_falseleafs', a.falseLeafs),
    intsAttr('leaf_targetids', a.leafTargets),
    tensorAttr('leaf_weights', doubleTensor(a.leafWeights)),
  ];
  if (a.members.length > 0) attributes.push(tensorAttr('membership_values', doubleTensor(a.members)));
  return node('TreeEnsemble', [input], [output], 'forest', attributes, ML_DOMAIN);
}
