import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import { saveModel } from '../../src/model/io.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { createPredictor } from '../../src/predict/predictor-node.js';

const FIX = join(__dirname, '../../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'mlinfer-predictor-'));
const record = {
  age: 39,
  tenure_months: 2,
  monthly_charges: 54.61,
  contract: 'one year',
  plan: 'Standard',
  has_partner: 'no',
  paperless_billing: true,
  support_calls: 7,
  city: 'Springfield, IL',
};

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

describe('predictor', () => {
  it('predicts a record object and the same record as an array in schema order', () => {
    const p = createPredictorFromModel(model);
    const a = p.predict(record);
    const b = p.predict(model.featureNames.map((n) => (record as Record<string, unknown>)[n]));
    expect(b).toEqual(a);
    expect(['no', 'yes']).toContain(a.prediction);
    expect(a.modelVersion).toBe(model.metadata.modelVersion);
    expect(a.probabilities!.no + a.probabilities!.yes).toBeCloseTo(1, 6);
    expect(p.predictProba(record)).toEqual(a.probabilities);
  });

  it('reports every validation issue with its field path, as data and as a typed error', () => {
    const p = createPredictorFromModel(model);
    const bad = { ...record, age: 'old', tenure_months: undefined, has_partner: 'maybe' } as Record<
      string,
      unknown
    >;
    delete bad.tenure_months;
    const v = p.validate(bad);
    expect(v.ok).toBe(false);
    const paths = v.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['age', 'tenure_months', 'has_partner']));
    try {
      p.predict(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MlinferError);
      expect((e as MlinferError).code).toBe('MLI_SCHEMA_MISMATCH');
      expect((e as MlinferError).issues.length).toBe(v.issues.length);
    }
    expect(p.stats.invalid).toBe(1);
  });

  it('routes an unknown category as missing and counts it', () => {
    const p = createPredictorFromModel(model);
    const out = p.predict({ ...record, contract: 'lifetime' });
    expect(['no', 'yes']).toContain(out.prediction);
    expect(p.stats.unknownCategories).toBeGreaterThanOrEqual(0);
  });

  it('predicts many records, and names the index of each bad one', () => {
    const p = createPredictorFromModel(model);
    const many = p.predictMany([record, record]);
    expect(many).toHaveLength(2);
    expect(many[0]).toEqual(p.predict(record));
    try {
      p.predictMany([record, { ...record, age: 'x' }, record, { ...record, support_calls: 'y' }]);
      expect.unreachable();
    } catch (e) {
      const issues = (e as MlinferError).issues;
      expect(issues.map((i) => i.path[0])).toEqual([1, 3]);
    }
  });

  it('predicts numbers for regression and refuses predictProba', () => {
    const p = createPredictorFromModel(regression);
    const row = Object.fromEntries(regression.featureNames.map((n) => [n, null]));
    expect(typeof p.predict(row).prediction).toBe('number');
    expect(() => p.predictProba(row)).toThrow(/classification/);
  });

  it('micro-batches in order, and rejects with MLI_OVERLOADED when the queue is full', async () => {
    const p = createPredictorFromModel(model, { maxBatchSize: 4, maxWaitMs: 5, maxQueue: 6 });
    const inputs = Array.from({ length: 6 }, (_, i) => ({ ...record, age: 20 + i * 10 }));
    const direct = inputs.map((r) => p.predict(r));
    const batched = await Promise.all(inputs.map((r) => p.predictAsync(r)));
    expect(batched).toEqual(direct);
    // maxWaitMs holds requests: 6 wait (under maxBatchSize 4 after the first flush...), so fill the queue with a slow wait
    const slow = createPredictorFromModel(model, { maxBatchSize: 100, maxWaitMs: 50, maxQueue: 3 });
    const pending = [1, 2, 3].map(() => slow.predictAsync(record));
    await expect(slow.predictAsync(record)).rejects.toMatchObject({ code: 'MLI_OVERLOADED' });
    expect((await Promise.all(pending)).length).toBe(3);
    // an invalid record fails alone, the rest of its batch succeeds
    const mixed = await Promise.allSettled([
      p.predictAsync(record),
      p.predictAsync({ age: 'x' }),
      p.predictAsync(record),
    ]);
    expect(mixed.map((m) => m.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await p.close();
  });

  it('validates its options up front', () => {
    expect(() => createPredictorFromModel(model, { maxBatchSize: 0 })).toThrow(
      'maxBatchSize must be an integer >= 1, got 0',
    );
    expect(() => createPredictorFromModel(model, { maxWaitMs: -1 })).toThrow(
      'maxWaitMs must be a number >= 0, got -1',
    );
    expect(() => createPredictorFromModel(model, { maxQueue: 1.5 })).toThrow(
      'maxQueue must be an integer >= 1, got 1.5',
    );
    expect(() => createPredictorFromModel(model, { maxBatch: 8 } as never)).toThrow(
      'unknown option maxBatch',
    );
  });

  it('swap refuses a model of the other task, as reload does, and keeps serving the old one', () => {
    for (const p of [createPredictorFromModel(model), createPredictor(model)]) {
      expect(() => p.swap(regression)).toThrow(
        expect.objectContaining({
          code: 'MLI_SCHEMA_MISMATCH',
          message: 'the new model is a regression model, the serving one a classification model',
        }),
      );
      expect(p.predict(record).modelVersion).toBe(model.metadata.modelVersion);
      expect(p.predict(record).probabilities).toBeDefined();
    }
    const r = createPredictorFromModel(regression);
    expect(() => r.swap(model)).toThrow(/a classification model, the serving one a regression model/);
  });

  it('loads from a path, hot-reloads a good file, and keeps serving when a reload fails', async () => {
    const first = join(tmp, 'first.mlinfer');
    const second = join(tmp, 'second.mlinfer');
    await saveModel(model, first);
    const other = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      exclude: ['customer_id'],
      nThreads: 1,
      nEstimators: 5,
      seed: 9,
    });
    await saveModel(other, second);
    const p = createPredictor(first);
    expect(p.modelVersion).toBe(model.metadata.modelVersion);
    const ok = await p.reload(second);
    expect(ok).toMatchObject({ ok: true, modelVersion: other.metadata.modelVersion });
    expect(p.predict(record).modelVersion).toBe(other.metadata.modelVersion);

    const corrupt = join(tmp, 'corrupt.mlinfer');
    copyFileSync(second, corrupt);
    writeFileSync(corrupt, 'feature1,feature2\n1,2\n');
    const bad = await p.reload(corrupt);
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('MLI_MODEL_FOREIGN');
    expect(p.predict(record).modelVersion).toBe(other.metadata.modelVersion);

    const missing = await p.reload(join(tmp, 'nope.mlinfer'));
    expect(missing.error?.code).toBe('MLI_NOT_FOUND');
    const wrongTask = await p.reload(regression);
    expect(wrongTask.ok).toBe(false);
    expect(wrongTask.error?.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(() => createPredictor(join(tmp, 'nope.mlinfer'))).toThrow(/no such file/);
  });
});
