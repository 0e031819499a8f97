// Bad input, model files: random damage to a real trained model file (not the synthetic forests of
// test/model/corruption.test.ts). Truncation, byte flips, insertions and deletions must always give an
// MlinferError with a model code, through every entry point (bytes, a path, a predictor reload). And a
// file whose metadata was edited at random but whose checksum was recomputed (a hand-edited or crafted
// file) must either fail with a model code or load a model that predicts or fails cleanly: never a
// TypeError from deep inside.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMlinferError } from '../../src/errors.js';
import { loadModel, loadModelSync } from '../../src/model/io.js';
import { type Model, modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { customersModel, RECORD } from '../serve/helpers.js';
import { fcParams } from './helpers.js';

const MODEL_CODES = ['MLI_MODEL_CORRUPT', 'MLI_MODEL_FOREIGN', 'MLI_MODEL_VERSION'];

let model: Model;
let bytes: Uint8Array;
let dir: string;

beforeAll(async () => {
  ({ model, dir } = await customersModel(3));
  bytes = modelToBytes(model);
}, 60_000);

function expectModelError(fn: () => unknown): void {
  let threw: unknown = null;
  try {
    fn();
  } catch (e) {
    threw = e;
  }
  if (threw === null) throw new Error('a damaged model file was accepted');
  if (!isMlinferError(threw)) throw threw;
  expect(MODEL_CODES).toContain(threw.code);
  expect(threw.message.length).toBeGreaterThan(10);
}

type Damage =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; mask: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    op: fc.constant('flip' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

function apply(src: Uint8Array, ds: Damage[]): Uint8Array {
  let b = src.slice();
  for (const d of ds) {
    const i = Math.min(b.length - 1, Math.floor(d.at * b.length));
    if (b.length === 0) break;
    if (d.op === 'truncate') b = b.slice(0, i);
    else if (d.op === 'flip') b[i] ^= d.mask;
    else if (d.op === 'insert') b = new Uint8Array([...b.subarray(0, i), d.byte, ...b.subarray(i)]);
    else b = new Uint8Array([...b.subarray(0, i), ...b.subarray(i + 1)]);
  }
  return b;
}

describe('damaged model files', () => {
  it('random truncation, flips, insertions and deletions: always an MlinferError with a model code', () => {
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (ds) => {
        const b = apply(bytes, ds);
        // Two flips of the same byte with the same mask undo each other: only a real change must fail.
        if (b.length === bytes.length && b.every((x, i) => x === bytes[i])) return;
        expectModelError(() => modelFromBytes(b));
      }),
      fcParams(400),
    );
  });

  it('the same through a path (loadModel, loadModelSync), createPredictor and a predictor reload', async () => {
    const predictor = createPredictor(model);
    const version = predictor.modelVersion;
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 3 }), async (ds) => {
        const b = apply(bytes, ds);
        if (b.length === bytes.length && b.every((x, i) => x === bytes[i])) return;
        const path = join(dir, 'damaged.mlinfer');
        writeFileSync(path, b);
        expectModelError(() => loadModelSync(path));
        await expect(loadModel(path)).rejects.toSatisfy(
          (e: unknown) => isMlinferError(e) && MODEL_CODES.includes(e.code) && e.message.includes(path),
        );
        expectModelError(() => createPredictor(path));
        const r = await predictor.reload(path);
        expect(r.ok).toBe(false);
        expect(MODEL_CODES).toContain((r.error as { code?: string } | undefined)?.code);
        // The old model keeps answering.
        expect(predictor.modelVersion).toBe(version);
        expect(predictor.predict(RECORD).modelVersion).toBe(version);
      }),
      fcParams(60),
    );
  });

  it('metadata edited at random behind a valid checksum: a model error, or a model that predicts or fails cleanly', () => {
    const meta = JSON.parse(JSON.stringify(model.metadata)) as Record<string, unknown>;
    // Paths into the model card, to replace with random JSON.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[], depth: number) => {
      if (depth > 4) return;
      paths.push(p);
      if (Array.isArray(v)) for (let i = 0; i < Math.min(3, v.length); i++) walk(v[i], [...p, i], depth + 1);
      else if (typeof v === 'object' && v !== null)
        for (const [k, x] of Object.entries(v)) walk(x, [...p, k], depth + 1);
    };
    walk(meta, [], 0);
    const edits = fc.array(
      fc.record({
        path: fc.constantFrom(...paths.filter((p) => p.length > 0)),
        value: fc.jsonValue({ maxDepth: 2 }),
      }),
      { minLength: 1, maxLength: 3 },
    );
    let loaded = 0;
    fc.assert(
      fc.property(edits, (es) => {
        const m = structuredClone(meta);
        for (const { path, value } of es) {
          let o = m as any;
          for (const k of path.slice(0, -1)) {
            if (typeof o !== 'object' || o === null) break;
            o = o[k];
          }
          if (typeof o === 'object' && o !== null) o[path[path.length - 1]] = value;
        }
        // encodeModel validates the forest and reseals the checksum: the damage is in the card only.
        let b: Uint8Array;
        try {
          b = modelToBytes({ ...model, metadata: m } as unknown as Model);
        } catch (e) {
          if (!isMlinferError(e)) throw e;
          return;
        }
        let loadedModel: Model;
        try {
          loadedModel = modelFromBytes(b);
        } catch (e) {
          if (!isMlinferError(e)) throw e;
          expect(MODEL_CODES).toContain(e.code);
          return;
        }
        loaded++;
        try {
          const p = createPredictor(loadedModel);
          p.predict(RECORD);
          p.predictMany([RECORD, Object.values(RECORD)]);
        } catch (e) {
          if (!isMlinferError(e)) throw e;
        }
      }),
      fcParams(300),
    );
    // Some edits are harmless (a metric, a note, the creation time): those files load.
    expect(loaded).toBeGreaterThan(0);
  });
});

describe('foreign files never reach a code path that runs them', () => {
  it('a pickle, JSON, a script and random bytes are MLI_MODEL_FOREIGN or MLI_MODEL_CORRUPT', () => {
    const enc = new TextEncoder();
    for (const b of [
      new Uint8Array([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x8c, 0x05, 0x6f, 0x73]), // pickle
      enc.encode('{"format":"mlinfer-model","__proto__":{"polluted":1}}'),
      enc.encode('module.exports = () => process.exit(1)'),
      enc.encode(`x = require('child_process').execSync('touch ${join(tmpdir(), 'pwned')}')`),
    ])
      expectModelError(() => modelFromBytes(b));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => expectModelError(() => modelFromBytes(b))),
      fcParams(200),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
