// The acceptance test of issue 15 through the library: on a copy of the data with income's mean shifted and a
// new color at 30%, exactly those two features are above "act" and the rest below "watch"; on a fresh sample
// of the training distribution, nothing is above "watch". Also: the profile in the model file.
import { beforeAll, describe, expect, it } from 'vitest';
import { driftOf, profileOf } from '../../src/index.js';
import { createModel, type Model, modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { DRIFT_TRAIN, driftRows, NEW_ROWS, TRAINING_ROWS } from '../helpers/drift-data.js';

let model: Model;
beforeAll(async () => {
  model = await train(driftRows(1, TRAINING_ROWS), DRIFT_TRAIN);
}, 120_000);

describe('the training profile', () => {
  it('counts every training row once per feature, on the forest bins plus missing', () => {
    const p = profileOf(model)!;
    expect(p.rows).toBe(TRAINING_ROWS);
    expect(p.predictionSource).toBe('oob');
    const arrays = model.forest.arrays;
    model.featureNames.forEach((name, f) => {
      const sum = p.features[f].reduce((a, b) => a + b, 0);
      expect(sum, name).toBe(TRAINING_ROWS);
    });
    const balance = model.featureNames.indexOf('balance');
    const c = p.features[balance];
    // about 5% missing, in the last bin; the numeric bins are the forest's edges + 1
    expect(c[c.length - 1] / TRAINING_ROWS).toBeCloseTo(0.05, 1);
    expect(c.length).toBe(arrays.binEdgeOffsets[balance + 1] - arrays.binEdgeOffsets[balance] + 2);
    expect(p.target.counts.reduce((a, b) => a + b, 0)).toBe(TRAINING_ROWS);
  });

  it('survives the model file bit for bit, and an older file has none', () => {
    const back = modelFromBytes(modelToBytes(model));
    expect(back.profile).toEqual(model.profile);
    const bare = createModel(model.metadata as never, model.forest, null);
    expect(profileOf(modelFromBytes(modelToBytes(bare)))).toBeNull();
    expect(() => driftOf(bare, driftRows(2, 10))).toThrow(
      expect.objectContaining({
        code: 'MLI_NO_PROFILE',
        message: expect.stringContaining('no training profile'),
      }),
    );
  });
});

describe('driftOf (acceptance)', () => {
  it('finds exactly the shifted numeric feature and the new category above "act", the rest below "watch"', () => {
    const r = driftOf(model, driftRows(3, NEW_ROWS, true));
    const act = r.features.filter((f) => f.level === 'act').map((f) => f.feature);
    expect(act.sort()).toEqual(['color', 'income']);
    for (const f of r.features.filter((x) => !act.includes(x.feature)))
      expect(f.psi, f.feature).toBeLessThan(0.1);
    expect(r.drifted.slice(0, 2).sort()).toEqual(['color', 'income']);
    const color = r.features.find((f) => f.feature === 'color')!;
    expect(color.unseenRate).toBeCloseTo(0.3, 1);
    expect(color.missingRate.current).toBe(0);
    expect(color.bins.at(-1)).toMatchObject({ label: '(unseen)', training: 0 });
    expect(r.level).toBe('act');
    expect(r.rows).toBe(NEW_ROWS);
  });

  it('finds nothing above "watch" on a fresh sample of the training distribution', () => {
    const r = driftOf(model, driftRows(4, NEW_ROWS));
    expect(r.drifted).toEqual([]);
    for (const f of r.features) expect(f.psi, f.feature).toBeLessThan(0.1);
    expect(r.prediction.psi).toBeLessThan(0.1);
    expect(r.level).toBe('ok');
    const balance = r.features.find((f) => f.feature === 'balance')!;
    expect(balance.missingRate.training).toBeCloseTo(0.05, 1);
    expect(balance.missingRate.current).toBeCloseTo(0.05, 1);
  });

  it('takes the thresholds as options', () => {
    const r = driftOf(model, driftRows(4, NEW_ROWS), { psiWatch: 1e-6, psiAct: 2e-6 });
    expect(r.thresholds).toEqual({ psiWatch: 1e-6, psiAct: 2e-6 });
    expect(r.drifted.length).toBeGreaterThan(0);
    expect(() => driftOf(model, [], { bins: 0 })).toThrow('bins must be an integer from 2 to 255, got 0');
  });
});
