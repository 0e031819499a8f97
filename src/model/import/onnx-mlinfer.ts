/**
 * Re-importing what `modelToOnnx` wrote: the graph of mlinfer's exporter (producer "mlinfer", the model card in
 * metadata_props) back into the model it came from, so that it takes the same raw records and predicts the
 * same, probabilities bit for bit.
 *
 * - The schema (categories, booleans, missing spellings), classes, target and task come from mlinfer.schema,
 *   mlinfer.classes, mlinfer.task and mlinfer.target; they must agree with each other.
 * - The forest comes from the TreeEnsemble node, its per-class tree copies folded back (onnx-mlinfer-trees.ts)
 *   and compiled as every import is; categorical features keep the schema's code counts.
 * - Nothing in the graph is trusted: the rebuilt model is exported again (same input mode) and its graph
 *   must equal the file's, node for node and attribute for attribute (LabelEncoder tables against the schema,
 *   the Gather labels against the classes, the Mul, the tree copies). Any difference is MLI_MODEL_UNSUPPORTED
 *   naming where the graphs part.
 */

import type { Schema } from '../../data/schema.js';
import { parseSchema } from '../../data/schema-json.js';
import { MlinferError } from '../../errors.js';
import { createFittedForest } from '../../forest/fit.js';
import { defaultParams } from '../../forest/params.js';
import { FEATURE_CATEGORICAL, type ForestArrays } from '../../forest/types.js';
import { modelToOnnx } from '../export/onnx-export.js';
import { type Model, modelWithCard } from '../model.js';
import { decodeOnnxModel, type OnnxModel, type OnnxNode } from '../onnx/onnx-proto.js';
import { categoryCounts } from '../schema-forest.js';
import { compileForeignEnsemble } from './compile.js';
import type { ForeignEnsemble } from './foreign-ensemble.js';
import { NodeAttributes, unsupported } from './onnx-attributes.js';
import { firstDifference } from './onnx-compare.js';
import { exportedScoring } from './onnx-mlinfer-scoring.js';
import { foldTreeCopies } from './onnx-mlinfer-trees.js';

/** What `modelFromOnnx` may ask of a re-imported mlinfer model: its own names, or none. */
export interface MlinferOnnxOptions {
  featureNames?: string[];
  target?: string;
  source?: string;
}

interface Card {
  schema: Schema;
  classes: (string | number)[] | null;
  inputs: 'columns' | 'encoded';
  modelVersion: string;
}

/**
 * True for a model written by mlinfer's exporter with its model card (mlinfer.schema): `modelFromOnnx` then
 * rebuilds the original model (see the module comment) instead of importing a bare tree ensemble.
 *
 * @example
 * if (isMlinferOnnx(decodeOnnxModel(bytes))) console.log('exported by mlinfer');
 */
export function isMlinferOnnx(model: OnnxModel): boolean {
  return (
    model.producerName === 'mlinfer' && (model.metadataProps ?? []).some((p) => p.key === 'mlinfer.schema')
  );
}

function mismatch(message: string, path: (string | number)[]): MlinferError {
  return unsupported(
    `the file says mlinfer wrote it, but ${message}; export the model again with mlinfer export (or modelToOnnx)`,
    path,
  );
}

function readCard(model: OnnxModel): Card {
  const meta = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const json = (key: string): unknown => {
    try {
      return JSON.parse(meta.get(key) ?? '');
    } catch {
      throw mismatch(`its metadata ${key} is not JSON`, ['metadata_props', key]);
    }
  };
  const schema = parseSchema(json('mlinfer.schema'));
  const classes = json('mlinfer.classes') as (string | number)[] | null;
  const inputs = meta.get('mlinfer.inputs');
  const target = schema.target;
  const agree =
    meta.get('mlinfer.task') === target.task &&
    meta.get('mlinfer.target') === target.name &&
    JSON.stringify(classes) === JSON.stringify(target.classes ?? null);
  if (!agree || (inputs !== 'columns' && inputs !== 'encoded'))
    throw mismatch(
      'its metadata mlinfer.task, mlinfer.target, mlinfer.classes and mlinfer.inputs disagree with mlinfer.schema',
      ['metadata_props'],
    );
  return { schema, classes, inputs, modelVersion: meta.get('mlinfer.modelVersion') ?? '' };
}

function treeNode(model: OnnxModel): OnnxNode {
  const trees = (model.graph?.node ?? []).filter(
    (n) => n.opType === 'TreeEnsemble' && n.domain === 'ai.onnx.ml',
  );
  if (trees.length !== 1)
    throw mismatch(`its graph holds ${trees.length} ai.onnx.ml TreeEnsemble nodes, not one`, [
      'graph',
      'node',
    ]);
  return trees[0];
}

/** Categorical features no split uses compile as numeric without edges; the schema says what they are. */
function restoreFeatureKinds(arrays: ForestArrays, schema: Schema): void {
  const counts = categoryCounts(schema);
  schema.features.forEach((f, k) => {
    if (f.type !== 'categorical' || arrays.featureKinds[k] === FEATURE_CATEGORICAL) return;
    if (arrays.binEdgeOffsets[k + 1] !== arrays.binEdgeOffsets[k])
      throw mismatch(`the categorical feature ${JSON.stringify(f.name)} is split as a number`, [
        'graph',
        'node',
      ]);
    arrays.featureKinds[k] = FEATURE_CATEGORICAL;
    arrays.categoryCounts[k] = counts[k];
  });
  counts.forEach((n, k) => {
    if (arrays.categoryCounts[k] !== n)
      throw mismatch(
        `the sets of feature ${JSON.stringify(schema.features[k].name)} name codes past its ${n} categories`,
        ['graph', 'node'],
      );
  });
}

function checkOptions(options: MlinferOnnxOptions, schema: Schema): void {
  const names = schema.features.map((f) => f.name);
  const bad: string[] = [];
  if (options.featureNames && JSON.stringify(options.featureNames) !== JSON.stringify(names))
    bad.push('featureNames');
  if (options.target !== undefined && options.target !== schema.target.name) bad.push('target');
  if (bad.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `${bad.join(' and ')} cannot rename a model exported by mlinfer: its schema (features ${names.join(', ')}, target ${schema.target.name}) comes back with it; leave ${bad.join(' and ')} out`,
      { issues: bad.map((b) => ({ path: [b], message: 'the exported schema names it' })) },
    );
}

/**
 * The mlinfer model an ONNX file written by `modelToOnnx` came from (either input mode): the same schema and
 * classes, the same trees and leaf values. Throws MLI_MODEL_UNSUPPORTED when the graph is not exactly what
 * the exporter writes for the model its metadata describes.
 *
 * @example
 * const back = modelFromMlinferOnnx(decodeOnnxModel(modelToOnnx(model)));
 * createPredictorFromModel(back).predict(record); // as createPredictorFromModel(model).predict(record)
 */
export function modelFromMlinferOnnx(onnx: OnnxModel, options: MlinferOnnxOptions = {}): Model {
  const card = readCard(onnx);
  const { schema, classes } = card;
  checkOptions(options, schema);
  const attrs = new NodeAttributes(treeNode(onnx));
  const nOutputs = classes === null ? 1 : classes.length;
  const additive = exportedScoring(onnx, attrs, nOutputs);
  const ensemble: ForeignEnsemble = {
    task: schema.target.task,
    nFeatures: schema.features.length,
    nOutputs,
    nClasses: classes === null ? 0 : classes.length,
    precision: 'float64',
    aggregate: additive?.aggregate ?? 'average',
    baseScores: new Array(nOutputs).fill(0),
    postTransform: 'none',
    trees: foldTreeCopies(attrs, nOutputs, schema),
    categoryCounts: Array.from(categoryCounts(schema)),
  };
  const arrays = compileForeignEnsemble(ensemble);
  restoreFeatureKinds(arrays, schema);
  // an exported boosted model: its base scores and link (logistic_binary has no ForeignEnsemble spelling)
  if (additive !== undefined) arrays.additive = additive;
  const params = defaultParams(arrays.task);
  params.nEstimators = ensemble.trees.length;
  const forest = createFittedForest(arrays, params, new Float64Array(arrays.nFeatures));
  const model = modelWithCard(forest, schema, {
    trainingRows: 0,
    dataHash: '',
    metrics: {},
    notes: [],
    source: `ONNX${options.source ? ` ${options.source}` : ''}: exported by mlinfer ${onnx.producerVersion ?? ''} from model version ${card.modelVersion} (${card.inputs} inputs), re-imported with its schema`,
    identity: [arrays.nodes],
  });
  const again = decodeOnnxModel(modelToOnnx(model, { inputs: card.inputs }));
  const diff =
    firstDifference(onnx.opsetImport, again.opsetImport, 'opset_import') ??
    firstDifference(onnx.graph, again.graph, 'graph');
  if (diff !== null)
    throw mismatch(
      `its graph is not what mlinfer's exporter writes for the model its metadata describes (${diff})`,
      ['graph'],
    );
  return model;
}
