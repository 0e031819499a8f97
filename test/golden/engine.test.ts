/**
 * Golden tests: the engine pinned bit for bit. For fixed seeds and small data sets, fingerprints of the compiled
 * forest (nodes, leaf values, bin edges), of what it learned besides (importances, out-of-bag predictions) and of
 * scoreMatrix / scoreRow output. Any refactor of src/forest or a new scoring kernel must keep these exact: if
 * one changes on purpose (a new training rule), say why in the commit that updates the expected value.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createScorer } from '../../src/forest/compiled.js';
import { type FitOptions, fitForestSync } from '../../src/forest/fit.js';
import type { Matrix } from '../../src/forest/types.js';
import { makeClassification, makeFriedman } from '../forest/helpers.js';

function sha(...arrays: (ArrayBufferView | null)[]): string {
  const h = createHash('sha256');
  for (const a of arrays) {
    if (a === null) h.update('null');
    else h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/** Replaces about `rate` of the values of the listed features with NaN (deterministic). */
function withMissing(X: Matrix, features: number[], rate: number, seed: number): Matrix {
  const data = X.data.slice();
  let s = seed >>> 0;
  for (let r = 0; r < X.nRows; r++)
    for (const f of features) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      if (s / 2 ** 32 < rate) data[r * X.nFeatures + f] = Number.NaN;
    }
  return { ...X, data };
}

/** Turns feature f into categorical codes 0..k-1 (from its value), keeping NaN. */
function withCategory(X: Matrix, f: number, k: number): Matrix {
  const data = X.data.slice();
  for (let r = 0; r < X.nRows; r++) {
    const v = data[r * X.nFeatures + f];
    if (!Number.isNaN(v)) data[r * X.nFeatures + f] = Math.min(k - 1, Math.floor(((v + 1) / 2) * k));
  }
  return { ...X, data };
}

interface GoldenCase {
  name: string;
  X: Matrix;
  y: Float64Array;
  options: FitOptions;
  expected: { forest: string; learned: string; scores: string };
}

function classification(): { X: Matrix; y: Float64Array } {
  const { X, y } = makeClassification(600, 8, 11);
  return { X: withCategory(withCategory(withMissing(X, [0, 3, 6], 0.1, 5), 6, 7), 7, 40), y };
}

function regression(): { X: Matrix; y: Float64Array } {
  const { X, y } = makeFriedman(500, 7, 23);
  return { X: withMissing(X, [1, 4], 0.15, 9), y };
}

const cls = classification();
const reg = regression();
const cats = [
  'numeric',
  'numeric',
  'numeric',
  'numeric',
  'numeric',
  'numeric',
  'categorical',
  'categorical',
] as const;

const CASES: GoldenCase[] = [
  {
    name: 'classification, categories and missing values, defaults',
    ...cls,
    options: { task: 'classification', featureKinds: [...cats], nEstimators: 12, seed: 7, oobScore: true },
    expected: { forest: '6a73e4eec5243c87', learned: '204199752598320b', scores: '5437e1e9792fa5c9' },
  },
  {
    name: 'classification, entropy, balanced weights, depth 6, no bootstrap',
    ...cls,
    options: {
      task: 'classification',
      featureKinds: [...cats],
      nEstimators: 8,
      seed: 3,
      criterion: 'entropy',
      classWeight: 'balanced',
      maxDepth: 6,
      bootstrap: false,
      maxFeatures: 0.5,
      minSamplesLeaf: 3,
    },
    expected: { forest: 'cd11124412d64bc6', learned: '382158cacea1132a', scores: 'c8f666f98a7842c7' },
  },
  {
    name: 'classification, sample weights, balanced_subsample, maxSamples, 16 bins',
    ...cls,
    options: {
      task: 'classification',
      featureKinds: [...cats],
      nEstimators: 8,
      seed: 99,
      classWeight: 'balanced_subsample',
      maxSamples: 0.6,
      maxBins: 16,
      minSamplesSplit: 10,
      sampleWeight: Float64Array.from({ length: 600 }, (_, i) => 1 + (i % 3)),
    },
    expected: { forest: 'ea1d6e7ac974e54b', learned: '3b3dd8b02e167795', scores: 'dacec073277d7df1' },
  },
  {
    name: 'regression, missing values, out-of-bag',
    ...reg,
    options: { task: 'regression', nEstimators: 10, seed: 5, oobScore: true, maxFeatures: 'sqrt' },
    expected: { forest: 'a9017724e4a6fb00', learned: '0d6116935235b8a9', scores: 'e15f6a361dd04561' },
  },
  {
    name: 'regression, all features, depth 8',
    ...reg,
    options: { task: 'regression', nEstimators: 6, seed: 1, maxDepth: 8, minSamplesLeaf: 2 },
    expected: { forest: 'd979284a4da817e8', learned: 'c70f532435f7be25', scores: 'b31fc9823825f632' },
  },
];

/** Rows the forest never saw, with missing values and unseen categories. */
function probeRows(X: Matrix): Matrix {
  // More rows than one scoring block (8192), so blocks, their tail and single rows all take part.
  const n = 9001;
  const d = X.nFeatures;
  const data = new Float64Array(n * d);
  for (let r = 0; r < n; r++)
    for (let f = 0; f < d; f++) {
      const src = X.data[((r * 7919) % X.nRows) * d + f];
      data[r * d + f] =
        r % 13 === f ? Number.NaN : r % 17 === f ? 1e9 : Number.isNaN(src) ? src : src + (r % 5) * 0.01;
    }
  return { data, nRows: n, nFeatures: d };
}

describe('golden: the engine gives the same forests and scores, bit for bit', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const forest = fitForestSync(c.X, c.y, { ...c.options, nThreads: 1 });
      const a = forest.arrays;
      const probe = probeRows(c.X);
      const scorer = createScorer(a);
      const block = scorer.scoreMatrix(probe);
      const single = new Float64Array(block.length);
      for (let r = 0; r < probe.nRows; r++)
        scorer.scoreRow(probe.data, r * probe.nFeatures, single, r * a.nOutputs);
      expect(Array.from(single)).toEqual(Array.from(block));
      const got = {
        forest: sha(a.nodes, a.leafValues, a.binEdges, a.binEdgeOffsets, a.treeOffsets, a.categoryCounts),
        learned: sha(forest.featureImportances, forest.oobPrediction),
        scores: sha(block, forest.predict(probe)),
      };
      expect(got).toEqual(c.expected);
    });
  }
});
