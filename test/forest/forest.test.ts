import { describe, expect, it } from 'vitest';
import { createScorer } from '../../src/forest/compiled.js';
import { fitForestSync } from '../../src/forest/fit.js';
import { fitForest } from '../../src/forest/fit-node.js';
import { createRng } from '../../src/forest/rng.js';
import { accuracy, makeClassification, makeFriedman, r2, split } from './helpers.js';

describe('random forest', () => {
  const { X, y } = makeClassification(3000, 10, 7);
  const { train, test } = split(X, y, 2400);

  it('learns a 3-class problem, with probabilities that sum to 1', () => {
    const forest = fitForestSync(train.X, train.y, { task: 'classification', nEstimators: 50, seed: 1 });
    const acc = accuracy(forest.predict(test.X), test.y);
    // a known-good level for this data (label noise 5%): a forest reaches about 0.85
    expect(acc).toBeGreaterThan(0.8);
    const proba = forest.predictProba(test.X);
    for (let r = 0; r < test.X.nRows; r++) {
      const s = proba[r * 3] + proba[r * 3 + 1] + proba[r * 3 + 2];
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
    expect(forest.nClasses).toBe(3);
    expect(Object.isFrozen(forest)).toBe(true);
    expect(Object.isFrozen(forest.params)).toBe(true);
  });

  it('is bit-identical for the same seed whatever the thread count, and differs for another seed', async () => {
    // large enough (rows x trees) for fitForest to use worker threads
    const big = makeClassification(12_000, 10, 8);
    const opts = { task: 'classification' as const, nEstimators: 20, seed: 5, oobScore: true };
    const one = await fitForest(big.X, big.y, { ...opts, nThreads: 1 });
    const two = await fitForest(big.X, big.y, { ...opts, nThreads: 2 });
    expect(Buffer.from(two.arrays.nodes.buffer).equals(Buffer.from(one.arrays.nodes.buffer))).toBe(true);
    expect(Array.from(two.arrays.leafValues)).toEqual(Array.from(one.arrays.leafValues));
    expect(Array.from(two.featureImportances)).toEqual(Array.from(one.featureImportances));
    expect(two.oobScore).toBe(one.oobScore);
    const other = await fitForest(big.X, big.y, { ...opts, nThreads: 1, seed: 6 });
    expect(Buffer.from(other.arrays.nodes.buffer).equals(Buffer.from(one.arrays.nodes.buffer))).toBe(false);
  });

  it('gives an out-of-bag score close to the holdout score', () => {
    const forest = fitForestSync(train.X, train.y, {
      task: 'classification',
      nEstimators: 60,
      seed: 2,
      oobScore: true,
    });
    const holdout = accuracy(forest.predict(test.X), test.y);
    expect(forest.oobScore).not.toBeNull();
    expect(Math.abs(forest.oobScore! - holdout)).toBeLessThan(0.04);
    expect(forest.oobPrediction!.length).toBe(train.X.nRows * 3);
  });

  it('ranks the informative features first in importance', () => {
    const forest = fitForestSync(train.X, train.y, { task: 'classification', nEstimators: 30, seed: 3 });
    const imp = Array.from(forest.featureImportances);
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // features 0-4 carry the signal with weights 1..5; 5-9 are noise
    const noiseMax = Math.max(...imp.slice(5));
    expect(imp[4]).toBeGreaterThan(noiseMax);
    expect(imp[3]).toBeGreaterThan(noiseMax);
  });

  it('does regression (Friedman #1)', () => {
    const { X: Xr, y: yr } = makeFriedman(2500, 8, 11);
    const s = split(Xr, yr, 2000);
    const forest = fitForestSync(s.train.X, s.train.y, {
      task: 'regression',
      nEstimators: 40,
      seed: 1,
      oobScore: true,
    });
    const score = r2(forest.predict(s.test.X), s.test.y);
    expect(score).toBeGreaterThan(0.8);
    expect(Math.abs(forest.oobScore! - score)).toBeLessThan(0.06);
    expect(() => forest.predictProba(s.test.X)).toThrow(/classification/);
  });

  it('learns a feature that is informative only through its missingness', () => {
    const rng = createRng(4);
    const n = 1000;
    const data = new Float64Array(n * 2);
    const yy = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const cls = rng.int(2);
      yy[r] = cls;
      data[r * 2] = cls === 1 ? Number.NaN : rng.float(); // missing exactly when the class is 1
      data[r * 2 + 1] = rng.float(); // noise
    }
    const forest = fitForestSync({ data, nRows: n, nFeatures: 2 }, yy, {
      task: 'classification',
      nEstimators: 10,
      seed: 1,
    });
    const probe = { data: new Float64Array([Number.NaN, 0.5, 0.3, 0.5]), nRows: 2, nFeatures: 2 };
    expect(Array.from(forest.predict(probe))).toEqual([1, 0]);
    expect(forest.featureImportances[0]).toBeGreaterThan(0.9);
  });

  it('sends missing values at predict time down the learned side', () => {
    // x0 < 0.5 is class 0, x0 >= 0.5 is class 1; missing values in training all belong to class 1
    const rng = createRng(9);
    const n = 600;
    const data = new Float64Array(n);
    const yy = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const v = rng.float();
      yy[r] = v >= 0.5 ? 1 : 0;
      data[r] = yy[r] === 1 && rng.float() < 0.3 ? Number.NaN : v;
    }
    const forest = fitForestSync({ data, nRows: n, nFeatures: 1 }, yy, {
      task: 'classification',
      nEstimators: 5,
    });
    expect(
      Array.from(forest.predict({ data: new Float64Array([Number.NaN, 0.1, 0.9]), nRows: 3, nFeatures: 1 })),
    ).toEqual([1, 0, 1]);
  });

  it('splits natively on sets of categories, and routes unseen categories as missing', () => {
    // category codes 0..5; classes: {0, 2, 4} -> 1, {1, 3, 5} -> 0: no threshold on the codes separates them
    const n = 1200;
    const rng = createRng(12);
    const data = new Float64Array(n);
    const yy = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const c = rng.int(6);
      data[r] = c;
      yy[r] = c % 2 === 0 ? 1 : 0;
    }
    const forest = fitForestSync({ data, nRows: n, nFeatures: 1 }, yy, {
      task: 'classification',
      nEstimators: 5,
      maxDepth: 1,
      featureKinds: ['categorical'],
    });
    const probe = { data: new Float64Array([0, 1, 2, 3, 4, 5]), nRows: 6, nFeatures: 1 };
    expect(Array.from(forest.predict(probe))).toEqual([1, 0, 1, 0, 1, 0]);
    // a depth-1 numeric forest cannot do this
    const numeric = fitForestSync({ data, nRows: n, nFeatures: 1 }, yy, {
      task: 'classification',
      nEstimators: 5,
      maxDepth: 1,
    });
    expect(accuracy(numeric.predict(probe), [1, 0, 1, 0, 1, 0])).toBeLessThan(1);
    // code 17 was never seen: it takes the missing path and still gets a valid probability
    const p = forest.predictProba({ data: new Float64Array([17]), nRows: 1, nFeatures: 1 });
    expect(p[0] + p[1]).toBeCloseTo(1, 6);
  });

  it('honours maxDepth, minSamplesLeaf and class weights', () => {
    const shallow = fitForestSync(train.X, train.y, { task: 'classification', nEstimators: 3, maxDepth: 2 });
    const nodes = shallow.arrays.treeOffsets[1] / 2;
    expect(nodes).toBeLessThanOrEqual(7);
    const leafy = fitForestSync(train.X, train.y, {
      task: 'classification',
      nEstimators: 3,
      minSamplesLeaf: 50,
    });
    const deep = fitForestSync(train.X, train.y, { task: 'classification', nEstimators: 3 });
    expect(leafy.arrays.nodes.length).toBeLessThan(deep.arrays.nodes.length / 5);
    // weighting class 0 heavily moves predictions towards it
    const heavy = fitForestSync(train.X, train.y, {
      task: 'classification',
      nEstimators: 20,
      minSamplesLeaf: 20,
      classWeight: { 0: 20 },
    });
    const plain = fitForestSync(train.X, train.y, {
      task: 'classification',
      nEstimators: 20,
      minSamplesLeaf: 20,
    });
    const count0 = (p: Float64Array) => p.filter((v) => v === 0).length;
    expect(count0(heavy.predict(test.X))).toBeGreaterThan(count0(plain.predict(test.X)));
  });

  it('predicts class 0, not its probability, with a one-class classifier (the path follows the task)', () => {
    const X = { data: Float64Array.from([0, 1, 2, 3]), nRows: 4, nFeatures: 1 };
    const forest = fitForestSync(X, new Float64Array(4), { task: 'classification', nEstimators: 3, seed: 1 });
    expect(forest.nClasses).toBe(1);
    expect(Array.from(forest.predict(X))).toEqual([0, 0, 0, 0]);
    expect(Array.from(forest.predictProba(X))).toEqual([1, 1, 1, 1]);
  });

  it('scores one row exactly as the matrix path does', () => {
    const forest = fitForestSync(train.X, train.y, { task: 'classification', nEstimators: 10 });
    const scorer = createScorer(forest.arrays);
    const all = forest.predictProba(test.X);
    const out = new Float64Array(3);
    for (let r = 0; r < 50; r++) {
      scorer.scoreRow(test.X.data, r * 10, out, 0);
      expect(Array.from(out)).toEqual(Array.from(all.subarray(r * 3, r * 3 + 3)));
    }
  });

  it('scores blocks with missing values and categories exactly as single rows', () => {
    // missing values in a third of the rows (so some nodes send them left), and a categorical feature
    const rng = createRng(21);
    const n = 2000;
    const d = 4;
    const data = new Float64Array(n * d);
    const yy = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const a = rng.float();
      const b = rng.float();
      const cat = rng.int(5);
      const miss = rng.float() < 0.3;
      data[r * d] = miss ? Number.NaN : a;
      data[r * d + 1] = b;
      data[r * d + 2] = cat;
      data[r * d + 3] = rng.float() < 0.2 ? Number.NaN : rng.float();
      yy[r] = (miss ? 1 : 0) ^ (a + b > 1 ? 1 : 0) ^ (cat === 3 ? 1 : 0);
    }
    const X = { data, nRows: n, nFeatures: d };
    const forest = fitForestSync(X, yy, {
      task: 'classification',
      nEstimators: 12,
      featureKinds: ['numeric', 'numeric', 'categorical', 'numeric'],
    });
    const flags = forest.arrays.nodes.filter((_, i) => i % 2 === 1).map((w) => w >>> 29);
    expect(flags.some((f) => (f & 2) !== 0)).toBe(true); // some node sends missing values left
    const scorer = createScorer(forest.arrays);
    const all = forest.predictProba(X);
    const out = new Float64Array(2);
    for (let r = 0; r < n; r += 7) {
      scorer.scoreRow(data, r * d, out, 0);
      expect(Array.from(out)).toEqual(Array.from(all.subarray(r * 2, r * 2 + 2)));
    }
  });

  it('keeps string labels out of the engine: the seed sample trains with class indices', () => {
    const Xs = {
      data: new Float64Array([5.1, 3.5, 1.4, 4.9, 3.0, 1.4, 6.2, 3.4, 5.4]),
      nRows: 3,
      nFeatures: 3,
    };
    const forest = fitForestSync(Xs, new Float64Array([0, 0, 1]), {
      task: 'classification',
      nEstimators: 10,
      seed: 0,
    });
    expect(forest.predict(Xs).length).toBe(3);
  });
});

describe('fitForest input shape', () => {
  it('says what X must be when given the row-major array alone (as the README once documented)', async () => {
    const data = Float64Array.from([1, 2, 3, 4]);
    const y = Float64Array.from([0, 1]);
    const message =
      'X must be a matrix { data: Float64Array (row-major), nRows, nFeatures }, not the array alone';
    expect(() => fitForestSync(data as never, y, { task: 'classification' })).toThrow(message);
    await expect(fitForest(data as never, y, { task: 'classification' })).rejects.toThrow(message);
  });
});
