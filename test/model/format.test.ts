import { describe, expect, it } from 'vitest';
import { FLAG_SHIFT, type ForestArrays, NODE_LEAF } from '../../src/forest/types.js';
import { crc32 } from '../../src/model/crc32.js';
import { decodeModel, encodeModel, FORMAT_MAJOR, MAGIC } from '../../src/model/format.js';
import { forestIssues } from '../../src/model/validate-forest.js';
import { randomForest, referencePredict, rng } from './forest-fixtures.js';

const metadata = {
  mlinfer: '0.1.0',
  createdAt: '2024-05-01T12:00:00.000Z',
  task: 'classification',
  target: 'species',
  classes: ['setosa', 'versicolor', 'virginica'],
  schema: [
    { name: 'petal length', kind: 'numeric' },
    { name: 'colour', kind: 'categorical', categories: ['red', 'blü'] },
  ],
  params: { nTrees: 3, maxDepth: null },
  metrics: { accuracy: 0.97 },
  importances: [0.5, 0.25, 0.25],
  dataHash: 'sha256:00ff',
};

function roundTrip(forest: ForestArrays): ForestArrays {
  expect(forestIssues(forest)).toEqual([]);
  const decoded = decodeModel(encodeModel({ metadata, forest }));
  expect(decoded.metadata).toEqual(metadata);
  expect(decoded.forest).toEqual(forest);
  return decoded.forest;
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('encodeModel / decodeModel round trip', () => {
  it('starts with the magic and the version', () => {
    const bytes = encodeModel({
      metadata,
      forest: randomForest(1, { task: 'regression', nTrees: 1, nFeatures: 2, nOutputs: 1, maxDepth: 2 }),
    });
    expect([...bytes.subarray(0, 8)]).toEqual([...MAGIC]);
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(FORMAT_MAJOR);
  });

  it.each([1, 2, 3, 4, 5])(
    'classification forest with categorical, missing-left, pure and impure leaves (seed %i)',
    (seed) => {
      const forest = randomForest(seed, {
        task: 'classification',
        nTrees: 5,
        nFeatures: 6,
        nOutputs: 3,
        maxDepth: 8,
        float64Rate: 0.2,
        leafWord0: true,
      });
      const decoded = roundTrip(forest);
      const r = rng(seed);
      for (let i = 0; i < 50; i++) {
        const row = Array.from({ length: 6 }, () => (r() < 0.1 ? Number.NaN : Math.floor(r() * 20 - 5)));
        expect(referencePredict(decoded, row)).toEqual(referencePredict(forest, row));
      }
    },
  );

  it('regression forest', () => {
    roundTrip(randomForest(7, { task: 'regression', nTrees: 4, nFeatures: 5, nOutputs: 1, maxDepth: 9 }));
  });

  it('leaves numbered out of node order', () => {
    roundTrip(
      randomForest(8, {
        task: 'classification',
        nTrees: 3,
        nFeatures: 4,
        nOutputs: 2,
        maxDepth: 6,
        shuffledLeaves: true,
      }),
    );
    roundTrip(
      randomForest(9, {
        task: 'regression',
        nTrees: 3,
        nFeatures: 4,
        nOutputs: 1,
        maxDepth: 6,
        shuffledLeaves: true,
      }),
    );
  });

  it('leaf rows no leaf points to survive', () => {
    const forest = randomForest(10, {
      task: 'classification',
      nTrees: 2,
      nFeatures: 3,
      nOutputs: 2,
      maxDepth: 4,
    });
    forest.leafValues = Float64Array.from([...forest.leafValues, 0.25, 0.75]);
    roundTrip(forest);
  });

  it('many classes (wide leaf codes)', () => {
    roundTrip(
      randomForest(11, { task: 'classification', nTrees: 3, nFeatures: 3, nOutputs: 300, maxDepth: 5 }),
    );
  });

  it('single-leaf trees, numeric only, exotic values', () => {
    const forest: ForestArrays = {
      task: 'classification',
      nFeatures: 1,
      nOutputs: 2,
      featureKinds: new Uint8Array([0]),
      categoryCounts: new Uint32Array([0]),
      binEdges: new Float64Array([-Infinity, -0, 0, 1e308, Infinity]),
      binEdgeOffsets: new Uint32Array([0, 5]),
      treeOffsets: new Uint32Array([0, 2, 8]),
      nodes: new Int32Array([
        0,
        (NODE_LEAF << FLAG_SHIFT) | 0,
        0,
        6,
        0,
        (NODE_LEAF << FLAG_SHIFT) | 1,
        0,
        (NODE_LEAF << FLAG_SHIFT) | 2,
      ]),
      leafValues: new Float64Array([-0, 1, 0, 0, Math.fround(0.1), 0.3]),
    };
    const decoded = roundTrip(forest);
    expect(Object.is(decoded.leafValues[0], -0)).toBe(true);
  });

  it('decodes from a Uint8Array at an odd byte offset', () => {
    const forest = randomForest(12, {
      task: 'regression',
      nTrees: 2,
      nFeatures: 3,
      nOutputs: 1,
      maxDepth: 5,
    });
    const bytes = encodeModel({ metadata, forest });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeModel(shifted.subarray(3)).forest).toEqual(forest);
  });

  it('refuses to encode an invalid forest or non-object metadata', () => {
    const forest = randomForest(13, {
      task: 'regression',
      nTrees: 1,
      nFeatures: 2,
      nOutputs: 1,
      maxDepth: 3,
    });
    expect(() => encodeModel({ metadata: [] as unknown as Record<string, unknown>, forest })).toThrow(
      expect.objectContaining({ code: 'MLI_INVALID_DATA' }),
    );
    const bad = { ...forest, binEdges: forest.binEdges.slice().reverse() };
    expect(() => encodeModel({ metadata, forest: bad })).toThrow(
      expect.objectContaining({ code: 'MLI_INVALID_DATA' }),
    );
  });
});

/** A forest shaped like a fully grown one: complete binary trees, 40% impure leaves of up to 64 rows. */
function largeForest(nTrees: number, leavesPerTree: number, impureRate: number): ForestArrays {
  const r = rng(42);
  const nFeatures = 40;
  const edgesPerFeature = 254;
  const binEdges = new Float64Array(nFeatures * edgesPerFeature).map((_, i) => i);
  const binEdgeOffsets = new Uint32Array(nFeatures + 1).map((_, j) => j * edgesPerFeature);
  const nodesPerTree = 2 * leavesPerTree - 1;
  const nodes = new Int32Array(nTrees * nodesPerTree * 2);
  const leafValues = new Float64Array(nTrees * leavesPerTree * 3);
  const treeOffsets = new Uint32Array(nTrees + 1);
  let p = 0;
  let leaf = 0;
  // Balanced-ish tree over `leaves` leaves, emitted in pre-order.
  const build = (leaves: number): void => {
    const at = p;
    p += 2;
    if (leaves === 1) {
      nodes[at + 1] = (NODE_LEAF << FLAG_SHIFT) | leaf;
      if (r() < impureRate) {
        const n = 2 + Math.floor(r() * 63);
        const a = Math.floor(r() * n);
        const b = Math.floor(r() * (n - a));
        leafValues.set([a / n, b / n, (n - a - b) / n].map(Math.fround), leaf * 3);
      } else {
        leafValues[leaf * 3 + Math.floor(r() * 3)] = 1;
      }
      leaf++;
      return;
    }
    const feature = Math.floor(r() * nFeatures);
    nodes[at] = feature | (Math.floor(r() * edgesPerFeature) << 16);
    const half = Math.floor(leaves / 2);
    build(half);
    nodes[at + 1] = p;
    build(leaves - half);
  };
  for (let t = 0; t < nTrees; t++) {
    build(leavesPerTree);
    treeOffsets[t + 1] = p;
  }
  return {
    task: 'classification',
    nFeatures,
    nOutputs: 3,
    featureKinds: new Uint8Array(nFeatures),
    categoryCounts: new Uint32Array(nFeatures),
    binEdges,
    binEdgeOffsets,
    treeOffsets,
    nodes,
    leafValues,
  };
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('size', () => {
  it('stores 100 trees x 20k nodes (3 classes) in well under 17 MB', () => {
    const forest = largeForest(100, 10_000, 0.4);
    const nNodes = forest.nodes.length / 2;
    const bytes = encodeModel({ metadata, forest });
    const perNode = bytes.length / nNodes;
    // 4 bytes per split, 1 flag byte per node, 1 code byte per leaf, 4 more per impure leaf.
    expect(perNode).toBeLessThan(4.5);
    expect(bytes.length).toBeLessThan(17_000_000);
    const decoded = decodeModel(bytes);
    // toEqual walks 4M elements slowly; a plain loop finds the first difference instantly.
    expect(firstDifference(decoded.forest.nodes, forest.nodes)).toBe(-1);
    expect(firstDifference(decoded.forest.leafValues, forest.leafValues)).toBe(-1);
  });
});
