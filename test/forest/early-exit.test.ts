import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { argmax } from '../../src/forest/argmax.js';
import { binCountsMissing, createScorer } from '../../src/forest/compiled.js';
import * as earlyExit from '../../src/forest/early-exit.js';
import { createExitBounds, decidedClass, EXIT_EVERY } from '../../src/forest/early-exit.js';
import { fitForestSync } from '../../src/forest/fit.js';
import { FLAG_SHIFT, type ForestArrays, type Matrix, NODE_LEAF } from '../../src/forest/types.js';
import {
  type RandomForestOptions,
  randomForest,
  rng,
  scoringRows as rows,
} from '../model/forest-fixtures.js';

// Spies on settleRows (the module's own function still runs) to see that rows do leave early: the labels
// alone cannot tell, being the same by construction.
vi.mock('../../src/forest/early-exit.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/forest/early-exit.js')>();
  return { ...original, settleRows: vi.fn(original.settleRows) };
});

/** The full walk's labels: every tree, scaled sums, argmax (ties to the lowest class). */
function fullLabels(forest: ForestArrays, X: Matrix): Int32Array {
  const scores = createScorer(forest).scoreMatrix(X);
  const C = forest.nOutputs;
  return Int32Array.from({ length: X.nRows }, (_, r) => argmax(scores, r * C, C));
}

/** Rows that left early in the spied settleRows calls since the last clear. */
function rowsThatLeft(): number {
  const spy = vi.mocked(earlyExit.settleRows);
  let left = 0;
  spy.mock.calls.forEach((call, i) => {
    left += call[3] - (spy.mock.results[i].value as number);
  });
  return left;
}

/**
 * A random forest whose leaves are mostly (`agree`) one-hot, most of them for class 0, so that many rows are
 * decided before the last tree, with every structure the walk has (categorical and missing-left nodes,
 * float32 and float64 leaves).
 */
function votingForest(seed: number, o: RandomForestOptions, agree: number): ForestArrays {
  const forest = randomForest(seed, o);
  const r = rng(seed + 1);
  const C = forest.nOutputs;
  const n = forest.leafValues.length / C;
  for (let leaf = 0; leaf < n; leaf++) {
    if (r() >= agree) continue;
    forest.leafValues.fill(0, leaf * C, leaf * C + C);
    forest.leafValues[leaf * C + (r() < 0.7 ? 0 : 1 + Math.floor(r() * (C - 1)))] = 1;
  }
  return forest;
}

/** A forest trained on data whose class follows the features: its trees agree on most rows. */
function trainedForest(seed: number, nClasses: number, nTrees: number): { forest: ForestArrays; X: Matrix } {
  const r = rng(seed);
  const n = 3000;
  const d = 6;
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < d; f++) {
      // feature 5 is categorical (codes 0..5)
      const v = f === 5 ? Math.floor(r() * 6) : r() * 4 - 2;
      data[i * d + f] = r() < 0.05 ? Number.NaN : v;
      s += f === 5 ? (v % 2) * 0.8 : v * (f + 1) * 0.3;
    }
    y[i] = Math.min(nClasses - 1, Math.max(0, Math.floor(s + nClasses / 2)));
    if (r() < 0.1) y[i] = Math.floor(r() * nClasses);
  }
  const X = { data, nRows: n, nFeatures: d };
  const fitted = fitForestSync(X, y, {
    task: 'classification',
    nEstimators: nTrees,
    seed,
    featureKinds: ['numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'categorical'],
  });
  return { forest: fitted.arrays, X };
}

const structures: [string, RandomForestOptions][] = [
  ['categories', { task: 'classification', nTrees: 40, nFeatures: 7, nOutputs: 3, maxDepth: 9 }],
  [
    'numeric only, float64 leaves',
    {
      task: 'classification',
      nTrees: 33,
      nFeatures: 5,
      nOutputs: 6,
      maxDepth: 10,
      categoricalRate: 0,
      float64Rate: 0.3,
      shuffledLeaves: true,
    },
  ],
  [
    'numeric only, two classes',
    { task: 'classification', nTrees: 64, nFeatures: 4, nOutputs: 2, maxDepth: 8, categoricalRate: 0 },
  ],
  ['many classes', { task: 'classification', nTrees: 25, nFeatures: 6, nOutputs: 12, maxDepth: 9 }],
];

for (const engine of ['WebAssembly', 'JavaScript'])
  describe(`scoreLabels with early exit (${engine}): the full walk's labels`, () => {
    if (engine === 'JavaScript') {
      beforeAll(() => vi.stubGlobal('WebAssembly', undefined));
      afterAll(() => vi.unstubAllGlobals());
    }

    for (const [name, options] of structures)
      it(`random forests, ${name}: same labels, and rows leave early`, () => {
        for (const seed of [1, 2, 3]) {
          const forest = votingForest(seed * 31 + options.nTrees, options, 0.9);
          // two full blocks and a short one, and a tail of fewer rows than lanes
          const X = rows(forest, 16384 * 2 + 1000 + 5, seed);
          vi.mocked(earlyExit.settleRows).mockClear();
          expect(Array.from(createScorer(forest).scoreLabels(X))).toEqual(Array.from(fullLabels(forest, X)));
          expect(rowsThatLeft()).toBeGreaterThan(X.nRows / 4);
        }
      });

    for (const nClasses of [2, 3, 7])
      it(`trained forests (${nClasses} classes, categories, missing values): same labels as predictProba's argmax`, () => {
        const { forest, X } = trainedForest(nClasses, nClasses, 48);
        vi.mocked(earlyExit.settleRows).mockClear();
        const labels = createScorer(forest).scoreLabels(X);
        expect(Array.from(labels)).toEqual(Array.from(fullLabels(forest, X)));
        expect(rowsThatLeft()).toBeGreaterThan(X.nRows / 4);
        expect(new Set(labels).size).toBe(nClasses);
      });

    it('writes into a caller buffer and counts every row bin as scoreMatrix does', () => {
      const forest = votingForest(9, structures[0][1], 0.9);
      const X = rows(forest, 20000, 9);
      const counts = () =>
        Array.from({ length: forest.nFeatures }, (_, f) => new Float64Array(binCountsMissing(forest, f) + 1));
      const fromLabels = counts();
      const fromScores = counts();
      const out = new Int32Array(X.nRows).fill(-7);
      expect(createScorer(forest).scoreLabels(X, out, fromLabels)).toBe(out);
      createScorer(forest).scoreMatrix(X, undefined, fromScores);
      expect(fromLabels).toEqual(fromScores);
      expect(Array.from(out)).toEqual(Array.from(fullLabels(forest, X)));
    });
  });

/**
 * Two classes, nTrees stumps on feature 0 (bin 0 left, bin 1 right) with one-hot leaves: tree t votes
 * `votes(t, side)`. Rows with x0 = 0 go left, x0 = 1 right.
 */
function stumps(nTrees: number, votes: (t: number, side: 0 | 1) => number, values = [0, 1]): ForestArrays {
  const nodes: number[] = [];
  const leafValues: number[] = [];
  const treeOffsets = [0];
  for (let t = 0; t < nTrees; t++) {
    const p = nodes.length;
    nodes.push(0, p + 4);
    for (const side of [0, 1] as const) {
      nodes.push(0, (NODE_LEAF << FLAG_SHIFT) | (leafValues.length / 2));
      const v = votes(t, side);
      leafValues.push(v === 0 ? values[1] : values[0], v === 0 ? values[0] : values[1]);
    }
    treeOffsets.push(nodes.length);
  }
  return {
    task: 'classification',
    nFeatures: 1,
    nOutputs: 2,
    featureKinds: new Uint8Array(1),
    categoryCounts: new Uint32Array(1),
    binEdges: Float64Array.of(0.5),
    binEdgeOffsets: Uint32Array.of(0, 1),
    treeOffsets: Uint32Array.from(treeOffsets),
    nodes: Int32Array.from(nodes),
    leafValues: Float64Array.from(leafValues),
  };
}

/** 64 rows (the block walk), alternating x0 = 0 and x0 = 1. */
const stumpRows: Matrix = {
  data: Float64Array.from({ length: 64 }, (_, i) => i % 2),
  nRows: 64,
  nFeatures: 1,
};

describe('early exit at its boundary', () => {
  it('a tie at the last tree goes to the lowest class, though the other class led by the remaining trees', () => {
    // 16 trees: the first 8 vote class 1, the last 8 class 0. After 8 trees class 1 leads by 8 with 8 trees
    // to go: not more than they can change, so no exit, and the 8-8 tie goes to class 0.
    const forest = stumps(16, (t) => (t < 8 ? 1 : 0));
    expect(Array.from(createScorer(forest).scoreLabels(stumpRows))).toEqual(new Array(64).fill(0));
    expect(Array.from(fullLabels(forest, stumpRows))).toEqual(new Array(64).fill(0));
  });

  it('a lead of exactly the remaining trees does not exit; one more tree does', () => {
    const bounds = createExitBounds(stumps(16, () => 0))!;
    // after 8 trees, 8 to go: class 1 ahead by 8 is not decided, by 8 plus a little more than the slack is
    expect(decidedClass(bounds, 8, Float64Array.of(0, 8), 0)).toBe(-1);
    expect(decidedClass(bounds, 8, Float64Array.of(0, 8 + bounds.slack / 2), 0)).toBe(-1);
    expect(decidedClass(bounds, 8, Float64Array.of(0, 8 + 4 * bounds.slack), 0)).toBe(1);
    expect(decidedClass(bounds, 8, Float64Array.of(8.5, 0), 0)).toBe(0);
    expect(decidedClass(bounds, 16, Float64Array.of(3, 3), 0)).toBe(-1);
    expect(bounds.slack).toBeGreaterThan(0);
    expect(bounds.slack).toBeLessThan(1e-10);
  });

  it('rows decided by the first 9 of 16 trees leave at the first check that can tell, with their label', () => {
    // right rows: 9 votes for class 1 first, then 7 for class 0 (class 1 by 9-7); left rows: all class 0
    const forest = stumps(16, (t, side) => (side === 1 && t < 9 ? 1 : 0));
    vi.mocked(earlyExit.settleRows).mockClear();
    const labels = createScorer(forest).scoreLabels(stumpRows);
    expect(Array.from(labels)).toEqual(Array.from({ length: 64 }, (_, i) => i % 2));
    // after 8 trees (the only check): the last 7 trees vote class 0 on both sides, and the bounds know it.
    // Left rows (8-0 for class 0) are decided; right rows (8-0 for class 1, but at most 9-7) stay.
    expect(rowsThatLeft()).toBe(32);
    const unanimous = stumps(32, (_, side) => side);
    vi.mocked(earlyExit.settleRows).mockClear();
    expect(Array.from(createScorer(unanimous).scoreLabels(stumpRows))).toEqual(
      Array.from({ length: 64 }, (_, i) => i % 2),
    );
    // 32 trees: no check after 8 trees (no lead can be decided), none decided after 16 (a lead of 16 with 16
    // to go), every row after 24 (24 against 8)
    expect(rowsThatLeft()).toBe(64);
    expect(vi.mocked(earlyExit.settleRows).mock.calls.map((c) => c[1])).toEqual([16, 24]);
  });

  it('ties of float sums: leaf values that round, summed in tree order, give the full walk label', () => {
    // leaf values 0.1 and 0.2 (float32-rounded, as a model stores them): sums of many trees round differently
    // per order; the labels must be the full walk's whatever the rounding
    for (const [a, b] of [
      [0.1, 0.2],
      [0.3, 0.7],
      [1 / 3, 2 / 3],
    ]) {
      const values = [Math.fround(a), Math.fround(b)];
      for (const split of [7, 8, 9, 15, 16, 17]) {
        const forest = stumps(32, (t, side) => (t < split ? side : 1 - side), values);
        expect(Array.from(createScorer(forest).scoreLabels(stumpRows))).toEqual(
          Array.from(fullLabels(forest, stumpRows)),
        );
      }
    }
  });
});

describe('createExitBounds', () => {
  it('is null where early exit is not valid: regression, additive ensembles, one class, non-finite leaves', () => {
    const classification = randomForest(4, structures[0][1]);
    expect(createExitBounds(classification)).not.toBeNull();
    expect(createExitBounds(randomForest(4, { ...structures[0][1], task: 'regression' }))).toBeNull();
    expect(
      createExitBounds({
        ...classification,
        additive: { aggregate: 'sum', baseScores: new Float64Array(3), link: 'softmax' },
      }),
    ).toBeNull();
    const oneClass = stumps(4, () => 0);
    expect(
      createExitBounds({ ...oneClass, nOutputs: 1, leafValues: Float64Array.of(1, 1, 1, 1, 1, 1, 1, 1) }),
    ).toBeNull();
    const leafValues = classification.leafValues.slice();
    leafValues[5] = Number.POSITIVE_INFINITY;
    expect(createExitBounds({ ...classification, leafValues })).toBeNull();
  });

  it('an additive forest still gets argmax labels from scoreLabels (every tree walked)', () => {
    const forest: ForestArrays = {
      ...randomForest(6, structures[0][1]),
      additive: { aggregate: 'sum', baseScores: Float64Array.of(0.5, -1, 0), link: 'softmax' },
    };
    const X = rows(forest, 5000, 6);
    vi.mocked(earlyExit.settleRows).mockClear();
    expect(Array.from(createScorer(forest).scoreLabels(X))).toEqual(Array.from(fullLabels(forest, X)));
    expect(vi.mocked(earlyExit.settleRows)).not.toHaveBeenCalled();
  });

  it('checks only where a row may be decided: from the middle of a forest of one-hot leaves', () => {
    const bounds = createExitBounds(stumps(32, (_, side) => side))!;
    const first = bounds.mayDecide.indexOf(1);
    // trees that always vote class 0 decide every row before the first tree
    expect(createExitBounds(stumps(32, () => 0))!.mayDecide[0]).toBe(1);
    // a lead of t trees against 32 - t remaining: 17 is the first that can exceed them; 16 that can reach
    // them (checked: the slack makes the skip err on the side of checking)
    expect(first).toBe(16);
    expect(EXIT_EVERY).toBeGreaterThan(1);
  });
});
