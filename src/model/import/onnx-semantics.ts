/**
 * How ONNX Runtime combines the trees of each tree op, turned into a ForeignEnsemble, or refused when our
 * scorer could not give the same labels and probabilities. ONNX Runtime (tree_ensemble_aggregator.h) is the
 * reference, including what it does where the ONNX specification is vague:
 *
 * - TreeEnsembleClassifier always sums the class weights of the leaves reached (a random forest from skl2onnx
 *   divides its leaf probabilities by the number of trees), adds base_values, then applies post_transform.
 * - With more than two classes, the label is the class with the highest score. A class that no leaf of the
 *   path scores is left out of that choice, so we require every class to be scored on every path (a tree whose
 *   leaves all score it) or base_values for every class.
 * - With two classes and weights on class 0 only (skl2onnx forests, gradient boosting, LightGBM, XGBoost), one
 *   score s decides: probabilities [1 - s, s] with label 1 when s > 0.5 if every weight is >= 0 (post_transform
 *   NONE), and [1 - logistic(s), logistic(s)] with label 1 when s > 0 for mixed signs (LOGISTIC). Its other
 *   pairings (all weights >= 0 with LOGISTIC labels by s > 0.5 while the probability says logistic(s) > 0.5;
 *   SOFTMAX and NONE with mixed signs output [-s, s]) are refused, as are weights on class 1 only or on both
 *   classes (labelled by the sign of the class-1 score, not by the higher probability).
 * - One-target regressors: ONNX Runtime adds base_values[0] and ignores LOGISTIC and SOFTMAX (only PROBIT is
 *   applied); the specification applies them. Both disagreeing, such models are refused; so are PROBIT and
 *   several targets (an mlinfer model predicts one value).
 */

import type { ForeignEnsemble, ForeignTree, PostTransform } from './foreign-ensemble.js';
import { type NodeAttributes, unsupported } from './onnx-attributes.js';
import { legacyTrees, readLegacyTable, treeEnsembleV5Trees } from './onnx-trees.js';

export interface BuiltEnsemble {
  ensemble: ForeignEnsemble;
  classes: (string | number)[] | null;
}

type Precision = ForeignEnsemble['precision'];

const POST_TRANSFORMS: Record<string, PostTransform | 'probit'> = {
  NONE: 'none',
  LOGISTIC: 'logistic',
  SOFTMAX: 'softmax',
  SOFTMAX_ZERO: 'softmax_zero',
  PROBIT: 'probit',
};

/** Opset-5 post_transform values: NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT. */
const V5_POST_TRANSFORMS = ['NONE', 'SOFTMAX', 'LOGISTIC', 'SOFTMAX_ZERO', 'PROBIT'];
/** Opset-5 aggregate_function values: AVERAGE, SUM, MIN, MAX. */
const V5_AGGREGATES = ['AVERAGE', 'SUM', 'MIN', 'MAX'];

function postTransform(a: NodeAttributes, name: string): PostTransform | 'probit' {
  const p = POST_TRANSFORMS[name];
  if (p === undefined)
    throw a.corrupt('post_transform', `is ${name}, not NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT`);
  return p;
}

/** The input width, or the highest feature a split reads plus one when the input shape does not say. */
function featureCount(a: NodeAttributes, width: number | undefined, features: number[]): number {
  if (width !== undefined && width > 0) return width;
  let max = -1;
  for (const f of features) if (f > max) max = f;
  if (max < 0) throw a.corrupt('nodes_featureids', 'reads no feature and the input shape gives no width');
  return max + 1;
}

function classLabels(a: NodeAttributes): (string | number)[] {
  const ints = a.ints('classlabels_int64s', []);
  const strings = a.strings('classlabels_strings', []);
  if (ints.length > 0 === strings.length > 0)
    throw a.corrupt('classlabels_int64s', 'and classlabels_strings: exactly one must list the classes');
  return ints.length > 0 ? ints : strings;
}

const UNSUPPORTED_BINARY =
  'Convert the classifier as skl2onnx, onnxmltools or the exporters do (weights on class 0 only, post_transform NONE with probabilities or LOGISTIC with raw scores)';

/** TreeEnsembleClassifier (opsets 1 and 3). */
export function classifierEnsemble(
  a: NodeAttributes,
  width: number | undefined,
  precision: Precision,
): BuiltEnsemble {
  const classes = classLabels(a);
  const n = classes.length;
  if (n < 2) throw unsupported(`${a.label} lists ${n} class label; a classifier needs two or more`);
  const post = postTransform(a, a.string('post_transform', 'NONE'));
  if (post === 'probit')
    throw unsupported(`${a.label} uses post_transform PROBIT, which mlinfer does not implement`);
  const base = a.reals('base_values', []);
  const table = readLegacyTable(a, 'class');
  const ids = new Set<number>();
  let allPositive = true;
  for (const list of table.weights)
    for (const [id, w] of list ?? []) {
      if (!Number.isInteger(id) || id < 0 || id >= n)
        throw a.corrupt('class_ids', `names class ${id} of ${n}`);
      ids.add(id);
      if (w < 0) allPositive = false;
    }
  const features = a.ints('nodes_featureids');
  const nFeatures = featureCount(a, width, features);
  const common = {
    task: 'classification' as const,
    nFeatures,
    nClasses: n,
    precision,
    aggregate: 'sum' as const,
  };
  if (n > 2) {
    if (base.length !== 0 && base.length !== n)
      throw unsupported(
        `${a.label} has ${base.length} base_values for ${n} classes; give one per class or none`,
      );
    if (base.length === 0) checkEveryClassScored(a, table, n);
    const trees = legacyTrees(a, table, nFeatures, n, (id) => id);
    return {
      ensemble: {
        ...common,
        nOutputs: n,
        baseScores: base.length ? base : new Array(n).fill(0),
        postTransform: post,
        trees,
      },
      classes,
    };
  }
  if (ids.size > 1 || ids.has(1))
    throw unsupported(
      `${a.label} is a two-class model with weights on ${ids.size > 1 ? 'both classes' : 'class 1 only'}: ONNX Runtime then labels by the sign of the class-1 score, not by the higher probability, and mlinfer cannot reproduce that. ${UNSUPPORTED_BINARY}`,
    );
  if (base.length > 1)
    throw unsupported(
      `${a.label} is a one-score two-class model with ${base.length} base_values; ONNX Runtime reads them inconsistently. Give one base value`,
    );
  const expected = allPositive ? 'none' : 'logistic';
  if (post !== expected)
    throw unsupported(
      `${a.label} is a one-score two-class model with ${allPositive ? 'weights all >= 0' : 'weights of both signs'} and post_transform ${post.toUpperCase()}: ONNX Runtime's labels then disagree with its probabilities. ${UNSUPPORTED_BINARY}`,
    );
  const trees = legacyTrees(a, table, nFeatures, 1, () => 0);
  return {
    ensemble: { ...common, nOutputs: 1, baseScores: [base[0] ?? 0], postTransform: post, trees },
    classes,
  };
}

/** With no base_values, each class must be scored by some tree on every path: a tree whose leaves all weigh it. */
function checkEveryClassScored(
  a: NodeAttributes,
  table: ReturnType<typeof readLegacyTable>,
  n: number,
): void {
  const treeIds = a.ints('nodes_treeids');
  const perTree = new Map<number, { leaves: number; counts: number[] }>();
  table.modes.forEach((mode, i) => {
    if (mode !== 'LEAF') return;
    const t = perTree.get(treeIds[i]) ?? { leaves: 0, counts: new Array(n).fill(0) };
    t.leaves++;
    for (const id of new Set((table.weights[i] ?? []).map(([c]) => c))) t.counts[id]++;
    perTree.set(treeIds[i], t);
  });
  const scored = new Array(n).fill(false);
  for (const t of perTree.values())
    t.counts.forEach((c, k) => {
      if (c === t.leaves) scored[k] = true;
    });
  const missing = scored.flatMap((s, k) => (s ? [] : [k]));
  if (missing.length > 0)
    throw unsupported(
      `${a.label} does not score class ${missing.join(', ')} on every path and has no base_values: ONNX Runtime then leaves the class out of the label vote, which mlinfer cannot reproduce. Give base_values (zeros) for every class`,
    );
}

function singleTarget(a: NodeAttributes, nTargets: number): void {
  if (nTargets !== 1)
    throw unsupported(
      `${a.label} predicts ${nTargets} targets; an mlinfer model predicts one value. Convert one model per target`,
    );
}

function regressionPost(a: NodeAttributes, name: string): void {
  if (name !== 'NONE')
    throw unsupported(
      `${a.label} is a one-target regressor with post_transform ${name}: ${name === 'PROBIT' ? 'mlinfer does not implement PROBIT' : 'ONNX Runtime ignores it there while the ONNX specification applies it'}. Convert with post_transform NONE and apply the transform to the predictions`,
    );
}

function regressionAggregate(a: NodeAttributes, name: string): 'sum' | 'average' {
  if (name === 'SUM') return 'sum';
  if (name === 'AVERAGE') return 'average';
  if (name === 'MIN' || name === 'MAX')
    throw unsupported(
      `${a.label} aggregates its trees with ${name}; mlinfer sums or averages trees (SUM, AVERAGE)`,
    );
  throw a.corrupt('aggregate_function', `is ${name}, not SUM, AVERAGE, MIN or MAX`);
}

/** TreeEnsembleRegressor (opsets 1 and 3), one target. */
export function regressorEnsemble(
  a: NodeAttributes,
  width: number | undefined,
  precision: Precision,
): BuiltEnsemble {
  singleTarget(a, a.int('n_targets', 1));
  const aggregate = regressionAggregate(a, a.string('aggregate_function', 'SUM'));
  regressionPost(a, a.string('post_transform', 'NONE'));
  const base = a.reals('base_values', []);
  if (base.length > 1) throw unsupported(`${a.label} has ${base.length} base_values for one target`);
  const table = readLegacyTable(a, 'target');
  const treeIds = a.ints('nodes_treeids');
  const nodeIds = a.ints('nodes_nodeids');
  table.modes.forEach((mode, i) => {
    if (mode !== 'LEAF') return;
    const list = table.weights[i] ?? [];
    const where = `leaf ${nodeIds[i]} of tree ${treeIds[i]}`;
    if (list.length === 0) throw a.corrupt('target_nodeids', `gives no weight to ${where}`);
    if (list.length !== 1 || list[0][0] !== 0)
      throw unsupported(
        `${a.label}: ${where} holds ${list.length} target weights; ONNX Runtime reads only the first for a one-target model. Give each leaf one weight for target 0`,
      );
  });
  const nFeatures = featureCount(a, width, a.ints('nodes_featureids'));
  const trees = legacyTrees(a, table, nFeatures, 1, () => 0);
  return regression(nFeatures, precision, aggregate, base[0] ?? 0, trees);
}

/** A one-target regression ensemble (no post transform: see the module comment). */
function regression(
  nFeatures: number,
  precision: Precision,
  aggregate: 'sum' | 'average',
  base: number,
  trees: ForeignTree[],
): BuiltEnsemble {
  const ensemble: ForeignEnsemble = {
    task: 'regression',
    nFeatures,
    nOutputs: 1,
    nClasses: 0,
    precision,
    aggregate,
    baseScores: [base],
    postTransform: 'none',
    trees,
  };
  return { ensemble, classes: null };
}

/** TreeEnsemble (ai.onnx.ml opset 5), one target. */
export function treeEnsembleV5(
  a: NodeAttributes,
  width: number | undefined,
  precision: Precision,
): BuiltEnsemble {
  singleTarget(a, a.int('n_targets', 0));
  const aggregateCode = a.int('aggregate_function', 1);
  const postCode = a.int('post_transform', 0);
  const aggregate = regressionAggregate(a, V5_AGGREGATES[aggregateCode] ?? String(aggregateCode));
  regressionPost(a, V5_POST_TRANSFORMS[postCode] ?? String(postCode));
  const nFeatures = featureCount(a, width, a.ints('nodes_featureids'));
  const trees = treeEnsembleV5Trees(a, nFeatures, 1);
  return regression(nFeatures, precision, aggregate, 0, trees);
}
