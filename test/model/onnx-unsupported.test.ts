// What the ONNX importer refuses, each with MLI_MODEL_UNSUPPORTED naming the op or attribute and what to do:
// the fixtures make.py writes for it, and fixtures edited here through the codec.
import { describe, expect, it } from 'vitest';
import { isMlinferError } from '../../src/errors.js';
import { readOnnxEnsemble } from '../../src/model/import/onnx-graph.js';
import {
  AttributeType,
  decodeOnnxModel,
  encodeOnnxModel,
  type OnnxModel,
  type OnnxNode,
  TensorDataType,
} from '../../src/model/onnx/onnx-proto.js';
import { onnxBytes, onnxCases } from './onnx/fixtures.js';

function failure(bytes: Uint8Array | OnnxModel): { code: string; message: string } {
  try {
    readOnnxEnsemble(bytes);
  } catch (e) {
    if (isMlinferError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the import succeeded');
}

/** A fixture decoded, for editing; every edit goes through encode/decode so the bytes path is the one tested. */
function edited(name: string, edit: (m: OnnxModel, tree: OnnxNode) => void): Uint8Array {
  const model = decodeOnnxModel(onnxBytes(name));
  const tree = model.graph!.node!.find((n) => n.opType?.startsWith('TreeEnsemble'))!;
  edit(model, tree);
  return encodeOnnxModel(model);
}

function setString(node: OnnxNode, name: string, value: string): void {
  node.attribute = (node.attribute ?? []).filter((a) => a.name !== name);
  node.attribute.push({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });
}

function setInt(node: OnnxNode, name: string, value: number): void {
  node.attribute = (node.attribute ?? []).filter((a) => a.name !== name);
  node.attribute.push({ name, type: AttributeType.INT, i: value });
}

describe('fixtures make.py writes to be refused', () => {
  const expectations: Record<string, RegExp> = {
    unsupported_split_sum: /Sum .*export the model without the extra step/,
    backend_single_tree: /predicts 2 targets; an mlinfer model predicts one value/,
    backend_set_membership: /predicts 4 targets/,
    backend_aggregate_min: /aggregates its trees with MIN; mlinfer sums or averages/,
    backend_aggregate_max: /aggregates its trees with MAX/,
  };
  it('every refused fixture has an expectation here', () => {
    expect(
      onnxCases()
        .filter((c) => c.kind === 'unsupported')
        .map((c) => c.name)
        .sort(),
    ).toEqual(Object.keys(expectations).sort());
  });
  for (const [name, message] of Object.entries(expectations))
    it(name, () => {
      const f = failure(onnxBytes(name));
      expect(f.code).toBe('MLI_MODEL_UNSUPPORTED');
      expect(f.message).toMatch(message);
    });
});

describe('graphs edited to hold what mlinfer refuses', () => {
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    [
      'a string input',
      () =>
        edited(
          'skl_random_forest_binary',
          (m) => (m.graph!.input![0].type!.tensorType!.elemType = TensorDataType.STRING),
        ),
      /input X is a string tensor; mlinfer imports a float or double tensor input/,
    ],
    [
      'another op on the input path (a Scaler)',
      () =>
        edited('skl_random_forest_regressor', (m, tree) => {
          tree.input = ['scaled'];
          m.graph!.node!.unshift({
            opType: 'Scaler',
            domain: 'ai.onnx.ml',
            name: 'scaler',
            input: ['X'],
            output: ['scaled'],
          });
        }),
      /ai\.onnx\.ml\.Scaler \(node "scaler"\), which mlinfer does not run.*apply it before mlinfer/,
    ],
    [
      'a regressor chain (two tree nodes)',
      () =>
        edited('skl_random_forest_regressor', (m, tree) => {
          m.graph!.node!.push({ ...tree, name: 'second', input: ['variable'], output: ['variable2'] });
        }),
      /2 tree-ensemble nodes .*chain/,
    ],
    [
      'a Cast of the input to int64',
      () =>
        edited('legacy_regressor_sum', (m) => {
          const cast = m.graph!.node!.find((n) => n.opType === 'Cast')!;
          cast.attribute = [{ name: 'to', type: AttributeType.INT, i: TensorDataType.INT64 }];
        }),
      /Cast .*casts the input to int64; only float or double/,
    ],
    [
      'two graph inputs',
      () =>
        edited('skl_random_forest_regressor', (m) => {
          m.graph!.input!.push({ ...m.graph!.input![0], name: 'X2' });
        }),
      /has 2 inputs \(X, X2\).*one \[N, features\] float or double tensor/,
    ],
    [
      'post_transform PROBIT',
      () => edited('skl_gradient_boosting_multiclass', (_, t) => setString(t, 'post_transform', 'PROBIT')),
      /PROBIT, which mlinfer does not implement/,
    ],
    [
      'a one-score binary classifier with weights >= 0 and LOGISTIC (labels by s > 0.5 in ONNX Runtime)',
      () => edited('skl_random_forest_binary', (_, t) => setString(t, 'post_transform', 'LOGISTIC')),
      /weights all >= 0 and post_transform LOGISTIC: ONNX Runtime's labels then disagree/,
    ],
    [
      'a one-score binary classifier with mixed weights and NONE (probabilities [-s, s])',
      () => edited('lgbm_binary_nan', (_, t) => setString(t, 'post_transform', 'NONE')),
      /weights of both signs and post_transform NONE/,
    ],
    [
      'a two-class model with weights on class 1 only',
      () =>
        edited('skl_random_forest_binary', (_, t) => {
          const ids = t.attribute!.find((a) => a.name === 'class_ids')!;
          ids.ints = ids.ints!.map(() => 1);
        }),
      /weights on class 1 only: ONNX Runtime then labels by the sign of the class-1 score/,
    ],
    [
      'a multi-target regressor',
      () => edited('skl_random_forest_regressor', (_, t) => setInt(t, 'n_targets', 2)),
      /predicts 2 targets/,
    ],
    [
      'a one-target regressor with LOGISTIC (ignored by ONNX Runtime, applied by the specification)',
      () => edited('xgb_regression_nan', (_, t) => setString(t, 'post_transform', 'LOGISTIC')),
      /one-target regressor with post_transform LOGISTIC: ONNX Runtime ignores it/,
    ],
    [
      'aggregate_function MAX on a TreeEnsembleRegressor',
      () => edited('legacy_regressor_sum', (_, t) => setString(t, 'aggregate_function', 'MAX')),
      /aggregates its trees with MAX/,
    ],
    [
      'a multi-class model that leaves a class unscored on some paths, without base_values',
      () =>
        edited('skl_gradient_boosting_multiclass', (_, t) => {
          t.attribute = t.attribute!.filter((a) => a.name !== 'base_values');
          const ids = t.attribute.find((a) => a.name === 'class_ids')!;
          ids.ints = ids.ints!.map((c) => (c === 2 ? 1 : c));
        }),
      /does not score class 2 on every path and has no base_values/,
    ],
  ];
  for (const [what, bytes, message] of cases)
    it(what, () => {
      const f = failure(bytes());
      expect(f.code).toBe('MLI_MODEL_UNSUPPORTED');
      expect(f.message).toMatch(/^cannot import the ONNX model: /);
      expect(f.message).toMatch(message);
    });

  it('a tree attribute that points outside its tree is MLI_MODEL_CORRUPT, naming node and attribute', () => {
    const bytes = edited('skl_random_forest_regressor', (_, t) => {
      const ids = t.attribute!.find((a) => a.name === 'nodes_truenodeids')!;
      ids.ints = ids.ints!.map((v) => (v === 0 ? 0 : 999));
    });
    const f = failure(bytes);
    expect(f.code).toBe('MLI_MODEL_CORRUPT');
    expect(f.message).toMatch(
      /TreeEnsembleRegressor "TreeEnsembleRegressor": attribute nodes_truenodeids points to node 999/,
    );
  });
});
