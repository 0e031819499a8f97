import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadModel } from '../../src/model/io.js';
import { modelFromMlRandomForest } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlinfer-import-'));

function data(n: number, seed: number): { X: number[][]; y: number[] } {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [rand(), rand(), rand()];
    X.push(row);
    y.push(row[0] + row[1] > 1 ? 1 : 0);
  }
  return { X, y };
}

describe('importing ml-random-forest models', () => {
  it('predicts what ml-random-forest predicts (votes), through the library and the CLI', async () => {
    const { X, y } = data(300, 7);
    const rf = new RandomForestClassifier({ nEstimators: 15, seed: 3, maxFeatures: 1.0 });
    rf.train(X, y);
    const model = modelFromMlRandomForest(rf.toJSON(), {
      featureNames: ['a', 'b', 'c'],
      classes: ['no', 'yes'],
      leaves: 'votes',
    });
    const p = createPredictorFromModel(model);
    const theirs = rf.predict(X) as number[];
    // ml-random-forest takes the majority vote; on a tie it is free to pick either class
    let agree = 0;
    X.forEach((row, i) => {
      if (p.predict(row).prediction === ['no', 'yes'][theirs[i]]) agree++;
    });
    expect(agree / X.length).toBeGreaterThan(0.98);

    const json = join(tmp, 'rf.json');
    const out = join(tmp, 'rf.mlinfer');
    writeFileSync(json, JSON.stringify(rf.toJSON()));
    const code = await runCli(['import', json, '-o', out, '--feature-names', 'a,b,c', '--classes', 'no,yes']);
    expect(code).toBe(0);
    const loaded = await loadModel(out);
    expect(loaded.featureNames).toEqual(['a', 'b', 'c']);
    expect(loaded.metadata.source).toContain('ml-random-forest');
    expect(createPredictorFromModel(loaded).predict({ a: 0.9, b: 0.9, c: 0.1 }).prediction).toBe('yes');
  });

  it('imports a regression forest', () => {
    const { X } = data(200, 11);
    const y = X.map((r) => 3 * r[0] - r[2]);
    const rf = new RandomForestRegression({ nEstimators: 10, seed: 1, maxFeatures: 3, noOOB: true } as never);
    rf.train(X, y);
    const model = modelFromMlRandomForest(rf.toJSON(), { nFeatures: 3 });
    const p = createPredictorFromModel(model);
    const theirs = rf.predict(X) as number[];
    X.slice(0, 50).forEach((row, i) => {
      expect(p.predict(row).prediction as number).toBeCloseTo(theirs[i], 9);
    });
  });

  it('fails clearly on a file that is not an ml-random-forest model', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"name": "something else"}');
    expect(await runCli(['import', bad, '-o', join(tmp, 'x.mlinfer')])).toBe(1);
    expect(await runCli(['import', join(tmp, 'missing.json')])).toBe(1);
  });
});
