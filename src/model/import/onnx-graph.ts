/**
 * Reads an ONNX graph holding one ai.onnx.ml tree-ensemble node (TreeEnsembleClassifier or
 * TreeEnsembleRegressor of opsets 1 and 3, TreeEnsemble of opset 5) and what converters put around it (Cast and
 * Identity on the input and outputs, ZipMap on the probabilities), and checks it is something mlinfer can
 * score exactly. Anything else is MLI_MODEL_UNSUPPORTED naming the op or attribute and what to do.
 *
 * Comparison precision follows ONNX Runtime: a float tensor anywhere on the input path (the graph input or a
 * Cast to float) rounds x to float32 before the comparisons; a double path compares in double (against the
 * thresholds as stored, float attributes widened).
 */

import { MlinferError } from '../../errors.js';
import { decodeOnnxModel, type OnnxGraph, type OnnxModel, type OnnxNode } from '../onnx/onnx-proto.js';
import type { ForeignEnsemble } from './foreign-ensemble.js';
import { NodeAttributes, unsupported } from './onnx-attributes.js';
import { classifierEnsemble, regressorEnsemble, treeEnsembleV5 } from './onnx-semantics.js';
import { alignThresholdsToFloat32 } from './onnx-trees.js';

/** What reading the graph found: the ensemble, and what the model card and schema need. */
export interface OnnxEnsembleImport {
  ensemble: ForeignEnsemble;
  /** The graph input's name (features become `${name}0`.. unless named). */
  inputName: string;
  /** The input's element type: float rounds to float32 before comparing. */
  inputType: 'float' | 'double';
  /** Class labels from classlabels_int64s or classlabels_strings; null for regression. */
  classes: (string | number)[] | null;
  op: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor' | 'TreeEnsemble';
  /** The model's ai.onnx.ml opset. */
  mlOpset: number;
  producerName: string;
  producerVersion: string;
  irVersion: number;
}

const TREE_OPS = new Set(['TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'TreeEnsemble']);
const WRAPPERS = new Set(['Cast', 'Identity', 'ZipMap']);
const FLOAT = 1;
const DOUBLE = 11;
const TYPE_NAMES: Record<number, string> = {
  1: 'float',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  11: 'double',
};

function nodeLabel(n: OnnxNode): string {
  return `${n.domain ? `${n.domain}.` : ''}${n.opType}${n.name ? ` (node "${n.name}")` : ''}`;
}

/** The one tree-ensemble node; every other node must be a Cast, Identity or ZipMap. */
function findTreeNode(graph: OnnxGraph): OnnxNode {
  const trees: OnnxNode[] = [];
  for (const n of graph.node ?? []) {
    const op = n.opType ?? '';
    const mlDomain = n.domain === 'ai.onnx.ml';
    if (TREE_OPS.has(op) && mlDomain) trees.push(n);
    else if (!WRAPPERS.has(op) || (op === 'ZipMap') !== mlDomain)
      throw unsupported(
        `the graph holds ${nodeLabel(n)}, which mlinfer does not run. It imports one ai.onnx.ml tree-ensemble node with the Cast, Identity and ZipMap nodes converters put around it; export the model without the extra step (preprocessing, a calibrator, a stacked model) and apply it before mlinfer`,
        ['graph', 'node', n.name ?? op],
      );
  }
  if (trees.length === 0)
    throw unsupported(
      'the graph holds no ai.onnx.ml TreeEnsembleClassifier, TreeEnsembleRegressor or TreeEnsemble node',
    );
  if (trees.length > 1)
    throw unsupported(
      `the graph holds ${trees.length} tree-ensemble nodes (${trees.map(nodeLabel).join(', ')}): a chain or a split ensemble (onnxmltools split=) is not supported; convert the model into one node`,
    );
  return trees[0];
}

/** The graph's one tensor input, its type and width, and the precision of the path to the tree node. */
function readInput(
  graph: OnnxGraph,
  tree: OnnxNode,
): { name: string; type: 'float' | 'double'; width: number | undefined; float32: boolean } {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1)
    throw unsupported(
      `the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); mlinfer imports models with one [N, features] float or double tensor input: convert with a single FloatTensorType([None, n]) input`,
      ['graph', 'input'],
    );
  const input = inputs[0];
  const tensor = input.type?.tensorType;
  const elem = tensor?.elemType ?? 0;
  if (tensor === undefined || (elem !== FLOAT && elem !== DOUBLE))
    throw unsupported(
      `the input ${input.name} is ${tensor === undefined ? 'not a tensor (a map or sequence)' : `a ${TYPE_NAMES[elem] ?? `type ${elem}`} tensor`}; mlinfer imports a float or double tensor input (string or categorical columns: encode them before the model, or train with numeric features)`,
      ['graph', 'input', input.name ?? ''],
    );
  const dims = tensor.shape?.dim ?? [];
  if (tensor.shape !== undefined && dims.length !== 2)
    throw unsupported(`the input ${input.name} has rank ${dims.length}; expected [N, features]`, [
      'graph',
      'input',
    ]);
  const width = dims[1]?.dimValue;
  // Walk back from the tree node's input through Cast and Identity to the graph input.
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) producer.set(o, n);
  let name = tree.input?.[0] ?? '';
  let float32 = elem === FLOAT;
  for (let steps = 0; name !== input.name; steps++) {
    const n = producer.get(name);
    if (n === undefined || steps > 100 || n.opType === 'ZipMap')
      throw unsupported(`the tree node's input ${name} does not come from the graph input ${input.name}`);
    if (n.opType === 'Cast') {
      const to = new NodeAttributes(n).int('to', 0);
      if (to !== FLOAT && to !== DOUBLE)
        throw unsupported(
          `${nodeLabel(n)} casts the input to ${TYPE_NAMES[to] ?? `type ${to}`}; only float or double`,
        );
      if (to === FLOAT) float32 = true;
    }
    name = n.input?.[0] ?? '';
  }
  return { name: input.name ?? 'X', type: elem === FLOAT ? 'float' : 'double', width, float32 };
}

function mlOpset(model: OnnxModel): number {
  const entry = (model.opsetImport ?? []).find((o) => o.domain === 'ai.onnx.ml');
  return entry?.version ?? 1;
}

/**
 * Reads the tree ensemble of an ONNX model (its bytes or its decoded ModelProto) into the common
 * ForeignEnsemble form. Throws MLI_MODEL_FOREIGN for bytes that are not ONNX, MLI_MODEL_UNSUPPORTED for a
 * graph mlinfer cannot score exactly, MLI_MODEL_CORRUPT for inconsistent tree attributes.
 *
 * @example
 * const { ensemble, classes } = readOnnxEnsemble(new Uint8Array(readFileSync('rf.onnx')));
 * console.log(ensemble.trees.length, classes);
 */
export function readOnnxEnsemble(source: Uint8Array | OnnxModel): OnnxEnsembleImport {
  const model = source instanceof Uint8Array ? decodeOnnxModel(source) : source;
  const graph = model.graph;
  if (graph === undefined || (graph.node ?? []).length === 0)
    throw new MlinferError('MLI_MODEL_FOREIGN', 'the file is not an ONNX model with a graph (no nodes)');
  const tree = findTreeNode(graph);
  const input = readInput(graph, tree);
  const attrs = new NodeAttributes(tree);
  const precision = input.float32 ? 'float32' : 'float64';
  const op = tree.opType as OnnxEnsembleImport['op'];
  const opset = mlOpset(model);
  const built =
    op === 'TreeEnsembleClassifier'
      ? classifierEnsemble(attrs, input.width, precision)
      : op === 'TreeEnsembleRegressor'
        ? regressorEnsemble(attrs, input.width, precision)
        : treeEnsembleV5(attrs, input.width, precision);
  if (precision === 'float32') alignThresholdsToFloat32(built.ensemble.trees);
  return {
    ensemble: built.ensemble,
    classes: built.classes,
    inputName: input.name,
    inputType: input.type,
    op,
    mlOpset: opset,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    irVersion: model.irVersion ?? 0,
  };
}
