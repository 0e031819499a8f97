// GET /drift (the drift window compared with the training profile, as JSON), its OpenAPI path, and the
// Prometheus gauges of the same numbers. The comparison runs when asked (a GET, a scrape), never on the
// request path, which only counts rows into the window (predict/drift-window.ts).
import { Gauge, type Registry } from 'prom-client';
import { MlinferError } from '../errors.js';
import type { DriftOptions, DriftReport } from '../model/drift.js';
import type { Predictor, WindowCounts } from '../predict/predictor.js';

type JsonSchema = Record<string, unknown>;

/** Drift options from the query string: `psiWatch`, `psiAct`, `bins` (checked by the drift options' validator). */
export function driftQuery(query: URLSearchParams): DriftOptions {
  const o: Record<string, number> = {};
  for (const [k, v] of query) {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new MlinferError('MLI_INVALID_OPTION', `${k} must be a number, got ${JSON.stringify(v)}`, {
        issues: [{ path: [k], message: 'not a number' }],
      });
    o[k] = n;
  }
  return o as DriftOptions;
}

/**
 * GET /drift: the predictor's window report, with the windows of the other processes serving the model
 * (`others`; MLI_NO_PROFILE for a predictor that cannot tell drift).
 */
export function driftOfPredictor(
  predictor: Predictor,
  query: URLSearchParams,
  others: readonly WindowCounts[] = [],
): DriftReport {
  const options = driftQuery(query);
  if (typeof predictor.drift !== 'function')
    throw new MlinferError('MLI_NO_PROFILE', 'this predictor reports no drift (it has no drift() method)');
  return predictor.drift(options, others);
}

/** The `/drift` path item. */
export function driftPath(responses: JsonSchema): JsonSchema {
  const bin = {
    type: 'object',
    required: ['label', 'training', 'current'],
    properties: { label: { type: 'string' }, training: { type: 'number' }, current: { type: 'number' } },
  };
  const level = { enum: ['ok', 'watch', 'act'] };
  const num = { type: 'number' };
  return {
    get: {
      summary: 'Drift: the recent requests compared with the training data',
      description:
        'The rows scored in the drift window (the last 10000 by default; --drift-window) against the training ' +
        'profile stored in the model: PSI and Jensen-Shannon distance (base 2) per feature and for the predictions, ' +
        'missing and unseen-category rates; features sorted by PSI, the most drifted first. ' +
        '422 (MLI_NO_PROFILE) when the model file has no training profile (before format 1.2, or imported).',
      operationId: 'drift',
      parameters: ['psiWatch', 'psiAct', 'bins'].map((name) => ({
        name,
        in: 'query',
        required: false,
        description:
          name === 'bins'
            ? 'groups a numeric feature is compared on (default 10)'
            : `PSI level (default ${name === 'psiWatch' ? 0.1 : 0.25})`,
        schema: { type: name === 'bins' ? 'integer' : 'number' },
      })),
      responses: {
        '200': {
          description: 'the drift report',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: [
                  'rows',
                  'trainingRows',
                  'thresholds',
                  'level',
                  'features',
                  'prediction',
                  'drifted',
                ],
                properties: {
                  rows: { type: 'integer' },
                  trainingRows: { type: 'integer' },
                  thresholds: { type: 'object', properties: { psiWatch: num, psiAct: num } },
                  level,
                  drifted: { type: 'array', items: { type: 'string' } },
                  features: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        feature: { type: 'string' },
                        type: { enum: ['numeric', 'boolean', 'categorical'] },
                        psi: num,
                        jsDistance: num,
                        level,
                        missingRate: { type: 'object', properties: { training: num, current: num } },
                        unseenRate: num,
                        bins: { type: 'array', items: bin },
                      },
                    },
                  },
                  prediction: {
                    type: 'object',
                    properties: { psi: num, jsDistance: num, level, bins: { type: 'array', items: bin } },
                  },
                },
              },
            },
          },
        },
        '422': {
          description: 'the model has no training profile',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        ...responses,
      },
    },
  };
}

/** How long one comparison serves the gauges of a scrape (they are collected one after the other). */
const SCRAPE_MS = 1000;

/**
 * Registers the drift gauges: per feature PSI, missing rate and unseen-category rate, and the predictions' PSI
 * and shares, over the window `source` reports on (the predictor's: `() => predictor.drift()`). A model without
 * a profile (or with the window off) shows none.
 *
 * @example
 * registerDriftGauges(registry, () => predictor.drift(), () => predictor.modelVersion, 'mlinfer_');
 */
export function registerDriftGauges(
  registry: Registry,
  source: () => DriftReport,
  modelVersion: () => string,
  p: string,
): void {
  let cached: { at: number; report: DriftReport | null } = { at: -Infinity, report: null };
  const report = (): DriftReport | null => {
    const now = Date.now();
    if (now - cached.at < SCRAPE_MS) return cached.report;
    let r: DriftReport | null = null;
    try {
      r = source();
    } catch {
      // no profile, or the window is off: no gauges
    }
    cached = { at: now, report: r };
    return r;
  };
  const registers = [registry];
  const perFeature = (name: string, help: string, value: (f: DriftReport['features'][number]) => number) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      labelNames: ['feature'],
      registers,
      collect() {
        this.reset();
        for (const f of report()?.features ?? []) this.set({ feature: f.feature }, value(f));
      },
    });
  perFeature(
    'feature_drift_psi',
    'Population stability index of each feature over the drift window against the training data',
    (f) => f.psi,
  );
  perFeature(
    'feature_missing_rate',
    'Share of missing values of each feature over the drift window',
    (f) => f.missingRate.current,
  );
  perFeature(
    'feature_unseen_category_rate',
    'Share of categories training never saw, per feature, over the drift window',
    (f) => f.unseenRate,
  );
  const version = () => ({ model_version: modelVersion() });
  new Gauge({
    name: `${p}prediction_drift_psi`,
    help: 'Population stability index of the predictions over the drift window against out-of-bag training predictions',
    labelNames: ['model_version'],
    registers,
    collect() {
      this.reset();
      const r = report();
      if (r) this.set(version(), r.prediction.psi);
    },
  });
  new Gauge({
    name: `${p}prediction_share`,
    help: 'Share of the predictions over the drift window per class (regression: per decile bin of training predictions)',
    labelNames: ['bin'],
    registers,
    collect() {
      this.reset();
      for (const b of report()?.prediction.bins ?? []) this.set({ bin: b.label }, b.current);
    },
  });
  new Gauge({
    name: `${p}drift_window_rows`,
    help: 'Rows in the drift window',
    labelNames: ['model_version'],
    registers,
    collect() {
      this.reset();
      const r = report();
      if (r) this.set(version(), r.rows);
    },
  });
}
