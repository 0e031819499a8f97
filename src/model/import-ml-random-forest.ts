/**
 * Converts a model of ml-random-forest 2.1.0 (`toJSON()` of RandomForestClassifier or
 * RandomForestRegression, live or after a JSON round trip) into ForestArrays, so users of that library
 * can move their models to mlinfer without retraining.
 *
 * What ml-random-forest does, and how it maps:
 * - Each tree sees a subset of the columns, `baseModel.indexes[tree]`; a node's `splitColumn` indexes
 *   that subset. We map it back to the original feature.
 * - ml-cart sends a row left when `value < splitValue` (NaN goes right). ForestArrays go left when
 *   `value <= edge`, so each threshold becomes the edge `nextDown(splitValue)`: for every double v,
 *   v < s exactly when v <= nextDown(s). Missing values go right, as in ml-cart.
 * - A classifier leaf holds the class distribution of its training rows; a regression leaf the mean.
 * - RandomForestClassifier predicts the mode of the trees' votes (each tree votes its leaf's most
 *   frequent class), not the mean of the distributions. `leaves: 'votes'` stores each leaf as a one-hot
 *   vote, so averaging leaves gives the trees' vote shares and the same `predict` (up to how ties
 *   between classes are broken). `leaves: 'fractions'` (the default) keeps the distributions, which is
 *   how mlinfer's own forests (scikit-learn style soft voting) predict. (ml-random-forest's own
 *   `predictProbability` drops the first tree's vote, a `reduce` without an initial value, so it differs
 *   from the vote shares by up to 1 / nEstimators.)
 */

import { isMlinferError, MlinferError } from '../errors.js';
import type { ForestArrays, Task } from '../forest/types.js';
import { compileForeignEnsemble } from './import/compile.js';
import type { ForeignEnsemble, ForeignNode, ForeignTree } from './import/foreign-ensemble.js';
import { MAX_FEATURES } from './validate-forest.js';

export { nextDown } from './import/floats.js';

export interface ImportMlRandomForestOptions {
  /** Number of features of the training data; by default the highest feature a tree samples, plus one. */
  nFeatures?: number;
  /** Number of classes; by default the longest leaf distribution (classes are 0..k-1 in ml-random-forest). */
  nClasses?: number;
  /** How classification leaves are stored; see the module comment. Default 'fractions'. */
  leaves?: 'fractions' | 'votes';
}

interface MlNode {
  splitValue?: unknown;
  splitColumn?: unknown;
  left?: unknown;
  right?: unknown;
  distribution?: unknown;
}

function invalid(message: string, path: (string | number)[] = []): MlinferError {
  return new MlinferError('MLI_INVALID_DATA', `cannot import the ml-random-forest model: ${message}`, {
    issues: [{ path, message }],
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * Converts an ml-random-forest 2.1.0 model (the object `toJSON()` returns, or its JSON text) into
 * ForestArrays. Numeric features only. Throws MLI_INVALID_DATA when the model is not one it understands.
 *
 * @example
 * const rf = new RandomForestClassifier({ nEstimators: 50 });
 * rf.train(X, y);
 * const forest = importMlRandomForest(rf.toJSON(), { nFeatures: X[0].length, leaves: 'votes' });
 * const bytes = encodeModel({ metadata: { importedFrom: 'ml-random-forest@2.1.0' }, forest });
 */
export function importMlRandomForest(json: unknown, options: ImportMlRandomForestOptions = {}): ForestArrays {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (cause) {
      throw invalid(`the text is not JSON (${String(cause)})`);
    }
  }
  if (!isObject(json) || (json.name !== 'RFClassifier' && json.name !== 'RFRegression')) {
    throw invalid(
      'expected the toJSON() of a RandomForestClassifier or RandomForestRegression (name RFClassifier or RFRegression)',
      ['name'],
    );
  }
  const task: Task = json.name === 'RFClassifier' ? 'classification' : 'regression';
  if (task === 'regression' && json.selectionMethod !== undefined && json.selectionMethod !== 'mean') {
    throw invalid(`selectionMethod ${String(json.selectionMethod)} is not supported, only mean`, [
      'selectionMethod',
    ]);
  }
  const base = json.baseModel;
  if (!isObject(base) || !Array.isArray(base.estimators) || !Array.isArray(base.indexes)) {
    throw invalid('baseModel.estimators and baseModel.indexes are missing', ['baseModel']);
  }
  const estimators: unknown[] = base.estimators;
  const indexes: unknown[] = base.indexes;
  if (estimators.length === 0 || estimators.length !== indexes.length) {
    throw invalid(`${estimators.length} trees but ${indexes.length} feature subsets`, [
      'baseModel',
      'indexes',
    ]);
  }

  const trees = estimators.map((est, t) => {
    const root = isObject(est) ? est.root : undefined;
    if (!isObject(root)) throw invalid(`tree ${t} has no root`, ['baseModel', 'estimators', t]);
    const subset = indexes[t];
    if (!Array.isArray(subset) || !subset.every((i) => Number.isInteger(i) && i >= 0 && i < MAX_FEATURES)) {
      throw invalid(`the feature subset of tree ${t} is not a list of feature indices`, [
        'baseModel',
        'indexes',
        t,
      ]);
    }
    return flattenTree(root as MlNode, subset as number[], task, t);
  });

  let maxFeature = 0;
  for (const subset of indexes as number[][]) for (const f of subset) maxFeature = Math.max(maxFeature, f);
  const nFeatures = options.nFeatures ?? maxFeature + 1;
  if (!Number.isInteger(nFeatures) || nFeatures <= maxFeature || nFeatures > MAX_FEATURES) {
    throw invalid(`nFeatures ${nFeatures} must be an integer above ${maxFeature}, the highest feature used`, [
      'nFeatures',
    ]);
  }
  let longest = 1;
  for (const tree of trees) for (const leaf of tree.leaves) longest = Math.max(longest, leaf.length);
  const nOutputs = task === 'regression' ? 1 : (options.nClasses ?? longest);
  if (!Number.isInteger(nOutputs) || nOutputs < longest) {
    throw invalid(`nClasses ${nOutputs} is below the ${longest} classes the leaves hold`, ['nClasses']);
  }
  return assemble(trees, task, nFeatures, nOutputs, options.leaves ?? 'fractions');
}

/** One tree in pre-order: per node either a split (feature, threshold) or a leaf's values. */
interface FlatTree {
  /** Original feature per node, -1 for a leaf. */
  features: number[];
  /** ml-cart split value per node (NaN for a leaf). */
  splits: number[];
  /** Pre-order position of each node's right child, -1 for a leaf. */
  rights: number[];
  leaves: number[][];
}

/** Iterative (trees of a fully grown forest can be thousands of levels deep). */
function flattenTree(root: MlNode, subset: number[], task: Task, t: number): FlatTree {
  const tree: FlatTree = { features: [], splits: [], rights: [], leaves: [] };
  // Each entry: a node, and the pre-order index of the parent whose right child it is (or -1).
  const stack: [MlNode, number][] = [[root, -1]];
  while (stack.length > 0) {
    const [node, rightOf] = stack.pop()!;
    const i = tree.features.length;
    if (rightOf >= 0) tree.rights[rightOf] = i;
    const where = `tree ${t}, node ${i}`;
    if (node.distribution !== undefined) {
      tree.features.push(-1);
      tree.splits.push(Number.NaN);
      tree.rights.push(-1);
      tree.leaves.push(leafValues(node.distribution, task, where));
      continue;
    }
    const column = node.splitColumn;
    const split = node.splitValue;
    if (!isObject(node.left) || !isObject(node.right))
      throw invalid(`${where} has neither a distribution nor two children`);
    if (typeof column !== 'number' || !Number.isInteger(column) || column < 0 || column >= subset.length) {
      throw invalid(`${where} splits on column ${String(column)}, the tree has ${subset.length}`);
    }
    // -Infinity or NaN would send nothing left; ml-cart never keeps such a split.
    if (typeof split !== 'number' || Number.isNaN(split) || split === -Infinity) {
      throw invalid(`${where} has split value ${String(split)}`);
    }
    tree.features.push(subset[column]);
    tree.splits.push(split);
    tree.rights.push(-1);
    stack.push([node.right as MlNode, i], [node.left as MlNode, -1]);
  }
  return tree;
}

/** A leaf's raw values: the class distribution (a 1×k ml-matrix, or its JSON [[...]]) or the mean. */
function leafValues(distribution: unknown, task: Task, where: string): number[] {
  if (task === 'regression') {
    if (typeof distribution !== 'number' || !Number.isFinite(distribution)) {
      throw invalid(`${where} has regression value ${String(distribution)}`);
    }
    return [distribution];
  }
  let rows: unknown = distribution;
  if (isObject(rows) && typeof rows.to2DArray === 'function') rows = (rows.to2DArray as () => unknown)();
  const row = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows;
  if (
    !Array.isArray(row) ||
    row.length === 0 ||
    !row.every((v) => typeof v === 'number' && v >= 0 && v <= 1.000001)
  ) {
    throw invalid(`${where} has no class distribution`);
  }
  return row as number[];
}

/**
 * The ensemble as the shared compiler takes it: each ml-cart split is `x < splitValue` (NaN goes right, the
 * false side), averaged over trees.
 */
function assemble(
  trees: FlatTree[],
  task: Task,
  nFeatures: number,
  nOutputs: number,
  leafMode: 'fractions' | 'votes',
): ForestArrays {
  const ensemble: ForeignEnsemble = {
    task,
    nFeatures,
    nOutputs,
    nClasses: task === 'classification' ? nOutputs : 0,
    precision: 'float64',
    aggregate: 'average',
    baseScores: new Array(nOutputs).fill(0),
    postTransform: 'none',
    trees: trees.map((tree) => foreignTree(tree, task, nOutputs, leafMode)),
  };
  try {
    return compileForeignEnsemble(ensemble);
  } catch (e) {
    // the compiler names what it cannot represent; to this importer's callers that is bad input
    if (isMlinferError(e) && e.code === 'MLI_MODEL_UNSUPPORTED')
      throw invalid(e.message.replace(/^cannot import the model: /, ''));
    throw e;
  }
}

function foreignTree(
  tree: FlatTree,
  task: Task,
  nOutputs: number,
  leafMode: 'fractions' | 'votes',
): ForeignTree {
  let nextLeaf = 0;
  const nodes: ForeignNode[] = tree.features.map((f, i) => {
    if (f < 0) {
      const values = new Float64Array(nOutputs);
      writeLeaf(values, 0, tree.leaves[nextLeaf++], task, leafMode);
      return { kind: 'leaf', values: Array.from(values) };
    }
    // pre-order: the left child follows its parent
    return {
      kind: 'split',
      feature: f,
      rule: 'lt',
      threshold: tree.splits[i],
      missingGoesTrue: false,
      ifTrue: i + 1,
      ifFalse: tree.rights[i],
    };
  });
  return { nodes };
}
function writeLeaf(
  out: Float64Array,
  at: number,
  values: number[],
  task: Task,
  mode: 'fractions' | 'votes',
): void {
  if (task === 'regression') {
    out[at] = values[0];
    return;
  }
  if (mode === 'votes') {
    // ml-cart votes for the first class with the highest share (ml-matrix maxRowIndex).
    let best = 0;
    for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
    out[at + best] = 1;
    return;
  }
  // Class fractions are float32 in ForestArrays (the model file stores them in 4 bytes exactly).
  for (let k = 0; k < values.length; k++) out[at + k] = Math.fround(Math.min(1, values[k]));
}
