// joinForests on random compiled forests whose parts have their own bin edges and category counts, some
// with leaves numbered out of node order: the joined forest must give, for every row, the parts' mean
// weighted by their tree counts. Rows hit every edge exactly, fall between and beyond them, are missing,
// and carry codes some parts never saw.
import { describe, expect, it } from 'vitest';
import { FEATURE_CATEGORICAL, type ForestArrays } from '../../src/forest/types.js';
import { identityMapping, joinForests, type PartMapping } from '../../src/model/merge-forest.js';
import { randomForest, referencePredict, rng } from './forest-fixtures.js';

/** Random forests of the same feature kinds (seeds are skipped until the kinds match the first part's). */
function parts(seed: number, n: number, task: 'classification' | 'regression'): ForestArrays[] {
  const o = { task, nTrees: 1 + (seed % 4), nFeatures: 4, nOutputs: 3, maxDepth: 5, categoricalRate: 0.5 };
  const out = [randomForest(seed, { ...o, shuffledLeaves: true })];
  for (let s = seed * 1000 + 1; out.length < n; s++) {
    const f = randomForest(s, { ...o, nTrees: 1 + (s % 3), shuffledLeaves: s % 2 === 0, leafWord0: true });
    if (f.featureKinds.every((k, j) => k === out[0].featureKinds[j])) out.push(f);
  }
  return out;
}

/** Codes mean the same in every part; a code at or past a part's count is missing for it. */
function mappingOf(a: ForestArrays, counts: Uint32Array): PartMapping {
  const { classes } = identityMapping(a);
  const codes = Array.from(a.featureKinds, (k, f) =>
    k === FEATURE_CATEGORICAL
      ? Int32Array.from({ length: counts[f] }, (_, c) => (c < a.categoryCounts[f] ? c : -1))
      : null,
  );
  return { codes, classes };
}

function rows(ps: ForestArrays[], seed: number): number[][] {
  const r = rng(seed);
  const d = ps[0].nFeatures;
  const out: number[][] = [];
  const candidates: number[][] = Array.from({ length: d }, (_, f) => {
    if (ps[0].featureKinds[f] === FEATURE_CATEGORICAL) {
      const max = Math.max(...ps.map((p) => p.categoryCounts[f]));
      return [Number.NaN, -1, 0.5, ...Array.from({ length: max + 2 }, (_, c) => c)];
    }
    const edges = ps.flatMap((p) =>
      Array.from(p.binEdges.subarray(p.binEdgeOffsets[f], p.binEdgeOffsets[f + 1])),
    );
    return [Number.NaN, -1e9, 1e9, ...edges, ...edges.map((e) => e + 1e-9), ...edges.map((e) => e - 1e-9)];
  });
  for (let i = 0; i < 400; i++) out.push(candidates.map((c) => c[Math.floor(r() * c.length)]));
  return out;
}

describe('joinForests', () => {
  for (const task of ['classification', 'regression'] as const)
    it(`${task}: the joined forest is the parts' tree-weighted mean on every row (30 random sets of parts)`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const ps = parts(seed, 1 + (seed % 4), task);
        const counts = Uint32Array.from(ps[0].categoryCounts, (_, f) =>
          Math.max(...ps.map((p) => p.categoryCounts[f])),
        );
        // trees dealt round-robin between the parts, as shards own them
        const nTrees = ps.reduce((s, p) => s + p.treeOffsets.length - 1, 0);
        const left = ps.map((p) => p.treeOffsets.length - 1);
        const trees: number[][] = ps.map(() => []);
        for (let k = 0, i = 0; k < nTrees; i = (i + 1) % ps.length)
          if (left[i] > 0) {
            left[i]--;
            trees[i].push(k++);
          }
        const joined = joinForests(
          ps.map((arrays, i) => ({ arrays, trees: trees[i], mapping: mappingOf(arrays, counts) })),
          nTrees,
          { nOutputs: ps[0].nOutputs, categoryCounts: counts },
        );
        for (const row of rows(ps, seed)) {
          const want = new Array(ps[0].nOutputs).fill(0);
          for (const p of ps) {
            const w = (p.treeOffsets.length - 1) / nTrees;
            const own = referencePredict(p, row);
            for (let c = 0; c < want.length; c++) want[c] += w * own[c];
          }
          const got = referencePredict(joined, row);
          for (let c = 0; c < want.length; c++)
            expect(got[c], `seed ${seed}, row ${row}`).toBeCloseTo(want[c], 9);
        }
      }
    });

  it('leaves a forest joined with itself alone, word for word', () => {
    const a = randomForest(7, { task: 'classification', nTrees: 5, nFeatures: 6, nOutputs: 4, maxDepth: 6 });
    const joined = joinForests([{ arrays: a, trees: [0, 1, 2, 3, 4], mapping: identityMapping(a) }], 5, a);
    expect(joined.nodes).toEqual(a.nodes);
    expect(joined.leafValues).toEqual(a.leafValues);
  });

  it('refuses a union of more bin edges than the 16-bit bins hold, naming the feature', () => {
    const part = (offset: number): ForestArrays => ({
      task: 'regression',
      nFeatures: 1,
      nOutputs: 1,
      featureKinds: new Uint8Array(1),
      categoryCounts: new Uint32Array(1),
      binEdges: Float64Array.from({ length: 40_000 }, (_, k) => 2 * k + offset),
      binEdgeOffsets: Uint32Array.of(0, 40_000),
      treeOffsets: Uint32Array.of(0, 2),
      nodes: Int32Array.of(0, 1 << 29),
      leafValues: Float64Array.of(1),
    });
    const [a, b] = [part(0), part(1)];
    expect(() =>
      joinForests(
        [
          { arrays: a, trees: [0], mapping: identityMapping(a) },
          { arrays: b, trees: [1], mapping: identityMapping(b) },
        ],
        2,
        { nOutputs: 1, categoryCounts: new Uint32Array(1) },
      ),
    ).toThrow('feature 0 has 80000 bin edges, at most 65534');
  });

  it('refuses additive forests (imported boosting), which are no average of their parts', () => {
    const a = randomForest(3, { task: 'regression', nTrees: 2, nFeatures: 2, nOutputs: 1, maxDepth: 3 });
    const additive = {
      ...a,
      additive: { aggregate: 'sum' as const, baseScores: Float64Array.of(0), link: 'identity' as never },
    };
    expect(() =>
      joinForests([{ arrays: additive, trees: [0, 1], mapping: identityMapping(a) }], 2, a),
    ).toThrow('additive (imported boosted) forests cannot be merged');
  });
});
