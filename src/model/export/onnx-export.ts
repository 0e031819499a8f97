/**
 * An mlinfer model as an ONNX model that ONNX Runtime (and Triton's ONNX Runtime backend) runs, with the same
 * probabilities: the preprocessing (onnx-preprocess.ts), the forest as one ai.onnx.ml TreeEnsemble node of
 * opset 5 (onnx-forest.ts), and the outputs the converters give (skl2onnx with zipmap=False):
 *
 * - classifier: `label` [N] (int64 when every class label is an integer, double for other numbers, else
 *   string) and `probabilities` double [N, nClasses], columns in the model's class order;
 * - regressor: `variable` double [N, 1].
 *
 * Everything is double: the thresholds are our float64 bin edges and ONNX Runtime compares in the input's
 * type, so a double input reproduces our binning exactly (float would round values first and move some rows
 * across an edge). The label is ArgMax (first maximum, as ours) over the probabilities, then a Gather of the
 * class labels. The model card travels in metadata_props (mlinfer.schema, mlinfer.classes, ...).
 */

import { assertOptions, c, type Spec } from '../../constraints.js';
import { MlinferError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { Model } from '../model.js';
import {
  encodeOnnxModel,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  TensorDataType,
} from '../onnx/onnx-proto.js';
import {
  doubleTensor,
  int64Tensor,
  intAttr,
  ML_DOMAIN,
  node,
  stringTensor,
  tensorValue,
} from './onnx-build.js';
import { treeEnsembleNode } from './onnx-forest.js';
import { columnInputs, encodedInput, Names, type Preprocessing } from './onnx-preprocess.js';
import { scoreSteps, scoresAreOutputs } from './onnx-scores.js';

/** Options of `modelToOnnx`. */
export interface OnnxExportOptions {
  /**
   * 'columns' (default): one input per feature, named as the feature (double for numeric features, string
   * for categorical and boolean ones), encoded in the graph. 'encoded': one double [N, nFeatures] input `X`
   * holding what mlinfer's encoder outputs (category codes, 0/1, NaN for missing).
   */
  inputs?: 'columns' | 'encoded';
}

const EXPORT_SPEC: Spec = { inputs: [c.oneOf('columns', 'encoded')] };

/** The IR version of onnx 1.16, the release that brought ai.onnx.ml opset 5. */
const IR_VERSION = 10;
/** ai.onnx opset 13 has every standard op the graph uses (Cast, Concat, Mul, ArgMax, Gather). */
const ONNX_OPSET = 13;
export const ONNX_ML_OPSET = 5;
export const ENCODED_INPUT = 'X';

/** The class labels as a tensor of the type the converters use for them. */
function classesTensor(
  classes: readonly (string | number)[],
  name: string,
): { tensor: OnnxTensor; type: number } {
  if (classes.every((k) => typeof k === 'number' && Number.isSafeInteger(k)))
    return { tensor: int64Tensor(classes as number[], name), type: TensorDataType.INT64 };
  if (classes.every((k) => typeof k === 'number'))
    return { tensor: doubleTensor(classes as number[], name), type: TensorDataType.DOUBLE };
  return { tensor: stringTensor(classes.map(String), name), type: TensorDataType.STRING };
}

function checkFeatureNames(model: Model, outputs: string[]): void {
  const bad = model.featureNames.filter((n) => n === '' || outputs.includes(n));
  if (bad.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `cannot name ONNX inputs after the features ${bad.map((n) => JSON.stringify(n)).join(', ')}: ${bad.includes('') ? 'an empty name means "no input" in ONNX' : `the graph's outputs are named ${outputs.join(', ')}`}. Export with inputs: 'encoded' (CLI --encoded), one [N, ${model.featureNames.length}] input`,
      {
        issues: bad.map((n) => ({
          path: ['features', n],
          kind: 'invalid_option',
          message: `feature name ${JSON.stringify(n)} cannot be an ONNX input name here`,
        })),
      },
    );
}

interface Head {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  outputs: ReturnType<typeof tensorValue>[];
}

/** The tree node and what turns its scores into the converters' outputs. */
function head(model: Model, features: string, names: Names): Head {
  const arrays = model.forest.arrays;
  const out = model.classes === null ? 'variable' : 'probabilities';
  const direct = scoresAreOutputs(arrays);
  const scores = direct ? out : names.next('forest_scores');
  const steps = direct ? { nodes: [], initializers: [] } : scoreSteps(arrays, scores, out, names);
  const nodes = [treeEnsembleNode(arrays, features, scores), ...steps.nodes];
  const initializers = [...steps.initializers];
  if (model.classes === null)
    return {
      nodes,
      initializers,
      outputs: [tensorValue('variable', TensorDataType.DOUBLE, ['N', 1], 'the predicted value')],
    };
  const index = names.next('label_index');
  const labels = classesTensor(model.classes, names.next('class_labels'));
  nodes.push(
    node('ArgMax', [out], [index], names.next('argmax'), [intAttr('axis', 1), intAttr('keepdims', 0)]),
    node('Gather', [labels.tensor.name ?? '', index], ['label'], names.next('class_label'), [
      intAttr('axis', 0),
    ]),
  );
  initializers.push(labels.tensor);
  return {
    nodes,
    initializers,
    outputs: [
      tensorValue('label', labels.type, ['N'], 'the predicted class: the first most probable'),
      tensorValue(
        'probabilities',
        TensorDataType.DOUBLE,
        ['N', arrays.nOutputs],
        `class probabilities, columns: ${model.classes.join(', ')}`,
      ),
    ],
  };
}

/**
 * The bytes of an ONNX model (.onnx) that scores records as the mlinfer model does: the same probabilities
 * (classifiers, outputs `label` and `probabilities`) or values (regressors, output `variable`). It needs a
 * runtime with ai.onnx.ml opset 5 (TreeEnsemble): ONNX Runtime 1.21 or later.
 *
 * @example
 * const bytes = modelToOnnx(await loadModel('churn.mlinfer'));
 * writeFileSync('churn.onnx', bytes);
 * // Python: onnxruntime.InferenceSession('churn.onnx').run(None, {'plan': np.array([['pro']]), 'age': np.array([[42.0]]), ...})
 */
export function modelToOnnx(model: Model, options: OnnxExportOptions = {}): Uint8Array {
  assertOptions(options, EXPORT_SPEC, 'ONNX export options');
  const encoded = options.inputs === 'encoded';
  const outputNames = model.classes === null ? ['variable'] : ['label', 'probabilities'];
  if (!encoded) checkFeatureNames(model, outputNames);
  const names = new Names([...(encoded ? [ENCODED_INPUT] : model.featureNames), ...outputNames]);
  const pre: Preprocessing = encoded
    ? encodedInput(model.schema, ENCODED_INPUT)
    : columnInputs(model.schema, names);
  const h = head(model, pre.output, names);
  const meta = model.metadata;
  const onnx: OnnxModel = {
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      { domain: ML_DOMAIN, version: ONNX_ML_OPSET },
    ],
    producerName: 'mlinfer',
    producerVersion: VERSION,
    docString: `mlinfer ${meta.task} forest of ${model.forest.arrays.treeOffsets.length - 1} trees predicting ${JSON.stringify(meta.target)} (model version ${meta.modelVersion})`,
    graph: {
      name: 'mlinfer_forest',
      node: [...pre.nodes, ...h.nodes],
      initializer: h.initializers,
      input: pre.inputs,
      output: h.outputs,
    },
    metadataProps: [
      { key: 'mlinfer.modelVersion', value: meta.modelVersion },
      { key: 'mlinfer.task', value: meta.task },
      { key: 'mlinfer.target', value: meta.target },
      { key: 'mlinfer.inputs', value: encoded ? 'encoded' : 'columns' },
      { key: 'mlinfer.classes', value: JSON.stringify(model.classes) },
      { key: 'mlinfer.schema', value: JSON.stringify(model.schema) },
    ],
  };
  return encodeOnnxModel(onnx);
}
