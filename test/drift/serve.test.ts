// The acceptance test of issue 15 over HTTP: rows sent to /predict fill the drift window; /metrics then shows
// exactly the two shifted features above "act" (and the rest below "watch"), GET /drift the same as JSON; a
// fresh sample shows nothing above "watch". Also the window itself (by rows, by time), and its options.
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, type Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createDriftWindow } from '../../src/predict/drift-window.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { openApiDocument } from '../../src/serve/openapi.js';
import { DRIFT_TRAIN, driftRows, NEW_ROWS, TRAINING_ROWS } from '../helpers/drift-data.js';
import { post, serve } from '../serve/helpers.js';

let model: Model;
beforeAll(async () => {
  model = await train(driftRows(1, TRAINING_ROWS), DRIFT_TRAIN);
}, 120_000);

/** The gauge's value per feature label, from the Prometheus text. */
function gauge(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{feature="([^"]+)"\\} (\\S+)$`, 'gm')))
    out.set(m[1], Number(m[2]));
  return out;
}

/** Sends the rows to /predict, as "instances" of 500 records (without the target). */
async function send(url: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const instances = rows.slice(i, i + 500).map(({ bought: _b, ...r }) => r);
    const r = await post(`${url}/predict`, { instances });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}

describe('drift over HTTP', () => {
  it('/metrics and GET /drift find exactly the two shifted features after the rows were sent', async () => {
    const predictor = createPredictorFromModel(model);
    const s = await serve(predictor);
    try {
      await send(s.url, driftRows(3, NEW_ROWS, true));
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const psi = gauge(text, 'mlinfer_feature_drift_psi');
      expect([...psi.keys()].sort()).toEqual([...model.featureNames].sort());
      const act = [...psi].filter(([, v]) => v >= 0.25).map(([k]) => k);
      expect(act.sort()).toEqual(['color', 'income']);
      for (const [k, v] of psi) if (!act.includes(k)) expect(v, k).toBeLessThan(0.1);
      expect(gauge(text, 'mlinfer_feature_unseen_category_rate').get('color')).toBeCloseTo(0.3, 1);
      expect(gauge(text, 'mlinfer_feature_missing_rate').get('balance')).toBeCloseTo(0.05, 1);
      expect(text).toMatch(/^mlinfer_prediction_drift_psi\{model_version="[0-9a-f]+"\} [\d.]+$/m);
      expect(text).toMatch(/^mlinfer_prediction_share\{bin="yes"\} [\d.]+$/m);
      expect(text).toMatch(
        new RegExp(`^mlinfer_drift_window_rows\\{model_version="[0-9a-f]+"\\} ${NEW_ROWS}$`, 'm'),
      );

      const r = await fetch(`${s.url}/drift`);
      expect(r.status).toBe(200);
      const body = await r.json();
      expect(body.rows).toBe(NEW_ROWS);
      expect(
        body.features
          .filter((f: { level: string }) => f.level === 'act')
          .map((f: { feature: string }) => f.feature)
          .sort(),
      ).toEqual(['color', 'income']);
      expect(body).toEqual(JSON.parse(JSON.stringify(predictor.drift())));
      const strict = await (await fetch(`${s.url}/drift?psiWatch=0.00001&psiAct=0.00002`)).json();
      expect(strict.thresholds).toEqual({ psiWatch: 0.00001, psiAct: 0.00002 });
      const bad = await fetch(`${s.url}/drift?psiAct=-1`);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toContain('psiAct must be a number > 0, got -1');
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a fresh sample of the training distribution leaves every gauge below "watch"', async () => {
    const s = await serve(createPredictorFromModel(model, { maxBatchSize: 64 }));
    try {
      await send(s.url, driftRows(4, NEW_ROWS));
      const psi = gauge(await (await fetch(`${s.url}/metrics`)).text(), 'mlinfer_feature_drift_psi');
      expect(psi.size).toBe(model.featureNames.length);
      for (const [k, v] of psi) expect(v, k).toBeLessThan(0.1);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a model without a profile has no drift gauges, and GET /drift answers 422 MLI_NO_PROFILE', async () => {
    const s = await serve(createPredictorFromModel(createModel(model.metadata, model.forest, null)));
    try {
      await send(s.url, driftRows(4, 100));
      const text = await (await fetch(`${s.url}/metrics`)).text();
      expect(text).not.toMatch(/^mlinfer_feature_drift_psi\{/m);
      expect(text).not.toMatch(/^mlinfer_prediction_drift_psi\{/m);
      const r = await fetch(`${s.url}/drift`);
      expect(r.status).toBe(422);
      expect((await r.json()).code).toBe('MLI_NO_PROFILE');
    } finally {
      await s.close();
    }
  });

  it('GET /drift is in the OpenAPI document', () => {
    const doc = openApiDocument(model, 'm', { auth: false }) as {
      paths: Record<string, { get?: { operationId: string } }>;
    };
    expect(doc.paths['/drift'].get!.operationId).toBe('drift');
  });
});

describe('the drift window', () => {
  it('keeps the last rows (to a tenth of the window) and counts every way of predicting', () => {
    const p = createPredictorFromModel(model, { driftWindow: { rows: 1000 } });
    const rows = driftRows(5, 3000).map(({ bought: _b, ...r }) => r);
    for (const r of rows.slice(0, 1000)) p.predict(r);
    expect(p.drift().rows).toBe(1000);
    p.predictMany(rows.slice(1000, 1500));
    // 1500 rows went in: the window holds between 900 and 1000 of the latest
    const n = p.drift().rows;
    expect(n).toBeGreaterThanOrEqual(900);
    expect(n).toBeLessThanOrEqual(1000);
  });

  it('forgets rows older than the window by time', () => {
    let now = 0;
    const unknown = new Uint32Array(model.featureNames.length);
    const w = createDriftWindow(model, unknown, { seconds: 10 }, () => now)!;
    const X = new Float64Array(model.featureNames.length);
    const out = new Float64Array(model.forest.arrays.nOutputs);
    w.add(X, 0, 1, out);
    now = 5000;
    w.add(X, 0, 1, out);
    expect(w.report().rows).toBe(2);
    now = 10_500;
    expect(w.report().rows).toBe(1);
    now = 60_000;
    expect(w.report().rows).toBe(0);
  });

  it('starts again on a new model, can be turned off, and says what is wrong with its option', () => {
    const p = createPredictorFromModel(model, { driftWindow: false });
    expect(() => p.drift()).toThrow('the drift window is off');
    expect(() => createPredictorFromModel(model, { driftWindow: { rows: 0 } })).toThrow(
      'driftWindow must be a boolean or an object { rows } or { seconds } with a positive integer, got {"rows":0}',
    );
    const q = createPredictorFromModel(model);
    q.predict(driftRows(6, 1)[0]);
    expect(q.drift().rows).toBe(1);
    q.swap(model);
    expect(q.drift().rows).toBe(0);
  });
});
