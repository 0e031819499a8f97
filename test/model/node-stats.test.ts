import { describe, expect, it } from 'vitest';
import { fitForestSync } from '../../src/forest/fit.js';
import { fitForest } from '../../src/forest/fit-node.js';
import { isLeaf, nodeWords } from '../../src/forest/node-step.js';
import type { ForestArrays } from '../../src/forest/types.js';
import { ELEMENT, readContainer, writeContainer } from '../../src/model/container.js';
import { encodeForestSections, SECTION } from '../../src/model/forest-sections.js';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { makeClassification, makeFriedman } from '../forest/helpers.js';
import { reseal } from './forest-fixtures.js';

/** Node numbers in pre-order with their word offsets, per forest. */
function nodeOrder(a: ForestArrays): { p: number; leaf: boolean }[] {
  const out: { p: number; leaf: boolean }[] = [];
  for (let p = 0; p < a.nodes.length; p += nodeWords(a.nodes, a.categoryCounts, p))
    out.push({ p, leaf: isLeaf(a.nodes, p) });
  return out;
}

const clf = makeClassification(300, 6, 1);
const reg = makeFriedman(300, 6, 2);

describe('node statistics recorded by training', () => {
  it('cover: the root holds the sample weight, and every internal node the sum of its children', () => {
    const weights = Float64Array.from({ length: 300 }, (_, i) => 0.5 + (i % 3));
    const forest = fitForestSync(clf.X, clf.y, {
      task: 'classification',
      nEstimators: 3,
      seed: 4,
      bootstrap: false,
      sampleWeight: weights,
    });
    const a = forest.arrays;
    const { cover, internalValues } = a.nodeStats!;
    const order = nodeOrder(a);
    expect(cover.length).toBe(order.length);
    expect(internalValues.length).toBe(order.filter((n) => !n.leaf).length * 3);
    const total = weights.reduce((s, w) => s + w, 0);
    const byOffset = new Map(order.map((n, i) => [n.p, i]));
    for (let t = 0; t < 3; t++) expect(cover[byOffset.get(a.treeOffsets[t])!]).toBeCloseTo(total, 9);
    // pre-order: the left child follows its parent; the right child is the target of word 1
    for (const [i, n] of order.entries()) {
      if (n.leaf) continue;
      const right = byOffset.get(a.nodes[n.p + 1] & 0x1fffffff)!;
      const left = i + 1;
      expect(cover[left] + cover[right]).toBeCloseTo(cover[i], 9);
    }
  });

  it('internal values follow the leaves: class fractions in float32, or the mean target', () => {
    const c = fitForestSync(clf.X, clf.y, {
      task: 'classification',
      nEstimators: 2,
      seed: 1,
      bootstrap: false,
    });
    const root = c.arrays.nodeStats!.internalValues.subarray(0, 3);
    const counts = [0, 0, 0];
    for (const y of clf.y) counts[y]++;
    expect(Array.from(root)).toEqual(counts.map((k) => Math.fround(k / 300)));
    const r = fitForestSync(reg.X, reg.y, { task: 'regression', nEstimators: 2, seed: 1, bootstrap: false });
    const mean = reg.y.reduce((s, v) => s + v, 0) / 300;
    expect(r.arrays.nodeStats!.internalValues[0]).toBeCloseTo(mean, 12);
  });
});

describe('node statistics from worker threads', () => {
  it('are the same as on one thread', async () => {
    const big = makeClassification(2000, 6, 3);
    const options = { task: 'classification' as const, nEstimators: 100, seed: 2, maxDepth: 4 };
    const threaded = await fitForest(big.X, big.y, { ...options, nThreads: 2 });
    const single = fitForestSync(big.X, big.y, options);
    expect(threaded.arrays.nodeStats!.cover.length).toBeGreaterThan(100);
    expect(threaded.arrays.nodeStats).toEqual(single.arrays.nodeStats);
  });
});

describe('node statistics in the model file (format 1.1)', () => {
  it('classification with whole weights: only leaf covers, in a byte each, and no values (derived exactly)', () => {
    const forest = fitForestSync(clf.X, clf.y, { task: 'classification', nEstimators: 4, seed: 3 }).arrays;
    const bytes = encodeModel({ metadata: {}, forest });
    const { sections } = readContainer(bytes);
    const nLeaves = forest.leafValues.length / 3;
    expect(sections.get(SECTION.NODE_COVER)!.type).toBe(ELEMENT.u8);
    expect(sections.get(SECTION.NODE_COVER)!.length).toBe(nLeaves);
    expect(sections.has(SECTION.NODE_VALUES)).toBe(false);
    expect(decodeModel(bytes).forest).toEqual(forest);
  });

  it('a large root cover takes u16 leaf covers; values are stored when they do not follow from the leaves', () => {
    const forest = fitForestSync(clf.X, clf.y, {
      task: 'classification',
      nEstimators: 2,
      seed: 3,
      maxDepth: 1,
      sampleWeight: Float64Array.from({ length: 300 }, () => 3),
    }).arrays;
    const bytes = encodeModel({ metadata: {}, forest });
    expect(readContainer(bytes).sections.get(SECTION.NODE_COVER)!.type).toBe(ELEMENT.u16);
    expect(decodeModel(bytes).forest).toEqual(forest);
    // values that no count explains (as a hand-made forest could hold) are kept as they are
    const { cover, internalValues } = forest.nodeStats!;
    const odd = {
      ...forest,
      nodeStats: { cover, internalValues: internalValues.map((v) => Math.fround(v / 3)) },
    };
    const oddBytes = encodeModel({ metadata: {}, forest: odd });
    expect(readContainer(oddBytes).sections.get(SECTION.NODE_VALUES)!.type).toBe(ELEMENT.f32);
    expect(decodeModel(oddBytes).forest).toEqual(odd);
  });

  it('round-trip exactly in f64 for fractional weights and regression means', () => {
    const weights = Float64Array.from({ length: 300 }, (_, i) => 0.25 + (i % 7) / 3);
    const forest = fitForestSync(reg.X, reg.y, {
      task: 'regression',
      nEstimators: 3,
      seed: 3,
      sampleWeight: weights,
    }).arrays;
    const bytes = encodeModel({ metadata: {}, forest });
    const { sections } = readContainer(bytes);
    expect(sections.get(SECTION.NODE_COVER)!.type).toBe(ELEMENT.f64);
    // fractional covers still sum exactly here? either form must round-trip; regression values stay f64
    expect(sections.get(SECTION.NODE_VALUES)!.type).toBe(ELEMENT.f64);
    expect(decodeModel(bytes).forest).toEqual(forest);
  });

  it('a format 1.0 file (no node statistics) still loads, without them', () => {
    const { nodeStats, ...old } = fitForestSync(clf.X, clf.y, {
      task: 'classification',
      nEstimators: 2,
      seed: 5,
    }).arrays;
    expect(nodeStats).toBeDefined();
    const bytes = encodeModel({ metadata: {}, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const decoded = decodeModel(reseal(bytes)).forest;
    expect(decoded.nodeStats).toBeUndefined();
    expect(decoded).toEqual(old);
  });

  it('node statistics that do not match the nodes are a corrupt file', () => {
    const forest = fitForestSync(clf.X, clf.y, { task: 'classification', nEstimators: 2, seed: 5 }).arrays;
    const { cover, internalValues } = forest.nodeStats!;
    const short = { ...forest, nodeStats: { cover: cover.subarray(1), internalValues } };
    expect(() => encodeModel({ metadata: {}, forest: short })).toThrow(/nodeStats has/);
    const regForest = fitForestSync(reg.X, reg.y, { task: 'regression', nEstimators: 2, seed: 5 }).arrays;
    const raw = writeContainer('{}', encodeSectionsWithout(regForest, SECTION.NODE_VALUES));
    expect(() => decodeModel(raw)).toThrow(
      expect.objectContaining({ code: 'MLI_MODEL_CORRUPT', message: expect.stringContaining('node values') }),
    );
    const noCover = writeContainer('{}', encodeSectionsWithout(regForest, SECTION.NODE_COVER));
    expect(() => decodeModel(noCover)).toThrow(expect.objectContaining({ code: 'MLI_MODEL_CORRUPT' }));
  });

  it('are decoded on first use, so a model that only predicts never holds them; bad ones fail then', () => {
    const forest = fitForestSync(clf.X, clf.y, { task: 'classification', nEstimators: 2, seed: 8 }).arrays;
    const decoded = decodeModel(encodeModel({ metadata: {}, forest })).forest;
    expect(Object.getOwnPropertyDescriptor(decoded, 'nodeStats')!.get).toBeTypeOf('function');
    expect(decoded.nodeStats).toEqual(forest.nodeStats);
    expect(Object.getOwnPropertyDescriptor(decoded, 'nodeStats')!.value).toBe(decoded.nodeStats);

    const cover = forest.nodeStats!.cover.slice();
    cover[0] = -1;
    const bad = { ...forest, nodeStats: { cover, internalValues: forest.nodeStats!.internalValues } };
    const loaded = decodeModel(writeContainer('{}', encodeForestSections(bad))).forest;
    expect(() => loaded.nodeStats).toThrow(
      expect.objectContaining({
        code: 'MLI_MODEL_CORRUPT',
        message: expect.stringContaining('node 0 has cover -1'),
      }),
    );
  });

  it('costs a few bytes per node in the file (measured here)', () => {
    const forest = fitForestSync(clf.X, clf.y, { task: 'classification', nEstimators: 10, seed: 6 }).arrays;
    const { nodeStats, ...old } = forest;
    const withStats = encodeModel({ metadata: {}, forest }).length;
    const without = encodeModel({ metadata: {}, forest: old }).length;
    const nNodes = nodeStats!.cover.length;
    const perNode = (withStats - without) / nNodes;
    // a byte per leaf, about half the nodes (plus section padding)
    expect(perNode).toBeGreaterThan(0.4);
    expect(perNode).toBeLessThan(0.6);
  });
});

function encodeSectionsWithout(forest: ForestArrays, id: number) {
  return encodeForestSections(forest).filter((s) => s.id !== id);
}
