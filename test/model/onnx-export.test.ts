// The exported ONNX model in ONNX Runtime gives mlinfer's probabilities and labels on raw records.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { columnFeeds, csvRecords, expectSameAsMlinfer, runOnnx } from './onnx-export-helpers.js';

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
