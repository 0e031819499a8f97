import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { saveModel } from '../../src/model/io.js';
import { type Model, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { type BatchRow, batchPredict } from '../../src/predict/batch.js';
import { batchPredictFile } from '../../src/predict/batch-file.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { cli, FIXTURES, tempDir } from '../cli/helpers.js';
import { reseal } from '../model/forest-fixtures.js';

const dir = tempDir();
const CUSTOMERS = join(FIXTURES, 'customers.csv');
let model: Model;
let modelPath: string;
let input: string;
let records: Record<string, unknown>[];

beforeAll(async () => {
  model = await train(CUSTOMERS, {
    target: 'churned',
    exclude: ['customer_id'],
    nThreads: 1,
    nEstimators: 10,
  });
  modelPath = join(dir, 'churn.mlinfer');
  await saveModel(model, modelPath);
  const text = readFileSync(CUSTOMERS, 'utf8').split('\n').slice(0, 41).join('\n');
  input = join(dir, 'in.csv');
  writeFileSync(input, `${text}\n`);
  records = Papa.parse<Record<string, unknown>>(text, { header: true }).data;
});

async function collect(run: AsyncIterable<BatchRow>): Promise<BatchRow[]> {
  const out: BatchRow[] = [];
  for await (const r of run) out.push(r);
  return out;
}

describe('batch explain: N reason columns per row', () => {
  it('row objects: the N largest contributions toward the predicted class, with the values (main thread and workers)', async () => {
    const predictor = createPredictorFromModel(model);
    const rows = await collect(batchPredict(records, { model, explain: 3, threads: 0 }));
    expect(rows).toHaveLength(40);
    for (const [i, row] of rows.entries()) {
      const e = predictor.explain(records[i] as Record<string, unknown>, { method: 'path' });
      const byFeature = e.byClass![String(e.prediction)].contributions;
      const expected = Object.entries(byFeature)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3);
      expect(row.reasons!.map((r) => [r.feature, r.contribution])).toEqual(expected);
      expect(row.reasons!.map((r) => r.value)).toEqual(expected.map(([f]) => records[i][f]));
    }
    const threaded = await collect(batchPredict(records, { model, explain: 3, threads: 2, batchRows: 7 }));
    expect(threaded).toEqual(rows);
  });

  it('CSV, JSON Lines and Parquet files carry reason_k, reason_k_value, reason_k_contribution', async () => {
    const csv = join(dir, 'out.csv');
    const report = await batchPredictFile(input, csv, {
      model: modelPath,
      explain: 2,
      threads: 1,
      keep: ['customer_id'],
    });
    expect(report.columns).toEqual([
      'customer_id',
      'prediction',
      'reason_1',
      'reason_1_value',
      'reason_1_contribution',
      'reason_2',
      'reason_2_value',
      'reason_2_contribution',
    ]);
    const csvRows = Papa.parse<Record<string, string>>(readFileSync(csv, 'utf8').trim(), {
      header: true,
    }).data;
    const ref = await collect(batchPredict(records, { model, explain: 2, threads: 0 }));
    expect(csvRows.map((r) => [r.reason_1, Number(r.reason_1_contribution), r.reason_2])).toEqual(
      ref.map((r) => [r.reasons![0].feature, r.reasons![0].contribution, r.reasons![1].feature]),
    );
    expect(csvRows.map((r) => r.reason_1_value)).toEqual(ref.map((r) => String(r.reasons![0].value)));

    const jsonl = join(dir, 'out.jsonl');
    await batchPredictFile(input, jsonl, { model: modelPath, explain: 2, threads: 0 });
    const lines = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.reason_2, l.reason_2_contribution])).toEqual(
      ref.map((r) => [r.reasons![1].feature, r.reasons![1].contribution]),
    );

    const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
    const pq = join(dir, 'out.parquet');
    await batchPredictFile(input, pq, { model: modelPath, explain: 2, threads: 1 });
    const objs = await parquetReadObjects({ file: await asyncBufferFromFile(pq) });
    expect(objs.map((o) => [o.reason_1, o.reason_1_value, o.reason_1_contribution])).toEqual(
      ref.map((r) => [r.reasons![0].feature, String(r.reasons![0].value), r.reasons![0].contribution]),
    );
  });

  it('shap reasons; bad options and a model without node statistics are clear errors', async () => {
    const shap = await collect(
      batchPredict(records.slice(0, 5), { model, explain: 2, explainMethod: 'shap', threads: 0 }),
    );
    const predictor = createPredictorFromModel(model);
    const e = predictor.explain(records[0] as Record<string, unknown>, { method: 'shap' });
    const top = Object.entries(e.byClass![String(e.prediction)].contributions).sort((a, b) => b[1] - a[1])[0];
    expect([shap[0].reasons![0].feature, shap[0].reasons![0].contribution]).toEqual(top);

    await expect(
      collect(batchPredict(records, { model, explain: -1, explainMethod: 'lime' } as never)),
    ).rejects.toMatchObject({
      code: 'MLI_INVALID_OPTION',
      issues: [
        expect.objectContaining({ path: ['explain'] }),
        expect.objectContaining({ path: ['explainMethod'] }),
      ],
    });
    const { metadata, forest } = decodeModel(modelToBytes(model));
    const { nodeStats: _, ...old } = forest;
    const bytes = encodeModel({ metadata, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    await expect(collect(batchPredict(records, { model: reseal(bytes), explain: 1 }))).rejects.toMatchObject({
      code: 'MLI_CANNOT_EXPLAIN',
    });
    // without explain, the old model still scores
    expect(await collect(batchPredict(records, { model: reseal(bytes), threads: 0 }))).toHaveLength(40);
  });

  it('mlinfer batch --explain 2 --explain-method shap', async () => {
    const out = join(dir, 'cli.csv');
    const r = await cli(
      'batch',
      input,
      out,
      '-m',
      modelPath,
      '--explain',
      '2',
      '--explain-method',
      'shap',
      '-q',
      '--threads',
      '0',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe(
      'prediction,reason_1,reason_1_value,reason_1_contribution,reason_2,reason_2_value,reason_2_contribution',
    );
    const bad = await cli('batch', input, out, '-m', modelPath, '--explain', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--explain must be an integer >= 1, got 0/);
  });
});
