import { nextNode, nodeFeature, nodeWords } from './node-step.js';
import {
  FLAG_SHIFT,
  type ForestArrays,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  OFFSET_MASK,
} from './types.js';

/** Word 1 of a stop node: a leaf, or a node that the lanes hand to `slowStep` (STOP_SLOW). */
const STOP = 1 << 31;
const STOP_SLOW = 1 << 30;
/** Independent walks advanced together; each is one chain of loads, and the CPU overlaps the chains. */
export const LANES = 8;

/**
 * The walk layout: the forest's trees rewritten at load time (same pre-order, new offsets) so that every node
 * is one branch-free numeric step over the "slots" of a row (`fillSlots`), and a walk that reaches its leaf
 * finds the leaf's values in the same cache line:
 * - a numeric node [slot | (threshold + 1) << 16, right child] compares slot f (the bin, missing = MISSING_BIN,
 *   above every threshold: goes right) or, when it sends missing values left, slot nFeatures + f (the same bin
 *   but missing = 0: goes left). So a step is one comparison, with no test for missing values.
 * - a leaf [last slot, STOP | itself, values...] compares the last slot (always MISSING_BIN) with threshold 0,
 *   so it goes "right" to itself: a finished walk stays put while the other lanes go on. Its nOutputs values
 *   follow it, as float32 (`f32`, at word p + 2) when they are all float32-exact, else as float64 (`f64`, at
 *   the even word offset at or after p + 2).
 * - a categorical node [last slot, STOP | STOP_SLOW | itself, word 0, word 1, category set] stops the lanes
 *   too; `slowStep` moves them on. So does a numeric node that sends missing values left when a row has no
 *   room for a second set of slots (more than 32,767 features).
 * Reading the leaf values from the walk itself matters: looking up the leaf in a second array cost 1.4x.
 *
 * Offsets (node pointers, roots) are word offsets, or byte offsets when built `forWasm`, where the slot field
 * also holds the slot's byte offset in a group of LANES rows (slot * 2 * LANES) rather than the slot.
 */
export interface WalkLayout {
  readonly walk: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  /** Whether leaf values are float64 (`f64`) rather than float32 (`f32`). */
  readonly float64: boolean;
  /** Offset of each tree's root in `walk`. */
  readonly roots: Int32Array;
  /** Slots per row: nFeatures (+ nFeatures when a node sends missing values left) + 1. */
  readonly stride: number;
  readonly missingLeftSlots: boolean;
  readonly hasSlowNodes: boolean;
  /** 4 when offsets are byte offsets, else 1. */
  readonly unit: number;
}

/** What pass 1 of createWalkLayout finds: the layout's size in words, and which slots it needs. */
interface Measure {
  size: number;
  missingLeft: boolean;
  hasSlowNodes: boolean;
}

/**
 * Whether the node with these flags is slow: categorical, or numeric sending missing values left when there is
 * no room for a second set of slots.
 */
function isSlow(flags: number, room: boolean): boolean {
  return (flags & NODE_CATEGORICAL) !== 0 || ((flags & NODE_MISSING_LEFT) !== 0 && !room);
}

// The two passes are separate functions: V8 optimizes each loop while it runs, where one function holding
// both deoptimized into the interpreter at the second loop.
function measureNodes(arrays: ForestArrays, float64: boolean, room: boolean): Measure {
  const { nodes, categoryCounts, nOutputs: C } = arrays;
  let missingLeft = false;
  let hasSlowNodes = false;
  let size = 0;
  for (let p = 0; p < nodes.length; ) {
    const flags = nodes[p + 1] >>> FLAG_SHIFT;
    const words = nodeWords(nodes, categoryCounts, p);
    p += words;
    if (flags & NODE_LEAF) size = float64 ? ((size + 3) & ~1) + 2 * C : size + 2 + C;
    else if (isSlow(flags, room)) {
      hasSlowNodes = true;
      size += 2 + words;
    } else {
      if (flags & NODE_MISSING_LEFT) missingLeft = true;
      size += 2;
    }
  }
  return { size, missingLeft, hasSlowNodes };
}

/**
 * Pass 2: writes the nodes in the same order at their new offsets, and the roots. A node's right child comes
 * later in pre-order, so its pointer is patched when the walk over the old nodes reaches that child: the
 * pending patches form a stack (the deepest pending right child comes first), no table of all offsets.
 */
function writeNodes(
  arrays: ForestArrays,
  walk: Int32Array,
  values: Float32Array | Float64Array,
  roots: Int32Array,
  room: boolean,
  always: number,
  unit: number,
  slotUnit: number,
): void {
  const { nodes, categoryCounts, nOutputs: C, leafValues, nFeatures, treeOffsets } = arrays;
  // float64 values sit at the even word offset at or after q + 2; float32 ones at q + 2
  const f64 = values instanceof Float64Array;
  // pending patches: old offset of a right child, the word to patch, 1 for a slow node's word 1
  let stack = new Int32Array(3 * 64);
  let sp = 0;
  let t = 0;
  for (let p = 0, q = 0; p < nodes.length; ) {
    if (t < roots.length && treeOffsets[t] === p) roots[t++] = q * unit;
    if (sp > 0 && stack[sp - 3] === p) {
      sp -= 3;
      const at = stack[sp + 1];
      walk[at] = stack[sp + 2] === 1 ? (walk[at] & ~OFFSET_MASK) | q : q * unit;
    }
    const w0 = nodes[p];
    const w1 = nodes[p + 1];
    const flags = w1 >>> FLAG_SHIFT;
    const words = nodeWords(nodes, categoryCounts, p);
    if (flags & NODE_LEAF) {
      walk[q] = always;
      walk[q + 1] = STOP | (q * unit);
      const leaf = (w1 & OFFSET_MASK) * C;
      const v = f64 ? (q + 3) >>> 1 : q + 2;
      for (let c = 0; c < C; c++) values[v + c] = leafValues[leaf + c];
      q = f64 ? ((q + 3) & ~1) + 2 * C : q + 2 + C;
      p += words;
      continue;
    }
    if (sp + 3 > stack.length) {
      const grown = new Int32Array(stack.length * 2);
      grown.set(stack);
      stack = grown;
    }
    stack[sp] = w1 & OFFSET_MASK;
    if (isSlow(flags, room)) {
      walk[q] = always;
      walk[q + 1] = STOP | STOP_SLOW | (q * unit);
      walk[q + 2] = w0;
      walk[q + 3] = w1 & ~OFFSET_MASK;
      for (let i = 2; i < words; i++) walk[q + 2 + i] = nodes[p + i];
      stack[sp + 1] = q + 3;
      stack[sp + 2] = 1;
      q += 2 + words;
    } else {
      const slot = (w0 & 0xffff) + ((flags & NODE_MISSING_LEFT) !== 0 ? nFeatures : 0);
      // threshold + 1 (at most 0xffff: MISSING_BIN is never a threshold): a step is bin < it, one op fewer
      walk[q] = (((w0 >>> 16) + 1) << 16) | (slot * slotUnit);
      stack[sp + 1] = q + 1;
      stack[sp + 2] = 0;
      q += 2;
    }
    sp += 3;
    p += words;
  }
}

function allFloat32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Math.fround(values[i]) !== values[i]) return false;
  return true;
}

/**
 * Builds the walk layout at the start of the ArrayBuffer that `allocate` returns for its byte size (and the
 * row stride, to size what follows), or returns null when `allocate` does, or when it is built `forWasm` and
 * the slots' byte offsets do not fit the 16-bit slot field (thousands of features).
 */
export function createWalkLayout(
  arrays: ForestArrays,
  forWasm = false,
  allocate: (bytes: number, stride: number) => ArrayBuffer | null = (bytes) => new ArrayBuffer(bytes),
): WalkLayout | null {
  const { nFeatures, treeOffsets } = arrays;
  const float64 = !allFloat32(arrays.leafValues);
  // Missing-left nodes read a second set of slots if slot numbers fit in 16 bits, else they are slow nodes.
  const room = 2 * nFeatures + 1 <= 0xffff;
  const unit = forWasm ? 4 : 1;
  const slotUnit = forWasm ? 2 * LANES : 1;
  const { size, missingLeft, hasSlowNodes } = measureNodes(arrays, float64, room);
  const missingLeftSlots = missingLeft && room;
  const stride = (missingLeftSlots ? 2 * nFeatures : nFeatures) + 1;
  if (stride * slotUnit > 0x10000) return null;
  const buffer = allocate(((size + 1) & ~1) * 4, stride);
  if (buffer === null) return null;
  const walk = new Int32Array(buffer, 0, size);
  const f32 = new Float32Array(buffer, 0, size);
  const f64 = new Float64Array(buffer, 0, size >>> 1);
  const roots = new Int32Array(treeOffsets.length - 1);
  writeNodes(arrays, walk, float64 ? f64 : f32, roots, room, (stride - 1) * slotUnit, unit, slotUnit);
  return { walk, f32, f64, float64, roots, stride, missingLeftSlots, hasSlowNodes, unit };
}

/**
 * Completes the slots of lane k of the group at g (LANES rows, slot j of lane k at g + j * LANES + k), once
 * binRow has written the row's bins there (stride LANES).
 */
export function fillSlots(
  layout: WalkLayout,
  nFeatures: number,
  slots: Uint16Array,
  g: number,
  k: number,
): void {
  if (layout.missingLeftSlots)
    for (let f = 0; f < nFeatures; f++) {
      const b = slots[g + f * LANES + k];
      slots[g + (nFeatures + f) * LANES + k] = b === MISSING_BIN ? 0 : b;
    }
  slots[g + (layout.stride - 1) * LANES + k] = MISSING_BIN;
}

/** Copies lane 0 of the group at g to the other lanes (one row walked by several trees). */
export function copyLane0(layout: WalkLayout, slots: Uint16Array, g: number): void {
  for (let j = 0, end = layout.stride * LANES; j < end; j += LANES)
    slots.fill(slots[g + j], g + j + 1, g + j + LANES);
}

/**
 * Copies the slots of the row at block position `from` to position `to` (position i: lane i % LANES of group
 * i / LANES), so that rows still walking can be packed at the front of a block.
 */
export function moveLane(layout: WalkLayout, slots: Uint16Array, from: number, to: number): void {
  const src = (from - (from % LANES)) * layout.stride + (from % LANES);
  const dst = (to - (to % LANES)) * layout.stride + (to % LANES);
  for (let j = 0, end = layout.stride * LANES; j < end; j += LANES) slots[dst + j] = slots[src + j];
}

/**
 * Moves a walk stopped on the slow node at word offset p one step on, with the node's original words kept at
 * p + 2 (the row's bins are at slots[base + f * LANES]). Returns a word offset.
 */
export function slowStep(
  walk: Int32Array,
  categoryCounts: Uint32Array,
  p: number,
  slots: Uint16Array,
  base: number,
): number {
  return nextNode(walk, categoryCounts, p + 2, slots[base + nodeFeature(walk, p + 2) * LANES]);
}

/**
 * Moves every lane stopped on a slow node one step on; lanes hold offsets in `unit`s of 4 bytes or 1 word, the
 * row of lane k is at slots[g + k]. Returns whether a lane moved (else all lanes are on leaves).
 */
export function slowSteps(
  layout: WalkLayout,
  categoryCounts: Uint32Array,
  slots: Uint16Array,
  lanes: Int32Array,
  g: number,
): boolean {
  const { walk, unit } = layout;
  let moved = false;
  for (let k = 0; k < LANES; k++) {
    const p = lanes[k] / unit;
    if (walk[p + 1] & STOP_SLOW) {
      lanes[k] = slowStep(walk, categoryCounts, p, slots, g + k) * unit;
      moved = true;
    }
  }
  return moved;
}

/**
 * Walks LANES independent walks to their leaves: lane k starts at node lanes[k], over the slots of lane k of
 * the group at g, and its leaf's word offset is written back to lanes[k]. The steps are written out per lane
 * (no inner loop over lanes, no branch on the data) so that the CPU runs the lanes' chains of loads in
 * parallel; one branch per round checks whether every lane is on a stop node. The step is its own rather than
 * node-step.ts's nextNode: it reads the walk layout, not the model's nodes, and has no branch for missing
 * values or categories (those nodes stop the lanes and take nextNode in slowStep). Constants are local because
 * V8 reloaded module-level ones on every use (--print-opt-code).
 */
export function walkLanes(
  layout: WalkLayout,
  categoryCounts: Uint32Array,
  slots: Uint16Array,
  lanes: Int32Array,
  g: number,
): void {
  const walk = layout.walk;
  const pointer = 0x3fffffff;
  let p0 = lanes[0];
  let p1 = lanes[1];
  let p2 = lanes[2];
  let p3 = lanes[3];
  let p4 = lanes[4];
  let p5 = lanes[5];
  let p6 = lanes[6];
  let p7 = lanes[7];
  for (;;) {
    for (;;) {
      // next = the right child (itself for a stop node), or the left one (p + 2) when bin < threshold + 1
      let a = walk[p0];
      let c = walk[p0 + 1];
      let all = c;
      p0 = (c & pointer) + ((p0 + 2 - (c & pointer)) & ((slots[g + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p1];
      c = walk[p1 + 1];
      all &= c;
      p1 =
        (c & pointer) + ((p1 + 2 - (c & pointer)) & ((slots[g + 1 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p2];
      c = walk[p2 + 1];
      all &= c;
      p2 =
        (c & pointer) + ((p2 + 2 - (c & pointer)) & ((slots[g + 2 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p3];
      c = walk[p3 + 1];
      all &= c;
      p3 =
        (c & pointer) + ((p3 + 2 - (c & pointer)) & ((slots[g + 3 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p4];
      c = walk[p4 + 1];
      all &= c;
      p4 =
        (c & pointer) + ((p4 + 2 - (c & pointer)) & ((slots[g + 4 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p5];
      c = walk[p5 + 1];
      all &= c;
      p5 =
        (c & pointer) + ((p5 + 2 - (c & pointer)) & ((slots[g + 5 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p6];
      c = walk[p6 + 1];
      all &= c;
      p6 =
        (c & pointer) + ((p6 + 2 - (c & pointer)) & ((slots[g + 6 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      a = walk[p7];
      c = walk[p7 + 1];
      all &= c;
      p7 =
        (c & pointer) + ((p7 + 2 - (c & pointer)) & ((slots[g + 7 + (a & 0xffff) * 8] - (a >>> 16)) >> 31));
      if (all < 0) break;
    }
    if (!layout.hasSlowNodes) break;
    lanes[0] = p0;
    lanes[1] = p1;
    lanes[2] = p2;
    lanes[3] = p3;
    lanes[4] = p4;
    lanes[5] = p5;
    lanes[6] = p6;
    lanes[7] = p7;
    if (!slowSteps(layout, categoryCounts, slots, lanes, g)) break;
    p0 = lanes[0];
    p1 = lanes[1];
    p2 = lanes[2];
    p3 = lanes[3];
    p4 = lanes[4];
    p5 = lanes[5];
    p6 = lanes[6];
    p7 = lanes[7];
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
