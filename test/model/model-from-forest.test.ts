import { describe, expect, it } from 'vitest';
import { fitForestSync } from '../../src/forest/fit.js';
import { modelFromBytes, modelFromForest, modelToBytes } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { makeClassification } from '../forest/helpers.js';

describe('modelFromForest', () => {
  it('wraps a forest fitted on arrays into a model file that predicts the same', () => {
    const { X, y } = makeClassification(500, 4, 3);
    const forest = fitForestSync(X, y, { task: 'classification', nEstimators: 10, oobScore: true });
    const model = modelFromForest(forest, {
      featureNames: ['a', 'b', 'c', 'd'],
      classes: ['lo', 'mid', 'hi'],
    });
    const back = modelFromBytes(modelToBytes(model));
    expect(back.featureNames).toEqual(['a', 'b', 'c', 'd']);
    expect(back.metadata.metrics.oob?.accuracy).toBe(forest.oobScore);
    const p = createPredictorFromModel(back);
    const proba = forest.predictProba(X);
    for (let r = 0; r < 20; r++) {
      const out = p.predict(Array.from(X.data.subarray(r * 4, r * 4 + 4)));
      expect(out.probabilities).toEqual({ lo: proba[r * 3], mid: proba[r * 3 + 1], hi: proba[r * 3 + 2] });
    }
  });

  it('rejects names and classes that do not fit the forest', () => {
    const { X, y } = makeClassification(100, 2, 3);
    const forest = fitForestSync(X, y, { task: 'classification', nEstimators: 2 });
    expect(() => modelFromForest(forest, { featureNames: ['a'] })).toThrow(
      'featureNames must be 2 distinct names, got 1',
    );
    expect(() => modelFromForest(forest, { classes: ['x'] })).toThrow('classes must list 3 labels, got 1');
  });
});
