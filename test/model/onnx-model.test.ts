// End to end: every supported ONNX fixture imported with modelFromOnnx and scored by createPredictorFromModel
// gives ONNX Runtime's labels and probabilities (within 1e-5) or values; the model has a numeric schema named
// x0.. (or featureNames), the class labels, and a card saying where it came from.
import { describe, expect, it } from 'vitest';
import { isMlinferError } from '../../src/errors.js';
import { modelFromOnnx } from '../../src/model/import/onnx.js';
import { modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { onnxBytes, onnxCases, onnxExpected } from './onnx/fixtures.js';

const supported = onnxCases().filter((c) => c.kind !== 'unsupported');

describe('modelFromOnnx predicts what ONNX Runtime predicts', () => {
  for (const c of supported) {
    it(c.name, () => {
      const expected = onnxExpected(c.name);
      // through the model file too: what `mlinfer import` writes is what serves
      const model = modelFromBytes(modelToBytes(modelFromOnnx(onnxBytes(c.name))));
      const p = createPredictorFromModel(model);
      expected.rows.forEach((row, i) => {
        const out = p.predict(row);
        if (c.kind === 'classifier') {
          expect(out.prediction, `label of row ${i}`).toBe(expected.labels![i]);
          expected.classes!.forEach((label, k) => {
            const got = out.probabilities![String(label)];
            expect(Math.abs(got - expected.probabilities![i][k]), `row ${i} class ${label}`).toBeLessThan(
              1e-5,
            );
          });
        } else {
          const want = expected.values![i];
          expect(Math.abs((out.prediction as number) - want), `row ${i}`).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(want)),
          );
        }
      });
    });
  }
});

describe('the imported model', () => {
  it('has numeric features x0.. from the input width, the class labels and a model card', () => {
    const model = modelFromOnnx(onnxBytes('skl_extra_trees_strings'));
    expect(model.featureNames).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
    expect(model.schema.features.every((f) => f.type === 'numeric')).toBe(true);
    expect(model.classes).toEqual(['cat', 'dog', 'emu']);
    expect(model.metadata.source).toMatch(
      /^ONNX: written by skl2onnx 1\.19\.1, IR 10, ai\.onnx\.ml opset 3, op TreeEnsembleClassifier \(5 trees, sum\), float input "X" compared in float32$/,
    );
  });

  it('takes featureNames and a source', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const model = modelFromOnnx(onnxBytes('lgbm_regression_nan'), {
      featureNames: names,
      source: 'lgbm.onnx',
    });
    expect(model.featureNames).toEqual(names);
    expect(model.metadata.task).toBe('regression');
    expect(model.metadata.source).toMatch(
      /^ONNX lgbm\.onnx: written by OnnxMLTools 1\.14\.0, IR 8, ai\.onnx\.ml opset 1, op TreeEnsembleRegressor/,
    );
  });

  it('rejects featureNames of the wrong length with MLI_INVALID_OPTION', () => {
    let error: unknown;
    try {
      modelFromOnnx(onnxBytes('lgbm_regression_nan'), { featureNames: ['a', 'b'] });
    } catch (e) {
      error = e;
    }
    expect(isMlinferError(error) && error.code).toBe('MLI_INVALID_OPTION');
    expect((error as Error).message).toBe('featureNames lists 2 names; the ONNX input "input" has 5 columns');
  });
});
