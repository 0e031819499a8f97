/**
 * The library's drift entry points: `profileOf(model)` and `driftOf(model, table)`. No `node:` imports.
 */

import { createCsvRowEncoder } from '../data/encode.js';
import { type TableInput, toTable } from '../data/table.js';
import type { Matrix } from '../forest/types.js';
import { compareDrift, type DriftOptions, type DriftReport, resolveDriftOptions } from './drift.js';
import { addDriftRows, addUnseen, emptyDriftCounts, requireProfile } from './drift-counts.js';
import type { Model } from './model.js';
import type { TrainingProfile } from './profile.js';

/**
 * The training profile stored in a model, or null when it has none (files before format 1.2, imported models).
 *
 * @example
 * const profile = profileOf(model);
 * if (profile) console.log(profile.rows, profile.prediction.counts);
 */
export function profileOf(model: Model): TrainingProfile | null {
  return model.profile;
}

/** Rows of X whose flag in `valid` is set, as a new matrix. */
function validRows(X: Matrix, valid: Uint8Array): Matrix {
  let n = 0;
  for (const v of valid) n += v;
  if (n === X.nRows) return X;
  const d = X.nFeatures;
  const data = new Float64Array(n * d);
  for (let r = 0, k = 0; r < X.nRows; r++) if (valid[r]) data.set(X.data.subarray(r * d, r * d + d), d * k++);
  return { data, nRows: n, nFeatures: d };
}

/**
 * Compares a table of new data (rows of objects, or a column table) with the model's training profile:
 * PSI and Jensen-Shannon distance per feature and for the predictions, missing and unseen-category rates.
 * Rows with invalid cells are left out and counted in `rejectedRows`. Throws MLI_NO_PROFILE for a model
 * without a profile, MLI_SCHEMA_MISMATCH when a feature column is absent.
 *
 * @example
 * const report = driftOf(model, [{ age: 41, city: 'Springfield' }, ...rows]);
 * if (report.level === 'act') console.warn(`drifted: ${report.drifted.join(', ')}`);
 */
export function driftOf(
  model: Model,
  table: TableInput,
  options: DriftOptions = {},
): DriftReport & { rejectedRows: number } {
  const profile = requireProfile(model);
  resolveDriftOptions(options);
  const { columns, rows } = toTable(table);
  const encoder = createCsvRowEncoder(model.schema, columns);
  const enc = encoder.encodeRows(rows, 1);
  const X = validRows(enc.X, enc.valid);
  const forest = model.forest;
  const outputs = forest.task === 'classification' ? forest.predictProba(X) : forest.predict(X);
  const counts = emptyDriftCounts(forest.arrays, profile);
  addDriftRows(counts, forest.arrays, profile, X, outputs);
  addUnseen(counts, encoder.unknownCategoryCounts);
  return { ...compareDrift(model, profile, counts, options), rejectedRows: rows.length - X.nRows };
}
