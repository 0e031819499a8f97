// The drift alert rules of examples/k8s/drift-alerts.yaml, checked against a real server: every metric they
// name is one `mlinfer serve` exports, and evaluated on its /metrics after the shifted rows of the drift
// acceptance test were sent, the feature alert fires for exactly the two shifted features, the prediction
// alert fires, and on a fresh sample of the training distribution nothing fires.
import { beforeAll, expect, it } from 'vitest';
import { DRIFT_DEFAULTS } from '../../src/model/drift.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { DRIFT_TRAIN, driftRows, NEW_ROWS, TRAINING_ROWS } from '../helpers/drift-data.js';
import { post, serve } from '../serve/helpers.js';
import { find, loadManifests } from './helpers.js';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string };
}

const rule = find(loadManifests(), 'PrometheusRule');
const rules: Rule[] = rule.spec.groups.flatMap((g: { rules: Rule[] }) => g.rules);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/**
 * The one expression shape the rules use: `metric OP number and on (instance) guard OP number`, evaluated on
 * one instance's samples: the samples of `metric` that pass, when some sample of the guard passes.
 */
function evaluate(expr: string, samples: Sample[]): Sample[] {
  const m = /^(\w+) (>=|>) ([\d.]+) and on \(instance\) (\w+) (>=|>) ([\d.]+)$/.exec(expr);
  if (!m) throw new Error(`unexpected expression shape: ${expr}`);
  const pass = (v: number, op: string, n: number) => (op === '>=' ? v >= n : v > n);
  const guard = samples.some((s) => s.name === m[4] && pass(s.value, m[5], Number(m[6])));
  return guard ? samples.filter((s) => s.name === m[1] && pass(s.value, m[2], Number(m[3]))) : [];
}

let model: Model;
beforeAll(async () => {
  model = await train(driftRows(1, TRAINING_ROWS), DRIFT_TRAIN);
}, 120_000);

async function scrapeAfter(rows: Record<string, unknown>[]): Promise<Sample[]> {
  const s = await serve(createPredictorFromModel(model));
  try {
    for (let i = 0; i < rows.length; i += 1000) {
      const instances = rows.slice(i, i + 1000).map(({ bought: _b, ...r }) => r);
      expect((await post(`${s.url}/predict`, { instances })).status).toBe(200);
    }
    return parseMetrics(await (await fetch(`${s.url}/metrics`)).text());
  } finally {
    await s.close();
  }
}

it('names only metrics serve exports, with the default PSI levels, a window guard and a wait', async () => {
  const samples = await scrapeAfter(driftRows(4, 200));
  const exported = new Set(samples.map((s) => s.name));
  for (const r of rules) {
    for (const name of r.expr.match(/mlinfer_\w+/g) ?? [])
      expect(exported, `${r.alert}: ${name}`).toContain(name);
    expect(r.expr, r.alert).toContain('mlinfer_drift_window_rows >= 1000');
    expect(r.for, r.alert).toMatch(/^\d+[mh]$/);
    expect(['warning', 'info']).toContain(r.labels.severity);
  }
  const psi = (alert: string) =>
    Number(/psi >= ([\d.]+)/.exec(rules.find((r) => r.alert === alert)!.expr)![1]);
  expect(psi('MlinferFeatureDrift')).toBe(DRIFT_DEFAULTS.psiAct);
  expect(psi('MlinferFeatureDriftWatch')).toBe(DRIFT_DEFAULTS.psiWatch);
  // 200 rows: under the guard, nothing fires
  for (const r of rules) expect(evaluate(r.expr, samples), r.alert).toEqual([]);
});

it('fires for exactly the shifted features, the new category and the predictions; not on a fresh sample', async () => {
  const shifted = await scrapeAfter(driftRows(3, NEW_ROWS, true));
  const fired = (alert: string, on: Sample[]) =>
    evaluate(rules.find((r) => r.alert === alert)!.expr, on)
      .map((s) => s.labels.feature ?? s.labels.model_version)
      .sort();
  expect(fired('MlinferFeatureDrift', shifted)).toEqual(['color', 'income']);
  expect(fired('MlinferFeatureDriftWatch', shifted)).toEqual(['color', 'income']);
  expect(fired('MlinferUnseenCategories', shifted)).toEqual(['color']);
  expect(fired('MlinferPredictionDrift', shifted)).toEqual([model.metadata.modelVersion]);
  const fresh = await scrapeAfter(driftRows(4, NEW_ROWS));
  for (const r of rules) expect(evaluate(r.expr, fresh), r.alert).toEqual([]);
}, 60_000);
