// Export, then import with mlinfer's own ONNX importer (`modelFromOnnx`, issue 13's import part): the imported
// model predicts what the original predicts. Until the importer is in src/index.ts this file is skipped, and
// says so; it is not a test that cannot fail.
//
// The round trip goes through the encoded export (one double [N, features] input: an importer of converter
// graphs takes one tensor input, not string columns). The labels must be the same. The probabilities agree to
// 1e-12 rather than bit for bit where a classifier is averaged: an ONNX leaf adds to one class, so each tree
// is written once per class and AVERAGE over those copies is followed by a Mul by the class count, which
// rounds differently from our sum x (1 / nTrees).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRowEncoder } from '../../src/data/encode.js';
import * as api from '../../src/index.js';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { csvRecords, type RawRecord } from './onnx-export-helpers.js';

const FIX = join(__dirname, '../../fixtures');
const modelFromOnnx = (api as Record<string, unknown>).modelFromOnnx as
  | ((bytes: Uint8Array, options?: Record<string, unknown>) => Model | Promise<Model>)
  | undefined;
const skipReason =
  modelFromOnnx === undefined
    ? ' (SKIPPED: src/index.ts exports no modelFromOnnx yet; it runs once the ONNX importer is merged)'
    : '';

async function expectRoundTrip(model: Model, records: RawRecord[]): Promise<void> {
  const imported = await modelFromOnnx!(modelToOnnx(model, { inputs: 'encoded' }));
  expect(imported.metadata.task).toBe(model.metadata.task);
  const { X } = createRowEncoder(model.schema).encodeRows(records);
  const rows = Array.from({ length: X.nRows }, (_, i) =>
    Array.from(X.data.subarray(i * X.nFeatures, (i + 1) * X.nFeatures)),
  );
  const before = createPredictorFromModel(model).predictMany(records);
  const after = createPredictorFromModel(imported).predictMany(rows);
  before.forEach((b, i) => {
    const a = after[i];
    if (model.classes === null) {
      expect(Math.abs((a.prediction as number) - (b.prediction as number)), `row ${i}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(b.prediction as number)),
      );
      return;
    }
    expect(a.prediction, `row ${i}`).toEqual(b.prediction);
    for (const [k, p] of Object.entries(b.probabilities!))
      expect(Math.abs(a.probabilities![k] - p), `row ${i} class ${k}`).toBeLessThanOrEqual(1e-12);
  });
}

describe.skipIf(modelFromOnnx === undefined)(`ONNX export then import${skipReason}`, () => {
  it('a classifier with categories and booleans (the demo customers)', async () => {
    const model = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      nThreads: 1,
      nEstimators: 20,
    });
    await expectRoundTrip(model, csvRecords(join(FIX, 'customers_new.csv')));
  });

  it('a classifier with missing values (fraud.csv)', async () => {
    const rows = csvRecords(join(FIX, 'fraud.csv'));
    const model = await train(rows.slice(0, 5000), { target: 'is_fraud', nThreads: 1, nEstimators: 20 });
    await expectRoundTrip(model, rows.slice(5000));
  });

  it('a regression forest (housing.csv)', async () => {
    const rows = csvRecords(join(FIX, 'housing.csv'));
    const model = await train(rows.slice(0, 1600), { target: 'price', nThreads: 1, nEstimators: 20 });
    await expectRoundTrip(model, rows.slice(1600));
  });
});
