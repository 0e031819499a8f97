/**
 * XGBoost's JSON model (what `Booster.save_model('model.json')` writes, format of XGBoost 1.x and 2.x) as a
 * ForeignEnsemble, following XGBoost's own prediction:
 *
 * - XGBoost reads features as float32 and a node sends x to its left child ("yes") when x < split_condition,
 *   both float32; NaN goes the `default_left` way. So the rules are 'lt' in 'float32' precision.
 * - A leaf (left_children = -1) holds its value in split_conditions (learning rate included).
 * - Trees are summed; tree_info says which class each tree adds to. The base score is given in the
 *   objective's output space: binary:logistic's base_score is a probability, whose logit is added to the sum.
 * - dart models multiply each tree by its weight_drop.
 * - Objectives: binary:logistic, multi:softprob and multi:softmax (softmax), reg:squarederror (and its old
 *   name reg:linear). Categorical splits (enable_categorical) and multi-target models are refused.
 */

import { MlinferError } from '../../errors.js';
import { type BoostedObjective, boostedEnsemble, classLeaf } from './boosted-common.js';
import type { ForeignEnsemble, ForeignNode } from './foreign-ensemble.js';

function invalid(message: string, path: (string | number)[] = []): MlinferError {
  return new MlinferError('MLI_INVALID_DATA', `cannot import the XGBoost model: ${message}`, {
    issues: [{ path, message }],
  });
}

function unsupported(message: string, path: (string | number)[] = []): MlinferError {
  return new MlinferError('MLI_MODEL_UNSUPPORTED', `cannot import the XGBoost model: ${message}`, {
    issues: [{ path, message }],
  });
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(o: unknown, path: string[]): unknown {
  let v = o;
  for (const key of path) v = isObject(v) ? v[key] : undefined;
  return v;
}

/** XGBoost writes its parameters as strings ("5E-1"); 2.x writes base_score as "[5E-1]". */
function paramNumber(v: unknown, name: string): number {
  const s = typeof v === 'string' ? v.replace(/^\[|\]$/g, '') : v;
  const n = typeof s === 'number' ? s : Number(s);
  if (typeof s !== 'number' && typeof s !== 'string') throw invalid(`${name} is missing`);
  if (!Number.isFinite(n)) throw invalid(`${name} is ${String(v)}`, [name]);
  return n;
}

export interface XGBoostModel {
  ensemble: ForeignEnsemble;
  /** learner.feature_names, or f0, f1... (XGBoost's own default) when the model has none. */
  featureNames: string[];
  objective: string;
}

interface Objective extends BoostedObjective {
  /** The base score in margin space. */
  margin: (base: number) => number;
}

function parseObjective(name: string, numClass: number): Objective {
  const identity = (b: number) => b;
  if (name === 'binary:logistic')
    return {
      task: 'classification',
      nOutputs: 1,
      nClasses: 2,
      postTransform: 'logistic',
      // XGBoost's ProbToMargin, in float32 as XGBoost stores it
      margin: (b) => Math.fround(-Math.log(1 / b - 1)),
    };
  if (name === 'multi:softprob' || name === 'multi:softmax') {
    if (!(numClass >= 2)) throw invalid(`${name} with num_class ${numClass}`);
    return {
      task: 'classification',
      nOutputs: numClass,
      nClasses: numClass,
      postTransform: 'softmax',
      margin: identity,
    };
  }
  if (name === 'reg:squarederror' || name === 'reg:linear')
    return { task: 'regression', nOutputs: 1, nClasses: 0, postTransform: 'none', margin: identity };
  throw unsupported(
    `objective ${name} is not supported: mlinfer imports binary:logistic, multi:softprob, multi:softmax and ` +
      'reg:squarederror models; retrain with one of those, or convert the model to ONNX',
    ['learner', 'objective', 'name'],
  );
}

function intArray(tree: Json, key: string, n: number, t: number): number[] {
  const v = tree[key];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => Number.isInteger(x)))
    throw invalid(`tree ${t}: ${key} must list ${n} integers`, ['trees', t, key]);
  return v as number[];
}

function readTree(tree: unknown, t: number, nFeatures: number, leaf: (v: number) => number[]): ForeignNode[] {
  if (!isObject(tree)) throw invalid(`tree ${t} is not an object`, ['trees', t]);
  const left = tree.left_children;
  if (!Array.isArray(left) || left.length === 0) throw invalid(`tree ${t} has no nodes`, ['trees', t]);
  const n = left.length;
  const lefts = intArray(tree, 'left_children', n, t);
  const rights = intArray(tree, 'right_children', n, t);
  const features = intArray(tree, 'split_indices', n, t);
  const defaults = intArray(tree, 'default_left', n, t);
  const conditions = tree.split_conditions;
  if (
    !Array.isArray(conditions) ||
    conditions.length !== n ||
    !conditions.every((c) => typeof c === 'number')
  )
    throw invalid(`tree ${t}: split_conditions must list ${n} numbers`, ['trees', t, 'split_conditions']);
  const types = Array.isArray(tree.split_type) ? (tree.split_type as number[]) : [];
  return lefts.map((l, i): ForeignNode => {
    if (l === -1) return { kind: 'leaf', values: leaf(Math.fround(conditions[i] as number)) };
    if (types[i] === 1)
      throw unsupported(
        `tree ${t}, node ${i} is a categorical split (enable_categorical): mlinfer imports numeric splits ` +
          'only; one-hot encode the feature, or convert the model to ONNX',
        ['trees', t],
      );
    if (features[i] < 0 || features[i] >= nFeatures)
      throw invalid(`tree ${t}, node ${i} splits on feature ${features[i]} of ${nFeatures}`, ['trees', t]);
    return {
      kind: 'split',
      feature: features[i],
      rule: 'lt',
      threshold: conditions[i] as number,
      missingGoesTrue: defaults[i] === 1,
      ifTrue: l,
      ifFalse: rights[i],
    };
  });
}

/**
 * Reads an XGBoost JSON model (`booster.save_model('model.json')`, given as its text or parsed) into the
 * common form of imported ensembles. Throws MLI_INVALID_DATA for JSON that is not an XGBoost model and
 * MLI_MODEL_UNSUPPORTED (naming what) for objectives and splits mlinfer cannot score exactly.
 *
 * @example
 * const { ensemble, featureNames } = readXGBoost(readFileSync('model.json', 'utf8'));
 * const arrays = compileForeignEnsemble(ensemble);
 */
export function readXGBoost(json: unknown): XGBoostModel {
  let doc = json;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (cause) {
      throw invalid(
        `the text is not JSON (${String(cause)}); mlinfer reads the JSON model, not UBJSON or the binary one`,
      );
    }
  }
  const learner = get(doc, ['learner']);
  if (!isObject(learner) || !isObject(learner.gradient_booster))
    throw invalid('expected the JSON of Booster.save_model (a "learner" with a "gradient_booster")', [
      'learner',
    ]);
  const booster = learner.gradient_booster;
  const kind = booster.name;
  const gbtree = kind === 'dart' ? booster.gbtree : booster;
  if (kind !== 'gbtree' && kind !== 'dart')
    throw unsupported(
      `booster ${String(kind)} is not supported: mlinfer imports tree boosters (gbtree, dart)`,
    );
  const model = get(gbtree, ['model']);
  const trees = get(model, ['trees']);
  const treeInfo = get(model, ['tree_info']);
  if (
    !Array.isArray(trees) ||
    !Array.isArray(treeInfo) ||
    trees.length === 0 ||
    trees.length !== treeInfo.length
  )
    throw invalid('the model has no trees, or trees and tree_info differ in length', [
      'learner',
      'gradient_booster',
    ]);
  const param = learner.learner_model_param;
  const objectiveName = String(get(learner, ['objective', 'name']));
  const numClass = paramNumber(get(param, ['num_class']) ?? '0', 'num_class');
  if (paramNumber(get(param, ['num_target']) ?? '1', 'num_target') > 1)
    throw unsupported('multi-target models are not supported: import one model per target');
  const nFeatures = paramNumber(get(param, ['num_feature']), 'num_feature');
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw invalid(`num_feature is ${nFeatures}`);
  const objective = parseObjective(objectiveName, numClass);
  const base = Math.fround(paramNumber(get(param, ['base_score']), 'base_score'));
  const weights = kind === 'dart' ? (booster.weight_drop as unknown) : undefined;
  if (weights !== undefined && (!Array.isArray(weights) || weights.length !== trees.length))
    throw invalid('weight_drop does not list one weight per tree');
  const foreign = trees.map((tree, t) => {
    const k = treeInfo[t];
    if (!Number.isInteger(k) || k < 0 || k >= objective.nOutputs)
      throw invalid(`tree_info ${t} is ${String(k)}, the model has ${objective.nOutputs} outputs`);
    const w = weights === undefined ? 1 : Math.fround((weights as number[])[t]);
    const leaf = (v: number): number[] =>
      classLeaf(objective.nOutputs, k as number, w === 1 ? v : Math.fround(v * w));
    return { nodes: readTree(tree, t, nFeatures, leaf) };
  });
  const names = learner.feature_names;
  return {
    ensemble: boostedEnsemble(objective, {
      nFeatures,
      precision: 'float32',
      aggregate: 'sum',
      baseScores: new Array(objective.nOutputs).fill(objective.margin(base)),
      trees: foreign,
    }),
    featureNames:
      Array.isArray(names) && names.length === nFeatures
        ? names.map(String)
        : Array.from({ length: nFeatures }, (_, i) => `f${i}`),
    objective: objectiveName,
  };
}
