// What the drift window counts: each value in the bin training would give it (binOfValue, the branch-free
// search, against the branching findBin the training bins come from), and a window that holds every row
// sent reports what driftOf reports for the same rows, however they were predicted.
import { beforeAll, describe, expect, it } from 'vitest';
import { findBin } from '../../src/forest/binning.js';
import { FEATURE_CATEGORICAL, FEATURE_NUMERIC, type ForestArrays } from '../../src/forest/types.js';
import { driftOf } from '../../src/index.js';
import type { Model } from '../../src/model/model.js';
import { binOfValue } from '../../src/model/profile.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { DRIFT_TRAIN, driftRows, TRAINING_ROWS } from '../helpers/drift-data.js';
import { rng } from '../model/forest-fixtures.js';

/** The fields binOfValue reads, for features with the given edges (null: a categorical of `categories` codes). */
function arraysOf(features: (number[] | { categories: number })[]): ForestArrays {
  const offsets = [0];
  const edges: number[] = [];
  for (const f of features) {
    if (Array.isArray(f)) edges.push(...f);
    offsets.push(edges.length);
  }
  return {
    featureKinds: Uint8Array.from(features, (f) =>
      Array.isArray(f) ? FEATURE_NUMERIC : FEATURE_CATEGORICAL,
    ),
    categoryCounts: Uint32Array.from(features, (f) => (Array.isArray(f) ? 0 : f.categories)),
    binEdges: Float64Array.from(edges),
    binEdgeOffsets: Uint32Array.from(offsets),
  } as unknown as ForestArrays;
}

describe('binOfValue', () => {
  it('puts a value in the first bin whose edge is at least the value, as training does', () => {
    const a = arraysOf([[-1, 0, 2.5, 7], [5], []]);
    const cases: [number, number, number][] = [
      [0, -5, 0],
      [0, -1, 0],
      [0, -0.5, 1],
      [0, -0, 1],
      [0, 0, 1],
      [0, 2.5, 2],
      [0, 2.5000001, 3],
      [0, 7, 3],
      [0, 7.5, 4],
      [0, Number.POSITIVE_INFINITY, 4],
      [0, Number.NEGATIVE_INFINITY, 0],
      [0, Number.NaN, -1],
      [1, 5, 0],
      [1, 6, 1],
      [2, 123, 0],
    ];
    for (const [f, v, bin] of cases) expect(binOfValue(a, f, v), `feature ${f}, value ${v}`).toBe(bin);
  });

  it('gives a categorical code its own bin, and -1 for missing, fractional, negative or unknown codes', () => {
    const a = arraysOf([{ categories: 3 }]);
    expect([0, 1, 2, 3, -1, 1.5, Number.NaN].map((v) => binOfValue(a, 0, v))).toEqual([
      0, 1, 2, -1, -1, -1, -1,
    ]);
  });

  it('agrees with findBin on random edges and values, ties included', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = Math.floor(rand() * 300);
      const edges = Array.from({ length: n }, () => Math.round(rand() * 100) / 4).sort((x, y) => x - y);
      const unique = edges.filter((e, i) => i === 0 || e > edges[i - 1]);
      const a = arraysOf([unique]);
      for (let k = 0; k < 50; k++) {
        const v = k % 5 === 0 && unique.length ? unique[Math.floor(rand() * unique.length)] : rand() * 30 - 2;
        expect(binOfValue(a, 0, v)).toBe(findBin(a.binEdges, 0, unique.length, v));
      }
    }
  });
});

describe('the drift window counts', () => {
  let model: Model;
  beforeAll(async () => {
    model = await train(driftRows(1, TRAINING_ROWS), DRIFT_TRAIN);
  }, 120_000);

  it('equal driftOf on the same rows, predicted one by one, in micro-batches or with predictMany', async () => {
    // 950 shifted rows (unseen colors, missing balances) fit in a 1000-row window: nothing is forgotten yet.
    const rows = driftRows(9, 950, true).map(({ bought: _b, ...r }) => r);
    const expected = driftOf(model, rows);
    expect(expected.rejectedRows).toBe(0);
    const { rejectedRows: _r, ...report } = expected;

    const one = createPredictorFromModel(model, { driftWindow: { rows: 1000 } });
    for (const r of rows) one.predict(r);
    expect(one.drift()).toEqual(report);

    const many = createPredictorFromModel(model, { driftWindow: { rows: 1000 } });
    many.predictMany(rows.slice(0, 300));
    many.predictMany(rows.slice(300));
    expect(many.drift()).toEqual(report);

    const batched = createPredictorFromModel(model, { driftWindow: { rows: 1000 }, maxBatchSize: 16 });
    await Promise.all(rows.map((r) => batched.predictAsync(r)));
    await batched.close();
    expect(batched.drift()).toEqual(report);
  });
});
