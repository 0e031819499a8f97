/**
 * LightGBM's text model (what `Booster.save_model` writes) as a ForeignEnsemble, following LightGBM's own
 * prediction (include/LightGBM/tree.h, NumericalDecision and CategoricalDecision):
 *
 * - A numeric node sends x left when x <= threshold (doubles). decision_type bit 1 (2) is default_left, bits
 *   2-3 the missing type: None (NaN is taken as 0, so it goes where 0 goes), Zero (NaN and every value within
 *   kZeroThreshold = float32(1e-35) of 0 go the default way), NaN (NaN goes the default way).
 * - A Zero node whose default side is not where the zero band falls anyway is rebuilt as three nodes
 *   (x < -kZeroThreshold, x <= kZeroThreshold, x <= threshold), copying the subtrees it reaches twice.
 * - A categorical node (bit 0) holds a bit set of the codes going left (cat_boundaries / cat_threshold);
 *   negative codes, codes past the set and NaN go right (the source reads NaN as code 0 for missing type
 *   None, but casts it to int first, which is negative on x86: LightGBM's predict sends it right). So the feature becomes categorical with codes 0..(largest code + 1): the extra code is where
 *   the model's schema sends unknown values ("other"), to the right like LightGBM. LightGBM truncates a
 *   fractional code (2.7 is category 2); mlinfer takes it as an unknown category.
 * - Leaf values already hold the shrinkage and the initial score (boost_from_average). Trees are summed,
 *   or averaged with `average_output` (random forest mode); tree t adds to class t mod num_tree_per_iteration.
 * - Objectives: binary (sigmoid, with its `sigmoid:` factor), multiclass (softmax), regression (L2).
 */

import { MlinferError } from '../../errors.js';
import { type BoostedObjective, boostedEnsemble, classLeaf } from './boosted-common.js';
import type { ForeignEnsemble, ForeignNode, ForeignSplit } from './foreign-ensemble.js';

/** LightGBM's kZeroThreshold: the float literal 1e-35f widened to a double. */
export const LIGHTGBM_ZERO_THRESHOLD = Math.fround(1e-35);
const CATEGORICAL_MASK = 1;
const DEFAULT_LEFT_MASK = 2;
const MISSING_ZERO = 1;
const MISSING_NAN = 2;
/** A tree whose Zero-missing rewrites would copy subtrees past this many nodes is refused. */
const MAX_TREE_NODES = 1 << 20;

function invalid(message: string): MlinferError {
  return new MlinferError('MLI_INVALID_DATA', `cannot import the LightGBM model: ${message}`, {
    issues: [{ path: [], message }],
  });
}

function unsupported(message: string): MlinferError {
  return new MlinferError('MLI_MODEL_UNSUPPORTED', `cannot import the LightGBM model: ${message}`, {
    issues: [{ path: [], message }],
  });
}

/** What the LightGBM reader found besides the trees. */
export interface LightGBMModel {
  ensemble: ForeignEnsemble;
  /** The feature_names line (LightGBM writes Column_0... when it was given none). */
  featureNames: string[];
  /** The objective line, as LightGBM wrote it. */
  objective: string;
}

type Block = Map<string, string>;

/** The header and the tree blocks: `key=value` lines, blocks separated by `Tree=` lines. */
function parseBlocks(text: string): { header: Block; flags: Set<string>; trees: Block[] } {
  const header: Block = new Map();
  const flags = new Set<string>();
  const trees: Block[] = [];
  let current = header;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === 'end of trees') break;
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) {
      if (current === header) flags.add(line);
      continue;
    }
    const key = line.slice(0, eq);
    if (key === 'Tree') {
      current = new Map();
      trees.push(current);
    }
    current.set(key, line.slice(eq + 1));
  }
  return { header, flags, trees };
}

/** LightGBM writes doubles with %.17g, and inf / nan as the C library spells them. */
function parseNumber(s: string): number {
  const v = Number(s);
  if (!Number.isNaN(v) || s === 'nan') return v;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  return v;
}

function numbers(block: Block, key: string, n: number, t: number, integer = false): number[] {
  const raw = block.get(key);
  if (n === 0) return [];
  if (raw === undefined) throw invalid(`tree ${t} has no ${key} line`);
  const values = raw
    .split(' ')
    .filter((s) => s !== '')
    .map(parseNumber);
  if (values.length !== n || values.some((v) => Number.isNaN(v) || (integer && !Number.isInteger(v))))
    throw invalid(`tree ${t}: ${key} must hold ${n} ${integer ? 'integers' : 'numbers'}`);
  return values;
}

interface Objective extends BoostedObjective {
  /** Multiplies every leaf (LightGBM's sigmoid factor for binary). */
  scale: number;
}

function parseObjective(line: string | undefined, numClass: number): Objective {
  if (line === undefined) throw invalid('the model has no objective line');
  const [name, ...args] = line.split(' ');
  const arg = (key: string) => args.find((a) => a.startsWith(`${key}:`))?.slice(key.length + 1);
  if (name === 'binary') {
    const sigmoid = parseNumber(arg('sigmoid') ?? '1');
    if (!(sigmoid > 0)) throw invalid(`the binary objective has sigmoid ${arg('sigmoid')}`);
    return { task: 'classification', nOutputs: 1, nClasses: 2, postTransform: 'logistic', scale: sigmoid };
  }
  if (name === 'multiclass') {
    if (!(numClass >= 2)) throw invalid(`the multiclass objective has num_class ${numClass}`);
    return {
      task: 'classification',
      nOutputs: numClass,
      nClasses: numClass,
      postTransform: 'softmax',
      scale: 1,
    };
  }
  if ((name === 'regression' || name === 'regression_l2' || name === 'l2') && !args.includes('sqrt'))
    return { task: 'regression', nOutputs: 1, nClasses: 0, postTransform: 'none', scale: 1 };
  throw unsupported(
    `objective "${line}" is not supported: mlinfer imports binary, multiclass (softmax) and regression (L2, ` +
      'without reg_sqrt) models; retrain with one of those, or convert the model to ONNX',
  );
}

/** One LightGBM tree, read from its block. */
interface LgbTree {
  leaves: number[];
  features: number[];
  thresholds: number[];
  decisionTypes: number[];
  left: number[];
  right: number[];
  catBoundaries: number[];
  catThreshold: number[];
}

function readTree(block: Block, t: number, nFeatures: number): LgbTree {
  const nLeaves = Number(block.get('num_leaves'));
  if (!Number.isInteger(nLeaves) || nLeaves < 1)
    throw invalid(`tree ${t} has num_leaves ${block.get('num_leaves')}`);
  if ((block.get('is_linear') ?? '0') !== '0')
    throw unsupported(`tree ${t} is a linear tree (linear_tree=true): mlinfer scores constant leaves only`);
  const n = nLeaves - 1;
  const nCat = Number(block.get('num_cat') ?? '0');
  const tree: LgbTree = {
    leaves: numbers(block, 'leaf_value', nLeaves, t),
    features: numbers(block, 'split_feature', n, t, true),
    thresholds: numbers(block, 'threshold', n, t),
    decisionTypes: numbers(block, 'decision_type', n, t, true),
    left: numbers(block, 'left_child', n, t, true),
    right: numbers(block, 'right_child', n, t, true),
    catBoundaries: nCat > 0 ? numbers(block, 'cat_boundaries', nCat + 1, t, true) : [0],
    catThreshold: [],
  };
  if (nCat > 0) tree.catThreshold = numbers(block, 'cat_threshold', tree.catBoundaries[nCat], t, true);
  tree.features.forEach((f, i) => {
    if (f < 0 || f >= nFeatures) throw invalid(`tree ${t}, node ${i} splits on feature ${f} of ${nFeatures}`);
  });
  return tree;
}

/** The codes whose bits are set in a categorical node's bit set. */
function categorySet(tree: LgbTree, node: number, t: number): number[] {
  const k = tree.thresholds[node];
  const { catBoundaries: b, catThreshold: words } = tree;
  if (!Number.isInteger(k) || k < 0 || k + 1 >= b.length || b[k + 1] > words.length || b[k] > b[k + 1])
    throw invalid(`tree ${t}, node ${node} points at category set ${k}, which does not exist`);
  const set: number[] = [];
  for (let w = b[k]; w < b[k + 1]; w++)
    for (let bit = 0; bit < 32; bit++) if ((words[w] >>> bit) & 1) set.push((w - b[k]) * 32 + bit);
  return set;
}

/** Builds the ForeignTree of one LightGBM tree, depth first; leaves become nOutputs wide at `output`. */
class TreeWriter {
  readonly nodes: ForeignNode[] = [];
  constructor(
    private readonly tree: LgbTree,
    private readonly t: number,
    private readonly leaf: (value: number) => number[],
  ) {}

  /** Writes LightGBM node `n` (~leaf when negative) and its subtree; returns its index. */
  write(n: number, depth = 0): number {
    if (this.nodes.length > MAX_TREE_NODES)
      throw unsupported(
        `tree ${this.t} grows past ${MAX_TREE_NODES} nodes when its zero-as-missing splits are rebuilt`,
      );
    if (depth > this.tree.leaves.length) throw invalid(`tree ${this.t} has a cycle`);
    if (n < 0) {
      const value = this.tree.leaves[~n];
      if (value === undefined) throw invalid(`tree ${this.t} points at leaf ${~n}, which does not exist`);
      return this.push({ kind: 'leaf', values: this.leaf(value) });
    }
    const { features, thresholds, decisionTypes, left, right } = this.tree;
    if (n >= features.length) throw invalid(`tree ${this.t} points at node ${n}, which does not exist`);
    const dt = decisionTypes[n];
    const missingType = (dt >> 2) & 3;
    const defaultLeft = (dt & DEFAULT_LEFT_MASK) !== 0;
    const feature = features[n];
    const t = thresholds[n];
    if (dt & CATEGORICAL_MASK) {
      const set = categorySet(this.tree, n, this.t);
      // NaN goes right whatever the missing type: CategoricalDecision casts it to int first, which gives a
      // negative int on x86 (INT_MIN), and negative codes go right (checked against LightGBM 4.7.0's predict)
      return this.split({ feature, rule: 'member', threshold: 0, set, missingGoesTrue: false }, n, depth);
    }
    if (missingType === MISSING_NAN)
      return this.split({ feature, rule: 'leq', threshold: t, missingGoesTrue: defaultLeft }, n, depth);
    if (missingType !== MISSING_ZERO)
      return this.split({ feature, rule: 'leq', threshold: t, missingGoesTrue: 0 <= t }, n, depth);
    const z = LIGHTGBM_ZERO_THRESHOLD;
    // the zero band (and NaN) goes the default way; when x <= t sends the whole band there anyway, one node does
    if ((t >= z && defaultLeft) || (t < -z && !defaultLeft))
      return this.split({ feature, rule: 'leq', threshold: t, missingGoesTrue: defaultLeft }, n, depth);
    return this.zeroBand(n, feature, t, defaultLeft ? left[n] : right[n], depth);
  }

  private push(node: ForeignNode): number {
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  private split(head: Omit<ForeignSplit, 'kind' | 'ifTrue' | 'ifFalse'>, n: number, depth: number): number {
    const i = this.push({ kind: 'split', ...head, ifTrue: -1, ifFalse: -1 });
    const node = this.nodes[i] as ForeignSplit;
    node.ifTrue = this.write(this.tree.left[n], depth + 1);
    node.ifFalse = this.write(this.tree.right[n], depth + 1);
    return i;
  }

  /**
   * x < -z: x <= t decides; -z <= x <= z (and NaN): the default child; x > z: x <= t decides. Subtrees reached
   * from two of the three ranges are written twice.
   */
  private zeroBand(n: number, feature: number, t: number, defaultChild: number, depth: number): number {
    const z = LIGHTGBM_ZERO_THRESHOLD;
    const below = this.push({
      kind: 'split',
      feature,
      rule: 'lt',
      threshold: -z,
      missingGoesTrue: false,
      ifTrue: -1,
      ifFalse: -1,
    });
    (this.nodes[below] as ForeignSplit).ifTrue =
      t >= -z
        ? this.write(this.tree.left[n], depth + 1)
        : this.split({ feature, rule: 'leq', threshold: t, missingGoesTrue: false }, n, depth);
    const band = this.push({
      kind: 'split',
      feature,
      rule: 'leq',
      threshold: z,
      missingGoesTrue: true,
      ifTrue: -1,
      ifFalse: -1,
    });
    (this.nodes[below] as ForeignSplit).ifFalse = band;
    (this.nodes[band] as ForeignSplit).ifTrue = this.write(defaultChild, depth + 1);
    (this.nodes[band] as ForeignSplit).ifFalse =
      t < z
        ? this.write(this.tree.right[n], depth + 1)
        : this.split({ feature, rule: 'leq', threshold: t, missingGoesTrue: false }, n, depth);
    return below;
  }
}

/**
 * Reads a LightGBM text model (`booster.save_model('model.txt')`, `model_to_string()`) into the common form
 * of imported ensembles. Throws MLI_INVALID_DATA for text that is not a LightGBM model and
 * MLI_MODEL_UNSUPPORTED (naming what) for objectives and trees mlinfer cannot score exactly.
 *
 * @example
 * const { ensemble, featureNames } = readLightGBM(readFileSync('model.txt', 'utf8'));
 * const arrays = compileForeignEnsemble(ensemble);
 */
export function readLightGBM(text: string): LightGBMModel {
  if (typeof text !== 'string') throw invalid('expected the text of a model file');
  const { header, flags, trees: blocks } = parseBlocks(text.replace(/^\uFEFF/, ''));
  if (!(flags.has('tree') && header.has('version') && header.has('max_feature_idx')))
    throw invalid(
      'the text does not start like a LightGBM model ("tree", then version= and max_feature_idx= lines)',
    );
  const nFeatures = Number(header.get('max_feature_idx')) + 1;
  const numClass = Number(header.get('num_class') ?? '1');
  const perIteration = Number(header.get('num_tree_per_iteration') ?? '1');
  if (!Number.isInteger(nFeatures) || nFeatures < 1)
    throw invalid(`max_feature_idx is ${header.get('max_feature_idx')}`);
  const objective = parseObjective(header.get('objective'), numClass);
  if (perIteration !== objective.nOutputs)
    throw invalid(
      `num_tree_per_iteration ${perIteration} does not match the ${objective.nOutputs} scores of the objective`,
    );
  if (blocks.length === 0 || blocks.length % perIteration !== 0)
    throw invalid(
      `the model has ${blocks.length} trees, not a whole number of iterations of ${perIteration}`,
    );
  const average = flags.has('average_output');
  // averaged multi-class trees: each class averages over the iterations, not over all trees
  const iterations = blocks.length / perIteration;
  const scale = objective.scale / (average && perIteration > 1 ? iterations : 1);
  const categoryCodes = new Array<number>(nFeatures).fill(0);
  const trees = blocks.map((block, t) => {
    const tree = readTree(block, t, nFeatures);
    const k = t % perIteration;
    const leaf = (v: number): number[] => classLeaf(perIteration, k, scale === 1 ? v : v * scale);
    const writer = new TreeWriter(tree, t, leaf);
    writer.write(tree.leaves.length === 1 ? -1 : 0);
    for (const node of writer.nodes)
      if (node.kind === 'split' && node.rule === 'member')
        for (const c of node.set ?? [])
          categoryCodes[node.feature] = Math.max(categoryCodes[node.feature], c + 1);
    return { nodes: writer.nodes };
  });
  const names = (header.get('feature_names') ?? '').split(' ').filter((s) => s !== '');
  return {
    ensemble: boostedEnsemble(objective, {
      nFeatures,
      precision: 'float64',
      aggregate: average && perIteration === 1 ? 'average' : 'sum',
      baseScores: new Array(objective.nOutputs).fill(0),
      trees,
      // one code past the largest: where the schema's "other" category goes (to the right, as in LightGBM)
      categoryCounts: categoryCodes.map((c) => (c > 0 ? c + 1 : 0)),
    }),
    featureNames:
      names.length === nFeatures ? names : Array.from({ length: nFeatures }, (_, i) => `Column_${i}`),
    objective: header.get('objective') as string,
  };
}
