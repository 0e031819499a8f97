import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { type Model, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import type { Explanation } from '../../src/predict/explanation.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { reseal } from '../model/forest-fixtures.js';
import { RECORD } from '../serve/helpers.js';

const FIX = join(__dirname, '../../fixtures');
const record = RECORD;

let model: Model;
let regression: Model;
beforeAll(async () => {
  model = await train(join(FIX, 'customers.csv'), {
    target: 'churned',
    exclude: ['customer_id'],
    nThreads: 1,
    nEstimators: 20,
  });
  regression = await train(join(FIX, 'housing.csv'), { target: 'price', nThreads: 1, nEstimators: 10 });
});

function sum(e: Explanation): number {
  return e.contributions.reduce((s, c) => s + c.contribution, e.baseValue);
}

describe('predictor.explain', () => {
  for (const method of ['path', 'shap'] as const)
    it(`${method}: classification: base + contributions = the predicted class's probability, per class too`, () => {
      const p = createPredictorFromModel(model);
      const e = p.explain(record, { method });
      expect(e.method).toBe(method);
      expect(e.prediction).toBe(p.predict(record).prediction);
      expect(e.output.class).toBe(e.prediction);
      expect(e.output.value).toBe(e.probabilities![String(e.prediction)]);
      expect(Math.abs(sum(e) - e.output.value)).toBeLessThan(1e-9);
      expect(e.contributions.map((c) => c.feature).sort()).toEqual([...model.featureNames].sort());
      expect(e.contributions.find((c) => c.feature === 'city')!.value).toBe('Springfield, IL');
      for (const [label, cls] of Object.entries(e.byClass!)) {
        const total = Object.values(cls.contributions).reduce((s, v) => s + v, cls.baseValue);
        expect(Math.abs(total - e.probabilities![label])).toBeLessThan(1e-9);
      }
      const mags = e.contributions.map((c) => Math.abs(c.contribution));
      expect(mags).toEqual([...mags].sort((a, b) => b - a));
    });

  it('regression: base + contributions = the predicted value; top keeps the largest', () => {
    const p = createPredictorFromModel(regression);
    const rec = {
      sqft: 806,
      bedrooms: 1,
      bathrooms: 1.5,
      year_built: 1992,
      neighborhood: 'Lakeview, North',
      garage: 'yes',
    };
    const full = p.explain(rec, { method: 'shap' });
    expect(typeof full.prediction).toBe('number');
    expect(Math.abs(sum(full) - (full.prediction as number))).toBeLessThan(1e-9);
    expect(full.byClass).toBeUndefined();
    const top = p.explain(rec, { method: 'shap', top: 2 });
    expect(top.contributions).toEqual(full.contributions.slice(0, 2));
  });

  it('validates the record as predict does', () => {
    const p = createPredictorFromModel(model);
    const bad = { ...record, age: 'old' };
    expect(() => p.explain(bad)).toThrow(
      expect.objectContaining({
        code: 'MLI_SCHEMA_MISMATCH',
        issues: expect.arrayContaining([expect.objectContaining({ path: ['age'] })]),
      }),
    );
  });

  it('checks its options, each problem with its path', () => {
    const p = createPredictorFromModel(model);
    try {
      p.explain(record, { method: 'lime', top: 0, colour: 1 } as never);
      expect.unreachable();
    } catch (e) {
      const err = e as { code: string; issues: { path: string[]; message: string }[] };
      expect(err.code).toBe('MLI_INVALID_OPTION');
      expect(err.issues.map((i) => i.path[0]).sort()).toEqual(['colour', 'method', 'top']);
      expect(err.issues.find((i) => i.path[0] === 'method')!.message).toContain("one of 'path', 'shap'");
    }
  });

  it('explainMany equals explain per record, and reports every invalid record with its index', () => {
    const p = createPredictorFromModel(model);
    const other = { ...record, tenure_months: 40, contract: 'two year' };
    const many = p.explainMany([record, other], { method: 'shap' });
    expect(many).toEqual([p.explain(record, { method: 'shap' }), p.explain(other, { method: 'shap' })]);
    expect(() => p.explainMany([record, { ...record, age: 'x' }])).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([expect.objectContaining({ path: [1, 'age'] })]),
      }),
    );
  });

  it('a model file without node statistics (format 1.0) cannot explain, and says so; it still predicts', () => {
    const { metadata, forest } = decodeModel(modelToBytes(model));
    const { nodeStats: _, ...old } = forest;
    const bytes = encodeModel({ metadata, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const p = createPredictorFromModel(reseal(bytes));
    expect(p.predict(record).prediction).toBe(createPredictorFromModel(model).predict(record).prediction);
    expect(() => p.explain(record)).toThrow(expect.objectContaining({ code: 'MLI_CANNOT_EXPLAIN' }));
  });
});
