/**
 * Explanations as the predictor returns them: the forest's per-feature contributions (src/forest/explain.ts)
 * named by the schema, beside the record's values. No `node:` imports.
 */
import { assertOptions, c, type Spec } from '../constraints.js';
import { argmax } from '../forest/argmax.js';
import { EXPLAIN_METHODS, type ExplainMethod, type RowExplanation } from '../forest/explain.js';
import type { Model } from '../model/model.js';
import type { Prediction, PredictRecord } from './predictor.js';

export type { ExplainMethod } from '../forest/explain.js';

/** Options of `predictor.explain` and `explainMany`. */
export interface ExplainOptions {
  /** `path` (default): Saabas / treeinterpreter, about one prediction's cost. `shap`: exact TreeSHAP. */
  method?: ExplainMethod;
  /** Keep only the `top` features with the largest absolute contributions (default: every feature). */
  top?: number;
}

/** One feature's share of a prediction. */
export interface FeatureContribution {
  feature: string;
  /** The record's value for the feature (null when it is absent or missing). */
  value: unknown;
  /** Its contribution to the explained output (see `Explanation.output`). */
  contribution: number;
}

/** A prediction with the reasons for it: baseValue plus every contribution equals the explained output. */
export interface Explanation extends Prediction {
  method: ExplainMethod;
  /** What is explained: the predicted value (regression) or the probability of the predicted class. */
  output: { value: number; class?: string | number };
  /** The model's mean output over its training data (for the predicted class, in classification). */
  baseValue: number;
  /** Largest absolute contribution first (all features, or the `top` ones). */
  contributions: FeatureContribution[];
  /** Classification: the base value and the contribution of every feature for every class, keyed by label. */
  byClass?: Record<string, { baseValue: number; contributions: Record<string, number> }>;
}

const EXPLAIN_SPEC: Spec = {
  method: [c.oneOf(...EXPLAIN_METHODS)],
  top: [c.integer({ min: 1 })],
};

/** Checks explain options with the one validator (every problem with its path, MLI_INVALID_OPTION). */
export function resolveExplainOptions(
  options: ExplainOptions | undefined,
  nFeatures: number,
): { method: ExplainMethod; top: number } {
  assertOptions(options, EXPLAIN_SPEC, 'explain options');
  return { method: options?.method ?? 'path', top: Math.min(options?.top ?? nFeatures, nFeatures) };
}

/** The record's value of feature i (by name for an object record, by position for an array one). */
function recordValue(record: PredictRecord, name: string, i: number): unknown {
  const v = Array.isArray(record) ? record[i] : (record as Record<string, unknown>)[name];
  return v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
}

/**
 * Names a row explanation: the explained output is the predicted class's probability (classification) or
 * the value (regression); `scores` are the row's outputs as the scorer gave them.
 */
export function toExplanation(
  model: Model,
  prediction: Prediction,
  record: PredictRecord,
  row: RowExplanation,
  scores: Float64Array,
  scoresOffset: number,
  method: ExplainMethod,
  top: number,
): Explanation {
  const names = model.schema.features.map((f) => f.name);
  const C = row.base.length;
  const labels = model.classes;
  const k = labels ? argmax(scores, scoresOffset, C) : 0;
  const contributions: FeatureContribution[] = names.map((feature, f) => ({
    feature,
    value: recordValue(record, feature, f),
    contribution: row.contributions[f * C + k],
  }));
  // Stable: equal magnitudes keep schema order.
  contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const out: Explanation = {
    ...prediction,
    method,
    output: labels ? { value: scores[scoresOffset + k], class: labels[k] } : { value: scores[scoresOffset] },
    baseValue: row.base[k],
    contributions: contributions.slice(0, top),
  };
  if (labels) {
    out.byClass = {};
    for (let c = 0; c < C; c++) {
      const byFeature: Record<string, number> = {};
      names.forEach((name, f) => {
        byFeature[name] = row.contributions[f * C + c];
      });
      out.byClass[String(labels[c])] = { baseValue: row.base[c], contributions: byFeature };
    }
  }
  return out;
}
