import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { MlinferError } from '../../src/errors.js';
import { evaluate } from '../../src/model/evaluate.js';
import { loadModel, saveModel } from '../../src/model/io.js';
import { modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { VERSION } from '../../src/version.js';

const FIX = join(__dirname, '../../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'mlinfer-train-'));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MlinferError);
    return (e as MlinferError).code;
  }
  throw new Error('expected a rejection');
}

describe('train()', () => {
  it("trains on the seed's sample file and predicts its rows", async () => {
    const model = await train(join(FIX, 'sample_input.csv'), { nThreads: 1, nEstimators: 20 });
    expect(model.metadata.target).toBe('target');
    expect(model.metadata.task).toBe('classification');
    expect(model.classes).toEqual([0, 1]);
    const p = createPredictorFromModel(model);
    const out = p.predict({ feature1: 6.2, feature2: 3.4, feature3: 5.4 });
    expect([0, 1]).toContain(out.prediction);
    expect(out.probabilities!['0'] + out.probabilities!['1']).toBeCloseTo(1, 6);
  });

  it('trains on a realistic table and stores schema, metrics, importances and a data hash', async () => {
    const model = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      exclude: ['customer_id'],
      testSize: 0.2,
      nThreads: 1,
      nEstimators: 40,
    });
    const m = model.metadata;
    expect(m.mlinferVersion).toBe(VERSION);
    expect(m.classes).toEqual(['no', 'yes']);
    expect(m.schema.features.map((f) => f.name)).not.toContain('customer_id');
    expect(m.schema.features.find((f) => f.name === 'contract')?.type).toBe('categorical');
    expect(m.schema.features.find((f) => f.name === 'has_partner')?.type).toBe('boolean');
    expect(m.metrics.oob?.accuracy).toBeGreaterThan(0.65);
    expect(m.metrics.holdout?.rows).toBe(600);
    expect(m.metrics.holdout?.rocAuc).toBeGreaterThan(0.65);
    expect(Object.values(m.featureImportances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(m.dataHash).toMatch(/^[0-9a-f]{16}$/);
    expect(m.trainingRows).toBe(2400);
  });

  it('round-trips through the file with identical predictions on every row', async () => {
    const model = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      exclude: ['customer_id'],
      nThreads: 1,
      nEstimators: 25,
    });
    const path = join(tmp, 'customers.mlinfer');
    await saveModel(model, path);
    const back = await loadModel(path);
    expect(back.metadata).toEqual(JSON.parse(JSON.stringify(model.metadata)));
    const { readCsvFile } = await import('../../src/data/node-io.js');
    const table = await readCsvFile(join(FIX, 'customers.csv'));
    const records = table.rows.map((r) => Object.fromEntries(table.header.map((h, i) => [h, r[i]])));
    const a = createPredictorFromModel(model).predictMany(records);
    const b = createPredictorFromModel(back).predictMany(records);
    expect(b).toEqual(a);
    // a Node Buffer at a non-zero offset in its memory decodes too
    const bytes = modelToBytes(model);
    const shifted = Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3);
    expect(modelFromBytes(shifted).metadata.modelVersion).toBe(model.metadata.modelVersion);
    // the browser path (bytes) gives the same model
    expect(modelFromBytes(modelToBytes(model)).forest.arrays.nodes).toEqual(model.forest.arrays.nodes);
  });

  it('does regression on numeric targets', async () => {
    const model = await train(join(FIX, 'housing.csv'), {
      target: 'price',
      testSize: 0.2,
      nThreads: 1,
      nEstimators: 30,
    });
    expect(model.metadata.task).toBe('regression');
    expect(model.classes).toBeNull();
    expect(model.metadata.metrics.holdout?.r2).toBeGreaterThan(0.7);
    const p = createPredictorFromModel(model);
    const row = model.schema.features.map(() => null);
    expect(typeof p.predict(row).prediction).toBe('number');
  });

  it('evaluate reads targets as training does: a regression target of -1 is a value, not a rejected row', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ x: i % 10, t: (i % 10) * 0.5 - 1.25 }));
    const model = await train(rows, { target: 't', nThreads: 1, nEstimators: 5 });
    expect(model.metadata.task).toBe('regression');
    const ev = await evaluate(model, [...rows, { x: 3, t: -1 }, { x: 4, t: '-1' }]);
    expect(ev.rejectedCount).toBe(0);
    expect(ev.rows).toBe(62);
  });

  it('trains from row objects and column tables', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      x: i,
      color: i % 3 === 0 ? 'red' : 'blue',
      label: i > 30 ? 'hi' : 'lo',
    }));
    const fromRows = await train(rows, { nThreads: 1, nEstimators: 10 });
    expect(fromRows.metadata.target).toBe('label');
    expect(fromRows.classes).toEqual(['hi', 'lo']);
    const cols = { x: rows.map((r) => r.x), y: rows.map((r) => r.x * 2) };
    const fromCols = await train(cols, { nThreads: 1, nEstimators: 10 });
    expect(fromCols.metadata.task).toBe('regression');
  });

  it('a CSV read as one column whose header holds ; tab or | says which delimiter to pass', async () => {
    // The wine-quality data set is published with ';' between fields.
    const wine = join(tmp, 'winequality-red.csv');
    writeFileSync(wine, 'alcohol;volatile_acidity;quality\n9.4;0.7;5\n9.8;0.88;5\n11.2;0.28;6\n');
    for (const target of [undefined, 'quality'])
      await expect(train(wine, { target, nThreads: 1 })).rejects.toThrow(
        /one column "alcohol;volatile_acidity;quality": the header looks separated by ";"; pass delimiter ";" \(--delimiter ";"\)/,
      );
    const model = await train(wine, { delimiter: ';', task: 'regression', nThreads: 1, nEstimators: 5 });
    expect(model.metadata.target).toBe('quality');
  });

  it('fails clearly with an unknown target, too few columns, and on bad options before reading data', async () => {
    const csv = join(tmp, 'notarget.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n');
    const one = join(tmp, 'one-column.csv');
    writeFileSync(one, 'a\n1\n2\n');
    await expect(train(one, { nThreads: 1 })).rejects.toThrow(
      /1 column\(s\): training needs a target column and at least one feature/,
    );
    expect(await codeOf(train(csv, { target: 'zzz', nThreads: 1 }))).toBe('MLI_INVALID_DATA');
    expect(await codeOf(train(csv, { keepIdColumns: 1 as never }))).toBe('MLI_INVALID_OPTION');
    expect(await codeOf(train('/no/such/file.csv', { target: 'a', maxDepth: -1 }))).toBe(
      'MLI_INVALID_OPTION',
    );
    expect(await codeOf(train('/no/such/file.csv', { target: 'a' }))).toBe('MLI_NOT_FOUND');
    expect(await codeOf(train(csv, { target: 'a', testSize: 1.5 }))).toBe('MLI_INVALID_OPTION');
  });

  it('checks its own options and the forest parameters in one pass, before reading data', async () => {
    const err = await train('/no/such/file.csv', {
      target: '',
      testSize: 1,
      tune: 'yes' as never,
      skipInvalidRows: 1 as never,
      nThreads: 0,
      onProgress: 'bar' as never,
      classWeight: { yes: -1 },
      maxFeatures: 1,
      maxCategories: 0,
      nTrees: 5,
    } as never).catch((e) => e);
    expect(err.code).toBe('MLI_INVALID_OPTION');
    expect(err.issues.map((i: { message: string }) => i.message)).toEqual([
      'unknown option nTrees',
      "maxFeatures 1 is ambiguous (one feature in scikit-learn, all of them as the fraction 1.0): write 'all' for every feature, an integer >= 2 to count features, or a fraction in (0, 1)",
      'classWeight.yes must be a number >= 0, got -1',
      'target must be a non-empty string, got ""',
      'maxCategories must be an integer >= 1, got 0',
      'testSize must be a fraction in [0, 1), got 1',
      'skipInvalidRows must be a boolean, got 1',
      'tune must be a boolean, got "yes"',
      'nThreads must be an integer >= 1, got 0',
      'onProgress must be a function, got "bar"',
    ]);
  });

  it('maps class weights given by label, and rejects unknown labels', async () => {
    const base = { target: 'churned', exclude: ['customer_id'], nThreads: 1, nEstimators: 10 };
    const weighted = await train(join(FIX, 'customers.csv'), { ...base, classWeight: { yes: 5 } });
    expect(weighted.metadata.params.classWeight).toEqual({ 1: 5 });
    await expect(train(join(FIX, 'customers.csv'), { ...base, classWeight: { maybe: 2 } })).rejects.toThrow(
      /classWeight names the class "maybe"/,
    );
  });

  it('refuses invalid cells unless told to skip those rows, and then says so', async () => {
    const csv = join(tmp, 'bad.csv');
    writeFileSync(csv, 'x,y\n1,a\n2,b\noops,a\n4,b\n5,a\n6,b\n');
    await expect(train(csv, { target: 'y', types: { x: 'numeric' }, nThreads: 1 })).rejects.toThrow(
      /1 invalid value/,
    );
    const model = await train(csv, {
      target: 'y',
      types: { x: 'numeric' },
      skipInvalidRows: true,
      nThreads: 1,
      nEstimators: 5,
    });
    expect(model.metadata.trainingRows).toBe(5);
    expect(model.metadata.notes.join(' ')).toMatch(/1 row\(s\) with invalid values were left out/);
  });

  it('tunes minSamplesLeaf and maxFeatures by out-of-bag score and records what it tried', async () => {
    const model = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      exclude: ['customer_id'],
      nThreads: 1,
      nEstimators: 15,
      tune: true,
    });
    const tried = (model.metadata.metrics as { tuning?: { tried: { score: number }[] } }).tuning?.tried ?? [];
    expect(tried.length).toBeGreaterThan(4);
    const best = Math.min(...tried.map((t) => t.score));
    expect(model.metadata.metrics.oob?.logLoss).toBeCloseTo(best, 9);
  });

  it('keeps VERSION equal to package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
