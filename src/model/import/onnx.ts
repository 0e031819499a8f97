/**
 * `modelFromOnnx`: an ONNX tree-ensemble model (skl2onnx, onnxmltools, or any graph of one ai.onnx.ml
 * TreeEnsemble* node with Cast/Identity/ZipMap around it) as an mlinfer Model: numeric features named x0..
 * (or `featureNames`), classes from the class labels, and a model card saying where it came from. A graph
 * mlinfer's own exporter wrote comes back as the model it was, schema included (onnx-mlinfer.ts).
 */

import { MlinferError } from '../../errors.js';
import { createFittedForest } from '../../forest/fit.js';
import { defaultParams } from '../../forest/params.js';
import { type Model, modelFromForest } from '../model.js';
import { decodeOnnxModel } from '../onnx/onnx-proto.js';
import { compileForeignEnsemble } from './compile.js';
import { type OnnxEnsembleImport, readOnnxEnsemble } from './onnx-graph.js';
import { isMlinferOnnx, modelFromMlinferOnnx } from './onnx-mlinfer.js';

export interface ModelFromOnnxOptions {
  /** Feature names for the input tensor's columns, in order; default x0, x1, ... */
  featureNames?: string[];
  /** The target's name; default "target". */
  target?: string;
  /** Where the file came from (a path or URL), for the model card. */
  source?: string;
}

/**
 * True for an ONNX file: the .onnx extension, or bytes that open as a ModelProto does (field 1, ir_version, a
 * varint: 0x08) where JSON opens with `{`, `[` or white space and LightGBM text with a letter.
 *
 * @example
 * if (isOnnxFile(path, bytes)) model = modelFromOnnx(bytes);
 */
export function isOnnxFile(path: string, bytes: Uint8Array): boolean {
  return path.toLowerCase().endsWith('.onnx') || bytes[0] === 0x08;
}

/** The model card's provenance line: file, producer, opsets, op and comparison precision. */
export function onnxProvenance(imp: OnnxEnsembleImport, source: string | undefined): string {
  const producer = [imp.producerName, imp.producerVersion].filter(Boolean).join(' ') || 'an unnamed producer';
  const e = imp.ensemble;
  return (
    `ONNX${source ? ` ${source}` : ''}: written by ${producer}, IR ${imp.irVersion}, ai.onnx.ml opset ${imp.mlOpset}, ` +
    `op ${imp.op} (${e.trees.length} trees, ${e.aggregate}${e.postTransform === 'none' ? '' : `, ${e.postTransform}`}), ` +
    `${imp.inputType} input "${imp.inputName}" compared in ${e.precision}`
  );
}

/**
 * Imports an ONNX tree-ensemble model (the bytes of a .onnx file). A file `modelToOnnx` wrote comes back as the
 * exported model (its schema, classes and trees; same predictions bit for bit), after a check that the graph is
 * exactly what the exporter writes for it (featureNames and target cannot rename it). Throws MLI_MODEL_FOREIGN when the bytes are
 * not ONNX, MLI_MODEL_UNSUPPORTED naming the op or attribute mlinfer cannot score exactly (another op on the
 * path, a string input, several targets, MIN/MAX aggregation, PROBIT, ...), MLI_INVALID_OPTION for
 * featureNames of the wrong length.
 *
 * @example
 * // python: onnx = skl2onnx.to_onnx(forest, X[:1].astype(numpy.float32)); open('rf.onnx', 'wb').write(onnx.SerializeToString())
 * const model = modelFromOnnx(readFileSync('rf.onnx'), { featureNames: ['age', 'income', 'tenure'] });
 * await saveModel(model, 'rf.mlinfer');
 * createPredictorFromModel(model).predict({ age: 41, income: 52000, tenure: 3 });
 */
export function modelFromOnnx(bytes: Uint8Array | ArrayBuffer, options: ModelFromOnnxOptions = {}): Model {
  const onnx = decodeOnnxModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  // mlinfer's own export comes back whole: schema, classes and the per-class tree copies folded (onnx-mlinfer.ts)
  if (isMlinferOnnx(onnx)) return modelFromMlinferOnnx(onnx, options);
  const imp = readOnnxEnsemble(onnx);
  const e = imp.ensemble;
  const names = options.featureNames ?? Array.from({ length: e.nFeatures }, (_, i) => `x${i}`);
  if (names.length !== e.nFeatures)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `featureNames lists ${names.length} names; the ONNX input "${imp.inputName}" has ${e.nFeatures} columns`,
      {
        issues: [
          {
            path: ['featureNames'],
            message: `expected ${e.nFeatures} names`,
            received: String(names.length),
          },
        ],
      },
    );
  const arrays = compileForeignEnsemble(e);
  const params = defaultParams(arrays.task);
  params.nEstimators = e.trees.length;
  // ONNX files carry no importances: zeros say "unknown" rather than inventing them
  const forest = createFittedForest(arrays, params, new Float64Array(arrays.nFeatures));
  return modelFromForest(forest, {
    featureNames: names,
    classes: imp.classes ?? undefined,
    target: options.target,
    source: onnxProvenance(imp, options.source),
  });
}
