/**
 * Drift measures: how far new data (DriftCounts) has moved from the training profile, per feature and for the
 * predictions. One module, so that batch reports, the serve gauges, GET /drift and `mlinfer drift` all say the
 * same numbers.
 *
 * - Population stability index: PSI = sum over bins of (a - e) * ln(a / e), e the training share of a bin and
 *   a the new share. An empty bin's share is taken as PSI_EPSILON (1e-4) on either side, so that a bin new
 *   data fills but training never saw (an unseen category) counts heavily instead of dividing by zero; a bin
 *   empty on both sides adds 0. Usual reading: below 0.1 stable, 0.1 to 0.25 watch, above 0.25 act.
 * - Jensen-Shannon distance: the square root of the Jensen-Shannon divergence with base-2 logarithms, so it
 *   lies in [0, 1] (scipy.spatial.distance.jensenshannon(p, q, base=2)); empty bins need no epsilon.
 * - Missing rate (training and new) and unseen-category rate (new; training has none by definition).
 *
 * Bins: a categorical feature compares per category code ("other" included), a numeric one on the forest's
 * bins merged into at most `bins` (default 10) groups of about equal training mass: PSI on the forest's up to
 * 255 bins would grow with their number on samples of the same distribution (its expected value under no
 * drift is about (bins - 1) x (1/training rows + 1/new rows)). Missing values and unseen categories are bins of
 * their own, so a column that starts arriving empty, or a new category, moves the PSI too.
 * A feature's level is set by its PSI alone: 'act' at or above psiAct, 'watch' at or above psiWatch, else 'ok'.
 */

import { assertOptions, c, type Spec } from '../constraints.js';
import { MlinferError } from '../errors.js';
import { FEATURE_CATEGORICAL } from '../forest/types.js';
import type { DriftCounts } from './drift-counts.js';
import type { Model } from './model.js';
import type { TrainingProfile } from './profile.js';

/** The share an empty bin is taken to have in PSI (see the module comment). */
export const PSI_EPSILON = 1e-4;

export type DriftLevel = 'ok' | 'watch' | 'act';

/** Options of the drift comparison (batch, serve, `driftOf`, `mlinfer drift` take the same). */
export interface DriftOptions {
  /** PSI from which a feature is worth watching; default 0.1. */
  psiWatch?: number;
  /** PSI from which a feature has drifted enough to act on; default 0.25. */
  psiAct?: number;
  /** Groups a numeric feature's bins are merged into; default 10 (deciles of the training data). */
  bins?: number;
}

/** The drift options, declared once. */
export const DRIFT_SPEC: Spec = {
  psiWatch: [c.number({ min: 0, closed: 'neither' })],
  psiAct: [c.number({ min: 0, closed: 'neither' })],
  bins: [c.integer({ min: 2, max: 255 })],
};

export const DRIFT_DEFAULTS = { psiWatch: 0.1, psiAct: 0.25, bins: 10 } as const;

/** Checks drift options (every problem at once) and fills in the defaults. */
export function resolveDriftOptions(options: DriftOptions = {}): Required<DriftOptions> {
  assertOptions(options, DRIFT_SPEC, 'drift options');
  const r = { ...DRIFT_DEFAULTS, ...options };
  if (r.psiWatch > r.psiAct)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `psiWatch must not be above psiAct, got psiWatch ${r.psiWatch} and psiAct ${r.psiAct}`,
      { issues: [{ path: ['psiWatch'], message: 'above psiAct' }] },
    );
  return r;
}

function total(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * Population stability index between two distributions given as counts per bin (same bins).
 * 0 when either side has no counts at all.
 *
 * @example
 * psi([50, 50], [25, 75]); // 0.2747
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  const te = total(expected);
  const ta = total(actual);
  if (te === 0 || ta === 0) return 0;
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] / te, PSI_EPSILON);
    const a = Math.max(actual[i] / ta, PSI_EPSILON);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/**
 * Jensen-Shannon distance (base 2, in [0, 1]) between two distributions given as counts per bin.
 * 0 when either side has no counts at all.
 *
 * @example
 * jensenShannon([50, 50], [25, 75]); // 0.2209
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const tp = total(p);
  const tq = total(q);
  if (tp === 0 || tq === 0) return 0;
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / tp;
    const b = q[i] / tq;
    const m = (a + b) / 2;
    if (a > 0) d += (a / 2) * Math.log2(a / m);
    if (b > 0) d += (b / 2) * Math.log2(b / m);
  }
  return Math.sqrt(Math.max(0, d));
}

export function levelOf(value: number, options: Required<DriftOptions>): DriftLevel {
  return value >= options.psiAct ? 'act' : value >= options.psiWatch ? 'watch' : 'ok';
}

/** One bin of a comparison: its label and the training and new shares. */
export interface DriftBin {
  label: string;
  training: number;
  current: number;
}

export interface FeatureDrift {
  feature: string;
  /** The schema's type (a boolean is compared on the forest's bins, as a numeric 0/1). */
  type: 'numeric' | 'boolean' | 'categorical';
  psi: number;
  jsDistance: number;
  level: DriftLevel;
  /** Share of missing values in training and in the new data. */
  missingRate: { training: number; current: number };
  /** Share of the new values that are categories training never saw (categorical features without an "other" code). */
  unseenRate: number;
  /** The compared bins (shares), in bin order; missing and unseen last when either side has any. */
  bins: DriftBin[];
}

export interface PredictionDrift {
  psi: number;
  jsDistance: number;
  level: DriftLevel;
  bins: DriftBin[];
}

/** The comparison of new data with a model's training profile. */
export interface DriftReport {
  /** Rows compared, and training rows in the profile. */
  rows: number;
  trainingRows: number;
  thresholds: { psiWatch: number; psiAct: number };
  /** The worst level of any feature or of the predictions. */
  level: DriftLevel;
  /** Per feature, the most drifted first (by PSI, ties by name). */
  features: FeatureDrift[];
  prediction: PredictionDrift;
  /** Features at 'watch' or 'act', the most drifted first. */
  drifted: string[];
}

/** Merged groups of a numeric feature's value bins: group index per bin, about equal training mass per group. */
function numericGroups(training: Float64Array, nValueBins: number, groups: number): Int32Array {
  const of = new Int32Array(nValueBins);
  const mass = total(training.subarray(0, nValueBins));
  let g = 0;
  let cum = 0;
  for (let b = 0; b < nValueBins; b++) {
    of[b] = g;
    cum += training[b];
    if (mass > 0 && g < groups - 1 && cum >= ((g + 1) / groups) * mass && b < nValueBins - 1) g++;
  }
  return of;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** Labels of a numeric feature's groups from the forest's edges: "<= a", "(a, b]", "> b". */
function numericLabels(edges: Float64Array, of: Int32Array): string[] {
  const n = of.length === 0 ? 0 : of[of.length - 1] + 1;
  const labels: string[] = [];
  for (let g = 0; g < n; g++) {
    const first = of.indexOf(g);
    const last = of.lastIndexOf(g);
    const lo = first > 0 ? edges[first - 1] : null;
    const hi = last < edges.length ? edges[last] : null;
    labels.push(
      lo === null && hi === null
        ? 'all values'
        : lo === null
          ? `<= ${fmt(hi!)}`
          : hi === null
            ? `> ${fmt(lo)}`
            : `(${fmt(lo)}, ${fmt(hi)}]`,
    );
  }
  return labels;
}

interface Compared {
  training: Float64Array;
  current: Float64Array;
  labels: string[];
}

/** Training and new counts of feature f on the compared bins (groups, then missing, then unseen). */
function compareBins(
  model: Model,
  f: number,
  training: Float64Array,
  current: Float64Array,
  groups: number,
): Compared {
  const arrays = model.forest.arrays;
  const nValue = training.length - 1;
  const spec = model.schema.features[f];
  let of: Int32Array;
  let labels: string[];
  if (arrays.featureKinds[f] === FEATURE_CATEGORICAL) {
    of = Int32Array.from({ length: nValue }, (_, b) => b);
    const names = spec.categories ?? [];
    labels = Array.from({ length: nValue }, (_, b) => names[b] ?? (spec.hasOther ? '(other)' : String(b)));
  } else {
    of = numericGroups(training, nValue, groups);
    const edges = arrays.binEdges.subarray(arrays.binEdgeOffsets[f], arrays.binEdgeOffsets[f + 1]);
    labels = numericLabels(edges, of);
  }
  const n = labels.length;
  const t = new Float64Array(n + 2);
  const cur = new Float64Array(n + 2);
  for (let b = 0; b < nValue; b++) {
    t[of[b]] += training[b];
    cur[of[b]] += current[b];
  }
  t[n] = training[nValue];
  cur[n] = current[nValue];
  cur[n + 1] = current[nValue + 1];
  return { training: t, current: cur, labels: [...labels, '(missing)', '(unseen)'] };
}

function shares(c: Compared): DriftBin[] {
  const tt = total(c.training);
  const tc = total(c.current);
  const bins: DriftBin[] = [];
  c.labels.forEach((label, i) => {
    const special = i >= c.labels.length - 2;
    if (special && c.training[i] === 0 && c.current[i] === 0) return;
    bins.push({ label, training: tt ? c.training[i] / tt : 0, current: tc ? c.current[i] / tc : 0 });
  });
  return bins;
}

function featureDrift(
  model: Model,
  profile: TrainingProfile,
  counts: DriftCounts,
  f: number,
  o: Required<DriftOptions>,
): FeatureDrift {
  const cmp = compareBins(model, f, profile.features[f], counts.features[f], o.bins);
  const value = psi(cmp.training, cmp.current);
  const n = cmp.labels.length;
  const tt = total(cmp.training);
  const tc = total(cmp.current);
  return {
    feature: model.featureNames[f],
    type: model.schema.features[f].type,
    psi: value,
    jsDistance: jensenShannon(cmp.training, cmp.current),
    level: levelOf(value, o),
    missingRate: { training: tt ? cmp.training[n - 2] / tt : 0, current: tc ? cmp.current[n - 2] / tc : 0 },
    unseenRate: tc ? cmp.current[n - 1] / tc : 0,
    bins: shares(cmp),
  };
}

function predictionLabels(model: Model, profile: TrainingProfile): string[] {
  const edges = profile.prediction.edges;
  if (edges === null) return (model.classes ?? []).map(String);
  return numericLabels(
    edges,
    Int32Array.from({ length: edges.length + 1 }, (_, b) => b),
  );
}

const RANK: Record<DriftLevel, number> = { ok: 0, watch: 1, act: 2 };

/**
 * Compares new data's counts with a model's training profile.
 *
 * @example
 * const report = compareDrift(model, profile, counts, { psiAct: 0.2 });
 * report.drifted; // ['city', 'monthly_charges']
 */
export function compareDrift(
  model: Model,
  profile: TrainingProfile,
  counts: DriftCounts,
  options: DriftOptions = {},
): DriftReport {
  const o = resolveDriftOptions(options);
  const features = model.featureNames
    .map((_, f) => featureDrift(model, profile, counts, f, o))
    .sort((a, b) => b.psi - a.psi || (a.feature < b.feature ? -1 : 1));
  const pv = psi(profile.prediction.counts, counts.prediction);
  const labels = predictionLabels(model, profile);
  const tt = total(profile.prediction.counts);
  const tc = total(counts.prediction);
  const prediction: PredictionDrift = {
    psi: pv,
    jsDistance: jensenShannon(profile.prediction.counts, counts.prediction),
    level: levelOf(pv, o),
    bins: labels.map((label, i) => ({
      label,
      training: tt ? profile.prediction.counts[i] / tt : 0,
      current: tc ? counts.prediction[i] / tc : 0,
    })),
  };
  const levels = [prediction.level, ...features.map((f) => f.level)];
  const level = levels.reduce((w, l) => (RANK[l] > RANK[w] ? l : w), 'ok' as DriftLevel);
  return {
    rows: counts.rows,
    trainingRows: profile.rows,
    thresholds: { psiWatch: o.psiWatch, psiAct: o.psiAct },
    level,
    features,
    prediction,
    drifted: features.filter((f) => f.level !== 'ok').map((f) => f.feature),
  };
}

/**
 * The error of `--fail-on-drift` (MLI_DRIFT, exit 4), naming what reached the act level.
 *
 * @example
 * if (report.level === 'act') throw driftError(report);
 */
export function driftError(r: DriftReport): MlinferError {
  const worst = r.features
    .filter((f) => f.level === 'act')
    .map((f) => `${f.feature} (PSI ${f.psi.toFixed(3)})`);
  if (r.prediction.level === 'act') worst.push(`the predictions (PSI ${r.prediction.psi.toFixed(3)})`);
  return new MlinferError(
    'MLI_DRIFT',
    `the data drifted past the act level (PSI >= ${r.thresholds.psiAct}): ${worst.join(', ')}`,
  );
}

/** One line naming the worst drifted features, for a warning; null when nothing reached the watch level. */
export function driftWarning(r: DriftReport, max = 3): string | null {
  const shown = r.features.filter((f) => f.level !== 'ok').slice(0, max);
  if (shown.length === 0 && r.prediction.level === 'ok') return null;
  const parts = shown.map((f) => `${f.feature} (PSI ${f.psi.toFixed(3)}, ${f.level})`);
  const more = r.drifted.length - shown.length;
  if (more > 0) parts.push(`${more} more`);
  if (r.prediction.level !== 'ok')
    parts.push(`predictions (PSI ${r.prediction.psi.toFixed(3)}, ${r.prediction.level})`);
  return `drift ${r.level}: ${parts.join(', ')}`;
}
