/**
 * The lane walk (see walkLanes in score-lanes.ts) as a WebAssembly function, emitted here byte by byte: no
 * build step, no native code, and it runs in browsers too. It exists because it measured faster than V8's
 * code for the same loop, which re-checks the typed arrays' maps and bounds on every lane step (see
 * bench/RESULTS.md). The JavaScript walk stays as the fallback where WebAssembly is unavailable.
 *
 * `walk(g, lanes)`: the LANES i32 at byte address `lanes` are byte offsets of nodes in the walk layout (built
 * with byte offsets, see createWalkLayout); each walk advances over the Uint16 slots of its lane in the group
 * at byte address g until every lane is on a stop node; the final offsets are stored back at `lanes`.
 */

const I32 = 0x7f;
const I64 = 0x7e;
const op = {
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load16u: 0x2f,
  i32Store: 0x36,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
} as const;

function uleb(n: number): number[] {
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

/** The body of walk(g, lanes) for `lanes` lanes. */
function walkBody(lanes: number): number[] {
  const G = 0;
  const LANES_AT = 1;
  const P = 2; // p0 .. p(lanes-1)
  const A = P + lanes;
  const C = A + 1;
  const ALL = A + 2;
  const R = A + 3;
  const N = A + 4; // i64
  const code: number[] = [2, ...uleb(lanes + 4), I32, 1, I64];
  const get = (i: number) => code.push(op.localGet, ...uleb(i));
  const set = (i: number) => code.push(op.localSet, ...uleb(i));
  const i32 = (v: number) => code.push(op.i32Const, ...sleb(v));
  for (let k = 0; k < lanes; k++) {
    get(LANES_AT);
    code.push(op.i32Load, 2, ...uleb(4 * k));
    set(P + k);
  }
  code.push(op.loop, 0x40);
  for (let k = 0; k < lanes; k++) {
    // n = node (word 0 in the low half, word 1 in the high half)
    get(P + k);
    code.push(op.i64Load, 2, 0);
    set(N);
    get(N);
    code.push(op.i32WrapI64);
    set(A);
    get(N);
    code.push(op.i64Const, ...sleb(32), op.i64ShrU, op.i32WrapI64);
    set(C);
    get(C);
    if (k > 0) {
      get(ALL);
      code.push(op.i32And);
    }
    set(ALL);
    // r = right child (the node itself for a stop node)
    get(C);
    i32(0x3fffffff);
    code.push(op.i32And);
    set(R);
    // p = r + ((p + 8 - r) & ((slot - threshold - 1) >> 31))
    get(R);
    get(P + k);
    i32(8);
    code.push(op.i32Add);
    get(R);
    code.push(op.i32Sub);
    get(G);
    get(A);
    i32(0xffff);
    code.push(op.i32And, op.i32Add, op.i32Load16u, 1, ...uleb(2 * k));
    get(A);
    i32(16);
    code.push(op.i32ShrU, op.i32Sub);
    i32(1);
    code.push(op.i32Sub);
    i32(31);
    code.push(op.i32ShrS, op.i32And, op.i32Add);
    set(P + k);
  }
  get(ALL);
  i32(0);
  code.push(op.i32GeS, op.brIf, 0, op.end);
  for (let k = 0; k < lanes; k++) {
    get(LANES_AT);
    get(P + k);
    code.push(op.i32Store, 2, ...uleb(4 * k));
  }
  code.push(op.end);
  return [...uleb(code.length), ...code];
}

/** The module's bytes: imports memory "m"."mem", exports walk(g: i32, lanes: i32). */
export function walkModuleBytes(lanes: number): Uint8Array<ArrayBuffer> {
  const body = walkBody(lanes);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 2, I32, I32, 0]),
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('walk'), 0x00, 0]),
    ...section(10, [1, ...body]),
  ]);
}

export type WasmWalk = (g: number, lanes: number) => void;

/**
 * Instantiates the walk over `memory`, or returns null where WebAssembly is missing or refused (a content
 * security policy without 'wasm-unsafe-eval', for example): the caller then walks in JavaScript.
 */
export function instantiateWalk(memory: WebAssembly.Memory, lanes: number): WasmWalk | null {
  try {
    const module = new WebAssembly.Module(walkModuleBytes(lanes));
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    return instance.exports.walk as WasmWalk;
  } catch {
    return null;
  }
}
