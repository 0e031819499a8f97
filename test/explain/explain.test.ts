import { describe, expect, it } from 'vitest';
import { binRow, createScorer } from '../../src/forest/compiled.js';
import { createExplainer, type ExplainMethod } from '../../src/forest/explain.js';
import { childOf, type ExplainTree, explainTree } from '../../src/forest/explain-tree.js';
import { fitForestSync } from '../../src/forest/fit.js';
import { createRng } from '../../src/forest/rng.js';
import type { ForestArrays, Matrix } from '../../src/forest/types.js';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { reseal } from '../model/forest-fixtures.js';

/** n rows, 5 features: 0 numeric, 1 categorical (4 codes), 2 numeric with missing values, 3-4 noise. */
function mixedData(n: number, seed: number, task: 'classification' | 'regression') {
  const rng = createRng(seed);
  const d = 5;
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const x0 = rng.float();
    const cat = rng.int(4);
    const x2 = rng.float() < 0.2 ? Number.NaN : rng.float();
    data.set([x0, cat, x2, rng.float(), rng.float()], r * d);
    const s = 2 * x0 + (cat === 2 ? 1.5 : 0) + (Number.isNaN(x2) ? 1 : x2) + 0.3 * rng.float();
    y[r] = task === 'regression' ? s : s > 2.6 ? 2 : s > 1.6 ? 1 : 0;
  }
  const X: Matrix = { data, nRows: n, nFeatures: d };
  return { X, y, featureKinds: ['numeric', 'categorical', 'numeric', 'numeric', 'numeric'] as const };
}

function trainMixed(task: 'classification' | 'regression', n: number, extra: Record<string, unknown> = {}) {
  const { X, y, featureKinds } = mixedData(n, 7, task);
  const forest = fitForestSync(X, y, {
    task,
    nEstimators: 8,
    seed: 3,
    featureKinds: [...featureKinds],
    nThreads: 1,
    ...extra,
  });
  return { X, forest };
}

describe('local accuracy: base + contributions = the prediction', () => {
  for (const task of ['classification', 'regression'] as const)
    for (const method of ['path', 'shap'] as ExplainMethod[])
      it(`${task}, ${method}, with categories and missing values`, () => {
        const { X, forest } = trainMixed(task, 400);
        const C = forest.arrays.nOutputs;
        const scores = createScorer(forest.arrays).scoreMatrix(X);
        const explainer = createExplainer(forest.arrays);
        let sawMissing = false;
        for (let r = 0; r < 60; r++) {
          sawMissing ||= Number.isNaN(X.data[r * 5 + 2]);
          const { base, contributions } = explainer.explainRow(X.data, r * 5, method);
          for (let c = 0; c < C; c++) {
            let sum = base[c];
            for (let f = 0; f < 5; f++) sum += contributions[f * C + c];
            expect(Math.abs(sum - scores[r * C + c])).toBeLessThan(1e-9);
          }
        }
        expect(sawMissing).toBe(true);
      });

  it('a missing value and a category are credited to their own feature (one feature per categorical column)', () => {
    const { forest } = trainMixed('regression', 400);
    const explainer = createExplainer(forest.arrays);
    const a = explainer.explainRow([0.5, 2, Number.NaN, 0.5, 0.5], 0, 'shap').contributions;
    const b = explainer.explainRow([0.5, 0, 0.5, 0.5, 0.5], 0, 'shap').contributions;
    expect(a.length).toBe(5);
    // category 2 adds 1.5 to the target, a missing x2 counts as 1 (above any x2 value's mean of 0.5)
    expect(a[1]).toBeGreaterThan(b[1] + 0.5);
    expect(a[2]).toBeGreaterThan(b[2]);
  });
});

describe('attribution goes to the features that carry signal', () => {
  for (const method of ['path', 'shap'] as ExplainMethod[])
    it(`${method}: two signal features out of eight get almost all of it`, () => {
      const rng = createRng(11);
      const n = 600;
      const d = 8;
      const data = new Float64Array(n * d);
      const y = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        for (let f = 0; f < d; f++) data[r * d + f] = rng.float();
        y[r] = 3 * data[r * d + 2] - 2 * data[r * d + 5];
      }
      const X = { data, nRows: n, nFeatures: d };
      const forest = fitForestSync(X, y, {
        task: 'regression',
        nEstimators: 20,
        seed: 1,
        maxFeatures: 'all',
      });
      const explainer = createExplainer(forest.arrays);
      const total = new Float64Array(d);
      for (let r = 0; r < 100; r++) {
        const phi = explainer.explainRow(data, r * d, method).contributions;
        for (let f = 0; f < d; f++) total[f] += Math.abs(phi[f]);
      }
      const all = total.reduce((s, v) => s + v, 0);
      expect((total[2] + total[5]) / all).toBeGreaterThan(0.95);
    });
});

/** E[tree output | the features in S take the row's values], path-dependent: unknown features split by cover. */
function conditional(t: ExplainTree, i: number, bins: Uint16Array, inS: boolean[], c: number): number {
  if (t.feature[i] < 0) return t.values[i * t.nOutputs + c];
  if (inS[t.feature[i]]) return conditional(t, childOf(t, i, bins), bins, inS, c);
  const l = t.left[i];
  const r = t.right[i];
  return (
    (t.cover[l] * conditional(t, l, bins, inS, c) + t.cover[r] * conditional(t, r, bins, inS, c)) / t.cover[i]
  );
}

/** Exact Shapley values by enumerating every subset of features, for the forest mean, output c. */
function bruteForceShapley(arrays: ForestArrays, row: number[], c: number): number[] {
  const t = explainTree(arrays);
  const M = arrays.nFeatures;
  const bins = new Uint16Array(M);
  binRow(arrays, row, 0, bins, 0);
  const value = (mask: number): number => {
    const inS = Array.from({ length: M }, (_, f) => ((mask >> f) & 1) === 1);
    let s = 0;
    for (let k = 0; k < t.nTrees; k++) s += conditional(t, t.roots[k], bins, inS, c);
    return s / t.nTrees;
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(M).fill(0);
  for (let f = 0; f < M; f++)
    for (let mask = 0; mask < 1 << M; mask++) {
      if ((mask >> f) & 1) continue;
      const size = popcount(mask);
      const weight = (fact(size) * fact(M - size - 1)) / fact(M);
      phi[f] += weight * (value(mask | (1 << f)) - value(mask));
    }
  return phi;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

describe('shap equals exact Shapley values computed by brute force', () => {
  for (const task of ['classification', 'regression'] as const)
    it(`${task}: small trees, categories, missing values, a feature split on twice on a path`, () => {
      const { X, forest } = trainMixed(task, 300, { nEstimators: 4, maxDepth: 5 });
      const C = forest.arrays.nOutputs;
      const explainer = createExplainer(forest.arrays);
      for (let r = 0; r < 12; r++) {
        const row = Array.from(X.data.subarray(r * 5, r * 5 + 5));
        const phi = explainer.explainRow(row, 0, 'shap').contributions;
        for (let c = 0; c < C; c++) {
          const exact = bruteForceShapley(forest.arrays, row, c);
          for (let f = 0; f < 5; f++) expect(Math.abs(phi[f * C + c] - exact[f])).toBeLessThan(1e-9);
        }
      }
      // the duplicate-feature branch of the algorithm must have run: some path repeats a feature
      const t = explainTree(forest.arrays);
      let repeats = false;
      const walk = (i: number, seen: Set<number>): void => {
        if (t.feature[i] < 0) return;
        if (seen.has(t.feature[i])) repeats = true;
        const next = new Set(seen).add(t.feature[i]);
        walk(t.left[i], next);
        walk(t.right[i], next);
      };
      for (const root of t.roots) walk(root, new Set());
      expect(repeats).toBe(true);
    });
});

describe('a forest without node statistics cannot explain, and says so', () => {
  it('a format 1.0 model file gives MLI_CANNOT_EXPLAIN', () => {
    const { forest } = trainMixed('classification', 200);
    const { nodeStats: _, ...old } = forest.arrays;
    const bytes = encodeModel({ metadata: {}, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const loaded = decodeModel(reseal(bytes)).forest;
    expect(() => createExplainer(loaded)).toThrow(
      expect.objectContaining({ code: 'MLI_CANNOT_EXPLAIN', message: expect.stringContaining('format 1.1') }),
    );
  });

  it('an unknown method is an option error naming the methods', () => {
    const { forest } = trainMixed('regression', 200);
    expect(() =>
      createExplainer(forest.arrays).explainRow([0, 0, 0, 0, 0], 0, 'lime' as ExplainMethod),
    ).toThrow(
      expect.objectContaining({ code: 'MLI_INVALID_OPTION', message: expect.stringContaining('path, shap') }),
    );
  });
});
