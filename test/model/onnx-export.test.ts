// The exported ONNX model in ONNX Runtime gives mlinfer's probabilities and labels on raw records.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { rng } from './forest-fixtures.js';
import {
  columnFeeds,
  csvRecords,
  expectSameAsMlinfer,
  type RawRecord,
  runOnnx,
} from './onnx-export-helpers.js';

const FIX = join(__dirname, '../../fixtures');

describe('ONNX export: the demo fixture', () => {
  let model: Model;
  beforeAll(async () => {
    // as examples/demo.mjs trains it; its test rows are customers_new.csv, customers it never saw
    model = await train(join(FIX, 'customers.csv'), { target: 'churned', testSize: 0.2, nThreads: 1 });
  });

  it('gives the same labels and probabilities as mlinfer on the 1,000 new customers', async () => {
    const records = csvRecords(join(FIX, 'customers_new.csv'));
    const bytes = modelToOnnx(model);
    const out = await runOnnx(bytes, columnFeeds(model, records));
    const worst = expectSameAsMlinfer(model, records, out);
    expect(worst).toBeLessThan(1e-12);
  });
});

/** `n` rows of a 3-class problem over four numeric features; labels 1, 2, 3 (not class indices). */
function threeClassRows(n: number, seed: number): RawRecord[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const x = [r(), r(), r(), r()].map((v) => Math.round(v * 1000) / 100);
    const s = x[0] - x[1] + 0.5 * x[2] + (r() - 0.5) * 2;
    return { x0: x[0], x1: x[1], x2: x[2], x3: x[3], kind: s < -1.5 ? 1 : s < 1.5 ? 2 : 3 };
  });
}

/**
 * Rows with everything the encoder handles: a 40-category column (ONNX Runtime keeps sets of codes above 30
 * as sets), an 80-category column capped to 50 (the rest share the "other" code), booleans in every casing,
 * the missing spellings in every kind of column, unseen categories in the test rows; three string classes.
 */
function messyRows(n: number, seed: number, unseen: boolean): RawRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const missing = ['', 'NA', '?', 'null', 'NaN'];
  const yes = ['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'tRuE'];
  const no = ['no', 'No', 'NO', 'false', 'False', 'FALSE', 'fAlSe'];
  return Array.from({ length: n }, () => {
    const color = Math.floor(r() * 40);
    const store = Math.floor(r() ** 2 * 80);
    const flag = r() < 0.5;
    const x = Math.round(r() * 10000) / 100;
    const score = (color % 7) / 3 + (flag ? 1 : 0) + x / 40 + (store < 10 ? 1 : 0) + r();
    return {
      color: r() < 0.05 ? pick(missing) : unseen && r() < 0.05 ? 'purple' : `c${color}`,
      store: r() < 0.05 ? pick(missing) : unseen && r() < 0.05 ? 'brand new' : `s${store}`,
      flag: r() < 0.08 ? pick(missing) : pick(flag ? yes : no),
      x: r() < 0.1 ? pick(missing) : String(x),
      y: r() < 0.1 ? pick(missing) : String(Math.round(r() * 100)),
      level: score < 2 ? 'low' : score < 3.5 ? 'mid' : 'high',
    };
  });
}

describe('ONNX export: same predictions as mlinfer', () => {
  it('a 3-class synthetic set with integer labels', async () => {
    const model = await train(threeClassRows(1500, 1), { target: 'kind', nThreads: 1, nEstimators: 40 });
    expect(model.classes).toEqual([1, 2, 3]);
    const test = threeClassRows(500, 2);
    const out = await runOnnx(modelToOnnx(model), columnFeeds(model, test));
    expect(out.labels).toContain(3);
    expectSameAsMlinfer(model, test, out);
  });

  it('a regression set (housing.csv): the same values on held-out rows', async () => {
    const rows = csvRecords(join(FIX, 'housing.csv'));
    const model = await train(rows.slice(0, 1600), { target: 'price', nThreads: 1, nEstimators: 30 });
    const test = rows.slice(1600);
    const out = await runOnnx(modelToOnnx(model), columnFeeds(model, test));
    expect(out.values).toHaveLength(400);
    expectSameAsMlinfer(model, test, out);
  });

  it('categories and missing values (fraud.csv): held-out rows with empty cells, int64 labels', async () => {
    const rows = csvRecords(join(FIX, 'fraud.csv'));
    const model = await train(rows.slice(0, 5000), { target: 'is_fraud', nThreads: 1, nEstimators: 30 });
    const test = rows.slice(5000);
    expect(test.some((r) => Object.values(r).includes(''))).toBe(true);
    const out = await runOnnx(modelToOnnx(model), columnFeeds(model, test));
    expectSameAsMlinfer(model, test, out);
  });

  it('unseen categories, the "other" code, booleans in any case and every missing spelling', async () => {
    const model = await train(messyRows(2000, 3, false), {
      target: 'level',
      nThreads: 1,
      nEstimators: 40,
      maxCategories: 50,
    });
    const types = Object.fromEntries(
      model.schema.features.map((f) => [f.name, [f.type, f.categories?.length, f.hasOther ?? false]]),
    );
    expect(types).toMatchObject({
      color: ['categorical', 40, false],
      store: ['categorical', 50, true],
      flag: ['boolean', undefined, false],
    });
    const test = messyRows(600, 4, true);
    const out = await runOnnx(modelToOnnx(model), columnFeeds(model, test));
    expectSameAsMlinfer(model, test, out);
  });
});
