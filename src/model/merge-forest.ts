/**
 * Joins the trees of several compiled forests into one, re-expressing each tree on the joined forest's
 * features: numeric thresholds on the union of the parts' bin edges, categorical sets on a common code list,
 * leaf values on a common class list. Every rewrite keeps each tree's decision for every input, so the joined
 * forest scores as the parts averaged (weighted by their tree counts). When the parts share their edges,
 * codes and classes (sharded trees grown on the same data), every word is copied as it was: the join is the
 * forest the parts were cut from. No `node:` imports: this runs in browsers too.
 */

import { MlinferError } from '../errors.js';
import { findBin } from '../forest/binning.js';
import {
  categorySetWords,
  isLeaf,
  nodeFeature,
  nodeFlags,
  nodeTarget,
  nodeThresholdBin,
  nodeWords,
  writeNode,
} from '../forest/node-step.js';
import {
  FEATURE_CATEGORICAL,
  type ForestArrays,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  type NodeStats,
} from '../forest/types.js';
import { assertValidForest } from './validate-forest.js';

/** How one part's codes read in the joined forest. */
export interface PartMapping {
  /**
   * Per categorical feature (null for others): for each joined code, the part's code that means the same,
   * or -1 when the part would treat it as missing (a category it never saw, without an "other" code).
   */
  codes: (Int32Array | null)[];
  /** For each of the part's classes, its index among the joined classes (identity for regression). */
  classes: Uint32Array;
}

/** What the joined forest looks like: its outputs and its categorical features' code counts. */
export interface JoinTarget {
  nOutputs: number;
  categoryCounts: Uint32Array;
}

/** One part and the trees it holds, in forest order: trees[j] is part tree j's index in the joined forest. */
export interface ForestPart {
  arrays: ForestArrays;
  trees: number[];
  mapping: PartMapping;
}

/** The ascending union of the parts' bin edges per numeric feature. */
export function unionEdges(parts: readonly ForestArrays[]): {
  binEdges: Float64Array;
  binEdgeOffsets: Uint32Array;
} {
  const nf = parts[0].nFeatures;
  const perFeature: Float64Array[] = [];
  for (let f = 0; f < nf; f++) {
    const all = new Set<number>();
    for (const p of parts)
      for (let k = p.binEdgeOffsets[f]; k < p.binEdgeOffsets[f + 1]; k++) all.add(p.binEdges[k]);
    perFeature.push(Float64Array.from(all).sort());
  }
  const binEdgeOffsets = new Uint32Array(nf + 1);
  for (let f = 0; f < nf; f++) binEdgeOffsets[f + 1] = binEdgeOffsets[f] + perFeature[f].length;
  const binEdges = new Float64Array(binEdgeOffsets[nf]);
  for (let f = 0; f < nf; f++) binEdges.set(perFeature[f], binEdgeOffsets[f]);
  return { binEdges, binEdgeOffsets };
}

/**
 * Per numeric feature of a part: the joined threshold bin of each of its threshold bins. "bin <= b" means
 * "value <= edge b", and edge b is in the union at the returned index; b = number of edges (every present
 * value goes left) maps to the union's number of edges.
 */
function thresholdMaps(part: ForestArrays, joined: { binEdges: Float64Array; binEdgeOffsets: Uint32Array }) {
  const maps: Uint32Array[] = [];
  for (let f = 0; f < part.nFeatures; f++) {
    const lo = part.binEdgeOffsets[f];
    const n = part.binEdgeOffsets[f + 1] - lo;
    const ulo = joined.binEdgeOffsets[f];
    const uhi = joined.binEdgeOffsets[f + 1];
    const map = new Uint32Array(n + 1);
    // the union holds the edge: its bin is the edge's own index
    for (let b = 0; b < n; b++) map[b] = findBin(joined.binEdges, ulo, uhi, part.binEdges[lo + b]);
    map[n] = uhi - ulo;
    maps.push(map);
  }
  return maps;
}

/** Where each tree's nodes and internal nodes start in the pre-order numbering of NodeStats. */
function nodeStarts(a: ForestArrays): { nodes: Uint32Array; internal: Uint32Array } {
  const nTrees = a.treeOffsets.length - 1;
  const nodes = new Uint32Array(nTrees + 1);
  const internal = new Uint32Array(nTrees + 1);
  let n = 0;
  let i = 0;
  for (let t = 0; t < nTrees; t++) {
    nodes[t] = n;
    internal[t] = i;
    for (let p = a.treeOffsets[t]; p < a.treeOffsets[t + 1]; p += nodeWords(a.nodes, a.categoryCounts, p)) {
      n++;
      if (!isLeaf(a.nodes, p)) i++;
    }
  }
  nodes[nTrees] = n;
  internal[nTrees] = i;
  return { nodes, internal };
}

/** nOutputs values per listed row of `src`, re-expressed on the joined classes (classes a part never saw get 0). */
function mapRows(
  src: Float64Array,
  rows: Iterable<number>,
  C: number,
  out: number[],
  classes: Uint32Array,
  width: number,
): void {
  for (const r of rows) {
    const row = new Array<number>(width).fill(0);
    for (let c = 0; c < C; c++) row[classes[c]] = src[r * C + c];
    for (const v of row) out.push(v);
  }
}

function* range(from: number, to: number): Iterable<number> {
  for (let r = from; r < to; r++) yield r;
}

interface Rewritten {
  nodes: Int32Array;
  /** The part's leaf rows, in the order of the tree's new leaf indices. */
  leafRows: number[];
}

/**
 * The tree's leaf rows in its part, in new-index order: the same order (and indices shifted) when the tree's
 * leaves are one block, as training writes them, so that a join of such parts changes no word; else in
 * node order (forests whose leaves were numbered otherwise).
 */
function leafOrder(src: Int32Array, counts: Uint32Array, start: number, end: number): number[] {
  const leaves: number[] = [];
  for (let p = start; p < end; p += nodeWords(src, counts, p))
    if (isLeaf(src, p)) leaves.push(nodeTarget(src, p));
  const from = Math.min(...leaves);
  const block = new Set(leaves).size === leaves.length && Math.max(...leaves) - from + 1 === leaves.length;
  return block ? Array.from(range(from, from + leaves.length)) : leaves;
}

/**
 * One tree of a part, rewritten for the joined forest with its root at word `base` and its leaves numbered
 * from `leafBase`. Two passes: where each node lands (a categorical node's set may change size), then the words.
 */
function rewriteTree(
  part: ForestArrays,
  t: number,
  thresholds: Uint32Array[],
  mapping: PartMapping,
  target: JoinTarget,
  base: number,
  leafBase: number,
): Rewritten {
  const src = part.nodes;
  const start = part.treeOffsets[t];
  const end = part.treeOffsets[t + 1];
  const joinedWords = (p: number): number =>
    nodeFlags(src, p) & NODE_CATEGORICAL
      ? 2 + categorySetWords(target.categoryCounts[nodeFeature(src, p)])
      : 2;
  const at = new Int32Array(end - start);
  let size = 0;
  for (let p = start; p < end; p += nodeWords(src, part.categoryCounts, p)) {
    at[p - start] = size;
    size += joinedWords(p);
  }
  const leafRows = leafOrder(src, part.categoryCounts, start, end);
  const newLeaf = new Map(leafRows.map((row, k) => [row, leafBase + k]));
  const out = new Int32Array(size);
  for (let p = start; p < end; p += nodeWords(src, part.categoryCounts, p)) {
    const q = at[p - start];
    const flags = nodeFlags(src, p);
    if (flags & NODE_LEAF) {
      writeNode(out, q, src[p], flags, newLeaf.get(nodeTarget(src, p))!);
      continue;
    }
    const f = nodeFeature(src, p);
    const right = base + at[nodeTarget(src, p) - start];
    if ((flags & NODE_CATEGORICAL) === 0) {
      writeNode(out, q, f | (thresholds[f][nodeThresholdBin(src, p)] << 16), flags, right);
      continue;
    }
    writeNode(out, q, src[p], flags, right);
    const codes = mapping.codes[f]!;
    if (isIdentity(codes, part.categoryCounts[f])) {
      // the same codes: the set words as they are (unused high bits included)
      out.set(src.subarray(p + 2, p + 2 + categorySetWords(codes.length)), q + 2);
      continue;
    }
    const missingLeft = (flags & NODE_MISSING_LEFT) !== 0 ? 1 : 0;
    for (let m = 0; m < codes.length; m++) {
      const c = codes[m];
      const left = c < 0 ? missingLeft : (src[p + 2 + (c >>> 5)] >>> (c & 31)) & 1;
      if (left) out[q + 2 + (m >>> 5)] |= 1 << (m & 31);
    }
  }
  return { nodes: out, leafRows };
}

/**
 * Joins the parts' trees into one forest of `nTrees` trees (every index covered exactly once: the caller
 * checks). Node statistics are kept per tree when every part has them.
 *
 * @example
 * const arrays = joinForests([{ arrays: a, trees: [0, 2], mapping }, { arrays: b, trees: [1], mapping }], 3, target);
 */
export function joinForests(parts: ForestPart[], nTrees: number, target: JoinTarget): ForestArrays {
  // Only averaged forests (every trained one) are shards of a whole: summed raw scores with a base and a link
  // (imported boosting) are not the mean of their parts.
  if (parts.some((p) => p.arrays.additive !== undefined))
    throw new MlinferError(
      'MLI_INVALID_DATA',
      'additive (imported boosted) forests cannot be merged: only averaged forests',
    );
  const first = parts[0].arrays;
  const joined = unionEdges(parts.map((p) => p.arrays));
  const thresholds = parts.map((p) => thresholdMaps(p.arrays, joined));
  const owner: [number, number][] = new Array(nTrees);
  parts.forEach((p, i) => {
    p.trees.forEach((k, j) => {
      owner[k] = [i, j];
    });
  });
  const withStats = parts.every((p) => p.arrays.nodeStats !== undefined);
  const starts = withStats ? parts.map((p) => nodeStarts(p.arrays)) : [];
  const C = target.nOutputs;
  const chunks: Int32Array[] = [];
  const leafValues: number[] = [];
  const cover: number[] = [];
  const internalValues: number[] = [];
  const treeOffsets = new Uint32Array(nTrees + 1);
  let words = 0;
  for (let k = 0; k < nTrees; k++) {
    const [i, t] = owner[k];
    const { arrays: a, mapping } = parts[i];
    treeOffsets[k] = words;
    const tree = rewriteTree(a, t, thresholds[i], mapping, target, words, leafValues.length / C);
    chunks.push(tree.nodes);
    words += tree.nodes.length;
    mapRows(a.leafValues, tree.leafRows, a.nOutputs, leafValues, mapping.classes, C);
    if (withStats) {
      const s = a.nodeStats as NodeStats;
      const { nodes, internal } = starts[i];
      for (let n = nodes[t]; n < nodes[t + 1]; n++) cover.push(s.cover[n]);
      mapRows(
        s.internalValues,
        range(internal[t], internal[t + 1]),
        a.nOutputs,
        internalValues,
        mapping.classes,
        C,
      );
    }
  }
  treeOffsets[nTrees] = words;
  const nodes = new Int32Array(words);
  let w = 0;
  for (const c of chunks) {
    nodes.set(c, w);
    w += c.length;
  }
  const arrays: ForestArrays = {
    task: first.task,
    nFeatures: first.nFeatures,
    nOutputs: C,
    featureKinds: first.featureKinds.slice(),
    categoryCounts: target.categoryCounts.slice(),
    ...joined,
    treeOffsets,
    nodes,
    leafValues: Float64Array.from(leafValues),
    ...(withStats
      ? { nodeStats: { cover: Float64Array.from(cover), internalValues: Float64Array.from(internalValues) } }
      : {}),
  };
  assertValidForest(arrays, 'MLI_INVALID_DATA', 'the joined forest is beyond what a model file can hold');
  return arrays;
}

function isIdentity(codes: Int32Array, count: number): boolean {
  if (codes.length !== count) return false;
  for (let c = 0; c < count; c++) if (codes[c] !== c) return false;
  return true;
}

/** Identity mappings, for parts that share their codes and classes (sharded trees on the same data). */
export function identityMapping(a: ForestArrays): PartMapping {
  return {
    codes: Array.from(a.featureKinds, (k, f) =>
      k === FEATURE_CATEGORICAL ? Int32Array.from({ length: a.categoryCounts[f] }, (_, c) => c) : null,
    ),
    classes: Uint32Array.from({ length: a.nOutputs }, (_, c) => c),
  };
}

/** Throws when parts do not agree on what the forest is (task, features, feature kinds). */
export function checkForestShapes(parts: readonly ForestArrays[], names: readonly string[]): void {
  const issues = [];
  const a = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const b = parts[i];
    for (const key of ['task', 'nFeatures'] as const)
      if (b[key] !== a[key])
        issues.push({
          path: [names[i], key],
          message: `${key} is ${b[key]} in ${names[i]}, ${a[key]} in ${names[0]}`,
        });
    if (b.nFeatures === a.nFeatures && b.featureKinds.some((k, f) => k !== a.featureKinds[f]))
      issues.push({
        path: [names[i], 'featureKinds'],
        message: `${names[i]} has other feature kinds than ${names[0]}`,
      });
  }
  if (issues.length)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `the forests do not match: ${issues.map((i) => i.message).join('; ')}`,
      { issues },
    );
}
