import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findBin } from '../../src/forest/binning.js';
import { binCountsMissing, createScorer, walkTree } from '../../src/forest/compiled.js';
import { LANES } from '../../src/forest/score-lanes.js';
import { walkModuleBytes } from '../../src/forest/score-wasm.js';
import { rowModuleBytes } from '../../src/forest/score-wasm-row.js';
import { FEATURE_CATEGORICAL, type ForestArrays, type Matrix, MISSING_BIN } from '../../src/forest/types.js';
import { expectSame, type RandomForestOptions, randomForest, scoringRows } from '../model/forest-fixtures.js';

/**
 * Every path of the scorer (lanes of rows through a tree in blocks, several blocks, a few rows, one row through
 * lanes of trees) against the plain walk `walkTree`, bit for bit: leaf values summed per row in tree order, then
 * scaled by 1 / nTrees, as the scorer has always done.
 */
/** A value's bin as training bins it (findBin), not with the scorer's own branch-free search. */
function referenceBin(forest: ForestArrays, v: number, f: number): number {
  const k = forest.categoryCounts[f];
  if (Number.isNaN(v)) return MISSING_BIN;
  if (forest.featureKinds[f] === FEATURE_CATEGORICAL)
    return Number.isInteger(v) && v >= 0 && v < k ? v : MISSING_BIN;
  return findBin(forest.binEdges, forest.binEdgeOffsets[f], forest.binEdgeOffsets[f + 1], v);
}

function reference(forest: ForestArrays, X: Matrix): Float64Array {
  const C = forest.nOutputs;
  const nTrees = forest.treeOffsets.length - 1;
  const scale = nTrees > 0 ? 1 / nTrees : 0;
  const out = new Float64Array(X.nRows * C);
  const bins = new Uint16Array(forest.nFeatures);
  for (let r = 0; r < X.nRows; r++) {
    for (let f = 0; f < forest.nFeatures; f++) bins[f] = referenceBin(forest, X.data[r * X.nFeatures + f], f);
    for (let t = 0; t < nTrees; t++) {
      const leaf = walkTree(forest.nodes, forest.categoryCounts, forest.treeOffsets[t], bins, 0);
      for (let c = 0; c < C; c++) out[r * C + c] += forest.leafValues[leaf * C + c];
    }
    for (let c = 0; c < C; c++) out[r * C + c] *= scale;
  }
  return out;
}

const cases: [string, RandomForestOptions][] = [
  [
    'classification, categories',
    { task: 'classification', nTrees: 13, nFeatures: 7, nOutputs: 3, maxDepth: 9 },
  ],
  [
    'classification, float64 leaves, shuffled leaf numbers',
    {
      task: 'classification',
      nTrees: 9,
      nFeatures: 5,
      nOutputs: 4,
      maxDepth: 8,
      float64Rate: 0.5,
      pureRate: 0.2,
      shuffledLeaves: true,
      leafWord0: true,
    },
  ],
  ['regression, categories', { task: 'regression', nTrees: 17, nFeatures: 6, nOutputs: 1, maxDepth: 10 }],
  [
    'regression, numeric only',
    { task: 'regression', nTrees: 8, nFeatures: 4, nOutputs: 1, maxDepth: 12, categoricalRate: 0 },
  ],
  // numeric only: WebAssembly scores whole blocks (float32 and float64 leaf values)
  [
    'classification, numeric only',
    { task: 'classification', nTrees: 11, nFeatures: 6, nOutputs: 3, maxDepth: 12, categoricalRate: 0 },
  ],
  [
    'classification, numeric only, float64 leaves',
    {
      task: 'classification',
      nTrees: 5,
      nFeatures: 4,
      nOutputs: 5,
      maxDepth: 10,
      categoricalRate: 0,
      float64Rate: 0.3,
    },
  ],
  // numeric only, more trees than the single-row walk's lanes: lanes take the next tree as they finish
  [
    'classification, numeric only, 40 trees of mixed depths',
    { task: 'classification', nTrees: 40, nFeatures: 6, nOutputs: 3, maxDepth: 14, categoricalRate: 0 },
  ],
  [
    'regression, numeric only, 17 trees, float64 leaves',
    {
      task: 'regression',
      nTrees: 17,
      nFeatures: 5,
      nOutputs: 1,
      maxDepth: 16,
      categoricalRate: 0,
      float64Rate: 0.5,
    },
  ],
  [
    'classification, three trees, two classes',
    { task: 'classification', nTrees: 3, nFeatures: 3, nOutputs: 2, maxDepth: 6, categoricalRate: 0.5 },
  ],
  [
    'classification, one tree of one leaf',
    { task: 'classification', nTrees: 1, nFeatures: 2, nOutputs: 3, maxDepth: 0 },
  ],
];

for (const engine of ['WebAssembly', 'JavaScript'])
  describe(`scoring kernels (${engine}) against walkTree`, () => {
    // Without WebAssembly (old runtimes, a content security policy) the scorer walks in JavaScript.
    if (engine === 'JavaScript') {
      beforeAll(() => vi.stubGlobal('WebAssembly', undefined));
      afterAll(() => vi.unstubAllGlobals());
    }
    for (const [name, options] of cases)
      for (const seed of [1, 2]) {
        const forest = randomForest(seed * 7919 + options.nTrees, options);
        const C = forest.nOutputs;

        it(`${name} (seed ${seed}): blocks of rows, several blocks, and rows left over`, () => {
          const X = scoringRows(forest, 8192 * 2 + 13, seed);
          expectSame(createScorer(forest).scoreMatrix(X), reference(forest, X));
        });

        it(`${name} (seed ${seed}): counts every row's bins (binCounts) without changing the scores`, () => {
          // 8192 * 2 + 13 rows: full blocks and a short one; 5 rows: the path for fewer rows than lanes.
          for (const n of [8192 * 2 + 13, 5]) {
            const X = scoringRows(forest, n, seed + n);
            const counts = Array.from(
              { length: forest.nFeatures },
              (_, f) => new Float64Array(binCountsMissing(forest, f) + 1),
            );
            expectSame(createScorer(forest).scoreMatrix(X, undefined, counts), reference(forest, X));
            const expected = counts.map((c) => new Float64Array(c.length));
            for (let r = 0; r < n; r++)
              for (let f = 0; f < forest.nFeatures; f++) {
                const b = referenceBin(forest, X.data[r * X.nFeatures + f], f);
                expected[f][b === MISSING_BIN ? binCountsMissing(forest, f) : b]++;
              }
            expect(counts).toEqual(expected);
          }
        });

        it(`${name} (seed ${seed}): small matrices of 1 to 17 rows`, () => {
          const scorer = createScorer(forest);
          for (let n = 1; n <= 17; n++) {
            const X = scoringRows(forest, n, seed * 100 + n);
            expectSame(scorer.scoreMatrix(X), reference(forest, X));
          }
        });

        it(`${name} (seed ${seed}): single rows, at an offset, into an offset`, () => {
          const scorer = createScorer(forest);
          const X = scoringRows(forest, 300, seed + 50);
          const expected = reference(forest, X);
          const out = new Float64Array(C + 2).fill(Number.NaN);
          for (let r = 0; r < X.nRows; r++) {
            scorer.scoreRow(X.data, r * X.nFeatures, out, 2);
            expectSame(out.subarray(2), expected.subarray(r * C, r * C + C));
          }
        });
      }

    it('single rows through more trees than lanes: leaf values added in tree order', () => {
      // Leaf values with full 53-bit mantissas: the fixtures' own are sums of 32-bit fractions, exact in any order.
      for (const [task, C] of [
        ['classification', 3],
        ['regression', 1],
      ] as const) {
        const base = randomForest(11, {
          task,
          nTrees: 40,
          nFeatures: 6,
          nOutputs: C,
          maxDepth: 14,
          categoricalRate: 0,
        });
        const forest = { ...base, leafValues: base.leafValues.map((_, i) => Math.sin(i + 1) * 50) };
        const X = scoringRows(forest, 300, 11);
        const expected = reference(forest, X);
        const scorer = createScorer(forest);
        const out = new Float64Array(C);
        for (let r = 0; r < X.nRows; r++) {
          scorer.scoreRow(X.data, r * X.nFeatures, out, 0);
          expectSame(out, expected.subarray(r * C, r * C + C));
        }
      }
    });

    it('reuses a caller output buffer and overwrites it', () => {
      const forest = randomForest(5, cases[0][1]);
      const X = scoringRows(forest, 100, 5);
      const out = new Float64Array(100 * forest.nOutputs).fill(7);
      expect(createScorer(forest).scoreMatrix(X, out)).toBe(out);
      expectSame(out, reference(forest, X));
    });
  });

describe('the WebAssembly walk module', () => {
  it('stays under 4 KB, the largest module Chrome compiles synchronously on the main thread', () => {
    for (const float64 of [false, true]) expect(walkModuleBytes(LANES, float64).length).toBeLessThan(4096);
    expect(rowModuleBytes().length).toBeLessThan(4096);
  });

  it('falls back to the JavaScript walk when WebAssembly cannot allocate the memory', () => {
    const forest = randomForest(3, cases[2][1]);
    const X = scoringRows(forest, 40, 3);
    const refuse = class {
      constructor() {
        throw new RangeError('WebAssembly.Memory(): could not allocate memory');
      }
    };
    vi.stubGlobal('WebAssembly', { ...WebAssembly, Memory: refuse });
    try {
      expectSame(createScorer(forest).scoreMatrix(X), reference(forest, X));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
