/**
 * An imported ensemble as a Model: a schema, a model card that says where it came from, the compiled forest.
 * The fields of the card that describe mlinfer's own training hold honest placeholders (see ModelMetadata).
 */

import type { FeatureSpec, Schema } from '../../data/schema.js';
import { MlinferError } from '../../errors.js';
import { createFittedForest } from '../../forest/fit.js';
import { defaultParams } from '../../forest/params.js';
import { FEATURE_CATEGORICAL, type ForestArrays } from '../../forest/types.js';
import { VERSION } from '../../version.js';
import { hashArrays } from '../hash.js';
import { createModel, type ImportInfo, type Model, type ModelMetadata } from '../model.js';
import { compileForeignEnsemble } from './compile.js';
import type { ForeignEnsemble } from './foreign-ensemble.js';

/** What every importer (`modelFromLightGBM`, `modelFromXGBoost`...) takes besides the model itself. */
export interface ImportOptions {
  /** Feature names in column order; default the names the model file holds (or f0, f1, ...). */
  featureNames?: string[];
  /** The target's name; default "target". */
  target?: string;
  /** Class labels in class-index order; default 0, 1, ... (what the library's predict returns). */
  classes?: (string | number)[];
  /** Free-form provenance stored in the model card, for example the file it came from. */
  source?: string;
}

/** What an importer knows about the model beyond the ensemble. */
export interface ForeignModelInfo {
  /** Feature names read from the file, if any. */
  featureNames?: string[];
  /**
   * Whether the last code of each categorical feature is "other" (LightGBM's importer reserves it for values
   * that name no code); otherwise every code is a category and other values are unknown.
   */
  lastCodeIsOther?: boolean;
  importedFrom: Omit<ImportInfo, 'trees'>;
}

const MISSING_SPELLINGS = ['', 'NA', 'NaN', 'null', '?'];

function optionError(message: string, path: string): MlinferError {
  return new MlinferError('MLI_INVALID_OPTION', message, { issues: [{ path: [path], message }] });
}

/**
 * Compiles an imported ensemble and wraps it into a Model with a schema and a model card. Numeric features
 * take numbers; a categorical feature (set rules) takes its integer codes "0", "1", ... as category names
 * (numbers are read as those names), and with `lastCodeIsOther` any other value is its "other" category.
 *
 * @example
 * const { ensemble, featureNames } = readLightGBM(text);
 * const model = modelFromForeign(ensemble, { featureNames, importedFrom: { format: 'lightgbm', source: 'lightgbm 4.x text model' } });
 */
export function modelFromForeign(
  ensemble: ForeignEnsemble,
  info: ForeignModelInfo,
  options: ImportOptions = {},
): Model {
  return modelFromImportedArrays(compileForeignEnsemble(ensemble), info, options);
}

/**
 * modelFromForeign for an ensemble already compiled (ml-random-forest's importer compiles on its own).
 *
 * @example
 * const model = modelFromImportedArrays(importMlRandomForest(json), { importedFrom: { format: 'ml-random-forest', source: 'ml-random-forest toJSON()' } });
 */
export function modelFromImportedArrays(
  arrays: ForestArrays,
  info: ForeignModelInfo,
  options: ImportOptions = {},
): Model {
  const d = arrays.nFeatures;
  const names = options.featureNames ?? info.featureNames ?? Array.from({ length: d }, (_, i) => `f${i}`);
  if (names.length !== d || new Set(names).size !== d || names.some((n) => typeof n !== 'string' || n === ''))
    throw optionError(
      `featureNames must be ${d} distinct non-empty names, got ${names.length}`,
      'featureNames',
    );
  const task = arrays.task;
  const nClasses = task === 'classification' ? arrays.nOutputs : 0;
  const classes =
    task === 'classification' ? (options.classes ?? Array.from({ length: nClasses }, (_, i) => i)) : null;
  if (classes && (classes.length !== nClasses || new Set(classes.map(String)).size !== nClasses))
    throw optionError(`classes must list ${nClasses} distinct labels, got ${classes.length}`, 'classes');
  const features = names.map((name, f): FeatureSpec => {
    if (arrays.featureKinds[f] !== FEATURE_CATEGORICAL) return { name, type: 'numeric' };
    // the last code is "other": values that name no code go where LightGBM sends unknown codes
    const codes = arrays.categoryCounts[f] - 1;
    return {
      name,
      type: 'categorical',
      categories: Array.from({ length: codes }, (_, c) => String(c)),
      hasOther: true,
    };
  });
  const schema: Schema = {
    version: 1,
    features,
    target: { name: options.target ?? 'target', task, ...(classes ? { classes: [...classes] } : {}) },
    missingValues: MISSING_SPELLINGS,
    excluded: [],
  };
  const nTrees = arrays.treeOffsets.length - 1;
  const createdAt = new Date().toISOString();
  const metadata: ModelMetadata = {
    format: 'mlinfer-model',
    mlinferVersion: VERSION,
    modelVersion: hashArrays([arrays.nodes, arrays.leafValues, new TextEncoder().encode(createdAt)]).slice(
      0,
      12,
    ),
    createdAt,
    task,
    target: schema.target.name,
    classes: classes ? [...classes] : null,
    schema,
    params: {},
    trainingRows: 0,
    dataHash: '',
    metrics: {},
    featureImportances: Object.fromEntries(names.map((n) => [n, 0])),
    notes: [],
    importedFrom: { ...info.importedFrom, trees: nTrees },
    ...(options.source ? { source: options.source } : {}),
  };
  const params = defaultParams(task);
  params.nEstimators = nTrees;
  return createModel(metadata, createFittedForest(arrays, params, new Float64Array(d)));
}
