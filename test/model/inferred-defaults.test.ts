// What train() decides when the user does not say: the target (named, else the last column), the task of an
// integer target (class labels or a quantity) and which columns identify rows. Each decision is a note that
// names the option that changes it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveModel } from '../../src/model/io.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { cli, FIXTURES, tempDir } from '../cli/helpers.js';
import { post, RECORD, serve } from '../serve/helpers.js';

const customers = join(FIXTURES, 'customers.csv');
const customersNew = join(FIXTURES, 'customers_new.csv');
const fast = { nThreads: 1, nEstimators: 10 };

/** Rows of two features and an integer class label 0-9 that depends on them. */
function digitRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({ a: i % 10, b: (i * 7) % 13, digit: i % 10 }));
}

describe('the default target', () => {
  it('is the last column when none is named target, label or y, with a note naming it and the option', async () => {
    const model = await train(join(FIXTURES, 'housing.csv'), fast);
    expect(model.metadata.target).toBe('price');
    expect(model.metadata.task).toBe('regression');
    expect(model.metadata.notes[0]).toBe(
      'no target given and no column named target, label, y: the last column "price" is the target; pass target (--target) to choose another',
    );
  });

  it('is still a column named target, label or y when there is one, without a note', async () => {
    const rows = digitRows(60).map((r) => ({ label: r.digit, a: r.a, b: r.b }));
    const model = await train(rows, fast);
    expect(model.metadata.target).toBe('label');
    expect(model.metadata.notes.join('\n')).not.toMatch(/last column/);
  });

  it('mlinfer train data.csv trains on the last column and says so on stderr', async () => {
    const dir = tempDir();
    const out = join(dir, 'm.mlinfer');
    const r = await cli('train', customers, '--n-estimators', '5', '--threads', '1', '-q', '-o', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'note: no target given and no column named target, label, y: the last column "churned" is the target; pass target (--target) to choose another',
    );
    expect(r.stdout).toMatch(/trained a classification forest of 5 trees on 3000 rows x 9 features/);
  });
});

describe('integer class labels', () => {
  it('digits 0-9 train a classifier whose predictions are the integers the data holds', async () => {
    const model = await train(digitRows(300), { ...fast, target: 'digit' });
    expect(model.metadata.task).toBe('classification');
    expect(model.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(model.metadata.notes.join('\n')).toMatch(
      /"digit" holds 10 distinct integer values .*pass task 'regression'/,
    );
    const p = createPredictorFromModel(model).predict({ a: 3, b: 8 });
    expect(p.prediction).toBe(3);
    expect(Object.keys(p.probabilities!)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // task overrides the rule
    const reg = await train(digitRows(300), { ...fast, target: 'digit', task: 'regression' });
    expect(reg.metadata.task).toBe('regression');
  });

  it('batch output and the HTTP API print the integer labels', async () => {
    const dir = tempDir();
    const model = await train(digitRows(300), { ...fast, target: 'digit' });
    const path = join(dir, 'digits.mlinfer');
    await saveModel(model, path);
    const input = join(dir, 'in.csv');
    writeFileSync(input, 'a,b\n3,8\n7,0\n');
    const output = join(dir, 'out.csv');
    const r = await cli('batch', input, output, '--model', path, '--proba', '--threads', '1');
    expect(r.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'prediction,proba_0,proba_1,proba_2,proba_3,proba_4,proba_5,proba_6,proba_7,proba_8,proba_9',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['3', '7']);
    const s = await serve(createPredictorFromModel(model));
    try {
      const res = await post(`${s.url}/predict`, { a: 7, b: 0 });
      expect(res.status).toBe(200);
      expect(res.body.prediction).toBe(7);
    } finally {
      await s.close();
    }
  });

  it('integer prices with many distinct values stay a regression', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ sqft: 500 + i * 3, price: 100_000 + i * 997 }));
    const model = await train(rows, { ...fast, target: 'price' });
    expect(model.metadata.task).toBe('regression');
    expect(model.metadata.notes).toEqual([]);
  });
});

describe('identifier columns', () => {
  it('customer_id is left out with a note, and prediction does not ask for it', async () => {
    const model = await train(customers, { ...fast, target: 'churned' });
    expect(model.featureNames).not.toContain('customer_id');
    expect(model.schema.excluded).toEqual(['customer_id']);
    expect(model.metadata.notes.join('\n')).toMatch(
      /"customer_id" is left out: .*keepIdColumns \(--keep-id-columns\)/,
    );
    const p = createPredictorFromModel(model);
    // RECORD has the nine features and no customer_id
    expect(['no', 'yes']).toContain(p.predict(RECORD).prediction);
    // sent anyway, it is known (excluded), not an error
    expect(p.validate({ ...RECORD, customer_id: 'C1' })).toEqual({ ok: true, issues: [] });
    const kept = await train(customers, { ...fast, target: 'churned', keepIdColumns: true });
    expect(kept.featureNames[0]).toBe('customer_id');
  });

  it('mlinfer train leaves it out and batch --keep still carries it to the output', async () => {
    const dir = tempDir();
    const model = join(dir, 'churn.mlinfer');
    const trainArgs = [
      'train',
      customers,
      '-t',
      'churned',
      '--n-estimators',
      '5',
      '--threads',
      '1',
      '-q',
      '-o',
      model,
    ];
    const t = await cli(...trainArgs);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/note: column "customer_id" is left out/);
    const output = join(dir, 'out.csv');
    const b = await cli(
      'batch',
      customersNew,
      output,
      '--model',
      model,
      '--keep',
      'customer_id',
      '--threads',
      '1',
    );
    expect(b.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,prediction');
    expect(lines[1]).toMatch(/^C10001,(yes|no)$/);
    expect(lines).toHaveLength(1001);
    const keep = await cli(...trainArgs, '--keep-id-columns');
    expect(keep.code).toBe(0);
    expect(keep.stdout).toMatch(/x 10 features/);
  });
});
