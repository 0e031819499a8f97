// Bad input, HTTP: random and hostile request bodies against createHandler on a loopback server (the real
// node:http stack, not a fake request). Whatever arrives, the answer is a 4xx with `error` and `issues`
// (or a 200 when the body happens to be a valid request), never a 5xx, never a stack trace, and the server
// keeps serving. Prototype pollution is checked on Object.prototype itself after every request.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { customersModel, post, RECORD, ROW, type Served, serve } from '../serve/helpers.js';
import { fcParams, STACK_LINE, within } from './helpers.js';

let served: Served;
let infer: string;
let predict: string;
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  const { model } = await customersModel();
  served = await serve(createPredictor(model), { modelName: 'churn', maxBodyBytes: 32 << 20 });
  predict = `${served.url}/predict`;
  infer = `${served.url}/v2/models/churn/infer`;
}, 60_000);

afterAll(() => served.close());

interface Answer {
  status: number;
  text: string;
  body: any;
}

async function send(url: string, body: string | Uint8Array, contentType?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  const res = await fetch(url, { method: 'POST', headers, body: body as BodyInit });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, text, body: parsed };
}

/** The contract for any request: 2xx or a 4xx error body; never 5xx, never a stack trace. */
function expectClientOutcome(a: Answer): void {
  expect(a.status, a.text.slice(0, 300)).toBeLessThan(500);
  expect(a.text).not.toMatch(STACK_LINE);
  if (a.status >= 400) {
    expect(typeof a.body?.error).toBe('string');
    expect(typeof a.body?.code).toBe('string');
    expect(Array.isArray(a.body?.issues)).toBe(true);
  }
}

function expectPrototypeUntouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_NAMES);
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'x', 'a', 'b']) expect(probe[k]).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

/** Bodies shaped like the real routes' requests, with random values where the data goes. */
function shaped(v: unknown): { url: () => string; body: unknown }[] {
  return [
    { url: () => predict, body: v },
    { url: () => predict, body: { features: v } },
    { url: () => predict, body: { instances: v } },
    { url: () => predict, body: { instances: [v, ROW] } },
    { url: () => predict, body: { ...RECORD, age: v } },
    { url: () => infer, body: { inputs: v } },
    { url: () => infer, body: { inputs: [{ name: 'x', shape: [1, 9], datatype: 'BYTES', data: v }] } },
    { url: () => infer, body: { inputs: [{ name: 'age', shape: v, datatype: 'FP64', data: [1] }] } },
  ];
}

describe('random bodies', () => {
  it('random JSON values in every request shape: 2xx or 4xx with issues', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.nat(7), async (v, which) => {
        const s = shaped(v)[which];
        expectClientOutcome(await send(s.url(), JSON.stringify(s.body), 'application/json'));
      }),
      fcParams(250),
    );
    expectPrototypeUntouched();
  });

  it('random text, invalid JSON and random content types: 4xx (400, 413 or 415)', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        undefined,
        'application/json',
        'application/json; charset=utf-8',
        'application/vnd.api+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        '',
        ';;;',
      ),
      fc.string({ maxLength: 30 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '1', 'e', '-', 'n', ' ', '\\') }),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)), // truncated JSON
    );
    await fc.assert(
      fc.asyncProperty(text, contentType, fc.boolean(), async (t, ct, toInfer) => {
        const a = await send(toInfer ? infer : predict, t, ct);
        expectClientOutcome(a);
      }),
      fcParams(200),
    );
  });

  it('random bytes (invalid UTF-8 included) as a body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 500 }), async (bytes) => {
        expectClientOutcome(await send(predict, bytes, 'application/json'));
      }),
      fcParams(100),
    );
  });
});

describe('hostile bodies', () => {
  it('NaN, Infinity and 1e999 anywhere a number goes are 400', async () => {
    for (const token of [
      'NaN',
      'Infinity',
      '-Infinity',
      '1e999',
      '-1e999',
      'undefined',
      '0x10',
      '+1',
      '.5',
    ]) {
      for (const body of [
        `{"features": [${token}, 1, 1, "x", "y", "no", true, 1, "z"]}`,
        `{"age": ${token}}`,
        `{"instances": [{"age": ${token}}]}`,
      ]) {
        const a = await send(predict, body, 'application/json');
        expectClientOutcome(a);
        expect(a.status).toBe(400);
      }
      const a = await send(
        infer,
        `{"inputs": [{"name": "age", "shape": [1], "datatype": "FP64", "data": [${token}]}]}`,
        'application/json',
      );
      expect(a.status).toBe(400);
    }
  });

  it('100,000 nested arrays or objects, in every request shape, do not blow the stack: 4xx', async () => {
    const depth = 100_000;
    const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    // "constructor" in the text makes the handler walk the body for poisoned keys.
    const deepPoisoned = `${'{"constructor":'.repeat(depth)}1${'}'.repeat(depth)}`;
    for (const deep of [deepArray, deepObject, deepPoisoned]) {
      const bodies: [string, string][] = [
        [predict, deep],
        [predict, `{"features": ${deep}}`],
        [predict, `{"instances": ${deep}}`],
        [predict, `{"instances": [${deep}]}`],
        [predict, `{"age": ${deep}}`],
        [infer, `{"inputs": ${deep}}`],
        [infer, `{"inputs": [{"name": "age", "shape": [1], "datatype": "FP64", "data": ${deep}}]}`],
        [infer, `{"inputs": [{"name": "age", "shape": ${deep}, "datatype": "FP64", "data": [1]}]}`],
      ];
      for (const [url, body] of bodies) {
        const a = await within(10_000, () => send(url, body, 'application/json'));
        expectClientOutcome(a);
        expect(a.status, `${url} ${body.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      }
    }
    // And the server still answers normally.
    expect((await post(predict, RECORD)).status).toBe(200);
  });

  it('huge arrays: 400 past maxInstances or the feature count, 413 past the body limit, answered promptly', async () => {
    const manyFeatures = await within(10_000, () =>
      send(predict, JSON.stringify({ features: new Array(2_000_000).fill(1) }), 'application/json'),
    );
    expectClientOutcome(manyFeatures);
    expect(manyFeatures.status).toBe(400);
    const manyInstances = await within(10_000, () =>
      send(predict, JSON.stringify({ instances: new Array(10_001).fill(ROW) }), 'application/json'),
    );
    expect(manyInstances.status).toBe(400);
    expect(manyInstances.body.issues[0].path).toEqual(['instances']);
    const hugeTensor = await within(10_000, () =>
      send(
        infer,
        JSON.stringify({
          inputs: [{ name: 'age', shape: [1e9, 1e9], datatype: 'FP64', data: new Array(1_000_000).fill(1) }],
        }),
        'application/json',
      ),
    );
    expect(hugeTensor.status).toBe(400);
    const tooBig = await within(10_000, () =>
      send(predict, `[${'1,'.repeat(17 << 20)}1]`, 'application/json'),
    );
    expectClientOutcome(tooBig);
    expect(tooBig.status).toBe(413);
  });

  it('__proto__, constructor and prototype keys anywhere never pollute Object.prototype', async () => {
    const key = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'polluted',
      'isAdmin',
      'age',
      'features',
    );
    const poisoned: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom(1, 'x', true, null),
        fc.array(tie('value'), { maxLength: 3 }),
        tie('object'),
      ),
      object: fc.dictionary(key, tie('value'), { maxKeys: 3 }),
    })).value;
    // JSON.stringify drops a "__proto__" own key made by a literal; build the text by hand instead.
    const toJson = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
      if (typeof v === 'object' && v !== null)
        return `{${Object.entries(v)
          .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
          .join(',')}}`;
      return JSON.stringify(v);
    };
    await fc.assert(
      fc.asyncProperty(poisoned, fc.nat(7), async (v, which) => {
        const s = shaped(v)[which];
        const text = toJson(s.body);
        const a = await send(s.url(), text, 'application/json');
        expectClientOutcome(a);
        if (/"__proto__"/.test(text)) expect(a.status).toBe(400);
        expectPrototypeUntouched();
      }),
      fcParams(200),
    );
    for (const body of [
      '{"__proto__": {"polluted": 1}}',
      '{"constructor": {"prototype": {"polluted": 1}}}',
      '{"instances": [{"__proto__": {"isAdmin": true}}]}',
      `{"features": {"__proto__": {"polluted": 1}, "age": 1}}`,
    ]) {
      const a = await send(predict, body, 'application/json');
      expect(a.status).toBe(400);
      expect(a.body.issues[0].kind).toBe('forbidden_key');
    }
    expectPrototypeUntouched();
  });
});
