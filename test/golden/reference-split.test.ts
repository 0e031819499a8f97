/**
 * The histogram split search against a brute-force reference. On tiny data sets where every distinct value gets
 * its own bin, a depth-1 tree over all features without bootstrap must choose exactly the split that an
 * exhaustive search over every partition of the rows chooses, and report the same impurity decrease.
 *
 * The reference below knows nothing of bins, histograms or sorted category orders: for each feature it lists
 * every way to send the rows left or right (every threshold between two distinct values, every subset of the
 * categories, missing values to either side) and scores each with the impurity formula as written in textbooks.
 * A data set whose best split is not unique (a tie within 1e-9) says nothing about the search, so it is skipped;
 * the test requires most data sets to count.
 *
 * Categorical features are checked for two classes and for regression, where ordering the categories by their
 * class-1 share or mean target is provably optimal (Breiman et al., CART, 1984). With more classes the engine
 * tries one ordering per class, a heuristic that an exhaustive search may beat, so multiclass cases are numeric.
 */
import { describe, expect, it } from 'vitest';
import { type FitOptions, prepareFit } from '../../src/forest/fit.js';
import { growTree } from '../../src/forest/grow-tree.js';
import { createRng, type Rng } from '../../src/forest/rng.js';
import {
  FLAG_SHIFT,
  type Matrix,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
} from '../../src/forest/types.js';

type Criterion = 'gini' | 'entropy' | 'squared_error';

interface Split {
  feature: number;
  /** Numeric: rows with a value <= threshold go left (Infinity: every present value). */
  threshold: number;
  /** Categorical: the codes that go left. */
  leftSet: number[] | null;
  missingLeft: boolean;
  decrease: number;
}

function impurity(ys: number[], criterion: Criterion, nClasses: number): number {
  const n = ys.length;
  if (criterion === 'squared_error') {
    const mean = ys.reduce((a, b) => a + b, 0) / n;
    return ys.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  }
  let out = criterion === 'gini' ? 1 : 0;
  for (let c = 0; c < nClasses; c++) {
    const p = ys.filter((v) => v === c).length / n;
    if (criterion === 'gini') out -= p * p;
    else if (p > 0) out -= p * Math.log2(p);
  }
  return out;
}

/** Weighted impurity decrease of sending the rows where `left` is true to the left (unnormalised, as the engine). */
function decrease(y: number[], left: boolean[], criterion: Criterion, nClasses: number): number {
  const l = y.filter((_, r) => left[r]);
  const r = y.filter((_, i) => !left[i]);
  return (
    y.length * impurity(y, criterion, nClasses) -
    l.length * impurity(l, criterion, nClasses) -
    r.length * impurity(r, criterion, nClasses)
  );
}

const midpoint = (a: number, b: number): number => a + (b - a) / 2;

/**
 * Every split of every feature. The same partition is listed once, in the engine's orientation: numeric splits
 * send the low values left; a categorical split sends left the side holding the category with the lowest
 * class-1 share (or mean target). When a feature has no missing value, missing values are sent to the side with
 * more rows (left on a tie), which is what a tree does with values it never saw.
 */
function allSplits(X: Matrix, y: number[], kinds: string[], criterion: Criterion, nClasses: number): Split[] {
  const { nRows: n, nFeatures: d, data } = X;
  const out: Split[] = [];
  for (let f = 0; f < d; f++) {
    const col = Array.from({ length: n }, (_, r) => data[r * d + f]);
    const missing = col.map((v) => Number.isNaN(v));
    const hasMissing = missing.some(Boolean);
    const present = [...new Set(col.filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
    const add = (
      goesLeft: (v: number) => boolean,
      threshold: number,
      leftSet: number[] | null,
      ml: boolean[],
    ) => {
      const base = col.map((v) => !Number.isNaN(v) && goesLeft(v));
      const nLeft = base.filter(Boolean).length;
      for (const missingLeft of hasMissing ? ml : [nLeft >= n - nLeft]) {
        const left = base.map((b, r) => b || (missing[r] && missingLeft));
        const k = left.filter(Boolean).length;
        if (k === 0 || k === n) continue;
        out.push({
          feature: f,
          threshold,
          leftSet,
          missingLeft,
          decrease: decrease(y, left, criterion, nClasses),
        });
      }
    };
    if (kinds[f] === 'numeric') {
      for (let i = 0; i + 1 < present.length; i++) {
        const t = midpoint(present[i], present[i + 1]);
        add((v) => v <= t, t, null, [false, true]);
      }
      // on missingness alone
      add(() => true, Number.POSITIVE_INFINITY, null, [false]);
    } else {
      const stat = (c: number) => {
        const ys = y.filter((_, r) => col[r] === c);
        return ys.reduce((a, b) => a + b, 0) / ys.length;
      };
      const lowest = present.reduce((a, c) => (stat(c) < stat(a) ? c : a));
      for (let mask = 1; mask < 1 << present.length; mask++) {
        const set = present.filter((_, i) => (mask >>> i) & 1);
        if (!set.includes(lowest)) continue; // the mirror image of a listed split
        add((v) => set.includes(v), Number.NaN, set, [false, true]);
      }
    }
  }
  return out;
}

/** The split the engine chose: the root of a depth-1 tree, and its impurity decrease. */
function engineSplit(
  X: Matrix,
  y: number[],
  kinds: string[],
  criterion: Criterion,
  seed: number,
): Split | null {
  const options: FitOptions = {
    task: criterion === 'squared_error' ? 'regression' : 'classification',
    criterion,
    featureKinds: kinds as ('numeric' | 'categorical')[],
    maxDepth: 1,
    maxFeatures: null,
    bootstrap: false,
    nEstimators: 1,
    seed,
  };
  const prep = prepareFit(X, Float64Array.from(y), options, false);
  const { binEdges, binEdgeOffsets } = prep;
  for (let f = 0; f < X.nFeatures; f++) {
    if (kinds[f] !== 'numeric') continue;
    const distinct = new Set<number>();
    for (let r = 0; r < X.nRows; r++) {
      const v = X.data[r * X.nFeatures + f];
      if (!Number.isNaN(v)) distinct.add(v);
    }
    // the premise: one bin per distinct value
    expect(binEdgeOffsets[f + 1] - binEdgeOffsets[f]).toBe(Math.max(0, distinct.size - 1));
  }
  const tree = growTree(prep.data, prep.cfg, seed);
  const { nodes } = tree;
  const flags = nodes[1] >>> FLAG_SHIFT;
  if (flags & NODE_LEAF) return null;
  const feature = nodes[0] & 0xffff;
  const bin = nodes[0] >>> 16;
  const nEdges = binEdgeOffsets[feature + 1] - binEdgeOffsets[feature];
  const categorical = (flags & NODE_CATEGORICAL) !== 0;
  let leftSet: number[] | null = null;
  if (categorical) {
    leftSet = [];
    for (let c = 0; c < prep.data.categoryCounts[feature]; c++)
      if ((nodes[2 + (c >>> 5)] >>> (c & 31)) & 1) leftSet.push(c);
  }
  for (let f = 0; f < X.nFeatures; f++) if (f !== feature) expect(tree.importances[f]).toBe(0);
  return {
    feature,
    threshold: categorical
      ? Number.NaN
      : bin < nEdges
        ? binEdges[binEdgeOffsets[feature] + bin]
        : Number.POSITIVE_INFINITY,
    leftSet,
    missingLeft: (flags & NODE_MISSING_LEFT) !== 0,
    decrease: tree.importances[feature],
  };
}

interface TinyData {
  X: Matrix;
  y: number[];
  kinds: string[];
}

/** Small integer values (exact midpoints), some missing; feature 2 categorical when `withCategory`. */
function tinyData(rng: Rng, criterion: Criterion, nClasses: number, withCategory: boolean): TinyData {
  const n = 8 + rng.int(17);
  const d = 3;
  const kinds = ['numeric', 'numeric', withCategory ? 'categorical' : 'numeric'];
  const data = new Float64Array(n * d);
  const y: number[] = [];
  for (let r = 0; r < n; r++) {
    data[r * d] = rng.int(7);
    data[r * d + 1] = rng.float() < 0.2 ? Number.NaN : rng.int(5) - 2;
    data[r * d + 2] = rng.float() < 0.15 ? Number.NaN : rng.int(withCategory ? 4 : 9);
    // a target that depends on the features, so that splits differ, plus noise
    const signal = data[r * d] + (data[r * d + 2] || 0) + rng.int(4);
    y.push(criterion === 'squared_error' ? signal + rng.float() : signal % nClasses);
  }
  return { X: { data, nRows: n, nFeatures: d }, y, kinds };
}

function check(criterion: Criterion, nClasses: number, withCategory: boolean, seed: number): void {
  const rng = createRng(seed);
  let compared = 0;
  let categorical = 0;
  let missingDirections = 0;
  const runs = 120;
  for (let run = 0; run < runs; run++) {
    const { X, y, kinds } = tinyData(rng, criterion, nClasses, withCategory);
    if (criterion !== 'squared_error' && new Set(y).size < 2) continue;
    if (withCategory) {
      // a tie between two categories' shares makes the engine's category order, and so its left set, arbitrary
      const stats = new Map<number, number[]>();
      for (let r = 0; r < X.nRows; r++) {
        const c = X.data[r * 3 + 2];
        if (!Number.isNaN(c)) stats.set(c, [...(stats.get(c) ?? []), y[r]]);
      }
      const means = [...stats.values()].map((ys) => ys.reduce((a, b) => a + b, 0) / ys.length);
      if (new Set(means).size !== means.length) continue;
    }
    const splits = allSplits(X, y, kinds, criterion, nClasses).sort((a, b) => b.decrease - a.decrease);
    const best = splits[0];
    if (splits.length > 1 && best.decrease - splits[1].decrease < 1e-9 * Math.max(1, best.decrease)) continue;
    const got = engineSplit(X, y, kinds, criterion, seed + run);
    const where = `${criterion}, run ${run}`;
    expect(got, where).not.toBeNull();
    if (!got) continue;
    expect({ ...got, decrease: 0 }, where).toEqual({ ...best, decrease: 0 });
    expect(Math.abs(got.decrease - best.decrease), where).toBeLessThan(1e-9 * Math.max(1, best.decrease));
    compared++;
    if (best.leftSet) categorical++;
    if (X.data.some((v, i) => i % 3 === best.feature && Number.isNaN(v))) missingDirections++;
  }
  // enough data sets had one best split, and they exercised what this test is about
  expect(compared).toBeGreaterThan(runs / 3);
  expect(missingDirections).toBeGreaterThan(3);
  if (withCategory) expect(categorical).toBeGreaterThan(3);
}

describe('the histogram split search matches an exhaustive search on tiny data', () => {
  it('gini, two classes, a categorical feature and missing values', () => check('gini', 2, true, 101));
  it('entropy, two classes, a categorical feature and missing values', () => check('entropy', 2, true, 202));
  it('gini, three classes, numeric features with missing values', () => check('gini', 3, false, 303));
  it('entropy, three classes, numeric features with missing values', () => check('entropy', 3, false, 404));
  it('squared_error, a categorical feature and missing values', () => check('squared_error', 1, true, 505));
  it('squared_error, numeric features with missing values', () => check('squared_error', 1, false, 606));
});
