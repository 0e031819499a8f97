import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findBin } from '../../src/forest/binning.js';
import { createScorer, walkTree } from '../../src/forest/compiled.js';
import {
  FEATURE_CATEGORICAL,
  type ForestArrays,
  type Link,
  type Matrix,
  MISSING_BIN,
} from '../../src/forest/types.js';
import { forestIssues } from '../../src/model/validate-forest.js';
import {
  expectSame,
  type RandomForestOptions,
  randomForest,
  rng,
  scoringRows,
} from '../model/forest-fixtures.js';

/**
 * Additive ensembles (imported gradient boosting) through every scorer path, against a plain walk written here
 * on its own: leaves summed in tree order, scaled only when averaging, plus the base scores, then the link.
 */
function reference(forest: ForestArrays, X: Matrix): Float64Array {
  const { aggregate, baseScores, link } = forest.additive!;
  const C = forest.nOutputs;
  const nTrees = forest.treeOffsets.length - 1;
  const out = new Float64Array(X.nRows * C);
  const bins = new Uint16Array(forest.nFeatures);
  for (let r = 0; r < X.nRows; r++) {
    for (let f = 0; f < forest.nFeatures; f++) {
      const v = X.data[r * X.nFeatures + f];
      const k = forest.categoryCounts[f];
      if (Number.isNaN(v)) bins[f] = MISSING_BIN;
      else if (forest.featureKinds[f] === FEATURE_CATEGORICAL)
        bins[f] = Number.isInteger(v) && v >= 0 && v < k ? v : MISSING_BIN;
      else bins[f] = findBin(forest.binEdges, forest.binEdgeOffsets[f], forest.binEdgeOffsets[f + 1], v);
    }
    const s = new Float64Array(C);
    for (let t = 0; t < nTrees; t++) {
      const leaf = walkTree(forest.nodes, forest.categoryCounts, forest.treeOffsets[t], bins, 0);
      for (let c = 0; c < C; c++) s[c] += forest.leafValues[leaf * C + c];
    }
    for (let c = 0; c < C; c++) s[c] = s[c] * (aggregate === 'sum' ? 1 : 1 / nTrees) + baseScores[c];
    out.set(applyLink(link, s), r * C);
  }
  return out;
}

function applyLink(link: Link, s: Float64Array): number[] {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  if (link === 'none') return [...s];
  if (link === 'logistic') return [...s].map(sig);
  if (link === 'logistic_binary') return [1 - sig(s[1]), sig(s[1])];
  const max = Math.max(...s);
  const e = [...s].map((v) => (link === 'softmax_zero' && Math.abs(v) <= 1e-7 ? 0 : Math.exp(v - max)));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (sum > 0 ? v / sum : 0));
}

/** A random forest turned additive: raw leaf scores of both signs, base scores, the given link. */
function additiveForest(
  seed: number,
  o: RandomForestOptions,
  link: Link,
  aggregate: 'sum' | 'average',
): ForestArrays {
  const forest = randomForest(seed, o);
  const r = rng(seed + 1);
  forest.leafValues = forest.leafValues.map(() => (r() < 0.1 ? 0 : (r() - 0.5) * 4));
  forest.additive = {
    aggregate,
    baseScores: Float64Array.from({ length: forest.nOutputs }, () => r() - 0.5),
    link,
  };
  return forest;
}

const cases: [string, RandomForestOptions, Link, 'sum' | 'average'][] = [
  [
    'binary, logistic_binary, categories',
    { task: 'classification', nTrees: 23, nFeatures: 6, nOutputs: 2, maxDepth: 7 },
    'logistic_binary',
    'sum',
  ],
  [
    'multi-class softmax, numeric only',
    { task: 'classification', nTrees: 30, nFeatures: 5, nOutputs: 3, maxDepth: 6, categoricalRate: 0 },
    'softmax',
    'sum',
  ],
  [
    'multi-class softmax_zero, averaged',
    { task: 'classification', nTrees: 9, nFeatures: 5, nOutputs: 4, maxDepth: 6 },
    'softmax_zero',
    'average',
  ],
  [
    'multi-output logistic',
    { task: 'classification', nTrees: 12, nFeatures: 4, nOutputs: 3, maxDepth: 5, categoricalRate: 0 },
    'logistic',
    'sum',
  ],
  [
    'regression, identity, numeric only',
    { task: 'regression', nTrees: 40, nFeatures: 6, nOutputs: 1, maxDepth: 6, categoricalRate: 0 },
    'none',
    'sum',
  ],
  [
    'regression, identity, categories',
    { task: 'regression', nTrees: 17, nFeatures: 6, nOutputs: 1, maxDepth: 8 },
    'none',
    'sum',
  ],
];

for (const engine of ['WebAssembly', 'JavaScript'])
  describe(`additive scoring (${engine}) against a plain walk`, () => {
    if (engine === 'JavaScript') {
      beforeAll(() => vi.stubGlobal('WebAssembly', undefined));
      afterAll(() => vi.unstubAllGlobals());
    }
    for (const [name, options, link, aggregate] of cases) {
      const forest = additiveForest(31 + options.nTrees, options, link, aggregate);
      const C = forest.nOutputs;

      it(`${name}: the forest is valid, with raw scores outside 0..1`, () => {
        expect(forestIssues(forest)).toEqual([]);
        expect(forest.leafValues.some((v) => v < 0)).toBe(true);
      });

      it(`${name}: blocks of rows and rows left over`, () => {
        const X = scoringRows(forest, 16384 + 21, 3);
        expectSame(createScorer(forest).scoreMatrix(X), reference(forest, X));
      });

      it(`${name}: small matrices and single rows`, () => {
        const scorer = createScorer(forest);
        for (let n = 1; n <= 9; n++) {
          const X = scoringRows(forest, n, 100 + n);
          expectSame(scorer.scoreMatrix(X), reference(forest, X));
        }
        const X = scoringRows(forest, 200, 7);
        const expected = reference(forest, X);
        const out = new Float64Array(C + 1);
        for (let r = 0; r < X.nRows; r++) {
          scorer.scoreRow(X.data, r * X.nFeatures, out, 1);
          expectSame(out.subarray(1), expected.subarray(r * C, r * C + C));
        }
      });
    }
  });

describe('validation of additive scoring', () => {
  const base = () =>
    additiveForest(
      5,
      { task: 'classification', nTrees: 3, nFeatures: 3, nOutputs: 3, maxDepth: 3 },
      'softmax',
      'sum',
    );

  it('rejects base scores of the wrong length, an unknown link, and a link that does not fit', () => {
    const short = base();
    short.additive!.baseScores = new Float64Array(2);
    expect(forestIssues(short).map((i) => i.path.join('.'))).toContain('additive.baseScores');
    const unknown = base();
    unknown.additive!.link = 'probit' as Link;
    expect(forestIssues(unknown).map((i) => i.path.join('.'))).toContain('additive.link');
    const binaryOfThree = base();
    binaryOfThree.additive!.link = 'logistic_binary';
    expect(
      forestIssues(binaryOfThree)
        .map((i) => i.message)
        .join(),
    ).toContain('does not fit');
  });

  it('rejects node statistics on an additive forest (explanations would be wrong)', () => {
    const f = base();
    f.nodeStats = { cover: new Float64Array(0), internalValues: new Float64Array(0) };
    expect(forestIssues(f).map((i) => i.path.join('.'))).toContain('nodeStats');
  });

  it('still rejects non-finite raw scores', () => {
    const f = base();
    f.leafValues[0] = Number.POSITIVE_INFINITY;
    expect(forestIssues(f).map((i) => i.path[0])).toContain('leafValues');
  });
});
