import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/model/evaluate.js';
import { loadModel } from '../../src/model/io.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

const customers = join(FIXTURES, 'customers.csv');
const housing = join(FIXTURES, 'housing.csv');
let dir: string;
let churn: string;
let price: string;
let contract: string;

beforeAll(async () => {
  dir = tempDir();
  churn = join(dir, 'churn.mlinfer');
  price = join(dir, 'price.mlinfer');
  contract = join(dir, 'contract.mlinfer');
  const common = ['--n-estimators', '15', '-q'];
  for (const args of [
    ['train', customers, '-t', 'churned', '--exclude', 'customer_id', '-o', churn],
    ['train', housing, '-t', 'price', '--exclude', 'house_id', '-o', price],
    ['train', customers, '-t', 'contract', '--exclude', 'customer_id', '-o', contract],
  ]) {
    const r = await cli(...args, ...common);
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('mlinfer evaluate', () => {
  it('prints binary classification metrics, per-class scores and the confusion matrix', async () => {
    const r = await cli('evaluate', churn, customers);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3000 rows scored, 0 rejected \(target "churned"\)/);
    expect(r.stdout).toMatch(
      /accuracy 0\.\d{4} {3}ROC AUC 0\.\d{4} {3}log loss \d\.\d{4} {3}macro F1 0\.\d{4}/,
    );
    expect(r.stdout).toMatch(/\n {2}no +0\.\d{4} +0\.\d{4} +0\.\d{4} +\d+\n/);
    expect(r.stdout).toContain('confusion matrix (rows: actual, columns: predicted)');
    // the training file itself: flagged, since its scores are optimistic
    expect(r.stdout).toContain('warning: these are the rows the model was trained on');
  });

  it('--json holds every score and curve, consistent with each other', async () => {
    const r = await cli('evaluate', churn, customers, '--json');
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.task).toBe('classification');
    expect(e.classes).toEqual(['no', 'yes']);
    const cm = e.confusion as number[][];
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(3000);
    expect(e.accuracy).toBeCloseTo((cm[0][0] + cm[1][1]) / 3000, 10);
    expect(e.perClass[1].recall).toBeCloseTo(cm[1][1] / (cm[1][0] + cm[1][1]), 10);
    expect(e.roc).toHaveLength(1);
    expect(e.roc[0].label).toBe('yes');
    expect(e.roc[0].area).toBeCloseTo(e.rocAuc, 10);
    expect(e.roc[0].points[0]).toEqual([0, 0]);
    expect(e.roc[0].points.at(-1)).toEqual([1, 1]);
    expect(e.roc[0].points.length).toBeLessThanOrEqual(200);
    expect(e.precisionRecall[0].area).toBeGreaterThan(0);
    const bins = e.calibration.bins as { count: number }[];
    expect(bins).toHaveLength(10);
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(3000);
  });

  it('scores several classes with macro one-vs-rest AUC', async () => {
    const r = await cli('evaluate', contract, customers, '--json');
    const e = JSON.parse(r.stdout);
    expect(e.classes).toEqual(['month-to-month', 'one year', 'two year']);
    expect(e.roc).toHaveLength(3);
    const mean = e.roc.reduce((a: number, c: { area: number }) => a + c.area, 0) / 3;
    expect(e.rocAuc).toBeCloseTo(mean, 10);
    expect(e.confusion).toHaveLength(3);
    const text = await cli('evaluate', contract, customers);
    expect(text.stdout).toContain('(macro one-vs-rest)');
  });

  it('prints R2, MAE and RMSE for regression, with points and a residual histogram in --json', async () => {
    const r = await cli('evaluate', price, housing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/R2 0\.\d{4} {3}MAE \d+\.\d{4} {3}RMSE \d+\.\d{4}/);
    const e = JSON.parse((await cli('evaluate', price, housing, '--json')).stdout);
    expect(e.points).toHaveLength(1000);
    expect(e.residuals).toHaveLength(30);
    expect(e.residuals.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(2000);
  });

  it('counts and lists rows that fail validation, never drops them silently', async () => {
    const lines = readFileSync(customers, 'utf8').trim().split('\n').slice(0, 301);
    lines[3] = lines[3].replace(/,(yes|no)$/, ',maybe'); // an unknown class label (row 3)
    lines[7] = lines[7].replace(/,(yes|no)$/, ','); // no target (row 7)
    lines[10] = lines[10].replace(/^(C\d+),\d*,\d+,/, '$1,,ten,'); // tenure_months not a number (row 10)
    lines[12] = 'C99999,1,2'; // ragged (row 12)
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const r = await cli('evaluate', churn, csv);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/296 rows scored, 4 rejected/);
    expect(r.stdout).toMatch(/row 3: the target "maybe" is not a class the model knows/);
    expect(r.stdout).toMatch(/row 7: no target value/);
    expect(r.stdout).toMatch(/row 10: column "tenure_months": expected a number, got "ten"/);
    expect(r.stdout).toMatch(/row 12: has 3 fields, the header has 11/);
    const e = JSON.parse((await cli('evaluate', churn, csv, '--json')).stdout);
    expect(e.rowsRead).toBe(300);
    expect(e.rejectedCount).toBe(4);
    expect(e.rejected.map((x: { row: number }) => x.row)).toEqual([3, 7, 10, 12]);
    expect(e.isTrainingData).toBe(false);
  });

  it('reads JSON Lines and lists bad lines as rejected', async () => {
    const model = await loadModel(price);
    const rows = readFileSync(housing, 'utf8').trim().split('\n');
    const header = rows[0].split(',');
    const jsonl = rows.slice(1, 51).map((l) => {
      // the fixture's neighborhood may be quoted with a comma; keep it simple: take the numbers only
      const cells = l.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
      return JSON.stringify(
        Object.fromEntries(header.map((h, i) => [h, cells[i] === 'NA' ? null : cells[i]])),
      );
    });
    jsonl.splice(5, 0, '{not json');
    const path = join(dir, 'h.jsonl');
    writeFileSync(path, `${jsonl.join('\n')}\n`);
    const e = await evaluate(model, path);
    expect(e.rows).toBe(50);
    expect(e.rejectedCount).toBe(1);
    expect(e.rejected[0].row).toBe(6);
  });
});
