/**
 * Reason columns of batch scoring (`explain: N`, `mlinfer batch --explain N`): for each row, the N features
 * with the largest effect toward the prediction (the predicted class's probability; for regression the largest
 * absolute effects), each with the row's value and its contribution. No `node:` imports: workers run this.
 */
import { argmax } from '../forest/argmax.js';
import { createExplainer, type ExplainMethod } from '../forest/explain.js';
import type { Model } from '../model/model.js';

/** N reasons per record, row-major: the feature index (-1: none, for a rejected record) and its contribution. */
export interface Reasons {
  n: number;
  feature: Int32Array;
  contribution: Float64Array;
}

/** The reason column names: reason_k, reason_k_value, reason_k_contribution for k = 1..n. */
export function reasonColumns(n: number): string[] {
  const cols: string[] = [];
  for (let k = 1; k <= n; k++) cols.push(`reason_${k}`, `reason_${k}_value`, `reason_${k}_contribution`);
  return cols;
}

/**
 * Makes the function that finds the reasons of scored rows: X holds nRows encoded rows, scores their outputs.
 * Throws MLI_CANNOT_EXPLAIN (when made) for a model without node statistics.
 *
 * @example
 * const reasonsOf = createReasoner(model, 3, 'path');
 * const { feature, contribution } = reasonsOf(X, nRows, scores);
 */
export function createReasoner(
  model: Model,
  n: number,
  method: ExplainMethod,
): (X: Float64Array, nRows: number, scores: Float64Array) => Reasons {
  const explainer = createExplainer(model.forest.arrays);
  const C = model.forest.arrays.nOutputs;
  const d = model.forest.nFeatures;
  const classification = model.classes !== null;
  const order = Array.from({ length: d }, (_, f) => f);
  return (X, nRows, scores) => {
    const feature = new Int32Array(nRows * n).fill(-1);
    const contribution = new Float64Array(nRows * n).fill(Number.NaN);
    for (let r = 0; r < nRows; r++) {
      const phi = explainer.explainRow(X, r * d, method).contributions;
      const k = classification ? argmax(scores, r * C, C) : 0;
      const effect = (f: number): number => (classification ? phi[f * C + k] : Math.abs(phi[f * C]));
      // Stable sort: equal effects keep schema order, so the columns are the same on every run.
      order.sort((a, b) => effect(b) - effect(a) || a - b);
      for (let j = 0; j < n && j < d; j++) {
        feature[r * n + j] = order[j];
        contribution[r * n + j] = phi[order[j] * C + k];
      }
    }
    return { n, feature, contribution };
  };
}

/** The reasons of the valid rows (`dense`) spread back to their records; none for the others. */
export function spreadReasons(dense: Reasons, okIndex: readonly number[], nRecords: number): Reasons {
  const { n } = dense;
  const feature = new Int32Array(nRecords * n).fill(-1);
  const contribution = new Float64Array(nRecords * n).fill(Number.NaN);
  for (let k = 0; k < okIndex.length; k++) {
    feature.set(dense.feature.subarray(k * n, (k + 1) * n), okIndex[k] * n);
    contribution.set(dense.contribution.subarray(k * n, (k + 1) * n), okIndex[k] * n);
  }
  return { n, feature, contribution };
}
