// Batch runs without --proba ask the scorer for labels only (early exit, forest/early-exit.ts): the same
// predictions, reasons and drift report as a run with probabilities.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as earlyExit from '../../src/forest/early-exit.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { batchPredict } from '../../src/predict/batch.js';
import { batchPredictFile } from '../../src/predict/batch-file.js';
import { FIXTURES, tempDir } from '../cli/helpers.js';

vi.mock('../../src/forest/early-exit.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/forest/early-exit.js')>();
  return { ...original, settleRows: vi.fn(original.settleRows) };
});

const INPUT = join(FIXTURES, 'customers_new.csv');
let model: Model;
let dir: string;

beforeAll(async () => {
  model = await train(join(FIXTURES, 'customers.csv'), {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 40,
    seed: 3,
    nThreads: 1,
  });
  dir = tempDir();
});

/** Rows that left early in the spied settleRows calls since the last clear. */
function rowsThatLeft(): number {
  const spy = vi.mocked(earlyExit.settleRows);
  return spy.mock.calls.reduce((left, call, i) => left + call[3] - (spy.mock.results[i].value as number), 0);
}

function readCsv(path: string): Record<string, string>[] {
  return Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), {
    header: true,
    skipEmptyLines: true,
  }).data;
}

describe('batch without proba (labels only, early exit)', () => {
  it('writes the predictions, reasons and drift report of a run with probabilities', async () => {
    const run = async (proba: boolean) => {
      const out = join(dir, `labels-${proba}.csv`);
      vi.mocked(earlyExit.settleRows).mockClear();
      const report = await batchPredictFile(INPUT, out, {
        model,
        threads: 0,
        proba,
        explain: 2,
        keep: ['customer_id'],
        drift: true,
      });
      return { rows: readCsv(out), drift: report.drift, left: rowsThatLeft() };
    };
    const labels = await run(false);
    const proba = await run(true);
    expect(labels.left).toBeGreaterThan(labels.rows.length / 4);
    expect(proba.left).toBe(0);
    expect(labels.rows.length).toBeGreaterThan(100);
    expect(labels.rows.length).toBe(proba.rows.length);
    const classes = model.classes!.map(String);
    labels.rows.forEach((row, i) => {
      const full = proba.rows[i];
      const p = classes.map((c) => Number(full[`proba_${c}`]));
      // the first largest probability, as argmax breaks ties
      expect(row.prediction).toBe(classes[p.indexOf(Math.max(...p))]);
      const { proba_no: _n, proba_yes: _y, ...rest } = full;
      expect(row).toEqual(rest);
    });
    expect(new Set(labels.rows.map((r) => r.prediction)).size).toBe(2);
    expect(labels.drift).toEqual(proba.drift);
  });

  it('gives row objects (scored as a matrix) the predictions of a run with probabilities', async () => {
    const records = readCsv(INPUT);
    const predictions = async (proba: boolean) => {
      const out: (string | number)[] = [];
      for await (const r of batchPredict(records, { model, threads: 0, proba, drift: true }))
        out.push(r.prediction);
      return out;
    };
    vi.mocked(earlyExit.settleRows).mockClear();
    const labels = await predictions(false);
    expect(rowsThatLeft()).toBeGreaterThan(records.length / 4);
    expect(labels).toEqual(await predictions(true));
  });
});
