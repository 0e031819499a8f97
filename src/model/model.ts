/**
 * The fitted model as users hold it: the forest, the schema that turns records into its input, and the
 * model card (metadata). One object, one file: batch and real-time load the same thing.
 */

import { featureNames, type Schema } from '../data/schema.js';
import { parseSchema } from '../data/schema-json.js';
import { MlinferError } from '../errors.js';
import { createFittedForest, type FittedForest } from '../forest/fit.js';
import { defaultParams, type ForestParams } from '../forest/params.js';
import type { Task } from '../forest/types.js';
import { VERSION } from '../version.js';
import { decodeModel, encodeModel } from './format.js';
import { hashArrays } from './hash.js';
import { modelFromImportedArrays } from './import/model-from-foreign.js';
import { importMlRandomForest } from './import-ml-random-forest.js';
import type { TrainingProfile } from './profile.js';
import type { MergedInfo, ShardInfo } from './shard.js';

/** Scores measured at training time. */
export interface TrainingMetrics {
  /** Out-of-bag scores (needs bootstrap): accuracy and log loss, or R². */
  oob?: MetricSet;
  /** Scores on the held-out rows (`testSize`). */
  holdout?: MetricSet & { rows: number };
}

export interface MetricSet {
  accuracy?: number;
  logLoss?: number;
  rocAuc?: number;
  r2?: number;
  mae?: number;
  rmse?: number;
}

/** Where an imported model came from (absent for models mlinfer trained). */
export interface ImportInfo {
  /** The source format: 'lightgbm', 'xgboost', 'onnx', 'ml-random-forest'. */
  format: string;
  /** What was read, for people: 'lightgbm 4.x text model', 'xgboost JSON model'. */
  source: string;
  /** The source's objective (or task), as it spelled it: 'binary sigmoid:1', 'multi:softprob'. */
  objective?: string;
  /** Trees in the imported ensemble. */
  trees: number;
}

/**
 * The model card stored in the file. For imported models (`importedFrom` set) the fields about mlinfer's own
 * training say "unknown" rather than invent: params {}, trainingRows 0, dataHash '', metrics {}, and every
 * feature importance 0.
 */
export interface ModelMetadata {
  format: 'mlinfer-model';
  /** The mlinfer version that trained the model. */
  mlinferVersion: string;
  /** A short id of this model: changes whenever the data, the parameters or the training time change. */
  modelVersion: string;
  createdAt: string;
  task: Task;
  target: string;
  /** Class labels as given in the data (classification), in the order of the probabilities. */
  classes: (string | number)[] | null;
  schema: Schema;
  /** mlinfer's training parameters; {} for imported models. */
  params: Partial<ForestParams>;
  /** Rows the forest was trained on; 0 when unknown (imported models). */
  trainingRows: number;
  /** A fingerprint of the encoded training data (features and target); '' when unknown (imported models). */
  dataHash: string;
  metrics: TrainingMetrics;
  /** Impurity-based importance per feature name, summing to 1. */
  featureImportances: Record<string, number>;
  /** Things worth knowing about the training data (rows without a target, capped categories, ...). */
  notes: string[];
  /** Free-form, for example where the model came from. */
  source?: string;
  /** A partial model (`train` with `shard`): which trees of which forest it holds; see shard.ts. */
  shard?: ShardInfo;
  /** A merged model (`mergeModels`): what each part was; see merge.ts. */
  merged?: MergedInfo;
  /** Set on imported models: where they came from. */
  importedFrom?: ImportInfo;
}

/** A fitted model: immutable. */
export interface Model {
  readonly metadata: Readonly<ModelMetadata>;
  readonly schema: Schema;
  readonly forest: FittedForest;
  /** Class labels (classification) or null. */
  readonly classes: readonly (string | number)[] | null;
  readonly featureNames: readonly string[];
  /** What the training data looked like (profile.ts), for drift reports; null for files before format 1.2 and imported models. */
  readonly profile: TrainingProfile | null;
}

/** Wraps a fitted forest and its metadata into a Model. */
export function createModel(
  metadata: ModelMetadata,
  forest: FittedForest,
  profile: TrainingProfile | null = null,
): Model {
  const schema = metadata.schema;
  if (schema.features.length !== forest.nFeatures)
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the schema lists ${schema.features.length} features but the forest takes ${forest.nFeatures}`,
    );
  if (metadata.task === 'classification' && (metadata.classes?.length ?? 0) !== forest.nClasses)
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the model lists ${metadata.classes?.length ?? 0} classes but the forest predicts ${forest.nClasses}`,
    );
  return Object.freeze({
    metadata: Object.freeze(metadata),
    schema,
    forest,
    classes: metadata.classes ? Object.freeze([...metadata.classes]) : null,
    featureNames: Object.freeze(featureNames(schema)),
    profile,
  });
}

/** What a model card holds besides what the forest and the schema already say. */
export interface CardFields {
  trainingRows: number;
  dataHash: string;
  metrics: TrainingMetrics;
  notes: string[];
  source?: string;
  shard?: ShardInfo;
  merged?: MergedInfo;
  /** Bytes that, with the creation time, identify this model (its version is a hash of them). */
  identity: ArrayBufferView[];
  /** The training profile (train() computes it; models wrapped from a bare forest have none). */
  profile?: TrainingProfile;
}

/** Builds the model card (metadata) of a fitted forest and its schema, and wraps both into a Model. */
export function modelWithCard(forest: FittedForest, schema: Schema, card: CardFields): Model {
  const createdAt = new Date().toISOString();
  const featureImportances: Record<string, number> = {};
  schema.features.forEach((f, i) => {
    featureImportances[f.name] = forest.featureImportances[i];
  });
  const classes = schema.target.classes ?? null;
  const { identity, source, profile, ...rest } = card;
  const metadata: ModelMetadata = {
    format: 'mlinfer-model',
    mlinferVersion: VERSION,
    modelVersion: hashArrays([...identity, new TextEncoder().encode(createdAt)]).slice(0, 12),
    createdAt,
    task: forest.task,
    target: schema.target.name,
    classes: classes ? [...classes] : null,
    schema,
    params: { ...forest.params },
    ...rest,
    featureImportances,
    ...(source ? { source } : {}),
  };
  return createModel(metadata, forest, profile ?? null);
}

/** The file bytes a model was loaded from (by loadModel from a path): what `modelFileBytes` hands out. */
const loadedFrom = new WeakMap<Model, Uint8Array>();

/** @internal Remembers the file bytes `model` was decoded from; the caller owns them and does not change them. */
export function rememberModelBytes(model: Model, bytes: Uint8Array): Model {
  loadedFrom.set(model, bytes);
  return model;
}

/**
 * @internal The bytes of a model file that decodes to `model`: the file it was loaded from when known (a
 * batch run sends these to its workers; encoding the model again costs as much as loading it and, at the
 * peak, tens of MB), else `modelToBytes(model)`.
 */
export function modelFileBytes(model: Model): Uint8Array {
  return loadedFrom.get(model) ?? modelToBytes(model);
}

/**
 * The bytes of the model file for a model.
 *
 * @example
 * const bytes = modelToBytes(model); // Uint8Array, for saveModel or an object store
 */
export function modelToBytes(model: Model): Uint8Array {
  return encodeModel({
    metadata: model.metadata as unknown as Record<string, unknown>,
    forest: model.forest.arrays,
    profile: model.profile,
  });
}

function checkMetadata(meta: Record<string, unknown>): ModelMetadata {
  if (meta.format !== 'mlinfer-model')
    throw new MlinferError('MLI_MODEL_FOREIGN', 'the file is an mlinfer container but not an mlinfer model');
  const problems: string[] = [];
  if (meta.task !== 'classification' && meta.task !== 'regression') problems.push('task');
  if (typeof meta.target !== 'string') problems.push('target');
  if (typeof meta.modelVersion !== 'string') problems.push('modelVersion');
  if (meta.classes !== null && !Array.isArray(meta.classes)) problems.push('classes');
  if (typeof meta.params !== 'object' || meta.params === null) problems.push('params');
  if (problems.length)
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the model metadata has invalid fields: ${problems.join(', ')}`,
    );
  return meta as unknown as ModelMetadata;
}

/**
 * Reads a model from the bytes of a model file. Works in browsers and edge runtimes.
 * Fails with MLI_MODEL_FOREIGN, MLI_MODEL_VERSION or MLI_MODEL_CORRUPT, never with a wrong model.
 *
 * @example
 * const model = modelFromBytes(new Uint8Array(await (await fetch('/churn.mlinfer')).arrayBuffer()));
 */
export function modelFromBytes(bytes: Uint8Array): Model {
  const { metadata, forest, profile } = decodeModel(bytes);
  const meta = checkMetadata(metadata);
  const schema = parseSchema(meta.schema);
  if (schema.target.task !== forest.task || meta.task !== forest.task)
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the model metadata says ${meta.task} but the forest is ${forest.task}`,
    );
  const importances = new Float64Array(
    schema.features.map((f) => Number(meta.featureImportances?.[f.name] ?? 0)),
  );
  const params = { ...defaultParams(forest.task), ...meta.params };
  return createModel({ ...meta, schema }, createFittedForest(forest, params, importances), profile ?? null);
}

export { VERSION };

/** What `modelFromForest` needs besides the forest. */
export interface ModelFromForestOptions {
  /** Feature names in column order; default f0, f1, ... */
  featureNames?: string[];
  /** The target's name; default "target". */
  target?: string;
  /** Class labels in class-index order; default 0, 1, ... */
  classes?: (string | number)[];
  /** Free-form provenance stored in the model card. */
  source?: string;
}

/**
 * Wraps a forest fitted on typed arrays (`fitForest`) into a Model with a schema, so that it can be saved
 * as a model file and served by name. Categorical features take their codes as category names ("0", "1", ...).
 *
 * @example
 * const forest = await fitForest(X, y, { task: 'classification' });
 * await saveModel(modelFromForest(forest, { featureNames: ['age', 'income'], classes: ['no', 'yes'] }), 'm.mlinfer');
 */
export function modelFromForest(forest: FittedForest, options: ModelFromForestOptions = {}): Model {
  const d = forest.nFeatures;
  const names = options.featureNames ?? Array.from({ length: d }, (_, i) => `f${i}`);
  if (names.length !== d || new Set(names).size !== d)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `featureNames must be ${d} distinct names, got ${names.length}`,
    );
  const task = forest.task;
  const classes =
    task === 'classification'
      ? (options.classes ?? Array.from({ length: forest.nClasses }, (_, i) => i))
      : null;
  if (classes && classes.length !== forest.nClasses)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `classes must list ${forest.nClasses} labels, got ${classes.length}`,
    );
  const { featureKinds, categoryCounts } = forest.arrays;
  const schema: Schema = {
    version: 1,
    features: names.map((name, f) =>
      featureKinds[f] === 1
        ? {
            name,
            type: 'categorical' as const,
            categories: Array.from({ length: categoryCounts[f] }, (_, c) => String(c)),
            hasOther: false,
          }
        : { name, type: 'numeric' as const },
    ),
    target: { name: options.target ?? 'target', task, ...(classes ? { classes: [...classes] } : {}) },
    missingValues: ['', 'NA', 'NaN', 'null', '?'],
    excluded: [],
  };
  return modelWithCard(forest, schema, {
    trainingRows: 0,
    dataHash: '',
    metrics:
      forest.oobScore === null
        ? {}
        : { oob: task === 'classification' ? { accuracy: forest.oobScore } : { r2: forest.oobScore } },
    notes: [],
    source: options.source,
    identity: [forest.arrays.nodes],
  });
}

/** What `modelFromMlRandomForest` needs besides the ml-random-forest JSON. */
export interface ModelFromMlRandomForestOptions extends ModelFromForestOptions {
  /** Number of features of the training data (ml-random-forest's JSON does not record it). */
  nFeatures?: number;
  /** 'votes' reproduces ml-random-forest's own predictions (a vote per tree); 'fractions' (default) averages leaf class fractions. */
  leaves?: 'fractions' | 'votes';
}

/**
 * Turns an ml-random-forest model (its `toJSON()` object or text) into an mlinfer Model that can be saved and
 * served: the way its users move their models over.
 *
 * @example
 * const model = modelFromMlRandomForest(readFileSync('rf.json', 'utf8'), { featureNames: ['a', 'b'], leaves: 'votes' });
 * await saveModel(model, 'rf.mlinfer');
 */
export function modelFromMlRandomForest(json: unknown, options: ModelFromMlRandomForestOptions = {}): Model {
  const arrays = importMlRandomForest(json, {
    nFeatures: options.nFeatures ?? options.featureNames?.length,
    nClasses: options.classes?.length,
    leaves: options.leaves,
  });
  // ml-random-forest stores no importances, parameters or training facts: the card says "unknown"
  return modelFromImportedArrays(
    arrays,
    { importedFrom: { format: 'ml-random-forest', source: 'ml-random-forest 2.1.0 toJSON()' } },
    { source: 'ml-random-forest', ...options },
  );
}
