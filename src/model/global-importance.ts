/**
 * Global importance from per-row explanations: the mean absolute `path` contribution of each feature over a
 * sample of rows, and the per-row contributions and value ranks that a beeswarm chart draws. Unlike impurity
 * importances it is measured on the rows given, and it does not favour features with many distinct values.
 */
import { createExplainer } from '../forest/explain.js';
import type { Model } from './model.js';

/** One feature's share of the explanation, with its per-row points for a beeswarm chart. */
export interface FeatureContributions {
  feature: string;
  /** Mean absolute contribution over the sampled rows. */
  meanAbs: number;
  /** The contribution of each sampled row, in sample order. */
  contributions: number[];
  /** Each sampled row's value rank in [0, 1] among the sample (category codes for categorical features); null when missing. */
  valueRanks: (number | null)[];
}

export interface ContributionImportance {
  method: 'path';
  /** Rows explained: all scored rows, or an even sample of at most the limit asked for. */
  rows: number;
  /** What a contribution moves: `probability of <class>` or the regression value. */
  output: string;
  /** Every feature, largest mean absolute contribution first. */
  features: FeatureContributions[];
}

/** Ranks of `values` scaled to [0, 1] (ties share the lowest rank); NaN stays null. */
function valueRanks(values: number[]): (number | null)[] {
  const order = values
    .map((v, i) => [v, i] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((a, b) => a[0] - b[0]);
  const out: (number | null)[] = values.map(() => null);
  const top = Math.max(1, order.length - 1);
  let rank = 0;
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && order[k][0] !== order[k - 1][0]) rank = k;
    out[order[k][1]] = rank / top;
  }
  return out;
}

/**
 * Explains an even sample of at most `maxRows` of the encoded rows `X` (nRows * nFeatures, as the scorer
 * reads them) with the `path` method. For binary classification the contributions are to the positive
 * (second) class's probability; with more classes, to each row's predicted class. Returns null when the
 * model has no node statistics (a format 1.0 file or an imported forest): such a model cannot explain.
 *
 * @example
 * const g = contributionImportance(model, { data: X, nRows: n, nFeatures: nf }, 2000);
 * if (g) console.log(g.features[0].feature, g.features[0].meanAbs);
 */
export function contributionImportance(
  model: Model,
  X: { data: Float64Array; nRows: number; nFeatures: number },
  maxRows: number,
): ContributionImportance | null {
  const arrays = model.forest.arrays;
  if (!arrays.nodeStats || maxRows < 1 || X.nRows === 0) return null;
  const explainer = createExplainer(arrays);
  const nf = X.nFeatures;
  const C = arrays.nOutputs;
  const classes = (model.classes ?? []).map(String);
  const m = Math.min(maxRows, X.nRows);
  const contributions = Array.from({ length: nf }, () => new Array<number>(m));
  const values = Array.from({ length: nf }, () => new Array<number>(m));
  const predicted = new Float64Array(C);
  for (let k = 0; k < m; k++) {
    // an even sample keeps the first and the last row, as evaluate's thinned curves do
    const row = m === 1 ? 0 : Math.round((k * (X.nRows - 1)) / (m - 1));
    const { base, contributions: cs } = explainer.explainRow(X.data, row * nf, 'path');
    let c = 0;
    if (C === 2) c = 1;
    else if (C > 2) {
      predicted.set(base);
      for (let f = 0; f < nf; f++) for (let j = 0; j < C; j++) predicted[j] += cs[f * C + j];
      for (let j = 1; j < C; j++) if (predicted[j] > predicted[c]) c = j;
    }
    for (let f = 0; f < nf; f++) {
      contributions[f][k] = cs[f * C + c];
      values[f][k] = X.data[row * nf + f];
    }
  }
  const names = model.schema.features.map((f) => f.name);
  const features = names.map((feature, f) => ({
    feature,
    meanAbs: contributions[f].reduce((s, v) => s + Math.abs(v), 0) / m,
    contributions: contributions[f],
    valueRanks: valueRanks(values[f]),
  }));
  features.sort((a, b) => b.meanAbs - a.meanAbs);
  const output =
    C === 1
      ? 'the predicted value'
      : C === 2
        ? `the probability of ${classes[1] ?? 'class 1'}`
        : 'the probability of the predicted class';
  return { method: 'path', rows: m, output, features };
}
