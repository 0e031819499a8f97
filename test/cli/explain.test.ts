import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { reseal } from '../model/forest-fixtures.js';
import { RECORD } from '../serve/helpers.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

const dir = tempDir();
const model = join(dir, 'churn.mlinfer');
const row = join(dir, 'row.json');
const record = { ...RECORD, city: null };

beforeAll(async () => {
  const t = await cli(
    'train',
    join(FIXTURES, 'customers.csv'),
    '-t',
    'churned',
    '--exclude',
    'customer_id',
    '--n-estimators',
    '10',
    '-q',
    '-o',
    model,
  );
  expect(t.code, t.stderr).toBe(0);
  writeFileSync(row, JSON.stringify(record));
});

describe('mlinfer explain', () => {
  it('prints the prediction, the base value and one line per feature that add up', async () => {
    const r = await cli('explain', model, row);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^churned = "(yes|no)" \(probability 0\.\d{4}\); model .*, method path\n/);
    expect(r.stdout).toMatch(
      /base value 0\.\d{4}: the mean probability of "(yes|no)" over the training data/,
    );
    expect(r.stdout).toMatch(/"city" +missing +[+-]\d\.\d{4}/);
    expect(r.stdout.split('\n').filter((l) => /^ {2}"/.test(l))).toHaveLength(9);
    const probability = /probability (0\.\d{4})/.exec(r.stdout)![1];
    expect(r.stdout).toContain(`base value + contributions = ${probability}\n`);
  });

  it('inspect says whether the model can explain', async () => {
    const r = await cli('inspect', model, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).explanations).toBe(true);
    expect((await cli('inspect', model)).stdout).toMatch(/explanations +yes \(path and shap\)/);
    const { metadata, forest } = decodeModel(readFileSync(model));
    const { nodeStats: _, ...old } = forest;
    const bytes = encodeModel({ metadata, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const oldModel = join(dir, 'old.mlinfer');
    writeFileSync(oldModel, reseal(bytes));
    expect((await cli('inspect', oldModel)).stdout).toMatch(/explanations +no: no node statistics/);
    const e = await cli('explain', oldModel, row);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/MLI_CANNOT_EXPLAIN/);
  });

  it('--json --method shap --top 3: the explanation as JSON, three features', async () => {
    const r = await cli('explain', model, row, '--json', '--method', 'shap', '--top', '3');
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.method).toBe('shap');
    expect(e.contributions).toHaveLength(3);
    expect(Object.keys(e.byClass)).toEqual(['no', 'yes']);
    const byClass = e.byClass[e.prediction];
    const total = Object.values(byClass.contributions as Record<string, number>).reduce(
      (s, v) => s + v,
      byClass.baseValue,
    );
    expect(total).toBeCloseTo(e.output.value, 9);
  });

  it('a record that does not match the schema, a file that is not JSON, a bad method: clear errors', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...record, age: 'old' }));
    const a = await cli('explain', model, bad);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/MLI_SCHEMA_MISMATCH/);
    expect(a.stderr).toMatch(/age/);
    const text = join(dir, 'text.json');
    writeFileSync(text, 'age=39');
    const b = await cli('explain', model, text);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/text\.json is not valid JSON.*MLI_INVALID_DATA/);
    const c = await cli('explain', model, row, '--method', 'lime');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--method.*lime/);
  });
});
