/**
 * Streaming training (issue 16): files of any size train in two passes, in memory of about the binned data.
 * Pass one (src/data/stream-schema.ts) infers the schema as the in-memory path would and sketches each
 * numeric feature; the bin edges come from the sketches (exact when a feature has at most maxBins distinct
 * values, and for fewer rows than the sketch's capacity). Pass two encodes each row with the same encoder
 * as prediction and bins it at once into shared Uint8 columns, then the engine trains on them
 * (`fitBinnedForest`). No row objects and no matrix of doubles are held.
 *
 * Holdout (`testSize`): a row with a target goes to the test side when a hash of (seed, its index among
 * rows with a target) falls below testSize, so the split is fixed by the seed and the data order, and about
 * (not exactly) testSize of the rows. Test rows are binned too and scored through their bins (a bin's upper
 * edge stands for its values: the forest compares bins only, so the scores are those of the raw values).
 */

import { stat } from 'node:fs/promises';
import { describeValue, IssueList } from '../data/cells.js';
import { createCsvRowEncoder, createTargetEncoder, INVALID_TARGET } from '../data/encode.js';
import type { FileFormat } from '../data/file-format.js';
import { inferSchemaFromSource, resolveSchemaOptions, type Schema } from '../data/schema.js';
import { rankReader } from '../data/sketch.js';
import {
  fileStamps,
  formatOfFiles,
  type RowBatch,
  readRowBatches,
  rowLocation,
  StreamColumns,
} from '../data/stream-rows.js';
import { type StreamSummary, summarizeStream } from '../data/stream-schema.js';
import { type Issue, MlinferError } from '../errors.js';
import { binRowInto, edgesFromRanks, edgesFromSorted } from '../forest/binning.js';
import type { FittedForest } from '../forest/fit.js';
import { fitBinnedForest } from '../forest/fit-binned.js';
import type { Targets } from '../forest/grow-tree.js';
import { resolveParams } from '../forest/params.js';
import { FEATURE_CATEGORICAL, TRAIN_MISSING_BIN } from '../forest/types.js';
import { expandInputs } from '../node/expand-inputs.js';
import { AsFloat64, hashArrays } from './hash.js';
import { type MetricSet, type Model, type ModelMetadata, modelWithCard } from './model.js';
import { computeProfile, type TrainingProfile, valueBins } from './profile.js';
import { categoryCounts, featureKinds } from './schema-forest.js';
import { shardInfo } from './shard.js';
import {
  checkOneColumn,
  classWeightByIndex,
  type FitOnce,
  fitMaybeTuned,
  forestOptionsOf,
  pickTarget,
  schemaOptionsOf,
  scoreOutputs,
  TRAIN_SPEC,
  type TrainOptions,
} from './train.js';

/** Files at least this large train by streaming unless `streaming: false` is given (see TrainOptions.streaming). */
export const STREAMING_MIN_BYTES = 64 * 1024 * 1024;

/** Bin edges per feature (schema order) from pass one's summaries. */
function binEdgesOf(schema: Schema, summary: StreamSummary, maxBins: number) {
  const perFeature = schema.features.map((f) => {
    if (f.type === 'categorical') return new Float64Array(0);
    const num = summary.numeric.get(f.name);
    if (!num || num.count === 0) return new Float64Array(0);
    if (num.distinct !== null) return edgesFromSorted(Float64Array.from(num.distinct).sort(), maxBins);
    return edgesFromRanks(num.count, maxBins, rankReader(num.sketch));
  });
  const binEdgeOffsets = new Uint32Array(perFeature.length + 1);
  perFeature.forEach((e, f) => {
    binEdgeOffsets[f + 1] = binEdgeOffsets[f] + e.length;
  });
  const binEdges = new Float64Array(binEdgeOffsets[perFeature.length]);
  for (let f = 0; f < perFeature.length; f++) binEdges.set(perFeature[f], binEdgeOffsets[f]);
  return { binEdges, binEdgeOffsets };
}

/** A 32-bit mix of (seed, i): which rows the holdout takes. */
function holdoutHash(seed: number, i: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed ^ 0x5eed, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The binned rows of one side (train or test), allocated once pass one has counted them. */
interface Side {
  bins: Uint8Array;
  y: Targets;
  rows: number;
}

/** A side's arrays; class indices in 1 byte a row (2 past 256 classes), regression targets as doubles. */
function side(rows: number, nFeatures: number, shared: boolean, nClasses: number): Side {
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const bins = new Uint8Array(buffer(rows * nFeatures));
  const y =
    nClasses === 0
      ? new Float64Array(buffer(rows * 8))
      : nClasses <= 256
        ? new Uint8Array(buffer(rows))
        : nClasses <= 65_536
          ? new Uint16Array(buffer(rows * 2))
          : new Float64Array(buffer(rows * 8));
  return { bins, y, rows: 0 };
}

interface Binned {
  train: Side;
  test: Side | null;
  rejected: number;
  issueCount: number;
  notes: Issue[];
}

interface Split {
  testSize: number;
  seed: number;
  nTrain: number;
  nTest: number;
}

/** Pass two: every row encoded and binned straight into its side (see the module comment). */
async function passTwo(
  batches: AsyncIterable<RowBatch>,
  format: FileFormat,
  columns: StreamColumns,
  schema: Schema,
  edges: { binEdges: Float64Array; binEdgeOffsets: Uint32Array },
  split: Split,
  options: TrainOptions,
): Promise<Binned> {
  const nF = schema.features.length;
  const nClasses = schema.target.task === 'classification' ? (schema.target.classes?.length ?? 0) : 0;
  const train = side(split.nTrain, nF, true, nClasses);
  const test = split.nTest > 0 ? side(split.nTest, nF, false, nClasses) : null;
  const kinds = featureKinds(schema);
  const counts = categoryCounts(schema);
  const encoder = createCsvRowEncoder(schema, columns.names);
  const encodeTarget = createTargetEncoder(schema);
  const tCol = columns.names.indexOf(schema.target.name);
  const values = new Float64Array(nF);
  const issues = new IssueList(1000);
  const rowIssues: Issue[] = [];
  let index = 0;
  let rejected = 0;
  for await (const batch of batches) {
    const before = issues.count;
    for (let i = 0; i < batch.rows.length; i++) {
      const cells = batch.rows[i];
      const tv = cells[tCol];
      const t = encodeTarget(tv);
      if (Number.isNaN(t)) continue;
      const isTest = test !== null && holdoutHash(split.seed, index) < split.testSize;
      index++;
      const row = batch.position(i);
      let ok = t !== INVALID_TARGET;
      if (!ok)
        issues.push({
          path: [batch.file, row, schema.target.name],
          kind: 'invalid_target',
          message: `${rowLocation(format, batch.file, row)}: the target ${JSON.stringify(schema.target.name)} is ${describeValue(tv)}, which pass one did not see (did the file change?)`,
        });
      rowIssues.length = 0;
      ok = encoder.encode(cells, values, 0, rowIssues, row) && ok;
      for (const is of rowIssues)
        issues.push({
          ...is,
          path: [batch.file, ...is.path],
          message: is.message.replace(/^row \d+/, rowLocation(format, batch.file, row)),
        });
      if (!ok) {
        rejected++;
        continue;
      }
      const s = isTest ? test : train;
      binRowInto(values, kinds, counts, edges.binEdges, edges.binEdgeOffsets, s.bins, s.rows * nF);
      s.y[s.rows++] = t;
    }
    if (issues.count > before && !options.skipInvalidRows)
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `${issues.count} invalid value(s) in ${rejected} training row(s), in ${batch.file} (reading stopped there); first: ${issues.items
          .slice(0, 5)
          .map((x) => x.message)
          .join('; ')} (skipInvalidRows leaves such rows out)`,
        { issues: issues.items },
      );
    options.onPassProgress?.(2, batch.done, batch.total);
  }
  const notes = encoder.notes.filter((n) => n.kind === 'unknown_category');
  return { train, test, rejected, issueCount: issues.count, notes };
}

/** The holdout's size, counted before pass two so that both sides are allocated once. */
function splitOf(rowsWithTarget: number, testSize: number, seed: number): Split {
  let nTest = 0;
  if (testSize > 0) for (let i = 0; i < rowsWithTarget; i++) if (holdoutHash(seed, i) < testSize) nTest++;
  const nTrain = rowsWithTarget - nTest;
  if (testSize > 0 && (nTest < 1 || nTrain < 2))
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `testSize ${testSize} leaves no rows to test or to train on (${rowsWithTarget} rows)`,
    );
  return { testSize, seed, nTrain, nTest };
}

/** Representative values of binned rows (a bin's upper edge; past the last edge, above it), for scoring. */
function unbin(
  s: Side,
  from: number,
  to: number,
  kinds: Uint8Array,
  edges: { binEdges: Float64Array; binEdgeOffsets: Uint32Array },
): Float64Array {
  const nF = kinds.length;
  const out = new Float64Array((to - from) * nF);
  for (let r = from; r < to; r++)
    for (let f = 0; f < nF; f++) {
      const b = s.bins[r * nF + f];
      const lo = edges.binEdgeOffsets[f];
      const n = edges.binEdgeOffsets[f + 1] - lo;
      let v: number;
      if (b === TRAIN_MISSING_BIN) v = Number.NaN;
      else if (kinds[f] === FEATURE_CATEGORICAL) v = b;
      else if (b < n) v = edges.binEdges[lo + b];
      else v = n === 0 ? 0 : edges.binEdges[lo + n - 1] + Math.abs(edges.binEdges[lo + n - 1]) + 1;
      out[(r - from) * nF + f] = v;
    }
  return out;
}

/** A model's outputs (probabilities, or values) for binned rows, 65,536 rows at a time. */
function scoreBinned(
  forest: FittedForest,
  s: Side,
  kinds: Uint8Array,
  edges: { binEdges: Float64Array; binEdgeOffsets: Uint32Array },
  width: number,
): Float64Array {
  const out = new Float64Array(s.rows * width);
  const step = 65_536;
  for (let r = 0; r < s.rows; r += step) {
    const to = Math.min(s.rows, r + step);
    const X = { data: unbin(s, r, to, kinds, edges), nRows: to - r, nFeatures: kinds.length };
    out.set(forest.task === 'classification' ? forest.predictProba(X) : forest.predict(X), r * width);
  }
  return out;
}

/**
 * The training profile (profile.ts, issue 15) from the bins: a training bin is the profile's value bin (255,
 * missing, is counted last), so the counts are those `profileOfTraining` makes from the values.
 */
function profileOfBinned(
  forest: FittedForest,
  s: Side,
  kinds: Uint8Array,
  edges: { binEdges: Float64Array; binEdgeOffsets: Uint32Array },
): TrainingProfile {
  const arrays = forest.arrays;
  const y = s.y.subarray(0, s.rows);
  const oob = forest.oobPrediction;
  const outputs = oob ?? scoreBinned(forest, s, kinds, edges, arrays.nOutputs);
  const empty = { data: new Float64Array(0), nRows: 0, nFeatures: arrays.nFeatures };
  const profile = computeProfile(arrays, empty, y, outputs, oob ? 'oob' : 'training');
  const nF = kinds.length;
  for (let f = 0; f < nF; f++) {
    const c = profile.features[f];
    const missing = valueBins(arrays, f);
    for (let r = 0, at = f; r < s.rows; r++, at += nF) {
      const b = s.bins[at];
      c[b === TRAIN_MISSING_BIN || b >= missing ? missing : b]++;
    }
  }
  return { ...profile, rows: s.rows };
}

/** Holdout metrics over the binned test rows, scored 65,536 rows at a time. */
function holdoutMetrics(
  forest: FittedForest,
  test: Side,
  kinds: Uint8Array,
  edges: { binEdges: Float64Array; binEdgeOffsets: Uint32Array },
  nClasses: number,
): MetricSet & { rows: number } {
  const out = scoreBinned(forest, test, kinds, edges, forest.task === 'classification' ? nClasses : 1);
  return { ...scoreOutputs(forest.task, out, test.y.subarray(0, test.rows), nClasses), rows: test.rows };
}

/** Pass one with progress, target choice and the schema; then the bin edges. */
async function schemaPass(
  files: string[],
  format: FileFormat,
  columns: StreamColumns,
  options: TrainOptions,
) {
  const o = resolveSchemaOptions(schemaOptionsOf(options, options.target ?? '?'));
  const targetNotes: Issue[] = [];
  const read = () => readRowBatches(files, format, columns, options.delimiter);
  async function* withProgress(): AsyncGenerator<RowBatch> {
    for await (const b of read()) {
      yield b;
      options.onPassProgress?.(1, b.done, b.total);
    }
  }
  let firstChoice = true;
  const summary = await summarizeStream(withProgress(), columns, {
    format,
    chooseTarget: (names) => {
      if (format === 'csv') checkOneColumn(files[0], names);
      const t = pickTarget(names, options.target, firstChoice ? targetNotes : []);
      firstChoice = false;
      return t;
    },
    o,
    maxBins: (options.maxBins as number | undefined) ?? 255,
    reread: read,
  });
  const target = pickTarget(columns.names, options.target, []);
  const { schema, notes } = inferSchemaFromSource(summary.source, schemaOptionsOf(options, target));
  const edges = binEdgesOf(schema, summary, (options.maxBins as number | undefined) ?? 255);
  return { summary, schema, notes: [...targetNotes, ...notes, ...summary.notes], edges };
}

/**
 * Trains from files in two streaming passes (see the module comment); `train()` calls it for large
 * files, several files, Parquet, or `streaming: true`.
 *
 * @example
 * const model = await trainStreaming(['data/part-0.csv', 'data/part-1.csv'], { target: 'label', testSize: 0.1 });
 */
export async function trainStreaming(
  files: string[],
  options: TrainOptions = {},
  fileList: string[] | null = null,
): Promise<Model> {
  const { criterion: _c, ...early } = (options ?? {}) as Record<string, unknown>;
  resolveParams(early, options.task === 'regression' ? 'regression' : 'classification', TRAIN_SPEC);
  const format = formatOfFiles(files);
  const stamps = await fileStamps(files);
  const columns = new StreamColumns();
  const { summary, schema, notes, edges } = await schemaPass(files, format, columns, options);
  const task = schema.target.task;
  const classes = schema.target.classes ?? null;
  const nClasses = classes?.length ?? 0;
  const seed = (options.seed as number | undefined) ?? 0;
  const split = splitOf(summary.rowsWithTarget, options.testSize ?? 0, seed);
  const binned = await passTwo(
    readRowBatches(files, format, columns, options.delimiter),
    format,
    columns,
    schema,
    edges,
    split,
    options,
  );
  if ((await fileStamps(files)).join() !== stamps.join())
    throw new MlinferError(
      'MLI_IO',
      `the training files changed while training read them: ${files.join(', ')}`,
    );
  const noteLines = [...notes, ...binned.notes].map((n) => n.message);
  if (binned.rejected > 0)
    noteLines.push(
      `${binned.rejected} row(s) with invalid values were left out (${binned.issueCount} problem(s))`,
    );
  const { train: tr, test } = binned;
  if (tr.rows === 0)
    throw new MlinferError('MLI_INVALID_DATA', 'no training rows left after reading the data');
  noteLines.push(streamingNote(files, summary, schema));

  const kinds = featureKinds(schema);
  const y = tr.y.subarray(0, tr.rows);
  const data = {
    bins: tr.bins,
    nRows: tr.rows,
    nFeatures: kinds.length,
    ...edges,
    categoryCounts: categoryCounts(schema),
    y,
  };
  const forestOptions = forestOptionsOf(options);
  const classWeight = classWeightByIndex(options.classWeight ?? null, classes);
  const fitOnce: FitOnce = (extra, onProgress) =>
    fitBinnedForest(data, {
      ...forestOptions,
      ...extra,
      classWeight: classWeight as never,
      task,
      nClasses: task === 'classification' ? nClasses : undefined,
      featureKinds: kinds,
      nThreads: options.nThreads,
      oobScore: (forestOptions.bootstrap ?? true) !== false,
      onProgress,
      shard: options.shard,
    });
  const { forest, tried } = await fitMaybeTuned(fitOnce, task, y, nClasses, options, noteLines);

  const metrics: ModelMetadata['metrics'] & { tuning?: unknown } = {};
  if (forest.oobPrediction) metrics.oob = scoreOutputs(task, forest.oobPrediction, y, nClasses);
  if (test) metrics.holdout = holdoutMetrics(forest, test, kinds, edges, nClasses);
  if (options.tune) metrics.tuning = tried ? { tried } : undefined;
  // y hashes as the doubles it held before class indices took 1 byte: the same data, the same hash
  const dataHash = hashArrays([tr.bins.subarray(0, tr.rows * kinds.length), new AsFloat64(y)]);
  return modelWithCard(forest, schema, {
    trainingRows: tr.rows,
    dataHash,
    metrics,
    notes: noteLines,
    profile: profileOfBinned(forest, tr, kinds, edges),
    identity: [new TextEncoder().encode(dataHash + JSON.stringify(forest.params))],
    ...(options.shard
      ? { shard: shardInfo(options.shard, forest.params.nEstimators, fileList ?? undefined) }
      : {}),
  });
}

/** The model's note on how it was trained: passes, files, and the sketches' stated bound. */
function streamingNote(files: string[], summary: StreamSummary, schema: Schema): string {
  let worst = 0;
  for (const f of schema.features) {
    const num = summary.numeric.get(f.name);
    if (f.type !== 'categorical' && num && num.distinct === null && num.count > 0)
      worst = Math.max(worst, num.sketch.maxRankError() / num.count);
  }
  const bins =
    worst === 0
      ? 'bin edges exact'
      : `bin edges from quantile sketches, rank error at most ${(worst * 100).toFixed(3)}% of the rows`;
  return `trained by streaming: two passes over ${files.length} file(s), ${summary.rowCount} rows; ${bins}`;
}

/**
 * Where `train()` reads from: `data` as files (a path, a glob such as `data/part-*.csv`, or a list of them),
 * and whether they stream (see TrainOptions.streaming); null for a table in memory, which never streams.
 */
export async function trainingFiles(
  data: unknown,
  options: TrainOptions,
): Promise<{ files: string[]; stream: boolean } | null> {
  const paths =
    typeof data === 'string'
      ? [data]
      : Array.isArray(data) && data.length > 0 && data.every((d) => typeof d === 'string')
        ? (data as string[])
        : null;
  if (paths === null) {
    if (options.streaming === true)
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        'streaming trains from files: pass a path, a glob or a list of paths',
      );
    return null;
  }
  const files = await expandInputs(paths);
  if (files.length === 0) throw new MlinferError('MLI_NOT_FOUND', `no file matches ${paths.join(', ')}`);
  const parquet = formatOfFiles(files) === 'parquet';
  if (options.streaming === false) {
    if (parquet)
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        'streaming false reads CSV or JSON Lines files into memory; Parquet trains by streaming',
      );
    return { files, stream: false };
  }
  if (options.streaming === true || parquet || files.length > 1) return { files, stream: true };
  let size = 0;
  try {
    size = (await stat(files[0])).size;
  } catch {
    // the in-memory reader names the missing file
  }
  return { files, stream: size >= STREAMING_MIN_BYTES };
}
