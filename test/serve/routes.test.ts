import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictor, type NodePredictor } from '../../src/predict/predictor-node.js';
import { customersModel, get, post, RECORD, ROW, type Served, serve } from './helpers.js';

let predictor: NodePredictor;
let s: Served;

beforeAll(async () => {
  const { path } = await customersModel();
  predictor = createPredictor(path);
  s = await serve(predictor, { modelName: 'churn', maxBodyBytes: 4096, maxInstances: 50 });
});
afterAll(() => s.close());

describe('POST /predict', () => {
  it('takes the seed shape {"features": [...]} in schema order', async () => {
    const r = await post(`${s.url}/predict`, { features: ROW });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(JSON.stringify(predictor.predict(RECORD))));
    expect(Object.keys(r.body.probabilities)).toEqual(['no', 'yes']);
  });

  it('takes a record object and {"instances": [...]} of records and arrays', async () => {
    const one = await post(`${s.url}/predict`, RECORD);
    expect(one.body.prediction).toBe(predictor.predict(RECORD).prediction);
    const many = await post(`${s.url}/predict`, { instances: [RECORD, ROW, { ...RECORD, age: 80 }] });
    expect(many.status).toBe(200);
    expect(many.body.modelVersion).toBe(predictor.modelVersion);
    expect(many.body.predictions).toHaveLength(3);
    expect(many.body.predictions[1]).toEqual({
      prediction: predictor.predict(ROW).prediction,
      probabilities: predictor.predict(ROW).probabilities,
    });
    const none = await post(`${s.url}/predict`, { instances: [] });
    expect(none.body.predictions).toEqual([]);
  });

  it('reports every validation issue with its path into the body (400)', async () => {
    const r = await post(`${s.url}/predict`, { ...RECORD, age: 'old', city: undefined });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(r.body.issues.map((i: any) => i.path)).toEqual([['age'], ['city']]);
    expect(r.body.issues[0]).toMatchObject({ kind: 'invalid_type', expected: 'a number', received: '"old"' });

    const seed = await post(`${s.url}/predict`, { features: [...ROW.slice(0, 2), 'x', ...ROW.slice(3)] });
    expect(seed.status).toBe(400);
    expect(seed.body.issues[0].path).toEqual(['features', 2]);
    const short = await post(`${s.url}/predict`, { features: [1, 2] });
    expect(short.body.issues[0]).toMatchObject({ path: ['features'], kind: 'wrong_length' });

    const body = JSON.stringify({ instances: [RECORD, { ...RECORD, plan: 0 }, [1]] }).replace(
      '"plan":0',
      '"plan":1e999',
    );
    const batch = await post(`${s.url}/predict`, body);
    expect(batch.status).toBe(400);
    expect(batch.body.issues.map((i: any) => i.path)).toEqual([
      ['instances', 1, 'plan'],
      ['instances', 2],
    ]);
  });

  it('rejects non-finite numbers (1e999 parses to Infinity) and NaN tokens as 400', async () => {
    const inf = await post(
      `${s.url}/predict`,
      `{"features": [1e999, ${JSON.stringify(ROW.slice(1)).slice(1)}}`,
    );
    expect(inf.status).toBe(400);
    expect(inf.body.issues[0].path).toEqual(['features', 0]);
    const nan = await post(`${s.url}/predict`, '{"age": NaN}');
    expect(nan.status).toBe(400);
    expect(nan.body.code).toBe('MLI_INVALID_DATA');
  });

  it('400 for invalid JSON, an empty body, a wrong shape; never a 500 or a stack trace', async () => {
    for (const body of ['{bad', '', '[1,2,3]', '"text"', 'null', '{"instances": 3}', '{"features": 3}']) {
      const r = await post(`${s.url}/predict`, body);
      expect(r.status, body).toBe(400);
      expect(typeof r.body.error).toBe('string');
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });

  it('refuses __proto__ and constructor.prototype keys anywhere in the body', async () => {
    const a = await post(`${s.url}/predict`, '{"instances": [{"__proto__": {"polluted": 1}}]}');
    expect(a.status).toBe(400);
    expect(a.body.issues[0]).toMatchObject({ path: ['instances', 0, '__proto__'], kind: 'forbidden_key' });
    const b = await post(`${s.url}/predict`, '{"constructor": {"prototype": {"x": 1}}}');
    expect(b.status).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('413 for a body over the limit, by Content-Length or while streaming', async () => {
    const big = { instances: Array.from({ length: 40 }, () => RECORD) };
    const r = await post(`${s.url}/predict`, big);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('MLI_PAYLOAD_TOO_LARGE');
    // Chunked, no Content-Length: the limit applies while reading.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(' '.repeat(1000)));
        c.close();
      },
    });
    const res = await fetch(`${s.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('400 past maxInstances, 415 for a non-JSON content type', async () => {
    const many = await post(`${s.url}/predict`, { instances: Array.from({ length: 51 }, () => [1]) });
    expect(many.status).toBe(400);
    expect(many.body.error).toMatch(/at most 50/);
    const form = await post(`${s.url}/predict`, 'a=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body.code).toBe('MLI_UNSUPPORTED_MEDIA_TYPE');
    const ok = await post(`${s.url}/predict`, RECORD, { 'content-type': 'application/json; charset=utf-8' });
    expect(ok.status).toBe(200);
  });
});

describe('404 and 405', () => {
  it('404 for unknown paths and models, 405 with Allow for a wrong method', async () => {
    const nf = await get(`${s.url}/nope`);
    expect(nf.status).toBe(404);
    expect(nf.body.code).toBe('MLI_NOT_FOUND');
    expect((await get(`${s.url}/v2/models/other`)).status).toBe(404);
    expect((await get(`${s.url}/v2/models/churn/versions/nope`)).status).toBe(404);
    const m = await get(`${s.url}/predict`);
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
    const m2 = await post(`${s.url}/healthz`, {});
    expect(m2.status).toBe(405);
    expect(m2.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('health and KServe V2', () => {
  it('serves health, readiness and server metadata', async () => {
    expect((await get(`${s.url}/healthz`)).body).toEqual({ status: 'ok' });
    expect((await get(`${s.url}/readyz`)).body).toMatchObject({ status: 'ready' });
    expect((await get(`${s.url}/v2/health/live`)).body).toEqual({ live: true });
    expect((await get(`${s.url}/v2/health/ready`)).body).toEqual({ ready: true });
    expect((await get(`${s.url}/v2/models/churn/ready`)).body).toEqual({ name: 'churn', ready: true });
    expect((await get(`${s.url}/v2`)).body).toMatchObject({ name: 'mlinfer' });
    s.handler.ready = false;
    try {
      expect((await get(`${s.url}/readyz`)).status).toBe(503);
      expect((await get(`${s.url}/v2/health/ready`)).status).toBe(503);
      expect((await get(`${s.url}/v2/models/churn/ready`)).status).toBe(503);
      expect((await get(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      s.handler.ready = true;
    }
  });

  it('describes the model: one input per feature, outputs predict and proba', async () => {
    const r = await get(`${s.url}/v2/models/churn`);
    expect(r.status).toBe(200);
    expect(r.body.versions).toEqual([predictor.modelVersion]);
    expect(r.body.inputs[0]).toEqual({ name: 'age', datatype: 'FP64', shape: [-1] });
    expect(r.body.inputs.find((i: any) => i.name === 'has_partner').datatype).toBe('BOOL');
    expect(r.body.outputs).toEqual([
      { name: 'predict', datatype: 'BYTES', shape: [-1] },
      { name: 'proba', datatype: 'FP64', shape: [-1, 2] },
    ]);
    const v = await get(`${s.url}/v2/models/churn/versions/${predictor.modelVersion}`);
    expect(v.status).toBe(200);
  });

  it('infers from one named tensor per feature', async () => {
    const rows = [RECORD, { ...RECORD, age: 70, tenure_months: 60 }];
    const inputs = Object.keys(RECORD).map((name) => {
      const values = rows.map((r) => (r as any)[name]);
      const datatype =
        typeof values[0] === 'number' ? 'FP64' : typeof values[0] === 'boolean' ? 'BOOL' : 'BYTES';
      return { name, shape: [2], datatype, data: values };
    });
    // has_partner is 'no' (a string) in RECORD: BYTES carries it.
    const r = await post(`${s.url}/v2/models/churn/infer`, { id: 'req-1', inputs });
    expect(r.status).toBe(200);
    const want = predictor.predictMany(rows);
    expect(r.body).toMatchObject({ model_name: 'churn', model_version: predictor.modelVersion, id: 'req-1' });
    expect(r.body.outputs[0]).toEqual({
      name: 'predict',
      datatype: 'BYTES',
      shape: [2],
      data: want.map((p) => p.prediction),
    });
    expect(r.body.outputs[1]).toEqual({
      name: 'proba',
      datatype: 'FP64',
      shape: [2, 2],
      data: want.flatMap((p) => [p.probabilities!.no, p.probabilities!.yes]),
    });
  });

  it('infers from one [N, nFeatures] tensor, flat or nested, and returns only the outputs asked for', async () => {
    const strings = ROW.map(String);
    const flat = await post(`${s.url}/v2/models/churn/infer`, {
      inputs: [{ name: 'input-0', shape: [2, 9], datatype: 'BYTES', data: [...strings, ...strings] }],
      outputs: [{ name: 'proba' }],
    });
    expect(flat.status).toBe(200);
    expect(flat.body.outputs.map((o: any) => o.name)).toEqual(['proba']);
    expect(flat.body.outputs[0].data.slice(0, 2)).toEqual([
      predictor.predict(ROW).probabilities!.no,
      predictor.predict(ROW).probabilities!.yes,
    ]);
    const nested = await post(`${s.url}/v2/models/churn/infer`, {
      inputs: [{ name: 'x', shape: [1, 9], datatype: 'BYTES', data: [strings] }],
    });
    expect(nested.body.outputs[0].data).toEqual([predictor.predict(ROW).prediction]);
  });

  it('400 with paths into the tensors for bad infer requests', async () => {
    const url = `${s.url}/v2/models/churn/infer`;
    const cases: [unknown, unknown[]][] = [
      [{}, ['inputs']],
      [{ inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP99', data: [] }] }, ['inputs', 0, 'datatype']],
      [{ inputs: [{ name: 'x', shape: [2, 9], datatype: 'BYTES', data: ['1'] }] }, ['inputs', 0, 'data']],
      [
        { inputs: [{ name: 'x', shape: [1, 9], datatype: 'FP64', data: [1, 2, 3, 4, 5, 6, 7, 8, 'a'] }] },
        ['inputs', 0, 'data', 8],
      ],
      [{ inputs: [{ name: 'age', shape: [1], datatype: 'FP64', data: [1] }] }, ['inputs']],
      [
        {
          inputs: [{ name: 'x', shape: [1, 9], datatype: 'BYTES', data: ROW.map(String) }],
          outputs: [{ name: 'y' }],
        },
        ['outputs', 0, 'name'],
      ],
    ];
    for (const [body, path] of cases) {
      const r = await post(url, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.body.error).toBe('string');
      expect(r.body.issues[0].path, JSON.stringify(body)).toEqual(path);
    }
    // A value the schema rejects: the path names the tensor element.
    const bad = ROW.map(String);
    bad[1] = 'many';
    const r = await post(url, { inputs: [{ name: 'x', shape: [1, 9], datatype: 'BYTES', data: bad }] });
    expect(r.body.issues[0].path).toEqual(['inputs', 0, 'data', 1]);
  });
});
