/**
 * The trees of an ONNX tree-ensemble node as ForeignTrees: the ai.onnx.ml opset 1/3 layout (nodes_* arrays
 * keyed by tree and node id, leaf weights in class_* or target_* arrays) and the opset 5 TreeEnsemble layout
 * (node indices, tree_roots, leaf indices, leaf_weights, membership_values).
 *
 * ONNX Runtime's rules, kept here: a node goes to its true child when the comparison holds or, when
 * nodes_missing_value_tracks_true is set, when x is NaN; BRANCH_NEQ holds for NaN (NaN != t), so NaN always
 * takes its true branch.
 *
 * BRANCH_EQ, BRANCH_NEQ and BRANCH_MEMBER become ordered comparisons, because the compiled trees have one
 * "x <= edge" per node: x in {s1 < s2 < ...} is "x < s1 ? out : x <= s1 ? in : x < s2 ? out : ...", exact for
 * every value (fractions, negatives, codes outside the set go out as ONNX Runtime sends them) and keeping the
 * feature numeric. Each step copies the subtrees it leads to, so large sets grow the trees; a node budget
 * stops an explosion with MLI_MODEL_UNSUPPORTED.
 */

import type { ForeignNode, ForeignRule, ForeignTree } from './foreign-ensemble.js';
import { type NodeAttributes, unsupported } from './onnx-attributes.js';

interface SplitDesc {
  kind: 'split';
  feature: number;
  rule: ForeignRule;
  threshold: number;
  set?: number[];
  missingGoesTrue: boolean;
  ifTrue: string;
  ifFalse: string;
}

interface LeafDesc {
  kind: 'leaf';
  values: number[];
}

type Describe = (ref: string) => SplitDesc | LeafDesc;

/** Sparse leaf weights: [class or target id, weight] pairs, summed per id as ONNX Runtime does. */
export type LeafWeights = Array<[number, number]>;

const LEGACY_RULES: Record<string, ForeignRule> = {
  BRANCH_LEQ: 'leq',
  BRANCH_LT: 'lt',
  BRANCH_GTE: 'gte',
  BRANCH_GT: 'gt',
  BRANCH_EQ: 'eq',
  BRANCH_NEQ: 'neq',
};

/** Opset-5 nodes_modes values, in the order of the TreeEnsemble specification. */
const V5_RULES: ForeignRule[] = ['leq', 'lt', 'gte', 'gt', 'eq', 'neq', 'member'];

/**
 * Walks one tree from `root`, copying a node each time it is reached (ONNX allows shared subtrees; ours are
 * trees). `budget` stops a cycle or an explosion of copies.
 */
/** Stands in for a node whose description is still to come (never left in a finished tree). */
const PENDING: ForeignNode = Object.freeze({ kind: 'leaf', values: [] });

function expandTree(root: string, describe: Describe, budget: { left: number; what: string }): ForeignTree {
  const nodes: ForeignNode[] = [PENDING];
  const refs: string[] = [root];
  const positions: number[] = [0];
  while (refs.length > 0) {
    const ref = refs.pop()!;
    const pos = positions.pop()!;
    if (--budget.left < 0)
      throw unsupported(
        `${budget.what}: its trees share or loop back to nodes so much that copying them into plain trees exceeds the node budget`,
      );
    const d = describe(ref);
    if (d.kind === 'leaf') {
      nodes[pos] = d;
      continue;
    }
    const t = nodes.length;
    nodes.push(PENDING, PENDING);
    nodes[pos] = {
      kind: 'split',
      feature: d.feature,
      rule: d.rule,
      threshold: d.threshold,
      missingGoesTrue: d.missingGoesTrue,
      ifTrue: t,
      ifFalse: t + 1,
    };
    refs.push(d.ifFalse, d.ifTrue);
    positions.push(t + 1, t);
  }
  return { nodes };
}

function denseValues(
  weights: LeafWeights | undefined,
  width: number,
  slot: (id: number) => number,
): number[] {
  const values = new Array<number>(width).fill(0);
  for (const [id, w] of weights ?? []) values[slot(id)] += w;
  return values;
}

/**
 * One step of "x in values" as ordered comparisons (see the module comment). `ref` is `base`, `base:aJ` or
 * `base:bJ`; NaN goes `in` when `missingIn`, else `out`.
 */
function setStep(
  ref: string,
  base: string,
  feature: number,
  values: number[],
  branches: { in: string; out: string; missingIn: boolean },
): SplitDesc {
  const m = /:([ab])(\d+)$/.exec(ref);
  const j = m ? Number(m[2]) : 0;
  if (m === null || m[1] === 'a')
    return {
      kind: 'split',
      feature,
      rule: 'lt',
      threshold: values[j],
      missingGoesTrue: false,
      ifTrue: branches.out,
      ifFalse: `${base}:b${j}`,
    };
  const next = j + 1 < values.length ? `${base}:a${j + 1}` : branches.out;
  return {
    kind: 'split',
    feature,
    rule: 'leq',
    threshold: values[j],
    missingGoesTrue: branches.missingIn,
    ifTrue: branches.in,
    ifFalse: next,
  };
}

/** A numeric rule, or the set-step chain that stands for eq, neq and member. */
function ruleStep(
  ref: string,
  base: string,
  rule: ForeignRule,
  feature: number,
  threshold: number,
  set: number[] | undefined,
  missingGoesTrue: boolean,
  ifTrue: string,
  ifFalse: string,
): SplitDesc {
  if (rule === 'eq' || rule === 'member')
    return setStep(ref, base, feature, rule === 'eq' ? [threshold] : set!, {
      in: ifTrue,
      out: ifFalse,
      missingIn: missingGoesTrue,
    });
  // NaN != t holds: NaN goes to the true branch, which is "out" of {t}
  if (rule === 'neq')
    return setStep(ref, base, feature, [threshold], { in: ifFalse, out: ifTrue, missingIn: false });
  return { kind: 'split', feature, rule, threshold, missingGoesTrue, ifTrue, ifFalse };
}

function checkFeature(a: NodeAttributes, feature: number, nFeatures: number, name: string): void {
  if (!Number.isInteger(feature) || feature < 0 || feature >= nFeatures)
    throw a.corrupt(name, `names feature ${feature}, outside the input's ${nFeatures} columns`);
}

/** The opset 1/3 node table (TreeEnsembleClassifier / TreeEnsembleRegressor), by attribute index. */
export interface LegacyTable {
  /** Attribute index of each tree's root, in order of first appearance. */
  roots: number[];
  modes: string[];
  /** Sparse weights of each leaf (undefined for branches and weightless leaves). */
  weights: (LeafWeights | undefined)[];
  /** Attribute index of each branch's true and false child (-1 for leaves). */
  trueChild: Int32Array;
  falseChild: Int32Array;
}

/** (tree id, node id) as one number: ids are non-negative int64s, kept below 2^21 and 2^32. */
function nodeKey(a: NodeAttributes, tree: number, node: number, name: string): number {
  if (
    !Number.isInteger(tree) ||
    !Number.isInteger(node) ||
    tree < 0 ||
    node < 0 ||
    tree >= 2 ** 21 ||
    node >= 2 ** 32
  )
    throw a.corrupt(name, `holds tree ${tree} / node ${node}, outside 0..2^21 / 0..2^32`);
  return tree * 2 ** 32 + node;
}

/** Reads the nodes_* arrays and the class_* or target_* weights of an opset 1/3 tree op. */
export function readLegacyTable(a: NodeAttributes, prefix: 'class' | 'target'): LegacyTable {
  const treeIds = a.ints('nodes_treeids');
  const nodeIds = a.ints('nodes_nodeids');
  const modes = a.strings('nodes_modes');
  const trueIds = a.ints('nodes_truenodeids');
  const falseIds = a.ints('nodes_falsenodeids');
  const n = treeIds.length;
  for (const [name, length] of [
    ['nodes_nodeids', nodeIds.length],
    ['nodes_modes', modes.length],
    ['nodes_featureids', a.ints('nodes_featureids').length],
    ['nodes_values', a.reals('nodes_values').length],
    ['nodes_truenodeids', trueIds.length],
    ['nodes_falsenodeids', falseIds.length],
  ] as const)
    if (length !== n) throw a.corrupt(name, `has ${length} values, nodes_treeids ${n}`);
  const index = new Map<number, number>();
  const roots: number[] = [];
  const seenTrees = new Set<number>();
  for (let i = 0; i < n; i++) {
    const key = nodeKey(a, treeIds[i], nodeIds[i], 'nodes_nodeids');
    if (index.has(key))
      throw a.corrupt('nodes_nodeids', `lists node ${nodeIds[i]} of tree ${treeIds[i]} twice`);
    index.set(key, i);
    if (!seenTrees.has(treeIds[i])) {
      seenTrees.add(treeIds[i]);
      roots.push(i);
    }
  }
  const trueChild = new Int32Array(n).fill(-1);
  const falseChild = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (modes[i] === 'LEAF') continue;
    for (const [ids, out, name] of [
      [trueIds, trueChild, 'nodes_truenodeids'],
      [falseIds, falseChild, 'nodes_falsenodeids'],
    ] as const) {
      const j = index.get(nodeKey(a, treeIds[i], ids[i], name));
      if (j === undefined) throw a.corrupt(name, `points to node ${ids[i]}, absent from tree ${treeIds[i]}`);
      out[i] = j;
    }
  }
  const wTrees = a.ints(`${prefix}_treeids`);
  const wNodes = a.ints(`${prefix}_nodeids`);
  const wIds = a.ints(`${prefix}_ids`);
  const wValues = a.reals(`${prefix}_weights`);
  if (wNodes.length !== wTrees.length || wIds.length !== wTrees.length || wValues.length !== wTrees.length)
    throw a.corrupt(`${prefix}_weights`, `and ${prefix}_treeids, _nodeids, _ids differ in length`);
  const weights: (LeafWeights | undefined)[] = new Array(n);
  for (let j = 0; j < wTrees.length; j++) {
    const i = index.get(nodeKey(a, wTrees[j], wNodes[j], `${prefix}_nodeids`));
    if (i === undefined || modes[i] !== 'LEAF')
      throw a.corrupt(
        `${prefix}_nodeids`,
        `gives a weight to node ${wNodes[j]} of tree ${wTrees[j]}, which is not a leaf`,
      );
    weights[i] ??= [];
    weights[i].push([wIds[j], wValues[j]]);
  }
  return { roots, modes, weights, trueChild, falseChild };
}

/** The trees of an opset 1/3 op, leaves dense over `width` outputs (`slot` maps a class/target id to its output). */
export function legacyTrees(
  a: NodeAttributes,
  table: LegacyTable,
  nFeatures: number,
  width: number,
  slot: (id: number) => number,
): ForeignTree[] {
  const features = a.ints('nodes_featureids');
  const values = a.reals('nodes_values');
  const missing = a.ints('nodes_missing_value_tracks_true', []);
  const { modes, trueChild, falseChild } = table;
  const names: string[] = [];
  const ref = (j: number): string => {
    names[j] ??= `n${j}`;
    return names[j];
  };
  const describe: Describe = (r) => {
    const colon = r.indexOf(':');
    const base = colon < 0 ? r : r.slice(0, colon);
    const i = Number(base.slice(1));
    const mode = modes[i];
    if (mode === 'LEAF') return { kind: 'leaf', values: denseValues(table.weights[i], width, slot) };
    const rule = LEGACY_RULES[mode];
    if (rule === undefined) throw a.corrupt('nodes_modes', `has the unknown mode ${mode}`);
    checkFeature(a, features[i], nFeatures, 'nodes_featureids');
    if (Number.isNaN(values[i])) throw a.corrupt('nodes_values', `holds NaN for a ${mode} node`);
    const missingGoesTrue = (missing[i] ?? 0) !== 0;
    if (rule === 'eq') {
      // onnxmltools writes LightGBM's "x in {a, b, c}" as x == a ? T : x == b ? T : ..., every step pointing to
      // the same T: one set test, not a chain of equalities each copying the rest of the chain twice.
      const set = [values[i]];
      let last = i;
      for (let next = eqChainNext(last); next >= 0; next = eqChainNext(last)) {
        set.push(values[next]);
        last = next;
      }
      const sorted = [...new Set(set)].sort((x, y) => x - y);
      return ruleStep(
        r,
        base,
        'member',
        features[i],
        0,
        sorted,
        missingGoesTrue,
        ref(trueChild[i]),
        ref(falseChild[last]),
      );
    }
    return ruleStep(
      r,
      base,
      rule,
      features[i],
      values[i],
      undefined,
      missingGoesTrue,
      ref(trueChild[i]),
      ref(falseChild[i]),
    );
  };
  /** The false child of EQ node i when it continues i's set (EQ, same feature, true child and missing flag), or -1. */
  const eqChainNext = (i: number): number => {
    const j = falseChild[i];
    if (modes[j] !== 'BRANCH_EQ' || features[j] !== features[i] || trueChild[j] !== trueChild[i]) return -1;
    return (missing[j] ?? 0) !== (missing[i] ?? 0) || Number.isNaN(values[j]) ? -1 : j;
  };
  const budget = { left: 4 * modes.length + 1_000_000, what: `ONNX node ${a.label}` };
  return table.roots.map((r) => expandTree(ref(r), describe, budget));
}

/** The opset 5 TreeEnsemble's trees, leaves dense over `width` targets. */
export function treeEnsembleV5Trees(a: NodeAttributes, nFeatures: number, width: number): ForeignTree[] {
  const roots = a.ints('tree_roots');
  const features = a.ints('nodes_featureids');
  const modes = a.ints('nodes_modes');
  const splits = a.reals('nodes_splits');
  const trueIds = a.ints('nodes_truenodeids');
  const falseIds = a.ints('nodes_falsenodeids');
  const trueLeafs = a.ints('nodes_trueleafs');
  const falseLeafs = a.ints('nodes_falseleafs');
  const missing = a.ints('nodes_missing_value_tracks_true', []);
  const targets = a.ints('leaf_targetids');
  const weights = a.reals('leaf_weights');
  const n = features.length;
  for (const [name, arr] of [
    ['nodes_modes', modes],
    ['nodes_splits', splits],
    ['nodes_truenodeids', trueIds],
    ['nodes_falsenodeids', falseIds],
    ['nodes_trueleafs', trueLeafs],
    ['nodes_falseleafs', falseLeafs],
  ] as const)
    if (arr.length !== n) throw a.corrupt(name, `has ${arr.length} values, nodes_featureids ${n}`);
  if (weights.length !== targets.length)
    throw a.corrupt('leaf_weights', 'and leaf_targetids differ in length');
  for (const t of targets)
    if (!Number.isInteger(t) || t < 0 || t >= width)
      throw a.corrupt('leaf_targetids', `names target ${t} of ${width}`);
  const sets = memberSets(a, modes);
  const ref = (isLeaf: number, id: number, name: string): string => {
    const limit = isLeaf ? targets.length : n;
    if (!Number.isInteger(id) || id < 0 || id >= limit)
      throw a.corrupt(name, `points to ${id}, outside 0..${limit - 1}`);
    return `${isLeaf ? 'l' : 'n'}${id}`;
  };
  const describe: Describe = (r) => {
    if (r[0] === 'l') {
      const values = new Array<number>(width).fill(0);
      values[targets[Number(r.slice(1))]] = weights[Number(r.slice(1))];
      return { kind: 'leaf', values };
    }
    const colon = r.indexOf(':');
    const base = colon < 0 ? r : r.slice(0, colon);
    const i = Number(base.slice(1));
    const rule = V5_RULES[modes[i]];
    if (rule === undefined) throw a.corrupt('nodes_modes', `has the unknown mode ${modes[i]}`);
    checkFeature(a, features[i], nFeatures, 'nodes_featureids');
    if (rule !== 'member' && Number.isNaN(splits[i]))
      throw a.corrupt('nodes_splits', `holds NaN for node ${i}`);
    const ifTrue = ref(trueLeafs[i], trueIds[i], 'nodes_truenodeids');
    const ifFalse = ref(falseLeafs[i], falseIds[i], 'nodes_falsenodeids');
    const missingGoesTrue = (missing[i] ?? 0) !== 0;
    return ruleStep(r, base, rule, features[i], splits[i], sets.get(i), missingGoesTrue, ifTrue, ifFalse);
  };
  const budget = { left: 4 * n + targets.length + 1_000_000, what: `ONNX node ${a.label}` };
  return roots.map((r) => expandTree(ref(0, r, 'tree_roots'), describe, budget));
}

/** membership_values: one NaN-terminated group per BRANCH_MEMBER node, in node order. */
function memberSets(a: NodeAttributes, modes: number[]): Map<number, number[]> {
  const members = modes.flatMap((m, i) => (m === 6 ? [i] : []));
  const sets = new Map<number, number[]>();
  if (members.length === 0) return sets;
  const values = a.reals('membership_values');
  let group: number[] = [];
  let g = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      group.push(v);
      continue;
    }
    if (g < members.length) sets.set(members[g], group);
    g++;
    group = [];
  }
  if (group.length > 0 && g < members.length) sets.set(members[g++], group);
  for (const [i, set] of sets)
    sets.set(
      i,
      [...new Set(set)].sort((x, y) => x - y),
    );
  if (g !== members.length || [...sets.values()].some((s) => s.length === 0))
    throw a.corrupt(
      'membership_values',
      `holds ${g} non-empty NaN-separated sets for ${members.length} BRANCH_MEMBER nodes`,
    );
  return sets;
}

/** The largest float32 <= t (t finite or infinite, not NaN). */
function float32AtMost(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  // f is the float32 just above t; step one float32 down
  const bits = new Float32Array([f]);
  const view = new Int32Array(bits.buffer);
  if (f === 0) return -1.401298464324817e-45;
  view[0] += f > 0 ? -1 : 1;
  return bits[0];
}

/**
 * ONNX Runtime compares a float input with double thresholds (opset-3 `*_as_tensor`, opset-5 double splits) in
 * double: x, already a float32, against t as stored. The compiler's float32 precision compares with fround(t)
 * instead, so a threshold between two float32s is moved here to the equivalent float32 one: for a float32 x,
 * x <= t and x < t both mean x <= (the largest float32 below t), and gt/gte are their negations.
 */
export function alignThresholdsToFloat32(trees: ForeignTree[]): void {
  for (const tree of trees)
    tree.nodes.forEach((node, i) => {
      if (
        node.kind !== 'split' ||
        Number.isNaN(node.threshold) ||
        Math.fround(node.threshold) === node.threshold
      )
        return;
      const threshold = float32AtMost(node.threshold);
      const rule = node.rule === 'lt' ? 'leq' : node.rule === 'gte' ? 'gt' : node.rule;
      tree.nodes[i] = { ...node, rule, threshold };
    });
}
