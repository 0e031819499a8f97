// predictor.predictManyAsync: the same predictions as predictMany, from worker threads for large calls (and
// from the calling thread for small ones, with `threads: 0`, and after close()).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { createPredictor, type NodePredictor } from '../../src/predict/predictor-node.js';
import { started } from '../helpers/started-workers.js';
import { rng } from '../model/forest-fixtures.js';

vi.mock('../../src/node/workers.js', async (original) =>
  (await import('../helpers/started-workers.js')).recordWorkers(original),
);

const FIX = join(__dirname, '../../fixtures');
/** Deep equality of many predictions, in one string comparison (toEqual on 50,000 objects is slow). */
const same = (a: unknown, b: unknown) => expect(JSON.stringify(a) === JSON.stringify(b)).toBe(true);
let model: Model;
let other: Model;
const predictors: NodePredictor[] = [];

/** Records with every category, unseen ones, and numbers on both sides of the splits. */
function records(m: Model, n: number, seed: number): Record<string, unknown>[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const rec: Record<string, unknown> = {};
    for (const f of m.schema.features) {
      if (f.type === 'categorical') {
        const cats = f.categories ?? [];
        rec[f.name] = r() < 0.05 ? 'never seen' : cats[Math.floor(r() * cats.length)];
      } else if (f.type === 'boolean') rec[f.name] = r() < 0.5;
      else rec[f.name] = Math.round(r() * 100 * 100) / 100;
    }
    return rec;
  });
}

beforeAll(async () => {
  const options = { target: 'churned', exclude: ['customer_id'], nThreads: 1, nEstimators: 20 };
  model = await train(join(FIX, 'customers.csv'), { ...options, seed: 1 });
  other = await train(join(FIX, 'customers.csv'), { ...options, seed: 2 });
}, 60_000);

afterAll(() => Promise.all(predictors.map((p) => p.close())));

describe('predictManyAsync', () => {
  // 20 trees: 50,000 rows reach the predictor's 1,000,000 rows x trees, past which the workers score
  const big = () => records(model, 50_000, 1);

  it('a large call is scored on worker threads, with the predictions of predictMany', async () => {
    const p = createPredictor(model, { threads: 2 });
    predictors.push(p);
    const recs = big();
    started.length = 0;
    const got = await p.predictManyAsync(recs);
    expect(started.length).toBe(2);
    same(got, createPredictorFromModel(model).predictMany(recs));
    expect(p.stats.predictions).toBe(recs.length);
  }, 60_000);

  it('a small call, and threads: 0, score on the calling thread', async () => {
    const small = records(model, 100, 2);
    started.length = 0;
    const p = createPredictor(model, { threads: 2 });
    expect(await p.predictManyAsync(small)).toEqual(p.predictMany(small));
    const q = createPredictor(model, { threads: 0 });
    same(await q.predictManyAsync(big()), p.predictMany(big()));
    expect(started.length).toBe(0);
  }, 60_000);

  it('invalid records reject with MLI_SCHEMA_MISMATCH, every problem with its path, as predictMany', async () => {
    const p = createPredictor(model, { threads: 2 });
    const recs = big();
    recs[7] = { ...recs[7], age: 'old' };
    const e = await p.predictManyAsync(recs).catch((x) => x);
    expect(e).toBeInstanceOf(MlinferError);
    expect(e.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(e.issues.map((i: { path: unknown[] }) => i.path)).toEqual([[7, 'age']]);
    expect(() => p.predictMany(recs)).toThrow(e.message);
  });

  it('after a swap, large calls use the new model (a new pool)', async () => {
    const p = createPredictor(model, { threads: 2 });
    predictors.push(p);
    const recs = big();
    await p.predictManyAsync(recs.slice(0, 100));
    p.swap(other);
    started.length = 0;
    same(await p.predictManyAsync(recs), createPredictorFromModel(other).predictMany(recs));
    expect(started.length).toBe(2);
  }, 60_000);

  it('after close(), calls still work, on the calling thread', async () => {
    const p = createPredictor(model, { threads: 2 });
    await p.close();
    started.length = 0;
    const recs = big();
    same(await p.predictManyAsync(recs), p.predictMany(recs));
    expect(started.length).toBe(0);
  }, 60_000);

  it('threads must be an integer >= 0 (predictor options)', () => {
    expect(() => createPredictor(model, { threads: -2 })).toThrow(
      'invalid predictor options: threads must be an integer >= 0, got -2',
    );
  });

  it('the core predictor (browsers) scores on the calling thread and has no threads option', async () => {
    const recs = records(model, 50, 3);
    const core = createPredictorFromModel(model);
    expect(await core.predictManyAsync(recs)).toEqual(core.predictMany(recs));
    expect(() => createPredictorFromModel(model, { threads: 2 } as never)).toThrow(
      'invalid predictor options: unknown option threads',
    );
  });
});
