/**
 * The trees of the TreeEnsemble node mlinfer's exporter writes (src/model/export/onnx-forest.ts), folded back
 * into the forest they came from. The exporter writes each tree once per output c (tree t's copy c is tree
 * root t x nOutputs + c), every leaf of copy c adding its class-c value to target c; walking the copies of a
 * tree side by side gives each leaf its nOutputs values again, so the averaged forest is the original one.
 *
 * Splits are read as the exporter writes them: BRANCH_LEQ on the bin edge for a numeric or boolean feature,
 * BRANCH_MEMBER with the codes that go left for a categorical one (BRANCH_LEQ -1 when no code goes left), the
 * true branch being the left child. What the copies hold beyond the leaf values (their splits, their order) is
 * not checked here: the caller writes the rebuilt model again and compares the graphs.
 */

import type { Schema } from '../../data/schema.js';
import type { ForeignNode, ForeignSplit, ForeignTree } from './foreign-ensemble.js';
import { type NodeAttributes, unsupported } from './onnx-attributes.js';

const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;

/** A branch target: a node index or a leaf index (nodes_*leafs says which). */
interface Ref {
  leaf: boolean;
  id: number;
}

/** The node's attribute arrays, read once. */
interface Table {
  featureIds: number[];
  modes: number[];
  splits: number[];
  missingTrue: number[];
  trueIds: number[];
  trueLeafs: number[];
  falseIds: number[];
  falseLeafs: number[];
  leafTargets: number[];
  leafWeights: number[];
  /** BRANCH_MEMBER node index -> its set (membership_values, NaN-separated, in node order). */
  sets: Map<number, number[]>;
}

function readTable(a: NodeAttributes): Table {
  const modes = a.ints('nodes_modes');
  const members = a.reals('membership_values', []);
  const sets = new Map<number, number[]>();
  let at = 0;
  modes.forEach((mode, i) => {
    if (mode !== BRANCH_MEMBER) return;
    const set: number[] = [];
    while (at < members.length && !Number.isNaN(members[at])) set.push(members[at++]);
    if (at++ >= members.length) throw a.corrupt('membership_values', `ends before the set of node ${i}`);
    sets.set(i, set);
  });
  const table: Table = {
    featureIds: a.ints('nodes_featureids'),
    modes,
    splits: a.reals('nodes_splits'),
    missingTrue: a.ints('nodes_missing_value_tracks_true', []),
    trueIds: a.ints('nodes_truenodeids'),
    trueLeafs: a.ints('nodes_trueleafs'),
    falseIds: a.ints('nodes_falsenodeids'),
    falseLeafs: a.ints('nodes_falseleafs'),
    leafTargets: a.ints('leaf_targetids'),
    leafWeights: a.reals('leaf_weights'),
    sets,
  };
  for (const name of ['featureIds', 'splits', 'trueIds', 'trueLeafs', 'falseIds', 'falseLeafs'] as const)
    if (table[name].length !== modes.length)
      throw a.corrupt(`nodes_${name}`, `lists ${table[name].length} values for ${modes.length} nodes`);
  if (table.leafTargets.length !== table.leafWeights.length)
    throw a.corrupt(
      'leaf_weights',
      `lists ${table.leafWeights.length} weights for ${table.leafTargets.length} leaves`,
    );
  return table;
}

/** The split of node `i` as the exporter writes it for feature kinds of `schema`. */
function splitOf(
  a: NodeAttributes,
  tb: Table,
  i: number,
  schema: Schema,
): Omit<ForeignSplit, 'ifTrue' | 'ifFalse'> {
  const feature = tb.featureIds[i];
  const spec = schema.features[feature];
  if (spec === undefined) throw a.corrupt('nodes_featureids', `names feature ${feature} at node ${i}`);
  const mode = tb.modes[i];
  const missingGoesTrue = tb.missingTrue[i] === 1;
  const common = { kind: 'split' as const, feature, missingGoesTrue };
  if (spec.type === 'categorical') {
    if (mode === BRANCH_MEMBER) return { ...common, rule: 'member', threshold: 0, set: tb.sets.get(i) };
    // the exporter's spelling of a set that sends no code left
    if (mode === BRANCH_LEQ && tb.splits[i] === -1)
      return { ...common, rule: 'member', threshold: 0, set: [] };
  } else if (mode === BRANCH_LEQ) return { ...common, rule: 'leq', threshold: tb.splits[i] };
  throw unsupported(
    `node ${i} tests the ${spec.type} feature ${JSON.stringify(spec.name)} with mode ${mode}, which mlinfer's exporter does not write for it`,
    ['graph', 'node', 'TreeEnsemble', 'nodes_modes', i],
  );
}

function children(tb: Table, r: Ref): [Ref, Ref] {
  return [
    { leaf: tb.trueLeafs[r.id] === 1, id: tb.trueIds[r.id] },
    { leaf: tb.falseLeafs[r.id] === 1, id: tb.falseIds[r.id] },
  ];
}

/** Leaf `id` of copy `c`: its weight, which must add to target c. */
function leafValue(a: NodeAttributes, tb: Table, id: number, c: number): number {
  if (!Number.isInteger(id) || id < 0 || id >= tb.leafTargets.length)
    throw a.corrupt('leaf_targetids', `has no leaf ${id}`);
  if (tb.leafTargets[id] !== c)
    throw unsupported(
      `leaf ${id} adds to target ${tb.leafTargets[id]} in the copy of its tree written for target ${c}; mlinfer's exporter writes one copy of each tree per class`,
      ['graph', 'node', 'TreeEnsemble', 'leaf_targetids', id],
    );
  return tb.leafWeights[id];
}

/** Tree `t` from its nOutputs copies, whose roots are `roots`. */
function foldTree(
  a: NodeAttributes,
  tb: Table,
  roots: number[],
  schema: Schema,
  budget: { left: number },
): ForeignTree {
  const n = tb.modes.length;
  for (const r of roots)
    if (!Number.isInteger(r) || r < 0 || r >= n) throw a.corrupt('tree_roots', `names node ${r} of ${n}`);
  const r0 = roots[0];
  // a one-leaf tree: one node whose both branches name the leaf
  if (tb.trueLeafs[r0] === 1 && tb.falseLeafs[r0] === 1 && tb.trueIds[r0] === tb.falseIds[r0])
    return { nodes: [{ kind: 'leaf', values: roots.map((r, c) => leafValue(a, tb, tb.trueIds[r], c)) }] };
  const nodes: ForeignNode[] = [{ kind: 'leaf', values: [] }];
  const stack: { refs: Ref[]; pos: number }[] = [{ refs: roots.map((id) => ({ leaf: false, id })), pos: 0 }];
  while (stack.length > 0) {
    const { refs, pos } = stack.pop()!;
    if (--budget.left < 0) throw a.corrupt('nodes_truenodeids', 'makes a tree reach a node twice (a loop)');
    if (
      refs.some(
        (r) => r.leaf !== refs[0].leaf || (!r.leaf && (!Number.isInteger(r.id) || r.id < 0 || r.id >= n)),
      )
    )
      throw unsupported(`the copies of tree root ${r0} differ in shape or name nodes outside the node list`, [
        'graph',
        'node',
        'TreeEnsemble',
      ]);
    if (refs[0].leaf) {
      nodes[pos] = { kind: 'leaf', values: refs.map((r, c) => leafValue(a, tb, r.id, c)) };
      continue;
    }
    const at = nodes.length;
    nodes.push({ kind: 'leaf', values: [] }, { kind: 'leaf', values: [] });
    nodes[pos] = { ...splitOf(a, tb, refs[0].id, schema), ifTrue: at, ifFalse: at + 1 };
    const kids = refs.map((r) => children(tb, r));
    stack.push({ refs: kids.map((k) => k[1]), pos: at + 1 }, { refs: kids.map((k) => k[0]), pos: at });
  }
  return { nodes };
}

/**
 * The forest's trees from the exporter's TreeEnsemble node: `nOutputs` copies per tree folded into trees
 * whose leaves hold nOutputs values.
 *
 * @example
 * const trees = foldTreeCopies(new NodeAttributes(treeNode), 3, schema); // a 3-class forest
 */
export function foldTreeCopies(a: NodeAttributes, nOutputs: number, schema: Schema): ForeignTree[] {
  const tb = readTable(a);
  const roots = a.ints('tree_roots');
  if (roots.length === 0 || roots.length % nOutputs !== 0)
    throw unsupported(
      `the TreeEnsemble node has ${roots.length} tree roots, not a multiple of its ${nOutputs} targets`,
      ['graph', 'node', 'TreeEnsemble', 'tree_roots'],
    );
  const budget = { left: tb.modes.length + tb.leafTargets.length };
  const trees: ForeignTree[] = [];
  for (let t = 0; t < roots.length; t += nOutputs)
    trees.push(foldTree(a, tb, roots.slice(t, t + nOutputs), schema, budget));
  return trees;
}
