/**
 * One row through every tree, as a WebAssembly function emitted byte by byte (see score-wasm.ts for the lane
 * step and the walk layout). A single row is bound by memory latency: a deep forest does not fit in L2, so
 * nearly every step of a walk waits for a cache miss, and the only way to go faster is to keep many
 * independent walks in flight. Walking ROW_LANES trees at a time and waiting for the deepest of each group
 * left most lanes idle (mean leaf depth 17, the deepest of 16 trees often past 30); here a lane takes the
 * next tree as soon as its tree reaches a leaf, so every lane stays busy until the last trees.
 *
 * The leaf each tree reaches is stored per tree, and the caller adds the leaf values in tree order: the sums
 * are the same, bit for bit, as a walk of one tree after the other.
 *
 * A separate module from score-wasm.ts's: each stays under 4 KB (Chrome compiles nothing larger synchronously
 * on the main thread).
 */

import { LANES, type WalkLayout } from './score-lanes.js';
import { Body, emitLoadNode, emitStep, I32, I64, moduleBytes, op, uleb } from './score-wasm.js';

/** Walks in flight for one row (measured: see bench/RESULTS.md). */
export const ROW_LANES = 16;

const ELSE = 0x05;
const I32_LT_S = 0x48;
const I32_STORE = 0x36;

/**
 * walkRow(g, roots, end, leaves): the row's slots are at byte address g (lane 0 of a group: the slot field of a
 * node is the slot's byte offset there). roots holds the trees' root offsets (i32), then `lanes` offsets of
 * the parking node (a node that loops on itself and never stops); end is 4 * nTrees. The leaf offset of tree
 * t is stored at leaves + 4 * t.
 */
function rowBody(lanes: number): number[] {
  const b = new Body();
  const [G, ROOTS, END, LEAVES] = [0, 1, 2, 3];
  const P = 4;
  const T = P + lanes;
  const [NEXT, DONE, A, C] = [T + lanes, T + lanes + 1, T + lanes + 2, T + lanes + 3];
  const N = C + 1;
  for (let k = 0; k < lanes; k++) {
    b.get(ROOTS);
    b.ops(op.i32Load, 2, ...uleb(4 * k));
    b.set(P + k);
    b.get(LEAVES);
    b.i32(4 * k);
    b.ops(op.i32Add);
    b.set(T + k);
  }
  b.i32(4 * lanes);
  b.set(NEXT);
  b.ops(op.loop, 0x40);
  for (let k = 0; k < lanes; k++) {
    emitLoadNode(b, P + k, N, A, C);
    // a stop node (word 1's sign bit) is a leaf: store it for its tree, take the next tree
    b.get(C);
    b.i32(0);
    b.ops(I32_LT_S, op.if, 0x40);
    b.get(T + k);
    b.get(P + k);
    b.ops(I32_STORE, 2, 0);
    b.get(DONE);
    b.i32(4);
    b.ops(op.i32Add);
    b.set(DONE);
    b.get(LEAVES);
    b.get(NEXT);
    b.ops(op.i32Add);
    b.set(T + k);
    b.get(ROOTS);
    b.get(NEXT);
    b.ops(op.i32Add, op.i32Load, 2, 0);
    b.set(P + k);
    b.get(NEXT);
    b.i32(4);
    b.ops(op.i32Add);
    b.set(NEXT);
    b.ops(ELSE);
    // word 1 of a numeric node is its right child
    emitStep(b, P + k, C, G, A, 0);
    b.set(P + k);
    b.ops(op.end);
  }
  b.get(DONE);
  b.get(END);
  b.ops(op.i32LtU, op.brIf, 0, op.end);
  return b.bytes([
    [2 * lanes + 4, I32],
    [1, I64],
  ]);
}

/** The module's bytes: imports memory "m"."mem", exports walkRow(g, roots, end, leaves). */
export function rowModuleBytes(lanes = ROW_LANES): Uint8Array<ArrayBuffer> {
  return moduleBytes([1, 0x60, 4, I32, I32, I32, I32, 0], [['walkRow', 0, rowBody(lanes)]]);
}

/** Bytes of memory that createRowWalk uses for a forest of nTrees trees. */
export function rowWalkBytes(nTrees: number): number {
  return 8 + 4 * (nTrees + ROW_LANES) + 4 * nTrees;
}

/** One row through every tree: `run(g)` walks the row at byte address g, tree t's leaf lands in leaves[t]. */
export interface RowWalk {
  run(g: number): void;
  /** Each tree's leaf, in the layout's offsets (bytes). */
  readonly leaves: Int32Array;
}

/**
 * Sets up walkRow over a layout built for WebAssembly in `memory` (rowWalkBytes(nTrees) free at byte `at`,
 * 8-byte aligned): the parking node, the padded roots and the leaves. Null where WebAssembly refuses the module.
 */
export function createRowWalk(memory: WebAssembly.Memory, at: number, layout: WalkLayout): RowWalk | null {
  const { roots, stride } = layout;
  const nTrees = roots.length;
  let walkRow: (g: number, roots: number, end: number, leaves: number) => void;
  try {
    const module = new WebAssembly.Module(rowModuleBytes());
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    walkRow = instance.exports.walkRow as typeof walkRow;
  } catch {
    return null;
  }
  const rootsAt = at + 8;
  const leavesAt = rootsAt + 4 * (nTrees + ROW_LANES);
  // the parking node compares the always-missing last slot with threshold 0: goes "right" to itself, never stops
  const park = new Int32Array(memory.buffer, at, 2);
  park[0] = (stride - 1) * 2 * LANES;
  park[1] = at;
  const padded = new Int32Array(memory.buffer, rootsAt, nTrees + ROW_LANES);
  padded.set(roots);
  padded.fill(at, nTrees);
  const end = 4 * nTrees;
  return {
    run: (g) => walkRow(g, rootsAt, end, leavesAt),
    leaves: new Int32Array(memory.buffer, leavesAt, nTrees),
  };
}
