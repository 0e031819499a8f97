// Prometheus metrics, on a registry of the handler's own (not prom-client's global one), so that two
// handlers in one process, or the host app's own metrics, never collide.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftReport } from '../model/drift.js';
import type { Predictor } from '../predict/predictor.js';
import { VERSION } from '../version.js';
import { registerDriftGauges } from './drift-route.js';

/**
 * Request-duration buckets in seconds, from 25 µs: a prediction takes microseconds and prom-client's
 * default buckets start at 5 ms, where every request would land in the first bucket.
 */
export const DURATION_BUCKETS = [
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export interface ServeMetrics {
  /** Everything: what `GET /metrics` shows for one process. */
  readonly registry: Registry;
  /** The metrics this process counts itself, without the drift gauges: what `serve --workers` adds up. */
  readonly local: Registry;
  /** The drift gauges alone (over this process's window and the peers' counts given to the report source). */
  readonly drift: Registry;
  /** Records one finished request; `route` is the route template, never the raw path (bounded labels). */
  observe(route: string, method: string, status: number, seconds: number, errorCode?: string): void;
  /** Counts predictions by class label (regression: the label "value"). */
  countPredictions(labels: readonly (string | number)[]): void;
}

/**
 * Creates the metrics of one handler. `loadedAt` gives the load time of the model now serving.
 *
 * @example
 * const m = createServeMetrics(predictor, 'churn', () => Date.now());
 * const text = await m.registry.metrics();
 */
export function createServeMetrics(
  predictor: Predictor,
  modelName: string,
  loadedAt: () => number,
  options: {
    defaultMetrics?: boolean;
    prefix?: string;
    /** Where the drift gauges read their report; default `predictor.drift()`. */
    driftReport?: () => DriftReport;
    /** Add `serve_processes` (1 a process, summed across `serve --workers`). */
    processes?: boolean;
  } = {},
): ServeMetrics {
  const p = options.prefix ?? 'mlinfer_';
  const local = new Registry();
  const drift = new Registry();
  const registers = [local];
  const duration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: 'HTTP request duration in seconds, by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const requests = new Counter({
    name: `${p}http_requests_total`,
    help: 'HTTP requests, by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    registers,
  });
  const errors = new Counter({
    name: `${p}http_errors_total`,
    help: 'HTTP error responses (status >= 400), by route template and error code',
    labelNames: ['route', 'code'],
    registers,
  });
  const predictions = new Counter({
    name: `${p}predictions_total`,
    help: 'Predictions made, by predicted class (regression: class="value")',
    labelNames: ['class'],
    registers,
  });
  new Gauge({
    name: `${p}model_info`,
    help: 'The model serving now (always 1), with its name, version and the mlinfer version',
    labelNames: ['model_name', 'model_version', 'task', 'mlinfer_version'],
    registers,
    // across serve --workers: 1 for each version some process serves, not one per process
    aggregator: 'max',
    collect() {
      // Reset first: after a reload only the new version is reported.
      this.reset();
      const m = predictor.model.metadata;
      this.set(
        { model_name: modelName, model_version: m.modelVersion, task: m.task, mlinfer_version: VERSION },
        1,
      );
    },
  });
  new Gauge({
    name: `${p}model_loaded_timestamp_seconds`,
    help: 'When the model serving now was loaded, in seconds since the epoch',
    registers,
    aggregator: 'max',
    collect() {
      this.set(loadedAt() / 1000);
    },
  });
  new Gauge({
    name: `${p}predict_queue_depth`,
    help: 'Requests waiting in the micro-batching queue',
    registers,
    collect() {
      this.set(predictor.stats.queued);
    },
  });
  if (options.processes)
    new Gauge({
      name: `${p}serve_processes`,
      help: 'Processes whose metrics this scrape adds up (mlinfer serve --workers)',
      registers,
      collect() {
        this.set(1);
      },
    });
  registerDriftGauges(
    drift,
    options.driftReport ?? (() => predictor.drift()),
    () => predictor.modelVersion,
    p,
  );
  if (options.defaultMetrics) collectDefaultMetrics({ register: local, prefix: p });
  const registry = Registry.merge([local, drift]);

  return {
    registry,
    local,
    drift,
    observe(route, method, status, seconds, errorCode) {
      const labels = { route, method, status: String(status) };
      duration.observe(labels, seconds);
      requests.inc(labels);
      if (status >= 400) errors.inc({ route, code: errorCode ?? String(status) });
    },
    countPredictions(labels) {
      if (labels.length === 1) {
        predictions.inc({ class: String(labels[0]) });
        return;
      }
      const counts = new Map<string, number>();
      for (const l of labels) counts.set(String(l), (counts.get(String(l)) ?? 0) + 1);
      for (const [label, n] of counts) predictions.inc({ class: label }, n);
    },
  };
}
