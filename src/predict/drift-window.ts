/**
 * The serving side of drift: a sliding window over the rows a predictor scored, kept as counts on the training
 * profile's bins, so that `predictor.drift()`, `GET /drift` and the Prometheus gauges compare recent traffic
 * with the training data.
 *
 * The request path only counts: one bin search per feature of each scored row into the current bucket (no
 * allocation). The window is BUCKETS buckets of a tenth of it each (a tenth of `rows`, or of `seconds`); when
 * the current one is full (or its time is up) the oldest is cleared and becomes current, so the window holds
 * between 90% and 100% of the last `rows` rows (or `seconds`). The comparison (PSI and the rest) runs only when
 * asked for: on a scrape, a GET /drift, a call of `drift()`.
 * Unseen categories are not counted per row: the row encoder already counts them per feature, and a bucket
 * keeps the encoder's counts at its start, so its unseen values are the difference. No `node:` imports.
 */

import { c, type Spec } from '../constraints.js';
import { MlinferError } from '../errors.js';
import { compareDrift, type DriftOptions, type DriftReport } from '../model/drift.js';
import { addUnseen, type DriftCounts, emptyDriftCounts, mergeDriftCounts } from '../model/drift-counts.js';
import type { Model } from '../model/model.js';
import { binOfValue, predictionBin, type TrainingProfile } from '../model/profile.js';

/** The window of `predictor.drift()`: the last `rows` scored rows (default 10000), or the last `seconds`. */
export interface DriftWindowOptions {
  rows?: number;
  seconds?: number;
}

/** The predictor's drift options, declared once: `driftWindow` (false turns counting off) and the thresholds. */
export const DRIFT_WINDOW_SPEC: Spec = {
  driftWindow: [
    c.boolean,
    c.custom(
      'an object { rows } or { seconds } with a positive integer',
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        Object.keys(v).length === 1 &&
        Object.entries(v).every(
          ([k, n]) => (k === 'rows' || k === 'seconds') && Number.isSafeInteger(n) && n > 0,
        ),
    ),
  ],
};

export const DEFAULT_WINDOW_ROWS = 10_000;
const BUCKETS = 10;

interface Bucket {
  counts: DriftCounts;
  /** The encoder's unknown-category counts when the bucket became current. */
  unknownAtStart: Uint32Array;
  /** Unseen categories per feature, fixed when the bucket stops being current. */
  unseen: Uint32Array;
  startedAt: number;
}

export interface DriftWindow {
  /** Counts nRows encoded rows of X (from row `first`) and their outputs (nOutputs each, from row `first` too). */
  add(X: ArrayLike<number>, first: number, nRows: number, out: ArrayLike<number>): void;
  /** What the window holds: its buckets added up, unseen categories apart from missing values. */
  counts(): DriftCounts;
  /** The window, plus `others` (windows of the same model elsewhere), compared with the training profile. */
  report(options?: DriftOptions, others?: readonly DriftCounts[]): DriftReport;
  /** What the window holds, for the tests and the gauges. */
  readonly size: { rows: number; seconds: number | null };
}

/**
 * A window for a model with a training profile (null without one). `unknown` is the row encoder's running
 * per-feature count of unseen categories.
 *
 * @example
 * const window = createDriftWindow(model, encoder.unknownCategoryCounts, { rows: 5000 });
 * window?.add(row, 0, 1, out);
 */
export function createDriftWindow(
  model: Model,
  unknown: Uint32Array,
  options: DriftWindowOptions = {},
  now: () => number = Date.now,
): DriftWindow | null {
  const profile: TrainingProfile | null = model.profile;
  if (!profile) return null;
  const arrays = model.forest.arrays;
  const d = arrays.nFeatures;
  const C = arrays.nOutputs;
  const seconds = options.seconds ?? null;
  const rows = seconds === null ? (options.rows ?? DEFAULT_WINDOW_ROWS) : 0;
  const perBucket = Math.max(1, Math.ceil(rows / BUCKETS));
  const spanMs = seconds === null ? 0 : (seconds * 1000) / BUCKETS;
  const buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({
    counts: emptyDriftCounts(arrays, profile),
    unknownAtStart: Uint32Array.from(unknown),
    unseen: new Uint32Array(d),
    startedAt: now(),
  }));
  let current = 0;

  const rotate = (t: number): void => {
    const done = buckets[current];
    for (let f = 0; f < d; f++) done.unseen[f] = unknown[f] - done.unknownAtStart[f];
    current = (current + 1) % BUCKETS;
    const next = buckets[current];
    next.counts.rows = 0;
    for (const a of next.counts.features) a.fill(0);
    next.counts.prediction.fill(0);
    next.unknownAtStart.set(unknown);
    next.unseen.fill(0);
    next.startedAt = t;
  };

  /** Time windows: clear the buckets whose time has passed (at most all of them after a long quiet spell). */
  const catchUp = (): void => {
    if (seconds === null) return;
    const t = now();
    for (let k = 0; k < BUCKETS && t - buckets[current].startedAt >= spanMs; k++)
      rotate(k === BUCKETS - 1 ? t : buckets[current].startedAt + spanMs);
    if (t - buckets[current].startedAt >= spanMs) buckets[current].startedAt = t;
  };

  /** The buckets added up; unseen categories moved from the missing bin to their own. */
  const counts = (): DriftCounts => {
    catchUp();
    const total = emptyDriftCounts(arrays, profile);
    const unseen = new Uint32Array(d);
    for (let k = 0; k < BUCKETS; k++) {
      const b = buckets[k];
      mergeDriftCounts(total, b.counts);
      for (let f = 0; f < d; f++) unseen[f] += k === current ? unknown[f] - b.unknownAtStart[f] : b.unseen[f];
    }
    addUnseen(total, unseen);
    return total;
  };

  return {
    add(X, first, nRows, out) {
      catchUp();
      for (let r = first; r < first + nRows; r++) {
        if (seconds === null && buckets[current].counts.rows >= perBucket) rotate(0);
        const into = buckets[current].counts;
        const base = r * d;
        for (let f = 0; f < d; f++) {
          const a = into.features[f];
          const b = binOfValue(arrays, f, X[base + f]);
          a[b < 0 ? a.length - 2 : b]++;
        }
        into.prediction[predictionBin(profile.prediction, out, r * C, C)]++;
        into.rows++;
      }
    },
    counts,
    report(options = {}, others = []) {
      const total = counts();
      for (const o of others) mergeDriftCounts(total, o);
      return compareDrift(model, profile, total, options);
    },
    size: { rows, seconds },
  };
}

/** The error of `drift()` on a predictor whose window is off. */
export function windowOff(): MlinferError {
  return new MlinferError(
    'MLI_INVALID_OPTION',
    'the drift window is off (driftWindow: false, serve --no-drift-window)',
  );
}
