/**
 * The one compiler from an imported tree ensemble (ForeignEnsemble, see foreign-ensemble.ts) to ForestArrays.
 *
 * - Numeric rules become "go left when x <= edge" over double-precision bins, exactly: for every double x
 *   (NaN aside) the compiled node sends x the way the source library does. `x < t` is `x <= nextDown(t)`;
 *   `x >= t` and `x > t` are the negations of `x < t` and `x <= t`, so the false side goes left. With
 *   precision 'float32' the source compares Math.fround(x) with the float32 threshold fround(t): the edge is
 *   the largest double that rounds to fround(t) or below (float32LeqEdge). `eq`/`neq` are one edge only at
 *   ±Infinity; elsewhere they fail with MLI_MODEL_UNSUPPORTED. A NaN threshold makes a rule constant (every
 *   comparison with NaN is false, `neq` true).
 * - `member` rules make their feature categorical: codes 0..(largest code any set names), the set going
 *   left. A value that is not such a code (negative, fractional, larger) counts as missing, so it follows the
 *   node's missing direction; the source sends it to the false side. The two agree wherever missing values go
 *   to the false side (LightGBM always) and the importer must say so otherwise.
 * - Missing values (NaN) go where `missingGoesTrue` says.
 * - Averaged forests of probabilities (or means) without base scores or link compile to the plain forest of
 *   trained models; anything else gets `additive` (see AdditiveScoring). A binary classifier scored by one
 *   raw score s is widened to two outputs: logistic gives [1 - p, p] (leaves [0, v]); none gives [1 - s, s]
 *   (leaves [-v, v], base scores [1 - b, b]).
 */

import { type Issue, MlinferError } from '../../errors.js';
import { categorySetWords, setNodeTarget, writeLeaf, writeSplit } from '../../forest/node-step.js';
import {
  type AdditiveScoring,
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  type ForestArrays,
  type Link,
  NODE_CATEGORICAL,
  NODE_MISSING_LEFT,
} from '../../forest/types.js';
import { MAX_CATEGORIES, MAX_EDGES_PER_FEATURE, MAX_FEATURES } from '../validate-forest.js';
import { float32LeqEdge, nextDown, nextDown32 } from './floats.js';
import type { ForeignEnsemble, ForeignLeaf, ForeignSplit, ForeignTree } from './foreign-ensemble.js';

function invalid(message: string, path: (string | number)[]): MlinferError {
  const issues: Issue[] = [{ path, message }];
  return new MlinferError('MLI_INVALID_DATA', `cannot import the model: ${message}`, { issues });
}

function unsupported(message: string, path: (string | number)[]): MlinferError {
  return new MlinferError('MLI_MODEL_UNSUPPORTED', `cannot import the model: ${message}`, {
    issues: [{ path, message }],
  });
}

/** A numeric node as "x <= edge": the rule holds when it does (or, `negated`, when it does not). */
interface Decision {
  edge: number;
  negated: boolean;
}

const ALWAYS_TRUE: Decision = { edge: Number.POSITIVE_INFINITY, negated: false };
const ALWAYS_FALSE: Decision = { edge: Number.POSITIVE_INFINITY, negated: true };

/**
 * The edge and the sense of a numeric rule, or null for `eq`/`neq` at a finite threshold (two edges).
 *
 * @example
 * decide('lt', 0.5, 'float64'); // { edge: nextDown(0.5), negated: false }
 */
export function decide(
  rule: ForeignSplit['rule'],
  threshold: number,
  precision: 'float32' | 'float64',
): Decision | null {
  if (Number.isNaN(threshold)) return rule === 'neq' ? ALWAYS_TRUE : ALWAYS_FALSE;
  const f32 = precision === 'float32';
  const t = f32 ? Math.fround(threshold) : threshold;
  const leq = (u: number): number => (f32 ? float32LeqEdge(u) : u);
  // x < t is x <= (the value below t); nothing is below -Infinity
  const lt = (): Decision =>
    t === Number.NEGATIVE_INFINITY
      ? ALWAYS_FALSE
      : { edge: leq(f32 ? nextDown32(t) : nextDown(t)), negated: false };
  // x == ±Infinity are one-sided: x <= -Infinity, and not x <= (the largest finite value)
  const eq = (): Decision | null => {
    if (t === Number.NEGATIVE_INFINITY) return { edge: leq(t), negated: false };
    if (t === Number.POSITIVE_INFINITY)
      return { edge: leq(f32 ? nextDown32(t) : Number.MAX_VALUE), negated: true };
    return null;
  };
  const not = (d: Decision | null): Decision | null =>
    d === null ? null : { edge: d.edge, negated: !d.negated };
  switch (rule) {
    case 'leq':
      return { edge: leq(t), negated: false };
    case 'lt':
      return lt();
    case 'gte':
      return not(lt());
    case 'gt':
      return { edge: leq(t), negated: true };
    case 'eq':
      return eq();
    case 'neq':
      return not(eq());
    default:
      return null;
  }
}

/** How leaves and base scores map to the compiled outputs. */
type Widen = 'as-is' | 'logistic' | 'probability';

interface OutputPlan {
  nOutputs: number;
  widen: Widen;
  /** Undefined for a plain averaged forest. */
  additive: AdditiveScoring | undefined;
}

const TRANSFORMS = ['none', 'logistic', 'softmax', 'softmax_zero'];

function planOutputs(e: ForeignEnsemble): OutputPlan {
  const { task, nOutputs, nClasses, postTransform, aggregate } = e;
  if (task !== 'classification' && task !== 'regression')
    throw invalid(`unknown task ${String(task)}`, ['task']);
  if (!TRANSFORMS.includes(postTransform))
    throw invalid(`unknown post transform ${String(postTransform)}`, ['postTransform']);
  if (aggregate !== 'sum' && aggregate !== 'average')
    throw invalid(`unknown aggregate ${String(aggregate)}`, ['aggregate']);
  if (e.precision !== 'float32' && e.precision !== 'float64')
    throw invalid(`unknown precision ${String(e.precision)}`, ['precision']);
  const binary = task === 'classification' && nOutputs === 1 && nClasses === 2;
  if (task === 'regression' && nOutputs !== 1)
    throw unsupported(
      `${nOutputs} regression targets: mlinfer predicts one target per model; import one model per target`,
      ['nOutputs'],
    );
  if (task === 'regression' && postTransform !== 'none' && postTransform !== 'logistic')
    throw unsupported(`post transform ${postTransform} on a regressor`, ['postTransform']);
  if (task === 'classification' && !binary && (nOutputs !== nClasses || nClasses < 1 || nClasses > 0xfffd))
    throw unsupported(`${nClasses} classes scored by ${nOutputs} outputs per leaf`, ['nOutputs']);
  if (binary && postTransform !== 'logistic' && postTransform !== 'none')
    throw unsupported(`post transform ${postTransform} on one raw score of a binary classifier`, [
      'postTransform',
    ]);
  if (
    !Array.isArray(e.baseScores) ||
    e.baseScores.length !== nOutputs ||
    !e.baseScores.every(Number.isFinite)
  )
    throw invalid(`baseScores must be ${nOutputs} finite numbers`, ['baseScores']);
  const widen: Widen = !binary ? 'as-is' : postTransform === 'logistic' ? 'logistic' : 'probability';
  const compiledOutputs = binary ? 2 : nOutputs;
  const link: Link = binary && postTransform === 'logistic' ? 'logistic_binary' : (postTransform as Link);
  const plain =
    !binary &&
    aggregate === 'average' &&
    link === 'none' &&
    e.baseScores.every((b) => b === 0) &&
    (task === 'regression' || leavesAreFractions(e));
  if (plain) return { nOutputs: compiledOutputs, widen, additive: undefined };
  const baseScores = new Float64Array(compiledOutputs);
  widenValues(e.baseScores, widen, baseScores, 0, true);
  return { nOutputs: compiledOutputs, widen, additive: { aggregate, baseScores, link } };
}

function leavesAreFractions(e: ForeignEnsemble): boolean {
  return e.trees.every((t) =>
    t.nodes.every((n) => n.kind !== 'leaf' || n.values.every((v) => v >= 0 && v <= 1)),
  );
}

/** Writes a leaf's (or the base scores') values widened as planned; `base` for the base scores. */
function widenValues(
  values: readonly number[],
  widen: Widen,
  out: Float64Array,
  at: number,
  base: boolean,
): void {
  if (widen === 'as-is') {
    for (let k = 0; k < values.length; k++) out[at + k] = values[k];
  } else if (widen === 'logistic') {
    out[at] = 0;
    out[at + 1] = values[0];
  } else {
    // [1 - s, s] as a sum: the base scores carry the 1
    out[at] = base ? 1 - values[0] : -values[0];
    out[at + 1] = values[0];
  }
}

/** What the features turn out to be: numeric with sorted edges, or categorical with a code count. */
interface FeaturePlan {
  kinds: Uint8Array;
  counts: Uint32Array;
  edges: number[][];
  /** Per feature, edge -> bin (its index in the sorted edges). */
  bins: Map<number, number>[];
}

function where(t: number, i: number): string {
  return `tree ${t}, node ${i}`;
}

/**
 * Checks each tree's shape (node 0 the root, every node reached once, children in range, features in range,
 * leaves of nOutputs finite values) and returns each tree's nodes in pre-order, left child first.
 */
function preorder(
  tree: ForeignTree,
  t: number,
  e: ForeignEnsemble,
  decisions: (Decision | null)[],
): number[] {
  const path = ['trees', t];
  const { nodes } = tree;
  const seen = new Uint8Array(nodes.length);
  const order: number[] = [];
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    order.push(i);
    const node = nodes[i];
    if (node?.kind === 'leaf') {
      checkLeaf(node, e.nOutputs, t, i);
      continue;
    }
    const split = node as ForeignSplit;
    // member sets go left; a negated numeric rule sends its false side left
    const negated = decisions[i]?.negated === true;
    const left = negated ? split.ifFalse : split.ifTrue;
    const right = negated ? split.ifTrue : split.ifFalse;
    for (const child of [right, left]) {
      if (!Number.isInteger(child) || child < 0 || child >= nodes.length || seen[child])
        throw invalid(
          `${where(t, i)} has child ${child}, which is out of range or reached twice (a tree must be a tree)`,
          [...path, 'nodes', i],
        );
      seen[child] = 1;
      stack.push(child);
    }
  }
  if (order.length !== nodes.length)
    throw invalid(`tree ${t} has ${nodes.length - order.length} nodes its root does not reach`, path);
  return order;
}

function checkLeaf(leaf: ForeignLeaf, nOutputs: number, t: number, i: number): void {
  const { values } = leaf;
  if (!Array.isArray(values) || values.length !== nOutputs || !values.every(Number.isFinite))
    throw invalid(`${where(t, i)} is a leaf without ${nOutputs} finite values`, ['trees', t, 'nodes', i]);
}

/** Features used by member rules become categorical; every other feature used is numeric. */
function planFeatures(e: ForeignEnsemble, decisions: (Decision | null)[][]): FeaturePlan {
  const n = e.nFeatures;
  const kinds = new Uint8Array(n);
  const counts = new Uint32Array(n);
  const edgeSets: Set<number>[] = Array.from({ length: n }, () => new Set());
  /** 1: numeric rule seen, 2: member rule seen; the first node of each, to name in messages. */
  const used = new Uint8Array(n);
  const firstUse: [number, number][] = [];
  e.trees.forEach((tree, t) => {
    if (typeof tree !== 'object' || tree === null || !Array.isArray(tree.nodes) || tree.nodes.length === 0)
      throw invalid(`tree ${t} has no nodes`, ['trees', t]);
    const treeDecisions: (Decision | null)[] = [];
    decisions.push(treeDecisions);
    tree.nodes.forEach((node, i) => {
      treeDecisions.push(null);
      if (node?.kind === 'leaf') return;
      const path = ['trees', t, 'nodes', i];
      if (node?.kind !== 'split') throw invalid(`${where(t, i)} is neither a split nor a leaf`, path);
      const f = node.feature;
      if (!Number.isInteger(f) || f < 0 || f >= n)
        throw invalid(`${where(t, i)} uses feature ${f}, the model has ${n}`, path);
      const use = node.rule === 'member' ? 2 : 1;
      if (used[f] === 0) firstUse[f] = [t, i];
      used[f] |= use;
      if (used[f] === 3) {
        const [t0, i0] = firstUse[f];
        throw unsupported(
          `feature ${f} is compared as a number and as a category set (${where(t0, i0)} and ${where(t, i)}); ` +
            'mlinfer needs one kind per feature: split it into two input columns before converting',
          path,
        );
      }
      if (use === 2) {
        counts[f] = Math.max(counts[f], categoryCount(node, t, i));
        return;
      }
      const d = decide(node.rule, node.threshold, e.precision);
      if (d === null)
        throw unsupported(
          `${where(t, i)} tests feature ${f} ${node.rule === 'eq' ? '==' : '!='} ${node.threshold}, which ` +
            'no single "<=" threshold expresses; convert the model with ordered (<, <=, >, >=) splits',
          path,
        );
      treeDecisions[i] = d;
      edgeSets[f].add(d.edge);
    });
  });
  const edges = edgeSets.map((set, f) => {
    const sorted = [...set].sort((a, b) => a - b);
    if (sorted.length > MAX_EDGES_PER_FEATURE)
      throw unsupported(
        `feature ${f} uses ${sorted.length} distinct thresholds, at most ${MAX_EDGES_PER_FEATURE}`,
        ['nFeatures', f],
      );
    return sorted;
  });
  used.forEach((u, f) => {
    kinds[f] = u === 2 ? FEATURE_CATEGORICAL : FEATURE_NUMERIC;
    const least = e.categoryCounts?.[f] ?? 0;
    if (u === 2 && Number.isInteger(least) && least > counts[f]) counts[f] = Math.min(least, MAX_CATEGORIES);
  });
  return { kinds, counts, edges, bins: edges.map((list) => new Map(list.map((edge, b) => [edge, b]))) };
}

/** The codes 0..max a member rule's set implies: its largest value plus one. */
function categoryCount(node: ForeignSplit, t: number, i: number): number {
  const { set } = node;
  const path = ['trees', t, 'nodes', i];
  if (!Array.isArray(set)) throw invalid(`${where(t, i)} is a set rule without a set`, path);
  let max = -1;
  for (const v of set) {
    if (!Number.isInteger(v) || v < 0 || v >= MAX_CATEGORIES)
      throw unsupported(
        `${where(t, i)} tests feature ${node.feature} for membership of ${v}; category sets must hold ` +
          `integer codes 0..${MAX_CATEGORIES - 1}: encode the categories as such codes before converting`,
        path,
      );
    if (v > max) max = v;
  }
  return max + 1;
}

/**
 * Compiles an imported ensemble into the arrays mlinfer scores, validates and stores (see the module comment
 * for the rules). Throws MLI_INVALID_DATA for an ensemble that is not well formed (a graph rather than a
 * tree, a feature out of range, a leaf of the wrong width) and MLI_MODEL_UNSUPPORTED, naming the tree, the
 * node and the feature, for what mlinfer cannot score exactly.
 *
 * @example
 * const arrays = compileForeignEnsemble({
 *   task: 'regression', nFeatures: 1, nOutputs: 1, nClasses: 0, precision: 'float64', aggregate: 'sum',
 *   baseScores: [0.5], postTransform: 'none',
 *   trees: [{ nodes: [
 *     { kind: 'split', feature: 0, rule: 'lt', threshold: 2, missingGoesTrue: true, ifTrue: 1, ifFalse: 2 },
 *     { kind: 'leaf', values: [-1] },
 *     { kind: 'leaf', values: [1] },
 *   ] }],
 * });
 * createScorer(arrays).scoreMatrix({ data: new Float64Array([1, 3]), nRows: 2, nFeatures: 1 }); // [-0.5, 1.5]
 */
export function compileForeignEnsemble(e: ForeignEnsemble): ForestArrays {
  if (!Number.isInteger(e.nFeatures) || e.nFeatures < 1 || e.nFeatures > MAX_FEATURES)
    throw invalid(`nFeatures must be an integer in 1..${MAX_FEATURES}, got ${e.nFeatures}`, ['nFeatures']);
  if (!Array.isArray(e.trees) || e.trees.length === 0) throw invalid('the ensemble has no trees', ['trees']);
  const decisions: (Decision | null)[][] = [];
  const features = planFeatures(e, decisions);
  const orders = e.trees.map((tree, t) => preorder(tree, t, e, decisions[t]));
  // after the trees are known to be well formed: the plan reads their leaves
  const plan = planOutputs(e);
  return assemble(e, plan, features, decisions, orders);
}

function assemble(
  e: ForeignEnsemble,
  plan: OutputPlan,
  features: FeaturePlan,
  decisions: (Decision | null)[][],
  orders: number[][],
): ForestArrays {
  const { kinds, counts, edges, bins } = features;
  const C = plan.nOutputs;
  let nWords = 0;
  let nLeaves = 0;
  e.trees.forEach((tree) => {
    for (const node of tree.nodes) {
      if (node.kind === 'leaf') nLeaves++;
      nWords +=
        2 + (node.kind === 'split' && node.rule === 'member' ? categorySetWords(counts[node.feature]) : 0);
    }
  });
  const nodes = new Int32Array(nWords);
  const leafValues = new Float64Array(nLeaves * C);
  const treeOffsets = new Uint32Array(e.trees.length + 1);
  let p = 0;
  let leaf = 0;
  e.trees.forEach((tree, t) => {
    // word offset of each node, to point parents at their right children once those are written
    const at = new Int32Array(tree.nodes.length);
    const pending: [number, number][] = [];
    for (const i of orders[t]) {
      at[i] = p;
      const node = tree.nodes[i];
      if (node.kind === 'leaf') {
        writeLeaf(nodes, p, leaf);
        widenValues(node.values, plan.widen, leafValues, leaf * C, false);
        leaf++;
        p += 2;
        continue;
      }
      const f = node.feature;
      const d = decisions[t][i];
      if (d === null) {
        const flags = NODE_CATEGORICAL | (node.missingGoesTrue ? NODE_MISSING_LEFT : 0);
        writeSplit(nodes, p, f, 0, flags);
        for (const code of node.set ?? []) nodes[p + 2 + (code >>> 5)] |= 1 << (code & 31);
        pending.push([p, node.ifFalse]);
        p += 2 + categorySetWords(counts[f]);
      } else {
        // missing values go left when they follow the rule's side that goes left
        const missingLeft = node.missingGoesTrue !== d.negated;
        writeSplit(nodes, p, f, bins[f].get(d.edge) as number, missingLeft ? NODE_MISSING_LEFT : 0);
        pending.push([p, d.negated ? node.ifTrue : node.ifFalse]);
        p += 2;
      }
    }
    for (const [parent, right] of pending) setNodeTarget(nodes, parent, at[right]);
    treeOffsets[t + 1] = p;
  });
  const binEdgeOffsets = new Uint32Array(e.nFeatures + 1);
  edges.forEach((list, f) => {
    binEdgeOffsets[f + 1] = binEdgeOffsets[f] + (kinds[f] === FEATURE_CATEGORICAL ? 0 : list.length);
  });
  const arrays: ForestArrays = {
    task: e.task,
    nFeatures: e.nFeatures,
    nOutputs: C,
    featureKinds: kinds,
    categoryCounts: counts,
    binEdges: Float64Array.from(edges.flat()),
    binEdgeOffsets,
    treeOffsets,
    nodes,
    leafValues,
  };
  if (plan.additive !== undefined) arrays.additive = plan.additive;
  return arrays;
}
