// Sharded training and merge, every shard reading all the data: the merged forest is the unsharded one,
// word for word, whatever the number of shards, and the merge refuses parts that do not belong together,
// listing every problem with its path.
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../src/data/table.js';
import { isMlinferError, type MlinferError } from '../../src/errors.js';
import { fitForestSync } from '../../src/forest/fit.js';
import { encodeForestSections } from '../../src/model/forest-sections.js';
import { mergeModels, modelFromForests } from '../../src/model/merge.js';
import { type Model, modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { makeClassification } from '../forest/helpers.js';
import { randomTable } from './shard-helpers.js';

const catch_ = (f: () => unknown): MlinferError => {
  try {
    f();
  } catch (e) {
    if (isMlinferError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
};

/** The shards of a training, each saved and loaded back as the CLI would. */
async function shards(
  data: Record<string, Cell>[],
  n: number,
  options: Record<string, unknown>,
): Promise<Model[]> {
  const parts: Model[] = [];
  for (let i = 0; i < n; i++) {
    const part = await train(data, { ...options, nThreads: 1, shard: { index: i, count: n } });
    parts.push(modelFromBytes(modelToBytes(part)));
  }
  return parts;
}

describe('train with shard', () => {
  it('grows the trees k mod n = i, and its card says so', async () => {
    const data = randomTable(1, 120, 'classification');
    const [part] = await shards(data, 1, { nEstimators: 7, seed: 3 });
    const p = await train(data, { nEstimators: 7, seed: 3, nThreads: 1, shard: { index: 2, count: 3 } });
    expect(p.metadata.shard).toEqual({
      index: 2,
      count: 3,
      totalTrees: 7,
      treeIndices: [2, 5],
      data: 'trees',
    });
    expect(p.forest.arrays.treeOffsets.length - 1).toBe(2);
    expect(p.metadata.params.nEstimators).toBe(7);
    expect(part.metadata.shard?.treeIndices).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses a shard that is not i/n with i < n, one beyond the trees, and tuning', async () => {
    const data = randomTable(1, 60, 'classification');
    await expect(train(data, { shard: { index: 2, count: 2 } })).rejects.toThrow(
      'shard must be { index, count } with integers 0 <= index < count, got {"index":2,"count":2}',
    );
    await expect(train(data, { nEstimators: 3, shard: { index: 3, count: 4 } })).rejects.toThrow(
      'shard must be a shard that grows a tree (index < nEstimators = 3)',
    );
    await expect(train(data, { tune: true, shard: { index: 0, count: 2 } })).rejects.toThrow(
      'tune cannot be sharded',
    );
  });
});

describe('mergeModels, shards that read all the data', () => {
  for (const task of ['classification', 'regression'] as const)
    it(`${task}: merging the n shards gives the unsharded forest, bit for bit (n = 1, 2, 3, 5, 9)`, async () => {
      for (const [seed, n] of [
        [11, 1],
        [12, 2],
        [13, 3],
        [14, 5],
        [15, 9],
      ]) {
        const data = randomTable(seed, 150 + seed * 7, task);
        const options = { nEstimators: 9, seed, maxFeatures: 'all' as const, testSize: 0.2 };
        const whole = await train(data, { ...options, nThreads: 1 });
        const merged = mergeModels(await shards(data, n, options));
        const a = whole.forest.arrays;
        const b = merged.forest.arrays;
        for (const key of [
          'treeOffsets',
          'nodes',
          'leafValues',
          'binEdges',
          'binEdgeOffsets',
          'categoryCounts',
        ] as const)
          expect(b[key], `${key}, ${n} shards`).toEqual(a[key]);
        expect(b.nodeStats).toEqual(a.nodeStats);
        // The model file's forest sections are the same bytes.
        expect(encodeForestSections(b)).toEqual(encodeForestSections(a));
        expect(merged.schema).toEqual(whole.schema);
        expect(merged.metadata.trainingRows).toBe(whole.metadata.trainingRows);
        expect(merged.metadata.dataHash).toBe(whole.metadata.dataHash);
        const imp = whole.metadata.featureImportances;
        for (const [k, v] of Object.entries(merged.metadata.featureImportances))
          expect(v).toBeCloseTo(imp[k], 12);
        expect(merged.metadata.merged?.parts).toHaveLength(n);
        expect(merged.metadata.shard).toBeUndefined();
        expect(merged.metadata.metrics).toEqual({});
        // and it survives its own file
        expect(modelFromBytes(modelToBytes(merged)).forest.arrays.nodes).toEqual(a.nodes);
      }
    });

  it('keeps the training profile: the shared feature and target counts, the shards’ predicted classes averaged', async () => {
    const data = randomTable(5, 150, 'classification');
    const parts = await shards(data, 3, { nEstimators: 6, seed: 4 });
    const whole = await train(data, { nEstimators: 6, seed: 4, nThreads: 1 });
    const merged = modelFromBytes(modelToBytes(mergeModels(parts)));
    const profile = merged.profile!;
    expect(profile.features).toEqual(whole.profile!.features);
    expect(profile.target).toEqual(whole.profile!.target);
    const expected = parts[0].profile!.prediction.counts.map((_, i) =>
      Math.round(parts.reduce((s, p) => s + p.profile!.prediction.counts[i], 0) / 3),
    );
    expect([...profile.prediction.counts]).toEqual([...expected]);
  });

  it('takes the parts in any order', async () => {
    const data = randomTable(4, 100, 'classification');
    const parts = await shards(data, 3, { nEstimators: 6, seed: 4 });
    const inOrder = mergeModels(parts);
    expect(mergeModels([parts[2], parts[0], parts[1]]).forest.arrays.nodes).toEqual(
      inOrder.forest.arrays.nodes,
    );
  });

  it('lists every problem with its path: another seed, other data, a missing and a duplicate shard', async () => {
    const data = randomTable(5, 100, 'classification');
    const parts = await shards(data, 3, { nEstimators: 6, seed: 4 });
    const otherSeed = (await shards(data, 3, { nEstimators: 6, seed: 5 }))[1];
    const otherData = (
      await shards(randomTable(6, 100, 'classification'), 3, { nEstimators: 6, seed: 4 })
    )[2];
    const e = catch_(() =>
      mergeModels([parts[0], otherSeed, otherData, parts[0]], { names: ['p0', 'p1', 'p2', 'p0-again'] }),
    );
    expect(e.code).toBe('MLI_INVALID_DATA');
    const paths = e.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('p1.params.seed');
    expect(paths).toContain('p2.dataHash');
    expect(paths).toContain('p0-again.shard.index');
    expect(e.message).toContain('p1: params.seed is 5, but 4 in p0');
    expect(e.message).toContain('p0-again and p0 are both shard 0/3');
    const missing = catch_(() => mergeModels([parts[0], parts[2]], { names: ['a', 'b'] }));
    expect(missing.message).toContain('shard(s) 1/3 missing: 2 of 3 given');
  });

  it('refuses a model trained without shard, and other shard counts', async () => {
    const data = randomTable(5, 80, 'regression');
    const whole = await train(data, { nEstimators: 4, nThreads: 1 });
    expect(() => mergeModels([whole], { names: ['full.mlinfer'] })).toThrow(
      'full.mlinfer: is not a partial model (train it with --shard i/n)',
    );
    const two = await shards(data, 2, { nEstimators: 4 });
    const three = await shards(data, 3, { nEstimators: 4 });
    const e = catch_(() => mergeModels([two[0], three[1], three[2]], { names: ['a', 'b', 'c'] }));
    expect(e.issues.map((i) => i.path.join('.'))).toContain('b.shard.count');
    expect(() => mergeModels([])).toThrow('mergeModels needs at least one partial model');
  });
});

describe('modelFromForests', () => {
  it('joins forests fitted with shard into the forest fitted without', () => {
    const { X, y } = makeClassification(300, 5, 2);
    const opts = { task: 'classification' as const, nEstimators: 8, seed: 9, oobScore: true };
    const whole = fitForestSync(X, y, opts);
    const parts = [0, 1, 2].map((index) => fitForestSync(X, y, { ...opts, shard: { index, count: 3 } }));
    const model = modelFromForests(parts, { classes: ['a', 'b', 'c'] });
    expect(model.forest.arrays.nodes).toEqual(whole.arrays.nodes);
    expect(model.forest.predictProba(X)).toEqual(whole.predictProba(X));
    expect(model.classes).toEqual(['a', 'b', 'c']);
  });

  it('says which forest does not fit', () => {
    const { X, y } = makeClassification(100, 3, 2);
    const a = fitForestSync(X, y, { task: 'classification', nEstimators: 4, shard: { index: 0, count: 2 } });
    const b = fitForestSync(X, y, {
      task: 'classification',
      nEstimators: 4,
      maxDepth: 2,
      shard: { index: 1, count: 2 },
    });
    expect(() => modelFromForests([a, b])).toThrow(
      'forests[1]: params.maxDepth is 2, but null in forests[0]',
    );
  });
});
