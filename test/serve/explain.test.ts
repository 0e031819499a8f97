import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { modelToBytes } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { createPredictor, type NodePredictor } from '../../src/predict/predictor-node.js';
import { reseal } from '../model/forest-fixtures.js';
import { customersModel, get, post, RECORD, ROW, type Served, serve } from './helpers.js';

let predictor: NodePredictor;
let s: Served;

beforeAll(async () => {
  const { path } = await customersModel();
  predictor = createPredictor(path);
  s = await serve(predictor, { modelName: 'churn', maxBodyBytes: 4096, maxInstances: 50 });
});
afterAll(() => s.close());

describe('POST /explain', () => {
  it('explains a record, the seed shape and instances, as predictor.explain does', async () => {
    const one = await post(`${s.url}/explain`, RECORD);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(JSON.parse(JSON.stringify(predictor.explain(RECORD))));
    const seed = await post(`${s.url}/explain?method=shap&top=2`, { features: ROW });
    expect(seed.status).toBe(200);
    expect(seed.body).toEqual(JSON.parse(JSON.stringify(predictor.explain(ROW, { method: 'shap', top: 2 }))));
    expect(seed.body.contributions).toHaveLength(2);
    const many = await post(`${s.url}/explain?method=shap`, { instances: [RECORD, ROW] });
    expect(many.status).toBe(200);
    expect(many.body.modelVersion).toBe(predictor.modelVersion);
    expect(many.body.explanations).toHaveLength(2);
    expect(many.body.explanations[1]).toEqual(
      JSON.parse(JSON.stringify(predictor.explain(ROW, { method: 'shap' }))),
    );
  });

  it('validates bodies as /predict does, with paths into the body (400)', async () => {
    const r = await post(`${s.url}/explain`, { ...RECORD, age: 'old' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(r.body.issues.map((i: { path: unknown }) => i.path)).toEqual([['age']]);
    const seed = await post(`${s.url}/explain`, { features: [...ROW.slice(0, 2), 'x', ...ROW.slice(3)] });
    expect(seed.body.issues[0].path).toEqual(['features', 2]);
    const batch = await post(`${s.url}/explain`, { instances: [RECORD, { ...RECORD, age: 'x' }] });
    expect(batch.body.issues.map((i: { path: unknown }) => i.path)).toEqual([['instances', 1, 'age']]);
    const shape = await post(`${s.url}/explain`, [RECORD]);
    expect(shape.status).toBe(400);
  });

  it('rejects bad query options, each with its path (400)', async () => {
    const r = await post(`${s.url}/explain?method=lime&top=0&colour=red`, RECORD);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('MLI_INVALID_OPTION');
    expect(r.body.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual([
      'colour',
      'method',
      'top',
    ]);
  });

  it('is POST only (405), and a model without node statistics answers 422 MLI_CANNOT_EXPLAIN', async () => {
    expect((await get(`${s.url}/explain`)).status).toBe(405);
    const { metadata, forest } = decodeModel(modelToBytes(predictor.model));
    const { nodeStats: _, ...old } = forest;
    const bytes = encodeModel({ metadata, forest: old });
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const oldServer = await serve(createPredictorFromModel(reseal(bytes)), { modelName: 'churn' });
    try {
      const r = await post(`${oldServer.url}/explain`, RECORD);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('MLI_CANNOT_EXPLAIN');
      expect((await post(`${oldServer.url}/predict`, RECORD)).status).toBe(200);
    } finally {
      await oldServer.close();
    }
  });
});
