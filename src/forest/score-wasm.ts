/**
 * The lane walk (see walkLanes in score-lanes.ts) as a WebAssembly function, emitted here byte by byte: no
 * build step, no native code, and it runs in browsers too. It exists because it measured faster than V8's
 * code for the same loop, which re-checks the typed arrays' maps and bounds on every lane step (see
 * bench/RESULTS.md). The JavaScript walk stays as the fallback where WebAssembly is unavailable. The module
 * must stay under 4 KB: Chrome refuses to compile a larger one synchronously on the main thread (the scorer
 * would then fall back to JavaScript there); test/forest/kernel.test.ts checks it.
 *
 * `walk(g, lanes)`: the LANES i32 at byte address `lanes` are byte offsets of nodes in the walk layout (built
 * with byte offsets, see createWalkLayout); each walk advances over the Uint16 slots of its lane in the group
 * at byte address g until every lane is on a stop node; the final offsets are stored back at `lanes`.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  br: 0x0c,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i64Load: 0x29,
  f32Load: 0x2a,
  f64Load: 0x2b,
  i32Load16u: 0x2f,
  i32Store: 0x36,
  f64Store: 0x39,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i64ShrU: 0x88,
  f64Add: 0xa0,
  i32WrapI64: 0xa7,
  f64PromoteF32: 0xbb,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** A function body being emitted: its code, and helpers for the common instructions. */
export class Body {
  readonly code: number[] = [];
  get(i: number): void {
    this.code.push(op.localGet, ...uleb(i));
  }
  set(i: number): void {
    this.code.push(op.localSet, ...uleb(i));
  }
  i32(v: number): void {
    this.code.push(op.i32Const, ...sleb(v));
  }
  ops(...bytes: number[]): void {
    this.code.push(...bytes);
  }
  /** The body's bytes: its size, the local declarations ([count, type] pairs), the code and `end`. */
  bytes(locals: number[][]): number[] {
    const all = [...uleb(locals.length), ...locals.flat(), ...this.code, op.end];
    return [...uleb(all.length), ...all];
  }
}

/** Loads the node at the byte offset in local p: word 0 into local a, word 1 into local c (through local n, i64). */
export function emitLoadNode(b: Body, p: number, n: number, a: number, c: number): void {
  b.get(p);
  b.ops(op.i64Load, 2, 0);
  b.set(n);
  b.get(n);
  b.ops(op.i32WrapI64);
  b.set(a);
  b.get(n);
  b.ops(op.i64Const, ...sleb(32), op.i64ShrU, op.i32WrapI64);
  b.set(c);
}

/**
 * The one node step of every WebAssembly walk: pushes the next node's offset, the right child r (local) when
 * the slot read at g + (a & 0xffff) + slotOffset is at least a >>> 16 (the threshold + 1, see score-lanes.ts),
 * else the left child p + 8: r + ((p + 8 - r) & ((slot - (threshold + 1)) >> 31)), no branch.
 */
export function emitStep(b: Body, p: number, r: number, g: number, a: number, slotOffset: number): void {
  b.get(r);
  b.get(p);
  b.i32(8);
  b.ops(op.i32Add);
  b.get(r);
  b.ops(op.i32Sub);
  b.get(g);
  b.get(a);
  b.i32(0xffff);
  b.ops(op.i32And, op.i32Add, op.i32Load16u, 1, ...uleb(slotOffset));
  b.get(a);
  b.i32(16);
  b.ops(op.i32ShrU, op.i32Sub);
  b.i32(31);
  b.ops(op.i32ShrS, op.i32And, op.i32Add);
}

/**
 * Emits the lane loop: the lanes' node offsets in locals p .. p + lanes - 1 advance until every lane is on a
 * stop node, over the group of slots at the byte address in local g (lane k reads lane k's row). Uses locals
 * t .. t + 3 (i32) and n (i64).
 */
function emitWalkLoop(b: Body, lanes: number, g: number, p: number, t: number, n: number): void {
  const [A, C, ALL, R] = [t, t + 1, t + 2, t + 3];
  b.ops(op.loop, 0x40);
  for (let k = 0; k < lanes; k++) {
    emitLoadNode(b, p + k, n, A, C);
    b.get(C);
    if (k > 0) {
      b.get(ALL);
      b.ops(op.i32And);
    }
    b.set(ALL);
    // r = the right child (the node itself for a stop node)
    b.get(C);
    b.i32(0x3fffffff);
    b.ops(op.i32And);
    b.set(R);
    emitStep(b, p + k, R, g, A, 2 * k);
    b.set(p + k);
  }
  // all lanes on stop nodes: the sign bits of every word 1
  b.get(ALL);
  b.i32(0);
  b.ops(op.i32GeS, op.brIf, 0, op.end);
}

/** walk(g, lanesAt): the lanes' start offsets are read from lanesAt, their stop nodes written back there. */
function walkBody(lanes: number): number[] {
  const b = new Body();
  const [G, AT, P] = [0, 1, 2];
  const T = P + lanes;
  const N = T + 4;
  for (let k = 0; k < lanes; k++) {
    b.get(AT);
    b.ops(op.i32Load, 2, ...uleb(4 * k));
    b.set(P + k);
  }
  emitWalkLoop(b, lanes, G, P, T, N);
  for (let k = 0; k < lanes; k++) {
    b.get(AT);
    b.get(P + k);
    b.ops(op.i32Store, 2, ...uleb(4 * k));
  }
  return b.bytes([
    [lanes + 4, I32],
    [1, I64],
  ]);
}

/**
 * block(root, g, groups, groupBytes, out, nOut, rows): one tree over a block of rows, for forests without
 * slow nodes. For each group of `lanes` rows (slots at g, g + groupBytes, ...) the lanes walk from root to
 * their leaves, then the leaf values of row i (i < rows) are added to the float64s at out + 8 * nOut * i,
 * in order: the same sums as the JavaScript loop, in the same order. Leaf values are float32 at leaf + 8, or
 * float64 at the first 8-byte boundary from leaf + 8 (`float64`).
 */
function blockBody(lanes: number, float64: boolean): number[] {
  const b = new Body();
  const [ROOT, G, GROUPS, STEP, OUT, NOUT, ROWS] = [0, 1, 2, 3, 4, 5, 6];
  const P = 7;
  const T = P + lanes;
  const [ROW, V, O, CI] = [T + 4, T + 5, T + 6, T + 7];
  const N = T + 8;
  b.ops(op.block, 0x40, op.loop, 0x40);
  // while (groups > 0)
  b.get(GROUPS);
  b.ops(op.i32Eqz, op.brIf, 1);
  for (let k = 0; k < lanes; k++) {
    b.get(ROOT);
    b.set(P + k);
  }
  emitWalkLoop(b, lanes, G, P, T, N);
  for (let k = 0; k < lanes; k++) {
    // if (row < rows): out[row][c] += value[c] for c < nOut
    b.get(ROW);
    b.get(ROWS);
    b.ops(op.i32LtU, op.if, 0x40);
    b.get(P + k);
    if (float64) {
      b.i32(15);
      b.ops(op.i32Add);
      b.i32(-8);
      b.ops(op.i32And);
    } else {
      b.i32(8);
      b.ops(op.i32Add);
    }
    b.set(V);
    b.get(OUT);
    b.get(ROW);
    b.get(NOUT);
    b.ops(op.i32Mul);
    b.i32(3);
    b.ops(op.i32Shl, op.i32Add);
    b.set(O);
    b.i32(0);
    b.set(CI);
    b.ops(op.block, 0x40, op.loop, 0x40);
    b.get(CI);
    b.get(NOUT);
    b.ops(op.i32GeU, op.brIf, 1);
    b.get(O);
    b.get(O);
    b.ops(op.f64Load, 3, 0);
    b.get(V);
    b.ops(float64 ? op.f64Load : op.f32Load, float64 ? 3 : 2, 0);
    if (!float64) b.ops(op.f64PromoteF32);
    b.ops(op.f64Add, op.f64Store, 3, 0);
    b.get(O);
    b.i32(8);
    b.ops(op.i32Add);
    b.set(O);
    b.get(V);
    b.i32(float64 ? 8 : 4);
    b.ops(op.i32Add);
    b.set(V);
    b.get(CI);
    b.i32(1);
    b.ops(op.i32Add);
    b.set(CI);
    b.ops(op.br, 0, op.end, op.end);
    b.ops(op.end);
    b.get(ROW);
    b.i32(1);
    b.ops(op.i32Add);
    b.set(ROW);
  }
  // next group
  b.get(G);
  b.get(STEP);
  b.ops(op.i32Add);
  b.set(G);
  b.get(GROUPS);
  b.i32(1);
  b.ops(op.i32Sub);
  b.set(GROUPS);
  b.ops(op.br, 0, op.end, op.end);
  return b.bytes([
    [lanes + 8, I32],
    [1, I64],
  ]);
}

/**
 * The module's bytes: imports memory "m"."mem", exports walk(g, lanesAt) and block(root, g, groups, groupBytes,
 * out, nOut, rows). (One row through every tree has its own module: score-wasm-row.ts.)
 */
export function walkModuleBytes(lanes: number, float64: boolean): Uint8Array<ArrayBuffer> {
  const types = [2, 0x60, 2, I32, I32, 0, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0];
  return moduleBytes(types, [
    ['walk', 0, walkBody(lanes)],
    ['block', 1, blockBody(lanes, float64)],
  ]);
}

/**
 * A module that imports memory "m"."mem" and exports its functions: [name, type index, body] each, with the
 * type section's contents `types` (count first).
 */
export function moduleBytes(
  types: number[],
  functions: [string, number, number[]][],
): Uint8Array<ArrayBuffer> {
  const n = functions.length;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
    ...section(3, [n, ...functions.map(([, type]) => type)]),
    ...section(7, [n, ...functions.flatMap(([fn], i) => [...name(fn), 0x00, i])]),
    ...section(10, [n, ...functions.flatMap(([, , body]) => body)]),
  ]);
}

export interface WasmWalk {
  walk(g: number, lanesAt: number): void;
  block(
    root: number,
    g: number,
    groups: number,
    groupBytes: number,
    out: number,
    nOut: number,
    rows: number,
  ): void;
}

/**
 * Instantiates the walk over `memory`, or returns null where WebAssembly is missing or refused (a content
 * security policy without 'wasm-unsafe-eval', for example): the caller then walks in JavaScript.
 */
export function instantiateWalk(
  memory: WebAssembly.Memory,
  lanes: number,
  float64: boolean,
): WasmWalk | null {
  try {
    const module = new WebAssembly.Module(walkModuleBytes(lanes, float64));
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    return instance.exports as unknown as WasmWalk;
  } catch {
    return null;
  }
}
