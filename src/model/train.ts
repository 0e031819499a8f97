/**
 * train(): a table in, a fitted model out. It joins the data layer (schema, encoding) and the forest, so it
 * sits above both; it is Node-level because it reads files and trains on worker threads.
 */

import { c, type Spec } from '../constraints.js';
import { encodeTable } from '../data/encode.js';
import { delimiterOfPath, tableFormatOfPath } from '../data/file-format.js';
import { readCsvFile, readJsonlFile } from '../data/node-io.js';
import {
  type FeatureType,
  inferSchemaWithNotes,
  SCHEMA_SPEC,
  type Schema,
  type SchemaOptions,
} from '../data/schema.js';
import { type Table, type TableInput, toTable } from '../data/table.js';
import { type Issue, MlinferError } from '../errors.js';
import { argmax } from '../forest/argmax.js';
import { type FittedForest, type ForestShard, SHARD_OPTION } from '../forest/fit.js';
import { fitForest } from '../forest/fit-node.js';
import { type ForestParamsInput, resolveParams } from '../forest/params.js';
import { createRng } from '../forest/rng.js';
import type { Matrix, Task } from '../forest/types.js';
import { hashArrays } from './hash.js';
import { logLoss, meanAbsoluteError, r2Score, rocAucFromProba, rootMeanSquaredError } from './metrics.js';
import { type MetricSet, type Model, type ModelMetadata, modelWithCard } from './model.js';
import { profileOfTraining } from './profile-training.js';
import { categoryCounts, featureKinds } from './schema-forest.js';
import { readTables, shardFileList, shardInfo } from './shard.js';
import { trainingFiles, trainStreaming } from './train-stream.js';

/** Options of `train`: the data's shape, the holdout, tuning, and every forest parameter. */
export interface TrainOptions extends Omit<ForestParamsInput, 'classWeight'> {
  /** The target column; default: a column named `target`, `label` or `y`, else the last column. */
  target?: string;
  /**
   * Default: classification for a target of strings or booleans, or of integers with at most 20 distinct
   * values (few for the rows); regression for other numbers.
   */
  task?: Task;
  /** Columns to leave out (ids, timestamps, leaks). */
  exclude?: string[];
  /** Train on columns that identify rows (distinct strings, increasing integer keys), which are left out by default. */
  keepIdColumns?: boolean;
  /** Per-column type overrides. */
  types?: Record<string, FeatureType>;
  /** Strings read as missing; default `''`, `NA`, `NaN`, `null`, `?`. */
  missingValues?: string[];
  /** Categories kept per categorical column (the rest share an "other" code); default 100. */
  maxCategories?: number;
  /** CSV delimiter when `data` is a CSV path; default ','. */
  delimiter?: string;
  /** Fraction of rows held out for the holdout metrics, in [0, 1); default 0 (out-of-bag metrics only). */
  testSize?: number;
  /** Weights per class label, 'balanced' or 'balanced_subsample'. */
  classWeight?: null | 'balanced' | 'balanced_subsample' | Record<string, number>;
  /** Leave out rows with invalid cells (they are counted in the model's notes) instead of failing. */
  skipInvalidRows?: boolean;
  /** Search minSamplesLeaf and maxFeatures by out-of-bag score and keep the best. */
  tune?: boolean;
  /** Worker threads; default: the available cores. */
  nThreads?: number;
  /** Progress: trees done and trees in all (during tuning, over every candidate). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Grow only the trees k with k mod count = index, and, when `data` is a list of files, read only the files
   * k mod count = index: a partial model for `mergeModels` (see shard.ts).
   */
  shard?: ForestShard;
  /**
   * Files only: true trains in two streaming passes (train-stream.ts), false reads the table into memory
   * (one CSV or JSON Lines file). Default: streaming for several files, Parquet, or a file of at least
   * STREAMING_MIN_BYTES (64 MiB); smaller files keep the in-memory path, whose results are pinned by tests.
   */
  streaming?: boolean;
  /** Streaming only: progress of reading pass 1 or 2 (bytes, or rows for Parquet, done and in all). */
  onPassProgress?: (pass: 1 | 2, done: number, total: number) => void;
}

const TARGET_GUESSES = ['target', 'label', 'y'];

/** Reads a CSV or JSON Lines path into a table; problems (ragged rows, bad lines) fail with every one listed. */
export async function readTableFile(path: string, delimiter?: string): Promise<Table> {
  const isJsonl = tableFormatOfPath(path) === 'jsonl';
  const sep = delimiter || delimiterOfPath(path);
  const { header, rows, problems } = isJsonl
    ? await readJsonlFile(path).then((r) => ({ header: null, rows: r.rows, problems: r.problems }))
    : await readCsvFile(path, sep ? { delimiter: sep } : {});
  if (problems.length > 0)
    throw new MlinferError(
      'MLI_CSV_PARSE',
      `${path}: ${problems.length} problem(s), first: ${problems
        .slice(0, 5)
        .map((p) => p.message)
        .join('; ')}`,
      { issues: problems },
    );
  return header ? toTable({ header, rows }) : toTable(rows as Record<string, unknown>[]);
}

/**
 * A CSV read as a single column whose name holds another delimiter was split with the wrong one (the
 * wine-quality data set uses ';'): say which to pass rather than "1 column" or "no column quality".
 */
export function checkOneColumn(path: string, columns: readonly string[]): void {
  if (columns.length !== 1) return;
  const sep = [';', '\t', '|'].find((d) => columns[0].includes(d));
  if (sep === undefined) return;
  const q = JSON.stringify(sep);
  throw new MlinferError(
    'MLI_INVALID_DATA',
    `${path} reads as one column ${JSON.stringify(columns[0])}: the header looks separated by ${q}; pass delimiter ${q} (--delimiter ${q})`,
  );
}

/**
 * The target when none is given: a column named target, label or y (any case), else the last column, as
 * Weka and BigML do (most published CSVs put the label last); the last-column choice gets a note.
 */
export function pickTarget(columns: readonly string[], given: string | undefined, notes: Issue[]): string {
  if (given !== undefined) return given;
  for (const guess of TARGET_GUESSES) {
    const hit = columns.find((c) => c.toLowerCase() === guess);
    if (hit) return hit;
  }
  if (columns.length < 2)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `the data has ${columns.length} column(s): training needs a target column and at least one feature`,
    );
  const last = columns[columns.length - 1];
  notes.push({
    path: [last],
    kind: 'default_target',
    message: `no target given and no column named ${TARGET_GUESSES.join(', ')}: the last column ${JSON.stringify(last)} is the target; pass target (--target) to choose another`,
  });
  return last;
}

/**
 * train's own options, declared once; the forest parameters come from params.ts and the schema options
 * (exclude, types, missingValues, maxCategories, keepIdColumns) from schema.ts, so all are checked before any data
 * is read.
 */
export const TRAIN_SPEC: Spec = {
  ...SCHEMA_SPEC,
  target: [c.string({ nonEmpty: true })],
  delimiter: [c.string({ nonEmpty: true })],
  testSize: [c.fraction('left')],
  classWeight: [
    c.null,
    c.oneOf('balanced', 'balanced_subsample'),
    c.record(c.number({ min: 0 }), 'an object of a weight per class label'),
  ],
  skipInvalidRows: [c.boolean],
  tune: [c.boolean],
  nThreads: [c.integer({ min: 1 })],
  onProgress: [c.function],
  shard: [SHARD_OPTION],
  streaming: [c.boolean],
  onPassProgress: [c.function],
};

/** Rows of X and y picked by `rows`. */
function takeRows(X: Matrix, y: Float64Array, rows: Uint32Array): { X: Matrix; y: Float64Array } {
  const d = X.nFeatures;
  const data = new Float64Array(rows.length * d);
  const yy = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    data.set(X.data.subarray(rows[i] * d, rows[i] * d + d), i * d);
    yy[i] = y[rows[i]];
  }
  return { X: { data, nRows: rows.length, nFeatures: d }, y: yy };
}

/** Scores of a forest's outputs against y: accuracy, log loss and ROC AUC, or R², MAE and RMSE. */
export function scoreOutputs(
  task: Task,
  out: Float64Array,
  y: ArrayLike<number>,
  nClasses: number,
): MetricSet {
  // rows without a prediction (never out of bag) are left out; when every row has one (the usual case), the
  // metrics read `out` and `y` in place: copies of millions of out-of-bag rows would double the peak memory
  const width = task === 'classification' ? nClasses : 1;
  let kept = 0;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(out[i * width])) kept++;
  let o = out.subarray(0, y.length * width);
  let yy: ArrayLike<number> = y;
  if (kept < y.length) {
    o = new Float64Array(kept * width);
    const ky = new Float64Array(kept);
    for (let i = 0, k = 0; i < y.length; i++) {
      if (Number.isNaN(out[i * width])) continue;
      for (let c = 0; c < width; c++) o[k * width + c] = out[i * width + c];
      ky[k++] = y[i];
    }
    yy = ky;
  }
  if (task === 'regression')
    return { r2: r2Score(o, yy), mae: meanAbsoluteError(o, yy), rmse: rootMeanSquaredError(o, yy) };
  let correct = 0;
  for (let k = 0; k < kept; k++) if (argmax(o, k * nClasses, nClasses) === yy[k]) correct++;
  const m: MetricSet = { accuracy: kept ? correct / kept : Number.NaN, logLoss: logLoss(o, yy, nClasses) };
  if (nClasses >= 2) m.rocAuc = rocAucFromProba(o, yy, nClasses);
  return m;
}

/** The candidates that `tune` tries: leaf sizes against overfitting rare, noisy targets, and feature fractions. */
function tuningGrid(
  task: Task,
  nRows: number,
): { minSamplesLeaf: number; maxFeatures: 'sqrt' | 'all' | number }[] {
  const leaves = [1, 3, 10, 30, 100].filter((l) => l === 1 || l * 20 <= nRows);
  const feats: ('sqrt' | 'all' | number)[] = task === 'classification' ? ['sqrt', 0.5] : ['all', 0.33];
  return leaves.flatMap((minSamplesLeaf) => feats.map((maxFeatures) => ({ minSamplesLeaf, maxFeatures })));
}

/**
 * Trains a model from a CSV or JSON Lines path, an array of row objects or a column table. The schema
 * (column types, categories, missing values) is inferred and stored, so that predictions later run the
 * same preprocessing. Out-of-bag metrics (and holdout metrics with `testSize`) are stored in the model.
 *
 * @example
 * const model = await train('fixtures/customers.csv', { target: 'churned', exclude: ['customer_id'] });
 * console.log(model.metadata.metrics.oob); // { accuracy: 0.86, logLoss: 0.33, rocAuc: 0.91 }
 */
export async function train(
  data: string | string[] | TableInput,
  options: TrainOptions = {},
): Promise<Model> {
  // Every option is checked before any data is read (the criterion once the task is known).
  const { criterion: _c, ...early } = (options ?? {}) as Record<string, unknown>;
  resolveParams(early, options.task === 'regression' ? 'regression' : 'classification', TRAIN_SPEC);
  if (options.shard && options.tune)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      'tune cannot be sharded: each shard would pick its own parameters',
    );
  // Large files, several files and Parquet train in two streaming passes (train-stream.ts). A list of files
  // (or a pattern) sharded by `shard` gives each shard its own files (k mod n = i), streamed or read.
  const source = await trainingFiles(data, options);
  const fileList = source && (isFileList(data) || source.files.length > 1) ? source.files : null;
  if (source?.stream)
    return trainStreaming(
      shardFileList(source.files, fileList ? options.shard : undefined),
      options,
      fileList,
    );
  const table = fileList
    ? await readTables(shardFileList(fileList, options.shard), (p) => readTableFile(p, options.delimiter))
    : source
      ? await readTableFile(source.files[0], options.delimiter)
      : toTable(data as TableInput);
  if (source && !fileList) checkOneColumn(source.files[0], table.columns);
  const targetNotes: Issue[] = [];
  const target = pickTarget(table.columns, options.target, targetNotes);
  const { schema, notes } = inferSchemaWithNotes(table, schemaOptionsOf(options, target));
  const enc = encodeTable(table, schema);
  // The schema has already noted the rows without a target; encoding notes them again.
  const encNotes = enc.notes.filter((n) => n.kind !== 'missing_target');
  const noteLines = [...targetNotes, ...notes, ...encNotes].map((n) => n.message);
  if (enc.issueCount > 0) {
    if (!options.skipInvalidRows)
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `${enc.issueCount} invalid value(s) in ${enc.rejectedRows} training row(s); first: ${enc.issues
          .slice(0, 5)
          .map((i) => i.message)
          .join('; ')} (skipInvalidRows leaves such rows out)`,
        { issues: enc.issues },
      );
    noteLines.push(
      `${enc.rejectedRows} row(s) with invalid values were left out (${enc.issueCount} problem(s))`,
    );
  }
  if (enc.X.nRows === 0)
    throw new MlinferError('MLI_INVALID_DATA', 'no training rows left after reading the data');
  return fitEncoded(enc.X, enc.y, schema, options, noteLines, fileList);
}

function isFileList(data: unknown): data is string[] {
  return Array.isArray(data) && data.length > 0 && data.every((d) => typeof d === 'string');
}

/** Class weights keyed by label become weights keyed by class index; an unknown label is an option error. */
export function classWeightByIndex(classWeight: unknown, classes: readonly unknown[] | null): unknown {
  if (!classWeight || typeof classWeight !== 'object' || !classes) return classWeight;
  const byIndex: Record<number, number> = {};
  for (const [label, w] of Object.entries(classWeight)) {
    const c = classes.findIndex((k) => String(k) === label);
    if (c < 0)
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `classWeight names the class ${JSON.stringify(label)}, which the target does not have (classes: ${classes.join(', ')})`,
        { issues: [{ path: ['classWeight', label], message: 'unknown class' }] },
      );
    byIndex[c] = w as number;
  }
  return byIndex;
}

interface Split {
  X: Matrix;
  y: Float64Array;
}

/** A seeded holdout split (rows keep their order within each side); no split when testSize is 0. */
function holdoutSplit(
  X: Matrix,
  y: Float64Array,
  testSize: number,
  seed: number,
): { train: Split; test: Split | null } {
  if (testSize <= 0) return { train: { X, y }, test: null };
  const n = X.nRows;
  const nTest = Math.round(n * testSize);
  if (nTest < 1 || n - nTest < 2)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `testSize ${testSize} leaves no rows to test or to train on (${n} rows)`,
    );
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed ^ 0x5eed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return {
    train: takeRows(X, y, perm.slice(nTest).sort()),
    test: takeRows(X, y, perm.slice(0, nTest).sort()),
  };
}

export type FitOnce = (
  extra: Record<string, unknown>,
  onProgress?: (d: number, t: number) => void,
) => Promise<FittedForest>;

interface Tried {
  minSamplesLeaf: number;
  maxFeatures: 'sqrt' | 'all' | number;
  score: number;
  metric: string;
}

/** Fits each candidate of the tuning grid and keeps the best by out-of-bag score (log loss, or R²). */
export async function tuneForest(
  fitOnce: FitOnce,
  task: Task,
  train: { y: ArrayLike<number> },
  nClasses: number,
  trees: number,
  onProgress: TrainOptions['onProgress'],
): Promise<{ forest: FittedForest; tried: Tried[]; candidates: number }> {
  const grid = tuningGrid(task, train.y.length);
  const tried: Tried[] = [];
  let best: FittedForest | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let g = 0; g < grid.length; g++) {
    const f = await fitOnce(grid[g], (d) => onProgress?.(g * trees + d, grid.length * trees));
    const m = scoreOutputs(task, f.oobPrediction!, train.y, nClasses);
    // lower is better: log loss, or minus R²
    const score = task === 'classification' ? m.logLoss! : -m.r2!;
    tried.push({
      ...grid[g],
      score: task === 'classification' ? m.logLoss! : m.r2!,
      metric: task === 'classification' ? 'oob log loss' : 'oob R2',
    });
    if (score < bestScore) {
      bestScore = score;
      best = f;
    }
  }
  return { forest: best!, tried, candidates: grid.length };
}

/** The schema inference options among train's options. */
export function schemaOptionsOf(options: TrainOptions, target: string): SchemaOptions {
  const { task, exclude, keepIdColumns, types, missingValues, maxCategories } = options;
  return { target, task, exclude, keepIdColumns, types, missingValues, maxCategories };
}

/** The options that go to the forest: all but train's own. */
export function forestOptionsOf(options: TrainOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!Object.hasOwn(TRAIN_SPEC, k)) out[k] = v;
  return out;
}

/**
 * Fits once, or (with `tune`) each candidate of the grid keeping the best by out-of-bag score, noting what
 * was kept; shared by the in-memory and the streaming paths.
 */
export async function fitMaybeTuned(
  fitOnce: FitOnce,
  task: Task,
  y: ArrayLike<number>,
  nClasses: number,
  options: TrainOptions,
  notes: string[],
): Promise<{ forest: FittedForest; tried?: Tried[] }> {
  if (!options.tune) return { forest: await fitOnce({}, options.onProgress) };
  if (options.bootstrap === false)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      'tune needs bootstrap: it ranks candidates by out-of-bag score',
    );
  const trees = (options.nEstimators as number | undefined) ?? 100;
  const tuned = await tuneForest(fitOnce, task, { y }, nClasses, trees, options.onProgress);
  notes.push(
    `tuned by out-of-bag score over ${tuned.candidates} candidates: kept minSamplesLeaf=${tuned.forest.params.minSamplesLeaf}, maxFeatures=${tuned.forest.params.maxFeatures}`,
  );
  return { forest: tuned.forest, tried: tuned.tried };
}

async function fitEncoded(
  Xall: Matrix,
  yall: Float64Array,
  schema: Schema,
  options: TrainOptions,
  notes: string[],
  fileList: string[] | null,
): Promise<Model> {
  const task = schema.target.task;
  const classes = schema.target.classes ?? null;
  const nClasses = classes?.length ?? 0;
  const forestOptions = forestOptionsOf(options);
  const seed = (options.seed as number | undefined) ?? 0;
  const classWeight = classWeightByIndex(options.classWeight ?? null, classes);
  const { train: trainSet, test: testSet } = holdoutSplit(Xall, yall, options.testSize ?? 0, seed);

  const fitOnce: FitOnce = (extra, onProgress) =>
    fitForest(trainSet.X, trainSet.y, {
      ...forestOptions,
      ...extra,
      classWeight: classWeight as never,
      task,
      nClasses: task === 'classification' ? nClasses : undefined,
      featureKinds: featureKinds(schema),
      categoryCounts: categoryCounts(schema),
      nThreads: options.nThreads,
      oobScore: (forestOptions.bootstrap ?? true) !== false,
      onProgress,
      shard: options.shard,
    });

  const { forest, tried } = await fitMaybeTuned(fitOnce, task, trainSet.y, nClasses, options, notes);

  const metrics: ModelMetadata['metrics'] & { tuning?: unknown } = {};
  if (forest.oobPrediction) metrics.oob = scoreOutputs(task, forest.oobPrediction, trainSet.y, nClasses);
  if (testSet) {
    const out = task === 'classification' ? forest.predictProba(testSet.X) : forest.predict(testSet.X);
    metrics.holdout = { ...scoreOutputs(task, out, testSet.y, nClasses), rows: testSet.X.nRows };
  }
  if (options.tune) metrics.tuning = tried ? { tried } : undefined;

  const dataHash = hashArrays([Xall.data, yall]);
  return modelWithCard(forest, schema, {
    trainingRows: trainSet.X.nRows,
    dataHash,
    metrics,
    notes,
    identity: [new TextEncoder().encode(dataHash + JSON.stringify(forest.params))],
    ...(options.shard
      ? { shard: shardInfo(options.shard, forest.params.nEstimators, fileList ?? undefined) }
      : {}),
    profile: profileOfTraining(forest, trainSet.X, trainSet.y),
  });
}
