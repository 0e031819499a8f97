import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import type { ForestArrays } from '../../src/forest/types.js';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { importMlRandomForest, nextDown } from '../../src/model/import-ml-random-forest.js';
import { forestIssues } from '../../src/model/validate-forest.js';
import { referencePredict, rng } from './forest-fixtures.js';

const N_FEATURES = 4;

/** Small data with repeated values, so ml-cart's thresholds are midpoints that test rows can hit exactly. */
function dataset(seed: number, n: number): { X: number[][]; classes: number[]; values: number[] } {
  const r = rng(seed);
  const X: number[][] = [];
  const classes: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [Math.floor(r() * 10), Math.round(r() * 40) / 4 - 5, Math.floor(r() * 3), r() * 100];
    X.push(row);
    classes.push(row[0] + row[1] > 6 ? 2 : row[2] === 1 || row[3] > 70 ? 1 : 0);
    values.push(row[0] * 2 - row[1] + (row[2] === 2 ? 10 : 0) + r());
  }
  return { X, classes, values };
}

/** Every split value the model uses, to probe rows exactly at, just below and just above each threshold. */
function splitValues(json: any): number[][] {
  const out: number[][] = Array.from({ length: N_FEATURES }, () => []);
  json.baseModel.estimators.forEach((est: any, t: number) => {
    const stack = [est.root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node.distribution !== undefined) continue;
      out[json.baseModel.indexes[t][node.splitColumn]].push(node.splitValue);
      stack.push(node.left, node.right);
    }
  });
  return out;
}

function probeRows(json: any, base: number[][], seed: number): number[][] {
  const splits = splitValues(json);
  const r = rng(seed);
  const rows = base.map((row) => row.slice());
  for (let k = 0; k < 400; k++) {
    const row = base[Math.floor(r() * base.length)].slice();
    for (let j = 0; j < N_FEATURES; j++) {
      if (splits[j].length === 0 || r() < 0.3) continue;
      const s = splits[j][Math.floor(r() * splits[j].length)];
      const pick = Math.floor(r() * 3);
      row[j] = pick === 0 ? s : pick === 1 ? nextDown(s) : -nextDown(-s);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * The share of the trees voting for each class, from ml-random-forest's own per-tree predictions.
 * (Its predictProbability is not usable as a reference: its reduce has no initial value, so the first
 * tree's vote is dropped and its class label added.)
 */
function voteShares(model: any, rows: number[][]): number[][] {
  const votes = model.predictionValues(rows);
  return rows.map((_, i) => {
    const shares = [0, 0, 0];
    const row = votes.getRow(i) as number[];
    for (const v of row) shares[v] += 1 / row.length;
    return shares;
  });
}

function argmaxUnique(values: number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return values.filter((v) => v === values[best]).length === 1 ? best : -1;
}

describe('nextDown', () => {
  it('is the largest double below x', () => {
    for (const x of [1, -1, 0.1, -0.1, 1e-300, -1e300, Number.MIN_VALUE, Number.MAX_VALUE, 3.5]) {
      const d = nextDown(x);
      expect(d).toBeLessThan(x);
      // No double in between: the next one up from d is x again.
      expect(-nextDown(-d)).toBe(x);
    }
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
    expect(nextDown(Infinity)).toBe(Number.MAX_VALUE);
  });
});

describe('importMlRandomForest', () => {
  const train = dataset(1, 120);
  const classifier = new RandomForestClassifier({
    nEstimators: 15,
    maxFeatures: 0.75,
    replacement: true,
    seed: 7,
    noOOB: true,
    treeOptions: { minNumSamples: 2 },
  } as any);
  classifier.train(train.X, train.classes);
  const classifierJson = classifier.toJSON() as any;
  const rows = probeRows(classifierJson, dataset(2, 150).X, 3);

  it('classifier, votes: reproduces the vote shares and predict exactly', () => {
    const forest = importMlRandomForest(classifierJson, { nFeatures: N_FEATURES, leaves: 'votes' });
    expect(forestIssues(forest)).toEqual([]);
    expect(forest.nOutputs).toBe(3);
    const predicted = (classifier as any).predict(rows) as number[];
    const shares = voteShares(classifier, rows);
    let compared = 0;
    rows.forEach((row, i) => {
      const ours = referencePredict(forest, row);
      [0, 1, 2].forEach((c) => {
        expect(ours[c]).toBeCloseTo(shares[i][c], 12);
      });
      const best = argmaxUnique(ours);
      if (best >= 0) {
        expect(best).toBe(predicted[i]);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(rows.length * 0.8);
  });

  it('classifier, fractions: the mean of the trees distributions, as float32', () => {
    const forest = importMlRandomForest(classifierJson, { nFeatures: N_FEATURES });
    const estimators = (classifier as any).estimators as any[];
    const indexes = classifierJson.baseModel.indexes as number[][];
    for (const row of rows) {
      const expected = [0, 0, 0];
      estimators.forEach((est, t) => {
        const dist = est.root.classify(indexes[t].map((j) => row[j])).to2DArray()[0] as number[];
        dist.forEach((p, c) => {
          expected[c] += Math.fround(p) / estimators.length;
        });
      });
      const ours = referencePredict(forest, row);
      expected.forEach((p, c) => {
        expect(ours[c]).toBeCloseTo(p, 12);
      });
    }
  });

  it('regression: reproduces predict', () => {
    const regression = new RandomForestRegression({
      nEstimators: 10,
      maxFeatures: 3,
      seed: 11,
      noOOB: true,
    } as any);
    regression.train(train.X, train.values);
    const json = regression.toJSON() as any;
    const forest = importMlRandomForest(json);
    expect(forest.task).toBe('regression');
    const probe = probeRows(json, dataset(4, 100).X, 5);
    const predicted = (regression as any).predict(probe) as number[];
    probe.forEach((row, i) => {
      expect(referencePredict(forest, row)[0]).toBeCloseTo(predicted[i], 9);
    });
  });

  it('accepts the live toJSON() object, its JSON text and the parsed JSON alike', () => {
    const text = JSON.stringify(classifierJson);
    const live = importMlRandomForest(classifierJson, { nFeatures: N_FEATURES });
    expect(importMlRandomForest(text, { nFeatures: N_FEATURES })).toEqual(live);
    expect(importMlRandomForest(JSON.parse(text), { nFeatures: N_FEATURES })).toEqual(live);
  });

  it('missing values go right, as in ml-cart (NaN < s is false)', () => {
    const forest = importMlRandomForest(classifierJson, { nFeatures: N_FEATURES, leaves: 'votes' });
    const row = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
    const expected = voteShares(classifier, [row])[0];
    referencePredict(forest, row).forEach((p, c) => {
      expect(p).toBeCloseTo(expected[c], 12);
    });
  });

  it('survives the model file round trip', () => {
    const forest: ForestArrays = importMlRandomForest(classifierJson, { nFeatures: N_FEATURES });
    const bytes = encodeModel({ metadata: { importedFrom: 'ml-random-forest@2.1.0' }, forest });
    expect(decodeModel(bytes).forest).toEqual(forest);
  });

  it('rejects what it cannot represent with MLI_INVALID_DATA', () => {
    const invalid = expect.objectContaining({ code: 'MLI_INVALID_DATA' });
    expect(() => importMlRandomForest({ name: 'DTClassifier' })).toThrow(invalid);
    expect(() => importMlRandomForest('not json')).toThrow(invalid);
    expect(() =>
      importMlRandomForest({ name: 'RFRegression', selectionMethod: 'median', baseModel: {} }),
    ).toThrow(invalid);
    expect(() => importMlRandomForest(classifierJson, { nFeatures: 2 })).toThrow(invalid);
    expect(() => importMlRandomForest(classifierJson, { nClasses: 2 })).toThrow(invalid);
    const broken = JSON.parse(JSON.stringify(classifierJson));
    broken.baseModel.estimators[0].root.splitColumn = 99;
    expect(() => importMlRandomForest(broken)).toThrow(invalid);
  });
});
