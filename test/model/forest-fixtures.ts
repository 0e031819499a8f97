/**
 * Test helpers: random but structurally valid ForestArrays, a reference predictor that walks them with
 * bounds checks, and a way to re-seal a tampered model file with a valid checksum.
 */

import { expect } from 'vitest';
import {
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  FLAG_SHIFT,
  type ForestArrays,
  type Matrix,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  OFFSET_MASK,
  type Task,
} from '../../src/forest/types.js';
import { crc32 } from '../../src/model/crc32.js';

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomForestOptions {
  task: Task;
  nTrees: number;
  nFeatures: number;
  nOutputs: number;
  maxDepth: number;
  /** Share of classification leaves that are one-hot. */
  pureRate?: number;
  /** Share of features that are categorical. */
  categoricalRate?: number;
  /** Leaf values that are not float32-exact, stored as float64. */
  float64Rate?: number;
  /** Number leaves in a shuffled order instead of node order. */
  shuffledLeaves?: boolean;
  /** Give some leaves a non-zero word 0 (unused by prediction, but must survive). */
  leafWord0?: boolean;
}

/** A random forest in the pre-order layout the trainer writes. */
export function randomForest(seed: number, o: RandomForestOptions): ForestArrays {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const featureKinds = new Uint8Array(o.nFeatures);
  const categoryCounts = new Uint32Array(o.nFeatures);
  const binEdgeOffsets = new Uint32Array(o.nFeatures + 1);
  const edges: number[] = [];
  for (let j = 0; j < o.nFeatures; j++) {
    if (r() < (o.categoricalRate ?? 0.3)) {
      featureKinds[j] = FEATURE_CATEGORICAL;
      categoryCounts[j] = 1 + int(80);
    } else {
      featureKinds[j] = FEATURE_NUMERIC;
      let v = r() * 10 - 5;
      const n = 1 + int(20);
      for (let k = 0; k < n; k++) {
        edges.push(v);
        v += 0.01 + r();
      }
    }
    binEdgeOffsets[j + 1] = edges.length;
  }
  const nodes: number[] = [];
  const leafRows: number[][] = [];
  const treeOffsets = [0];
  const leafValuesRow = (): number[] => {
    if (o.task === 'regression') return [r() < 0.5 ? r() * 100 - 50 : Math.round(r() * 10)];
    const row = new Array(o.nOutputs).fill(0);
    if (r() < (o.pureRate ?? 0.5)) {
      row[int(o.nOutputs)] = 1;
      return row;
    }
    if (r() < (o.float64Rate ?? 0)) return row.map(() => r());
    const n = 2 + int(300);
    for (let k = 0; k < n; k++) row[int(o.nOutputs)]++;
    return row.map((c) => Math.fround(c / n));
  };
  const build = (depth: number): void => {
    const p = nodes.length;
    if (depth >= o.maxDepth || (depth > 0 && r() < 0.3)) {
      const flags = NODE_LEAF | (r() < 0.2 ? NODE_MISSING_LEFT : 0);
      nodes.push(o.leafWord0 && r() < 0.3 ? 1 + int(1000) : 0, (flags << FLAG_SHIFT) | leafRows.length);
      leafRows.push(leafValuesRow());
      return;
    }
    const feature = int(o.nFeatures);
    const missingLeft = r() < 0.4 ? NODE_MISSING_LEFT : 0;
    if (featureKinds[feature] === FEATURE_CATEGORICAL) {
      nodes.push(feature | (int(3) << 16), 0);
      for (let k = 0; k < Math.ceil(categoryCounts[feature] / 32); k++) nodes.push(int(2 ** 32) | 0);
      build(depth + 1);
      nodes[p + 1] = ((NODE_CATEGORICAL | missingLeft) << FLAG_SHIFT) | nodes.length;
    } else {
      const nEdges = binEdgeOffsets[feature + 1] - binEdgeOffsets[feature];
      nodes.push(feature | (int(nEdges) << 16), 0);
      build(depth + 1);
      nodes[p + 1] = (missingLeft << FLAG_SHIFT) | nodes.length;
    }
    build(depth + 1);
  };
  for (let t = 0; t < o.nTrees; t++) {
    build(0);
    treeOffsets.push(nodes.length);
  }
  const forest: ForestArrays = {
    task: o.task,
    nFeatures: o.nFeatures,
    nOutputs: o.task === 'regression' ? 1 : o.nOutputs,
    featureKinds,
    categoryCounts,
    binEdges: Float64Array.from(edges),
    binEdgeOffsets,
    treeOffsets: Uint32Array.from(treeOffsets),
    nodes: Int32Array.from(nodes),
    leafValues: Float64Array.from(leafRows.flat()),
  };
  if (o.shuffledLeaves) shuffleLeaves(forest, r);
  return forest;
}

/** Renumbers the leaves with a random permutation, moving their value rows along. */
function shuffleLeaves(forest: ForestArrays, r: () => number): void {
  const n = forest.leafValues.length / forest.nOutputs;
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const values = new Float64Array(forest.leafValues.length);
  const k = forest.nOutputs;
  for (let i = 0; i < n; i++) values.set(forest.leafValues.subarray(i * k, i * k + k), perm[i] * k);
  forest.leafValues = values;
  forEachNode(forest, (p, isLeaf) => {
    if (!isLeaf) return;
    const w1 = forest.nodes[p + 1];
    forest.nodes[p + 1] = (w1 & ~OFFSET_MASK) | perm[w1 & OFFSET_MASK];
  });
}

/**
 * Rows to score with a forest: missing values, unseen and invalid category codes (past the last, negative, not
 * integers), values exactly on bin edges (they belong to the bin below) and past every edge.
 */
export function scoringRows(forest: ForestArrays, nRows: number, seed: number): Matrix {
  const r = rng(seed);
  const d = forest.nFeatures;
  const data = new Float64Array(nRows * d);
  for (let i = 0; i < data.length; i++) {
    const f = i % d;
    const u = r();
    if (u < 0.08) data[i] = Number.NaN;
    else if (forest.featureKinds[f] === FEATURE_CATEGORICAL) {
      const k = forest.categoryCounts[f];
      data[i] = u < 0.12 ? k + Math.floor(r() * 3) : u < 0.14 ? -1 : u < 0.16 ? 0.5 : Math.floor(r() * k);
    } else {
      const lo = forest.binEdgeOffsets[f];
      const n = forest.binEdgeOffsets[f + 1] - lo;
      data[i] = u < 0.3 && n > 0 ? forest.binEdges[lo + Math.floor(r() * n)] : r() * 14 - 7;
    }
  }
  return { data, nRows, nFeatures: d };
}

/** Calls `visit` with the word offset of every node, in node order. */
export function forEachNode(forest: ForestArrays, visit: (p: number, isLeaf: boolean) => void): void {
  const { nodes, categoryCounts } = forest;
  for (let p = 0; p < nodes.length; ) {
    const flags = nodes[p + 1] >>> FLAG_SHIFT;
    visit(p, (flags & NODE_LEAF) !== 0);
    const setWords = flags & NODE_CATEGORICAL ? Math.ceil(categoryCounts[nodes[p] & 0xffff] / 32) : 0;
    p += 2 + (flags & NODE_LEAF ? 0 : setWords);
  }
}

function at<T extends ArrayLike<number>>(a: T, i: number): number {
  if (!(i >= 0 && i < a.length)) throw new Error(`out of bounds read at ${i} of ${a.length}`);
  return a[i];
}

/** Bins one row as the ForestArrays doc in types.ts describes. */
export function binRow(forest: ForestArrays, row: ArrayLike<number>): Uint16Array {
  const bins = new Uint16Array(forest.nFeatures);
  for (let j = 0; j < forest.nFeatures; j++) {
    const v = row[j];
    if (forest.featureKinds[j] === FEATURE_CATEGORICAL) {
      bins[j] = Number.isInteger(v) && v >= 0 && v < forest.categoryCounts[j] ? v : MISSING_BIN;
    } else if (Number.isNaN(v)) {
      bins[j] = MISSING_BIN;
    } else {
      const start = at(forest.binEdgeOffsets, j);
      const end = at(forest.binEdgeOffsets, j + 1);
      let b = 0;
      while (start + b < end && !(v <= at(forest.binEdges, start + b))) b++;
      bins[j] = b;
    }
  }
  return bins;
}

/**
 * The mean of the trees' leaf values for one row. A slow, obviously correct walker with bounds checks
 * and a step limit, independent of the real predictor.
 */
export function referencePredict(forest: ForestArrays, row: ArrayLike<number>): number[] {
  const bins = binRow(forest, row);
  const { nodes, nOutputs } = forest;
  const out = new Array(nOutputs).fill(0);
  const nTrees = forest.treeOffsets.length - 1;
  for (let t = 0; t < nTrees; t++) {
    let p = at(forest.treeOffsets, t);
    const end = at(forest.treeOffsets, t + 1);
    for (let steps = 0; ; steps++) {
      if (steps > nodes.length || p >= end) throw new Error(`walk left tree ${t} at word ${p}`);
      const w0 = at(nodes, p);
      const w1 = at(nodes, p + 1);
      const flags = w1 >>> FLAG_SHIFT;
      if (flags & NODE_LEAF) {
        const leaf = w1 & OFFSET_MASK;
        for (let k = 0; k < nOutputs; k++) out[k] += at(forest.leafValues, leaf * nOutputs + k);
        break;
      }
      const feature = w0 & 0xffff;
      const bin = at(bins, feature);
      let left: boolean;
      let next = p + 2;
      if (flags & NODE_CATEGORICAL) {
        const words = Math.ceil(at(forest.categoryCounts, feature) / 32);
        left =
          bin === MISSING_BIN
            ? (flags & NODE_MISSING_LEFT) !== 0
            : ((at(nodes, p + 2 + (bin >>> 5)) >>> (bin & 31)) & 1) === 1;
        next += words;
      } else {
        left = bin === MISSING_BIN ? (flags & NODE_MISSING_LEFT) !== 0 : bin <= w0 >>> 16;
      }
      const nextP = left ? next : w1 & OFFSET_MASK;
      if (!(nextP > p)) throw new Error(`walk goes backwards at word ${p}`);
      p = nextP;
    }
  }
  return out.map((v) => v / nTrees);
}

/** Rewrites the CRC-32 trailer, for files tampered with on purpose. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/** Exact equality of two score arrays, telling -0 from 0 and NaN from numbers; names the first difference. */
export function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  const diff = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(
    diff === -1 ? 'identical' : `first difference at ${diff}: ${actual[diff]} vs ${expected[diff]}`,
  ).toBe('identical');
}
