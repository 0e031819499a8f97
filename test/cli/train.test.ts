import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/io.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

const customers = join(FIXTURES, 'customers.csv');

describe('mlinfer train', () => {
  it('trains, writes the model and prints the metrics', async () => {
    const dir = tempDir();
    const out = join(dir, 'churn.mlinfer');
    const r = await cli(
      'train',
      customers,
      '--target',
      'churned',
      '--exclude',
      'customer_id',
      '--test-size',
      '0.25',
      '--n-estimators',
      '20',
      '--seed',
      '3',
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trained a classification forest of 20 trees on 2250 rows x 9 features/);
    expect(r.stdout).toMatch(/holdout \(750 rows\): accuracy 0\.\d+, log loss \d\.\d+, ROC AUC 0\.\d+/);
    expect(r.stdout).toMatch(/oob: accuracy/);
    expect(r.stdout).toContain(`wrote ${out}`);
    const model = await loadModel(out);
    expect(model.metadata.params).toMatchObject({ nEstimators: 20, seed: 3 });
    expect(model.schema.excluded).toEqual(['customer_id']);
  });

  it('--json prints one JSON summary on stdout', async () => {
    const dir = tempDir();
    const out = join(dir, 'h.mlinfer');
    const r = await cli(
      'train',
      join(FIXTURES, 'housing.csv'),
      '--target',
      'price',
      '--exclude',
      'house_id',
      '--n-estimators',
      '10',
      '--max-depth',
      '8',
      '--json',
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      model: out,
      task: 'regression',
      target: 'price',
      params: { maxDepth: 8, nEstimators: 10 },
    });
    expect(j.metrics.oob.r2).toBeGreaterThan(0.5);
    expect(Object.keys(j.featureImportances)).toContain('sqft');
  });

  it('passes forest flags, type overrides and the task through', async () => {
    const dir = tempDir();
    const out = join(dir, 'm.mlinfer');
    const r = await cli(
      'train',
      customers,
      '-t',
      'churned',
      '--exclude',
      'customer_id,city',
      '--categorical',
      'support_calls',
      '--n-estimators',
      '5',
      '--min-samples-leaf',
      '4',
      '--max-features',
      '0.5',
      '--criterion',
      'entropy',
      '--class-weight',
      'balanced',
      '--max-bins',
      '32',
      '--no-bootstrap',
      '--threads',
      '1',
      '-q',
      '-o',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const m = await loadModel(out);
    expect(m.metadata.params).toMatchObject({
      minSamplesLeaf: 4,
      maxFeatures: 0.5,
      criterion: 'entropy',
      classWeight: 'balanced',
      maxBins: 32,
      bootstrap: false,
    });
    expect(m.schema.features.find((f) => f.name === 'support_calls')?.type).toBe('categorical');
    expect(m.schema.excluded).toEqual(['customer_id', 'city']);
  });

  it('--tune reports what it tried and keeps the best', async () => {
    const dir = tempDir();
    const out = join(dir, 't.mlinfer');
    const r = await cli(
      'train',
      customers,
      '-t',
      'churned',
      '--exclude',
      'customer_id',
      '--n-estimators',
      '10',
      '--tune',
      '-o',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tuning tried \(oob log loss\):/);
    expect(r.stdout).toMatch(/<- kept/);
    expect(r.stderr).toMatch(/note: tuned by out-of-bag score over \d+ candidates/);
  });

  it('uses a column named target without --target, and a 0/1 target is classification', async () => {
    const dir = tempDir();
    const out = join(dir, 's.mlinfer');
    const r = await cli('train', join(FIXTURES, 'sample_input.csv'), '-o', out, '--n-estimators', '5');
    expect(r.code, r.stderr).toBe(0);
    const m = await loadModel(out);
    expect(m.metadata).toMatchObject({ target: 'target', task: 'classification', classes: [0, 1] });
  });

  it('--max-features and --max-samples take all/none, counts >= 2 and fractions, and refuse the ambiguous 1', async () => {
    const dir = tempDir();
    const out = join(dir, 'all.mlinfer');
    const base = ['train', customers, ...'-t churned --exclude customer_id --n-estimators 3 -q'.split(' ')];
    const ok = await cli(...base, '--max-features', 'all', '--max-samples', '100', '-o', out);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await loadModel(out)).metadata.params).toMatchObject({ maxFeatures: 'all', maxSamples: 100 });
    const two = await cli(...base, '--max-features', '2', '--max-samples', '0.5', '-o', out);
    expect(two.code, two.stderr).toBe(0);
    expect((await loadModel(out)).metadata.params).toMatchObject({ maxFeatures: 2, maxSamples: 0.5 });
    const one = await cli(...base, '--max-features', '1', '-o', out);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(
      '--max-features 1 is ambiguous (one in scikit-learn, all as the fraction 1.0): write all for all features, an integer >= 2 to count features, or a fraction in (0, 1)',
    );
    const oneRow = await cli(...base, '--max-samples', '1.0', '-o', out);
    expect(oneRow.code).toBe(2);
    expect(oneRow.stderr).toContain('--max-samples 1 is ambiguous');
    expect(oneRow.stderr).toContain('write none for all rows');
  });

  it('--help lists every forest parameter with its default', async () => {
    const r = await cli('train', '--help');
    expect(r.code).toBe(0);
    const help = r.stdout + r.stderr;
    for (const flag of [
      ['--n-estimators', 'default: 100'],
      ['--criterion', 'default: gini for classification'],
      ['--max-depth', 'default: none'],
      ['--min-samples-split', 'default: 2'],
      ['--min-samples-leaf', 'default: 1'],
      ['--max-features', 'default: sqrt for classification, all for regression'],
      ['--no-bootstrap', 'default: a bootstrap sample'],
      ['--max-samples', 'default: none'],
      ['--class-weight', 'default: none'],
      ['--max-bins', 'default: 255'],
      ['--max-categories', 'default: 100'],
      ['--seed', 'default: 0'],
      ['--test-size', 'default: 0'],
      ['--output', 'default: "model.mlinfer"'],
    ]) {
      const at = help.indexOf(flag[0]);
      expect(at, flag[0]).toBeGreaterThan(-1);
      // the default is in the flag's own entry, before the next flag
      const entry = help.slice(at, help.indexOf('\n  -', at + 1));
      expect(entry.replace(/\s+/g, ' '), flag[0]).toContain(flag[1]);
    }
  });

  it('leaves rows with bad values out with --skip-invalid-rows, and says so', async () => {
    const dir = tempDir();
    const csv = join(dir, 'bad.csv');
    const lines = readFileSync(customers, 'utf8').trim().split('\n').slice(0, 400);
    lines[5] = lines[5].replace(/^([^,]*),\d+,/, '$1,forty,');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const fail = await cli(
      'train',
      csv,
      '-t',
      'churned',
      '--exclude',
      'customer_id',
      '--numeric',
      'age',
      '-o',
      join(dir, 'x.mlinfer'),
    );
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(
      /invalid value\(s\).*row 5, column "age": expected a number, got "forty".*\[MLI_INVALID_DATA\]/,
    );
    expect(existsSync(join(dir, 'x.mlinfer'))).toBe(false);
    const ok = await cli(
      'train',
      csv,
      '-t',
      'churned',
      '--exclude',
      'customer_id',
      '--numeric',
      'age',
      '--skip-invalid-rows',
      '--n-estimators',
      '5',
      '-o',
      join(dir, 'x.mlinfer'),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/note: 1 row\(s\) with invalid values were left out/);
  });
});
