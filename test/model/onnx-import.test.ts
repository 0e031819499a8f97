// The ONNX importer's translation (readOnnxEnsemble) against ONNX Runtime: for every fixture of
// fixtures/onnx, the ForeignEnsemble it reads, scored by the contract's reference semantics, gives ONNX
// Runtime's labels and probabilities (within 1e-5) or values on the held-out and threshold rows.
import { describe, expect, it } from 'vitest';
import { readOnnxEnsemble } from '../../src/model/import/onnx-graph.js';
import { argmax, onnxBytes, onnxCases, onnxExpected, referenceScore, rowValues } from './onnx/fixtures.js';

const supported = onnxCases().filter((c) => c.kind !== 'unsupported');

describe('readOnnxEnsemble reproduces ONNX Runtime on the fixtures', () => {
  it('covers every model family of issue 13', () => {
    const names = supported.map((c) => c.name).join(' ');
    for (const family of [
      'skl_random_forest_binary',
      'skl_random_forest_regressor',
      'skl_extra_trees',
      'skl_gradient_boosting_binary',
      'skl_gradient_boosting_multiclass',
      'skl_hist_gradient_boosting_binary_nan',
      'skl_hist_gradient_boosting_regressor_nan',
      'lgbm_binary',
      'lgbm_multiclass',
      'lgbm_regression',
      'xgb_binary',
      'xgb_multiclass',
      'xgb_regression',
      'backend_set_membership_one_target',
      'backend_aggregate_average',
      'backend_missing_tracks_true',
    ])
      expect(names).toContain(family);
  });

  for (const c of supported) {
    it(`${c.name}${c.notes ? ` (${c.notes})` : ''}`, () => {
      const expected = onnxExpected(c.name);
      const imported = readOnnxEnsemble(onnxBytes(c.name));
      const e = imported.ensemble;
      expect(e.task).toBe(c.kind === 'classifier' ? 'classification' : 'regression');
      expected.rows.forEach((raw, i) => {
        const scores = referenceScore(e, rowValues(raw));
        if (c.kind === 'classifier') {
          expect(imported.classes).toEqual(expected.classes);
          const p = expected.probabilities![i];
          scores.forEach((v, k) => {
            expect(Math.abs(v - p[k]), `row ${i} class ${k}`).toBeLessThan(1e-5);
          });
          expect(imported.classes![argmax(scores)], `label of row ${i}`).toBe(expected.labels![i]);
        } else {
          const want = expected.values![i];
          expect(Math.abs(scores[0] - want), `row ${i}`).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(want)),
          );
        }
      });
    });
  }
});
