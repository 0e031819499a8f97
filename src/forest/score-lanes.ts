import {
  FLAG_SHIFT,
  type ForestArrays,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  OFFSET_MASK,
} from './types.js';

/** Word 1 of a stop node (a leaf, or a categorical node that the lanes hand to `categoricalStep`). */
const STOP = 1 << 31;
const STOP_CATEGORICAL = 1 << 30;
const POINTER = 0x3fffffff;
/** Independent walks advanced together; each is one chain of loads, and the CPU overlaps the chains. */
export const LANES = 8;

/**
 * The walk layout: the forest's trees rewritten at load time (same pre-order, new word offsets) so that every
 * node is one branch-free numeric step over a row of "slots" (`fillSlots`), and a walk that reaches its leaf
 * finds the leaf's values in the same cache line:
 * - a numeric node [slot | threshold << 16, right child] compares slot f (the bin, missing = MISSING_BIN,
 *   above every threshold: goes right) or, when it sends missing values left, slot nFeatures + f (the same bin
 *   but missing = 0: goes left). So a step is one comparison, with no test for missing values.
 * - a leaf [last slot, STOP | itself, values...] compares the last slot (always MISSING_BIN) with threshold 0,
 *   so it goes "right" to itself: a finished walk stays put while the other lanes go on. Its nOutputs values
 *   follow it, as float32 (`f32`, at p + 2) when they are all float32-exact, else as float64 (`f64`, at the
 *   even word offset at or after p + 2).
 * - a categorical node [last slot, STOP | STOP_CATEGORICAL | itself, word 0, word 1, category set] stops the
 *   lanes too; `categoricalStep` moves them on.
 * Reading the leaf values from the walk itself matters: looking up the leaf in a second array cost 1.4x.
 */
export interface WalkLayout {
  readonly walk: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  /** Whether leaf values are float64 (`f64`) rather than float32 (`f32`). */
  readonly float64: boolean;
  /** Word offset of each tree's root in `walk`. */
  readonly roots: Int32Array;
  /** Slots per row: nFeatures (+ nFeatures when a node sends missing values left) + 1. */
  readonly stride: number;
  readonly missingLeftSlots: boolean;
  readonly hasCategorical: boolean;
}

/** Words taken by the node at p: 2, plus the category set of a categorical node. */
function nodeWords(nodes: Int32Array, categoryCounts: Uint32Array, p: number): number {
  const flags = nodes[p + 1] >>> FLAG_SHIFT;
  if ((flags & (NODE_LEAF | NODE_CATEGORICAL)) !== NODE_CATEGORICAL) return 2;
  return 2 + ((categoryCounts[nodes[p] & 0xffff] + 31) >>> 5);
}

export function createWalkLayout(arrays: ForestArrays): WalkLayout {
  const { nodes, nFeatures, categoryCounts, leafValues, treeOffsets, nOutputs: C } = arrays;
  const float64 = !leafValues.every((v) => Math.fround(v) === v);
  // Pass 1: the new offset of every node (at its old offset in `moved`), and the layout's size.
  const moved = new Int32Array(nodes.length);
  let missingLeftSlots = false;
  let hasCategorical = false;
  let size = 0;
  for (let p = 0; p < nodes.length; p += nodeWords(nodes, categoryCounts, p)) {
    moved[p] = size;
    const flags = nodes[p + 1] >>> FLAG_SHIFT;
    if (flags & NODE_LEAF) size = float64 ? ((size + 3) & ~1) + 2 * C : size + 2 + C;
    else if (flags & NODE_CATEGORICAL) {
      hasCategorical = true;
      size += 2 + nodeWords(nodes, categoryCounts, p);
    } else {
      if (flags & NODE_MISSING_LEFT) missingLeftSlots = true;
      size += 2;
    }
  }
  const buffer = new ArrayBuffer(((size + 1) & ~1) * 4);
  const walk = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  const f64 = new Float64Array(buffer);
  const stride = (missingLeftSlots ? 2 * nFeatures : nFeatures) + 1;
  const always = stride - 1;
  // Pass 2: the nodes at their new offsets.
  for (let p = 0; p < nodes.length; p += nodeWords(nodes, categoryCounts, p)) {
    const q = moved[p];
    const w0 = nodes[p];
    const w1 = nodes[p + 1];
    const flags = w1 >>> FLAG_SHIFT;
    if (flags & NODE_LEAF) {
      walk[q] = always;
      walk[q + 1] = STOP | q;
      const leaf = (w1 & OFFSET_MASK) * C;
      if (float64) f64.set(leafValues.subarray(leaf, leaf + C), (q + 3) >>> 1);
      else f32.set(leafValues.subarray(leaf, leaf + C), q + 2);
    } else if (flags & NODE_CATEGORICAL) {
      walk[q] = always;
      walk[q + 1] = STOP | STOP_CATEGORICAL | q;
      walk[q + 2] = w0;
      walk[q + 3] = (w1 & ~OFFSET_MASK) | moved[w1 & OFFSET_MASK];
      walk.set(nodes.subarray(p + 2, p + nodeWords(nodes, categoryCounts, p)), q + 4);
    } else {
      const slot = (w0 & 0xffff) + ((flags & NODE_MISSING_LEFT) !== 0 ? nFeatures : 0);
      walk[q] = (w0 & 0xffff0000) | slot;
      walk[q + 1] = moved[w1 & OFFSET_MASK];
    }
  }
  const roots = new Int32Array(treeOffsets.length - 1);
  for (let t = 0; t < roots.length; t++) roots[t] = moved[treeOffsets[t]];
  return { walk, f32, f64, float64, roots, stride, missingLeftSlots, hasCategorical };
}

/**
 * Turns a binned row (as binRow writes it, nFeatures values at `to` in `slots`) into its slots, in place.
 */
export function fillSlots(layout: WalkLayout, nFeatures: number, slots: Uint16Array, to: number): void {
  if (layout.missingLeftSlots)
    for (let f = 0; f < nFeatures; f++) {
      const b = slots[to + f];
      slots[to + nFeatures + f] = b === MISSING_BIN ? 0 : b;
    }
  slots[to + layout.stride - 1] = MISSING_BIN;
}

/** Moves a walk stopped on the categorical node p one step on (the row's slots are at `base`). */
export function categoricalStep(
  walk: Int32Array,
  categoryCounts: Uint32Array,
  p: number,
  slots: Uint16Array,
  base: number,
): number {
  const w0 = walk[p + 2];
  const w1 = walk[p + 3];
  const f = w0 & 0xffff;
  const b = slots[base + f];
  const left =
    b === MISSING_BIN
      ? ((w1 >>> FLAG_SHIFT) & NODE_MISSING_LEFT) !== 0
      : ((walk[p + 4 + (b >>> 5)] >>> (b & 31)) & 1) === 1;
  return left ? p + 4 + ((categoryCounts[f] + 31) >>> 5) : w1 & OFFSET_MASK;
}

/**
 * Walks LANES independent walks to their leaves: lane k starts at node lanes[k] over the slots at
 * lanes[LANES + k], and its leaf's word offset is written back to lanes[k]. The steps are written out per lane
 * (no inner loop over lanes, no branch on the data) so that V8 keeps the walks in registers and the CPU runs
 * their loads in parallel; one branch per round checks whether every lane is on a stop node.
 */
export function walkLanes(
  layout: WalkLayout,
  categoryCounts: Uint32Array,
  slots: Uint16Array,
  lanes: Int32Array,
): void {
  const walk = layout.walk;
  let p0 = lanes[0];
  let p1 = lanes[1];
  let p2 = lanes[2];
  let p3 = lanes[3];
  let p4 = lanes[4];
  let p5 = lanes[5];
  let p6 = lanes[6];
  let p7 = lanes[7];
  const s0 = lanes[8];
  const s1 = lanes[9];
  const s2 = lanes[10];
  const s3 = lanes[11];
  const s4 = lanes[12];
  const s5 = lanes[13];
  const s6 = lanes[14];
  const s7 = lanes[15];
  for (;;) {
    for (;;) {
      // right = the right child, or the node itself for a stop node; left mask: -1 when bin <= threshold
      const a0 = walk[p0];
      const c0 = walk[p0 + 1];
      const a1 = walk[p1];
      const c1 = walk[p1 + 1];
      const a2 = walk[p2];
      const c2 = walk[p2 + 1];
      const a3 = walk[p3];
      const c3 = walk[p3 + 1];
      const a4 = walk[p4];
      const c4 = walk[p4 + 1];
      const a5 = walk[p5];
      const c5 = walk[p5 + 1];
      const a6 = walk[p6];
      const c6 = walk[p6 + 1];
      const a7 = walk[p7];
      const c7 = walk[p7 + 1];
      const r0 = c0 & POINTER;
      const r1 = c1 & POINTER;
      const r2 = c2 & POINTER;
      const r3 = c3 & POINTER;
      const r4 = c4 & POINTER;
      const r5 = c5 & POINTER;
      const r6 = c6 & POINTER;
      const r7 = c7 & POINTER;
      p0 = r0 + ((p0 + 2 - r0) & ((slots[s0 + (a0 & 0xffff)] - (a0 >>> 16) - 1) >> 31));
      p1 = r1 + ((p1 + 2 - r1) & ((slots[s1 + (a1 & 0xffff)] - (a1 >>> 16) - 1) >> 31));
      p2 = r2 + ((p2 + 2 - r2) & ((slots[s2 + (a2 & 0xffff)] - (a2 >>> 16) - 1) >> 31));
      p3 = r3 + ((p3 + 2 - r3) & ((slots[s3 + (a3 & 0xffff)] - (a3 >>> 16) - 1) >> 31));
      p4 = r4 + ((p4 + 2 - r4) & ((slots[s4 + (a4 & 0xffff)] - (a4 >>> 16) - 1) >> 31));
      p5 = r5 + ((p5 + 2 - r5) & ((slots[s5 + (a5 & 0xffff)] - (a5 >>> 16) - 1) >> 31));
      p6 = r6 + ((p6 + 2 - r6) & ((slots[s6 + (a6 & 0xffff)] - (a6 >>> 16) - 1) >> 31));
      p7 = r7 + ((p7 + 2 - r7) & ((slots[s7 + (a7 & 0xffff)] - (a7 >>> 16) - 1) >> 31));
      if ((c0 & c1 & c2 & c3 & c4 & c5 & c6 & c7) < 0) break;
    }
    if (!layout.hasCategorical) break;
    let moved = 0;
    if (walk[p0 + 1] & STOP_CATEGORICAL) {
      p0 = categoricalStep(walk, categoryCounts, p0, slots, s0);
      moved = 1;
    }
    if (walk[p1 + 1] & STOP_CATEGORICAL) {
      p1 = categoricalStep(walk, categoryCounts, p1, slots, s1);
      moved = 1;
    }
    if (walk[p2 + 1] & STOP_CATEGORICAL) {
      p2 = categoricalStep(walk, categoryCounts, p2, slots, s2);
      moved = 1;
    }
    if (walk[p3 + 1] & STOP_CATEGORICAL) {
      p3 = categoricalStep(walk, categoryCounts, p3, slots, s3);
      moved = 1;
    }
    if (walk[p4 + 1] & STOP_CATEGORICAL) {
      p4 = categoricalStep(walk, categoryCounts, p4, slots, s4);
      moved = 1;
    }
    if (walk[p5 + 1] & STOP_CATEGORICAL) {
      p5 = categoricalStep(walk, categoryCounts, p5, slots, s5);
      moved = 1;
    }
    if (walk[p6 + 1] & STOP_CATEGORICAL) {
      p6 = categoricalStep(walk, categoryCounts, p6, slots, s6);
      moved = 1;
    }
    if (walk[p7 + 1] & STOP_CATEGORICAL) {
      p7 = categoricalStep(walk, categoryCounts, p7, slots, s7);
      moved = 1;
    }
    if (moved === 0) break;
  }
  lanes[0] = p0;
  lanes[1] = p1;
  lanes[2] = p2;
  lanes[3] = p3;
  lanes[4] = p4;
  lanes[5] = p5;
  lanes[6] = p6;
  lanes[7] = p7;
}
