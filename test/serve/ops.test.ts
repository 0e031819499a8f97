// Auth, metrics, OpenAPI, hot reload, micro-batching and option validation.
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPredictor, type NodePredictor } from '../../src/predict/predictor-node.js';
import { createBearerCheck, isLoopback } from '../../src/serve/auth.js';
import { createHandler } from '../../src/serve/handler.js';
import { customersModel, get, post, RECORD, ROW, serve, writeBad } from './helpers.js';

let fixture: Awaited<ReturnType<typeof customersModel>>;
let other: Awaited<ReturnType<typeof customersModel>>;
beforeAll(async () => {
  fixture = await customersModel(0);
  other = await customersModel(1);
});

const TOKEN = 'a-long-enough-secret-token';

describe('bearer auth', () => {
  it('guards every route but health, with 401 and WWW-Authenticate', async () => {
    const s = await serve(createPredictor(fixture.path), { token: TOKEN, modelName: 'churn' });
    try {
      const no = await post(`${s.url}/predict`, RECORD);
      expect(no.status).toBe(401);
      expect(no.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(no.body.code).toBe('MLI_UNAUTHORIZED');
      const wrong = await post(`${s.url}/predict`, RECORD, {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}x`,
      });
      expect(wrong.status).toBe(401);
      const ok = await post(`${s.url}/predict`, RECORD, {
        'content-type': 'application/json',
        authorization: `Bearer ${TOKEN}`,
      });
      expect(ok.status).toBe(200);
      for (const p of ['/metrics', '/openapi.json', '/v2/models/churn', '/v2'])
        expect((await get(`${s.url}${p}`)).status, p).toBe(401);
      for (const p of ['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready'])
        expect((await get(`${s.url}${p}`)).status, p).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('compares tokens of any length without throwing, and knows loopback addresses', () => {
    const check = createBearerCheck(TOKEN);
    const req = (authorization?: string) => ({ headers: { authorization } }) as any;
    expect(() => check(req(`Bearer ${TOKEN}`))).not.toThrow();
    expect(() => check(req('Bearer x'))).toThrow(/invalid bearer token/);
    expect(() => check(req(`Basic ${TOKEN}`))).toThrow(/missing bearer token/);
    expect(() => check(req())).toThrow(/missing/);
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopback)).toBe(false);
  });
});

describe('GET /metrics', () => {
  it('has sub-millisecond buckets by route and status, counters, predictions per class and model info', async () => {
    const predictor = createPredictor(fixture.path);
    const s = await serve(predictor, { modelName: 'churn' });
    try {
      await post(`${s.url}/predict`, { instances: [RECORD, RECORD, ROW] });
      await post(`${s.url}/predict`, { features: [1] });
      await get(`${s.url}/nope`);
      const res = await fetch(`${s.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      const label = predictor.predict(RECORD).prediction;
      expect(text).toContain(
        'mlinfer_http_request_duration_seconds_bucket{le="0.000025",route="/predict",method="POST",status="200"}',
      );
      expect(text).toContain('mlinfer_http_requests_total{route="/predict",method="POST",status="400"} 1');
      expect(text).toContain('mlinfer_http_errors_total{route="/predict",code="MLI_SCHEMA_MISMATCH"} 1');
      expect(text).toContain('mlinfer_http_errors_total{route="unmatched",code="MLI_NOT_FOUND"} 1');
      expect(text).toMatch(new RegExp(`mlinfer_predictions_total\\{class="${label}"\\} [1-3]`));
      expect(text).toContain(
        `mlinfer_model_info{model_name="churn",model_version="${predictor.modelVersion}",task="classification"`,
      );
      const loaded = Number(/^mlinfer_model_loaded_timestamp_seconds (\S+)$/m.exec(text)![1]);
      expect(Math.abs(loaded - predictor.loadedAt / 1000)).toBeLessThan(0.01);
      // Its own registry: the global prom-client registry stays empty.
      const { register } = await import('prom-client');
      expect(await register.metrics()).not.toContain('mlinfer_');
    } finally {
      await s.close();
    }
  });

  it('can be turned off', async () => {
    const s = await serve(createPredictor(fixture.path), { metrics: false });
    try {
      expect((await get(`${s.url}/metrics`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with the features, their types and category enums', async () => {
    for (const token of [undefined, TOKEN]) {
      const s = await serve(createPredictor(fixture.path), { modelName: 'churn', token });
      try {
        const r = await get(`${s.url}/openapi.json`, token ? { authorization: `Bearer ${token}` } : {});
        expect(r.status).toBe(200);
        const doc = r.body;
        const result = await new Validator().validate(doc);
        expect(result.errors ?? []).toEqual([]);
        expect(result.valid).toBe(true);
        expect(doc.openapi).toBe('3.1.0');
        const props = doc.components.schemas.Record.properties;
        expect(Object.keys(props)).toEqual(Object.keys(RECORD));
        expect(props.age.type).toContain('number');
        const contract = fixture.model.schema.features.find((f) => f.name === 'contract')!;
        expect(props.contract.enum).toEqual([...contract.categories!, null]);
        expect(doc.components.schemas.FeatureArray.prefixItems).toHaveLength(9);
        expect(Object.keys(doc.paths)).toEqual(
          expect.arrayContaining(['/predict', '/explain', '/v2/models/{name}/infer', '/healthz', '/metrics']),
        );
        expect(Boolean(doc.components.securitySchemes)).toBe(token !== undefined);
      } finally {
        await s.close();
      }
    }
  });
});

describe('hot reload', () => {
  it('swaps to a good file (new version everywhere) and keeps serving on a bad one', async () => {
    const predictor = createPredictor(fixture.path);
    const s = await serve(predictor, { modelName: 'churn' });
    try {
      const v1 = predictor.modelVersion;
      const good = await predictor.reload(other.path);
      expect(good.ok).toBe(true);
      expect(good.modelVersion).not.toBe(v1);
      expect((await post(`${s.url}/predict`, RECORD)).body.modelVersion).toBe(good.modelVersion);
      expect((await get(`${s.url}/v2/models/churn`)).body.versions).toEqual([good.modelVersion]);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain(`model_version="${good.modelVersion}"`);
      expect(metrics).not.toContain(`model_version="${v1}"`);

      const bad = await predictor.reload(writeBad(fixture.dir));
      expect(bad.ok).toBe(false);
      expect(bad.error?.code).toMatch(/^MLI_MODEL_/);
      expect((await post(`${s.url}/predict`, RECORD)).body.modelVersion).toBe(good.modelVersion);
    } finally {
      await s.close();
    }
  });
});

describe('micro-batching', () => {
  it('answers concurrent requests in their own order, each with its own record', async () => {
    const batched = createPredictor(fixture.path, { maxBatchSize: 8, maxWaitMs: 20 });
    const plain = createPredictor(fixture.path);
    const s = await serve(batched);
    try {
      const records = Array.from({ length: 16 }, (_, i) => ({
        ...RECORD,
        age: 18 + i * 4,
        tenure_months: (i * 7) % 72,
      }));
      const answers = await Promise.all(records.map((r) => post(`${s.url}/predict`, r)));
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.body).toEqual(JSON.parse(JSON.stringify(plain.predict(records[i]))));
      });
      // A bad record in a batch fails alone.
      const mixed = await Promise.all([
        post(`${s.url}/predict`, RECORD),
        post(`${s.url}/predict`, { ...RECORD, age: 'x' }),
      ]);
      expect(mixed.map((m) => m.status)).toEqual([200, 400]);
    } finally {
      await s.close();
      await batched.close();
    }
  });

  it('gives 503 MLI_OVERLOADED when the queue is full', async () => {
    const batched = createPredictor(fixture.path, { maxBatchSize: 100, maxWaitMs: 300, maxQueue: 2 });
    const s = await serve(batched);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => post(`${s.url}/predict`, RECORD)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, 200, 503, 503, 503]);
      expect(answers.find((a) => a.status === 503)!.body.code).toBe('MLI_OVERLOADED');
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain('mlinfer_http_errors_total{route="/predict",code="MLI_OVERLOADED"} 3');
    } finally {
      await s.close();
      await batched.close();
    }
  });
});

describe('createHandler options', () => {
  it('rejects bad options up front, listing every problem', () => {
    let predictor: NodePredictor | undefined;
    predictor = createPredictor(fixture.path);
    expect(() => createHandler(predictor!, { maxBodyBytes: 0, maxInstances: 1.5 })).toThrow(
      'maxBodyBytes must be an integer >= 1, got 0; maxInstances must be an integer >= 1, got 1.5',
    );
    expect(() => createHandler(predictor!, { modelName: 'a/b' })).toThrow(
      `modelName must be 1-128 characters of letters, digits, '.', '_' or '-', got "a/b"`,
    );
    expect(() => createHandler(predictor!, { token: 'short' })).toThrow(
      'token must be a string of at least 16 characters without spaces, got "short"',
    );
    expect(() => createHandler(predictor!, { metrics: 'yes' as never })).toThrow(
      'metrics must be a boolean, got "yes"',
    );
    expect(() => createHandler(predictor!, { defaultMetrics: 1 as never })).toThrow(
      'defaultMetrics must be a boolean, got 1',
    );
    expect(() => createHandler(predictor!, { onError: 'log' as never })).toThrow(
      'onError must be a function, got "log"',
    );
    expect(() => createHandler(predictor!, { maxBody: 10 } as never)).toThrow('unknown option maxBody');
    expect(() => createHandler(predictor!, 5 as never)).toThrow('handler options must be an object, got 5');
    expect(() => createHandler({} as never)).toThrow(/needs a predictor/);
    try {
      createHandler(predictor!, { maxBodyBytes: -1 });
    } catch (e: any) {
      expect(e.code).toBe('MLI_INVALID_OPTION');
      expect(e.issues[0].path).toEqual(['maxBodyBytes']);
    }
    predictor = undefined;
  });

  it('calls next() for paths it does not serve when used as middleware', async () => {
    const handler = createHandler(createPredictor(fixture.path));
    let called = false;
    const res = { once() {}, setHeader() {} } as any;
    handler({ method: 'GET', url: '/other', headers: {} } as any, res, () => {
      called = true;
    });
    expect(called).toBe(true);
  });
});
