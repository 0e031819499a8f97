import { c, checkOptions, optionIssue, type Spec } from '../constraints.js';
import { type Issue, MlinferError, throwIfIssues } from '../errors.js';
import { argmax } from './argmax.js';
import { binMatrix, computeBinEdges } from './binning.js';
import { createScorer } from './compiled.js';
import type { GrownTree, TrainingData, TreeConfig } from './grow-tree.js';
import { growTree } from './grow-tree.js';
import { isLeaf, nodeTarget, nodeWords, setNodeTarget } from './node-step.js';
import {
  type ForestParams,
  type ForestParamsInput,
  resolveMaxFeatures,
  resolveMaxSamples,
  resolveMinCount,
  resolveParams,
} from './params.js';
import { treeSeed } from './rng.js';
import {
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  type ForestArrays,
  type Matrix,
  type NodeStats,
  type Task,
} from './types.js';

/** What `fitForest` takes besides X and y: the task, the feature kinds, weights, and the forest parameters. */
export interface FitOptions extends ForestParamsInput {
  task: Task;
  /** Number of classes (classification); default: the largest class index in y plus one. */
  nClasses?: number;
  /** 'numeric' or 'categorical' per feature (default: all numeric). Categorical values are codes 0..k-1. */
  featureKinds?: ('numeric' | 'categorical')[] | Uint8Array;
  /** Number of codes per categorical feature (default: the largest code seen plus one). */
  categoryCounts?: number[] | Uint32Array;
  /** A weight per row (>= 0). */
  sampleWeight?: ArrayLike<number>;
  /** Worker threads for training (Node only); default: the available cores. Never changes the result. */
  nThreads?: number;
  /** Called after each tree: trees done, trees in all. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Grow only the trees k with k mod count = index (of the nEstimators), each with the seed it has in the
   * whole forest, so that the shards' trees joined in tree order are the unsharded forest (see mergeModels).
   */
  shard?: ForestShard;
}

/** One of `count` parts of a forest: the trees k with k mod count = index. */
export interface ForestShard {
  index: number;
  count: number;
}

/** The indices of the trees a shard grows, ascending; every tree without a shard. */
export function shardTreeIndices(nTrees: number, shard: ForestShard | undefined): number[] {
  const all = Array.from({ length: nTrees }, (_, k) => k);
  return shard ? all.filter((k) => k % shard.count === shard.index) : all;
}

/** The accepted form of a `shard` option (fitForest's and train's). */
export const SHARD_OPTION = c.custom('{ index, count } with integers 0 <= index < count', (v) => isShard(v));

const isShard = (v: unknown): boolean => {
  const s = v as ForestShard;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isSafeInteger(s.count) &&
    Number.isSafeInteger(s.index) &&
    s.count >= 1 &&
    s.index >= 0 &&
    s.index < s.count
  );
};

/** fitForest's own options, declared once; the forest parameters are declared in params.ts. */
export const FIT_SPEC: Spec = {
  task: { anyOf: [c.oneOf('classification', 'regression')], required: true },
  nClasses: [c.integer({ min: 1 })],
  featureKinds: [
    c.custom(
      "an array of 'numeric' or 'categorical' per feature",
      (v) => Array.isArray(v) || v instanceof Uint8Array,
    ),
  ],
  categoryCounts: [
    c.custom('an array of category counts per feature', (v) => Array.isArray(v) || v instanceof Uint32Array),
  ],
  sampleWeight: [c.custom('an array of a weight per row', (v) => isArrayLike(v))],
  nThreads: [c.integer({ min: 1 })],
  onProgress: [c.function],
  shard: [SHARD_OPTION],
};

function isArrayLike(v: unknown): boolean {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * A fitted random forest. It is immutable: the parameters it was fitted with are kept apart from what it learned.
 */
export interface FittedForest {
  readonly task: Task;
  readonly params: Readonly<ForestParams>;
  readonly nFeatures: number;
  /** Number of classes (classification) or 0 (regression). */
  readonly nClasses: number;
  /** The compiled forest: flat typed arrays that predict and that the model file stores. */
  readonly arrays: ForestArrays;
  /** Impurity-based importances, normalised to sum to 1 (scikit-learn's definition). */
  readonly featureImportances: Float64Array;
  /** Out-of-bag accuracy (classification) or R² (regression), when `oobScore` was asked for. */
  readonly oobScore: number | null;
  /** Out-of-bag class probabilities (nRows * nClasses) or predictions (nRows); NaN where a row was never out of bag. */
  readonly oobPrediction: Float64Array | null;
  /** Class index (classification) or value (regression) per row. */
  predict(X: Matrix): Float64Array;
  /** Class probabilities, nRows * nClasses row-major (classification only). */
  predictProba(X: Matrix): Float64Array;
}

/** Everything that trees are grown from, prepared once per fit. */
export interface PreparedFit {
  params: ForestParams;
  data: TrainingData;
  cfg: TreeConfig;
  seeds: number[];
  binEdges: Float64Array;
  binEdgeOffsets: Uint32Array;
}

export function kindsArray(
  kinds: FitOptions['featureKinds'],
  nFeatures: number,
  issues: Issue[],
): Uint8Array {
  const out = new Uint8Array(nFeatures);
  if (kinds === undefined) return out;
  if (kinds.length !== nFeatures) {
    issues.push({
      path: ['featureKinds'],
      message: `featureKinds must have one entry per feature (${nFeatures}), got ${kinds.length}`,
    });
    return out;
  }
  for (let f = 0; f < nFeatures; f++) {
    const k = kinds[f];
    if (k === 'categorical' || k === FEATURE_CATEGORICAL) out[f] = FEATURE_CATEGORICAL;
    else if (k === 'numeric' || k === FEATURE_NUMERIC) out[f] = FEATURE_NUMERIC;
    else
      issues.push({
        path: ['featureKinds', f],
        message: `featureKinds[${f}] must be 'numeric' or 'categorical', got ${String(k)}`,
      });
  }
  return out;
}

/** A Float64Array of nRows, in shared memory when the trees grow in worker threads. */
export function rowArray(nRows: number, sharedMemory: boolean): Float64Array {
  return sharedMemory ? new Float64Array(new SharedArrayBuffer(nRows * 8)) : new Float64Array(nRows);
}

/** The shape of X and y; throws MLI_INVALID_DATA before anything reads the values. */
function checkShape(X: Matrix, y: ArrayLike<number>): void {
  const issues: Issue[] = [];
  const { nRows, nFeatures, data } = X ?? ({} as Matrix);
  if (!(data instanceof Float64Array))
    throw new MlinferError(
      'MLI_INVALID_DATA',
      ArrayBuffer.isView(X) || Array.isArray(X)
        ? 'X must be a matrix { data: Float64Array (row-major), nRows, nFeatures }, not the array alone'
        : 'X.data must be a Float64Array',
    );
  if (!Number.isInteger(nRows) || nRows < 1)
    issues.push({ path: ['X', 'nRows'], message: `X must have at least one row, got ${nRows}` });
  if (!Number.isInteger(nFeatures) || nFeatures < 1 || nFeatures > 0xffff)
    issues.push({ path: ['X', 'nFeatures'], message: `X must have 1 to 65535 features, got ${nFeatures}` });
  if (issues.length === 0 && data.length !== nRows * nFeatures)
    issues.push({
      path: ['X', 'data'],
      message: `X.data has ${data.length} values, expected nRows * nFeatures = ${nRows * nFeatures}`,
    });
  if (!y || y.length !== nRows)
    issues.push({ path: ['y'], message: `y must have one value per row (${nRows}), got ${y?.length}` });
  throwIfIssues('MLI_INVALID_DATA', issues, 'training data');
}

/**
 * Counts given as integers must fit the data, as scikit-learn requires (rather than being capped silently).
 * Problems with options and problems with the data are kept apart: they carry different codes and exit codes.
 */
export function checkCounts(
  params: ForestParams,
  nRows: number,
  nFeatures: number,
  optionIssues: Issue[],
): void {
  const mf = params.maxFeatures;
  if (typeof mf === 'number' && Number.isInteger(mf) && mf > nFeatures)
    optionIssues.push(optionIssue(['maxFeatures'], `at most the number of features (${nFeatures})`, mf));
  const ms = params.maxSamples;
  if (typeof ms === 'number' && Number.isInteger(ms) && ms > nRows)
    optionIssues.push(optionIssue(['maxSamples'], `at most the number of rows (${nRows})`, ms));
}

/** The number of codes per categorical feature (given, or the largest code seen plus one); 0 for numeric ones. */
function categoryCountsOf(
  X: Matrix,
  featureKinds: Uint8Array,
  given: FitOptions['categoryCounts'],
  issues: Issue[],
) {
  const { nRows, nFeatures, data } = X;
  const categoryCounts = new Uint32Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    if (featureKinds[f] !== FEATURE_CATEGORICAL) continue;
    let max = -1;
    for (let r = 0; r < nRows; r++) {
      const v = data[r * nFeatures + f];
      if (Number.isNaN(v)) continue;
      if (!Number.isInteger(v) || v < 0) {
        issues.push({
          path: [r, f],
          message: `categorical feature ${f} at row ${r} must be a code >= 0, got ${v}`,
        });
        break;
      }
      if (v > max) max = v;
    }
    categoryCounts[f] = given?.[f] ?? max + 1;
    if (categoryCounts[f] > 255)
      issues.push({
        path: ['categoryCounts', f],
        message: `categorical feature ${f} has ${categoryCounts[f]} categories; at most 255 are supported`,
      });
  }
  return categoryCounts;
}

/** Copies y, checking each value for the task (at most about 20 reported); nClasses is 0 for a regression. */
function targetsOf(
  y: ArrayLike<number>,
  task: Task,
  givenClasses: number | undefined,
  yy: Float64Array,
  issues: Issue[],
  optionIssues: Issue[],
): number {
  const nRows = yy.length;
  if (task !== 'classification') {
    for (let r = 0; r < nRows; r++) {
      const v = y[r];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        issues.push({ path: ['y', r], message: `y[${r}] must be a finite number, got ${v}` });
        if (issues.length > 20) break;
        continue;
      }
      yy[r] = v;
    }
    return 0;
  }
  let max = -1;
  for (let r = 0; r < nRows; r++) {
    const v = y[r];
    if (!Number.isInteger(v) || v < 0) {
      issues.push({ path: ['y', r], message: `y[${r}] must be a class index (an integer >= 0), got ${v}` });
      if (issues.length > 20) break;
      continue;
    }
    yy[r] = v;
    if (v > max) max = v;
  }
  const nClasses = givenClasses ?? max + 1;
  if (!Number.isInteger(nClasses) || nClasses < 1 || nClasses <= max)
    optionIssues.push({
      path: ['nClasses'],
      message: `nClasses must be an integer > the largest class index ${max}`,
    });
  return nClasses;
}

/** The sample weights, checked and copied; null when none were given (or they could not be read). */
function sampleWeightsOf(
  sw: ArrayLike<number> | undefined,
  nRows: number,
  sharedMemory: boolean,
  issues: Issue[],
): Float64Array | null {
  if (sw === undefined) return null;
  if (sw.length !== nRows) {
    issues.push({
      path: ['sampleWeight'],
      message: `sampleWeight must have ${nRows} values, got ${sw.length}`,
    });
    return null;
  }
  const weights = rowArray(nRows, sharedMemory);
  let sum = 0;
  for (let r = 0; r < nRows; r++) {
    const v = sw[r];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      issues.push({
        path: ['sampleWeight', r],
        message: `sampleWeight[${r}] must be a finite number >= 0, got ${v}`,
      });
      break;
    }
    weights[r] = v;
    sum += v;
  }
  if (sum <= 0) issues.push({ path: ['sampleWeight'], message: 'sampleWeight must not be all zero' });
  return weights;
}

/** The weight of each class: 'balanced' as scikit-learn computes it, or the given map (keys checked). */
export function classWeightsOf(
  classWeight: ForestParams['classWeight'],
  yy: ArrayLike<number>,
  nClasses: number,
): Float64Array {
  const nRows = yy.length;
  const cw = new Float64Array(nClasses).fill(1);
  if (classWeight === 'balanced') {
    const counts = new Float64Array(nClasses);
    for (let r = 0; r < nRows; r++) counts[yy[r]]++;
    let present = 0;
    for (let c = 0; c < nClasses; c++) if (counts[c] > 0) present++;
    for (let c = 0; c < nClasses; c++) cw[c] = counts[c] > 0 ? nRows / (present * counts[c]) : 1;
    return cw;
  }
  const issues: Issue[] = [];
  for (const [k, v] of Object.entries(classWeight ?? {})) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0 || c >= nClasses)
      issues.push({
        path: ['classWeight', k],
        message: `classWeight has a key ${k} that is not a class index`,
      });
    else cw[c] = v;
  }
  throwIfIssues('MLI_INVALID_OPTION', issues, 'classWeight');
  return cw;
}

/** The tree growers' settings, with counts and fractions resolved against the data. */
export function treeConfig(params: ForestParams, nRows: number, nFeatures: number): TreeConfig {
  return {
    entropy: params.criterion === 'entropy' || params.criterion === 'log_loss',
    maxDepth: params.maxDepth ?? Number.POSITIVE_INFINITY,
    minSamplesSplit: resolveMinCount(params.minSamplesSplit, nRows),
    minSamplesLeaf: resolveMinCount(params.minSamplesLeaf, nRows),
    maxFeatures: resolveMaxFeatures(params.maxFeatures, nFeatures),
    bootstrap: params.bootstrap,
    maxSamples: resolveMaxSamples(params.maxSamples, nRows),
    balancedSubsample: params.classWeight === 'balanced_subsample',
    computeOob: params.oobScore,
  };
}

/** A shard must grow at least one tree of the forest. */
export function checkShard(
  params: ForestParams,
  shard: ForestShard | undefined,
  optionIssues: Issue[],
): void {
  if (shard && shard.index >= params.nEstimators)
    optionIssues.push(
      optionIssue(
        ['shard'],
        `a shard that grows a tree (index < nEstimators = ${params.nEstimators})`,
        shard,
      ),
    );
}

/** Validates the inputs and options, bins the data, and derives one seed per tree. */
export function prepareFit(
  X: Matrix,
  y: ArrayLike<number>,
  options: FitOptions,
  sharedMemory: boolean,
): PreparedFit {
  const taskIssues = checkOptions(
    options,
    { task: FIT_SPEC.task },
    { what: 'fit options', rejectUnknown: false },
  );
  throwIfIssues('MLI_INVALID_OPTION', taskIssues, 'fit options');
  const task = options.task;
  const params = resolveParams(options as unknown as Record<string, unknown>, task, FIT_SPEC);
  checkShape(X, y);
  const { nRows, nFeatures } = X;

  // Every problem is gathered before throwing; option problems go first (they carry their own exit code).
  const issues: Issue[] = [];
  const optionIssues: Issue[] = [];
  checkCounts(params, nRows, nFeatures, optionIssues);
  const featureKinds = kindsArray(options.featureKinds, nFeatures, optionIssues);
  const categoryCounts = categoryCountsOf(X, featureKinds, options.categoryCounts, issues);
  const yy = rowArray(nRows, sharedMemory);
  const nClasses = targetsOf(y, task, options.nClasses, yy, issues, optionIssues);
  let weights = sampleWeightsOf(options.sampleWeight, nRows, sharedMemory, issues);
  checkShard(params, options.shard, optionIssues);
  throwIfIssues('MLI_INVALID_OPTION', optionIssues, 'options');
  throwIfIssues('MLI_INVALID_DATA', issues, 'training data');

  // Class weights multiply the sample weights ('balanced_subsample' is applied per tree by the grower).
  const cwMode = params.classWeight;
  if (task === 'classification' && cwMode !== null && cwMode !== 'balanced_subsample') {
    const cw = classWeightsOf(cwMode, yy, nClasses);
    if (!weights) weights = rowArray(nRows, sharedMemory).fill(1);
    for (let r = 0; r < nRows; r++) weights[r] *= cw[yy[r]];
  }

  const { binEdges, binEdgeOffsets } = computeBinEdges(X, featureKinds, params.maxBins);
  const bins = binMatrix(X, featureKinds, categoryCounts, binEdges, binEdgeOffsets, sharedMemory);
  const nOutputs = task === 'classification' ? nClasses : 1;
  const data: TrainingData = {
    task,
    bins,
    nRows,
    nFeatures,
    featureKinds,
    categoryCounts,
    nOutputs,
    y: yy,
    weights,
  };
  // A tree's seed depends on its index in the whole forest only, never on the shard or the threads.
  const seeds = shardTreeIndices(params.nEstimators, options.shard).map((k) => treeSeed(params.seed, k));
  return { params, data, cfg: treeConfig(params, nRows, nFeatures), seeds, binEdges, binEdgeOffsets };
}

/** Joins grown trees (in tree order, whatever order they finished in) into one fitted forest. */
export function assembleForest(
  prep: PreparedFit,
  trees: GrownTree[],
  oob?: { oobScore: number; oobPrediction: Float64Array },
): FittedForest {
  const { data, params } = prep;
  const C = data.nOutputs;
  let totalWords = 0;
  let totalLeaves = 0;
  for (const t of trees) {
    totalWords += t.nodes.length;
    totalLeaves += t.leafValues.length / C;
  }
  const nodes = new Int32Array(totalWords);
  const leafValues = new Float64Array(totalLeaves * C);
  const treeOffsets = new Uint32Array(trees.length + 1);
  let wordBase = 0;
  let leafBase = 0;
  for (let t = 0; t < trees.length; t++) {
    const src = trees[t].nodes;
    treeOffsets[t] = wordBase;
    nodes.set(src, wordBase);
    for (let p = 0; p < src.length; p += nodeWords(src, data.categoryCounts, p))
      setNodeTarget(nodes, wordBase + p, nodeTarget(src, p) + (isLeaf(src, p) ? leafBase : wordBase));
    leafValues.set(trees[t].leafValues, leafBase * C);
    wordBase += src.length;
    leafBase += trees[t].leafValues.length / C;
  }
  treeOffsets[trees.length] = wordBase;
  const nodeStats = joinNodeStats(trees);

  // importances: each tree's normalised, then averaged and normalised again (scikit-learn)
  const imp = new Float64Array(data.nFeatures);
  for (const t of trees) {
    let s = 0;
    for (let f = 0; f < data.nFeatures; f++) s += t.importances[f];
    if (s > 0) for (let f = 0; f < data.nFeatures; f++) imp[f] += t.importances[f] / s;
  }
  let s = 0;
  for (let f = 0; f < data.nFeatures; f++) s += imp[f];
  if (s > 0) for (let f = 0; f < data.nFeatures; f++) imp[f] /= s;

  const arrays: ForestArrays = {
    task: data.task,
    nFeatures: data.nFeatures,
    nOutputs: C,
    featureKinds: data.featureKinds.slice(),
    categoryCounts: data.categoryCounts.slice(),
    binEdges: prep.binEdges,
    binEdgeOffsets: prep.binEdgeOffsets,
    treeOffsets,
    nodes,
    leafValues,
    nodeStats,
  };

  let oobScore: number | null = null;
  let oobPrediction: Float64Array | null = null;
  if (params.oobScore) ({ oobScore, oobPrediction } = oob ?? outOfBag(data, trees));

  return createFittedForest(arrays, params, imp, oobScore, oobPrediction);
}

/** The trees' node statistics end to end: nodes are numbered in pre-order over the forest (see NodeStats). */
function joinNodeStats(trees: GrownTree[]): NodeStats {
  let nNodes = 0;
  let nValues = 0;
  for (const t of trees) {
    nNodes += t.cover.length;
    nValues += t.internalValues.length;
  }
  const cover = new Float64Array(nNodes);
  const internalValues = new Float64Array(nValues);
  nNodes = 0;
  nValues = 0;
  for (const t of trees) {
    cover.set(t.cover, nNodes);
    internalValues.set(t.internalValues, nValues);
    nNodes += t.cover.length;
    nValues += t.internalValues.length;
  }
  return { cover, internalValues };
}

/**
 * Out-of-bag predictions summed tree by tree, in tree order (so the sums do not depend on thread timing):
 * streaming training folds each tree in as it arrives and drops its out-of-bag rows, which would otherwise
 * add about 0.37 x rows x (4 + 8 x outputs) bytes per tree until the forest is assembled.
 */
export class OobAccumulator {
  private readonly sum: Float64Array;
  /** Trees that left each row out: at most the tree count, so 1 or 2 bytes a row for up to 65,535 trees. */
  private readonly count: Uint8Array | Uint16Array | Uint32Array;

  constructor(
    private readonly data: TrainingData,
    nTrees: number,
  ) {
    this.sum = new Float64Array(data.nRows * data.nOutputs);
    const n = data.nRows;
    this.count =
      nTrees <= 255 ? new Uint8Array(n) : nTrees <= 65_535 ? new Uint16Array(n) : new Uint32Array(n);
  }

  add(t: Pick<GrownTree, 'oobRows' | 'oobLeaves' | 'leafValues'>): void {
    const C = this.data.nOutputs;
    const { sum, count } = this;
    const { oobRows, oobLeaves, leafValues } = t;
    for (let k = 0; k < oobRows.length; k++) {
      const r = oobRows[k];
      const at = oobLeaves[k] * C;
      count[r]++;
      for (let c = 0; c < C; c++) sum[r * C + c] += leafValues[at + c];
    }
  }

  finish(): { oobScore: number; oobPrediction: Float64Array } {
    return oobResult(this.data, this.sum, this.count);
  }
}

function outOfBag(data: TrainingData, trees: GrownTree[]): { oobScore: number; oobPrediction: Float64Array } {
  const acc = new OobAccumulator(data, trees.length);
  for (const t of trees) acc.add(t);
  return acc.finish();
}

function oobResult(
  data: TrainingData,
  sum: Float64Array,
  count: Uint8Array | Uint16Array | Uint32Array,
): { oobScore: number; oobPrediction: Float64Array } {
  const C = data.nOutputs;
  const n = data.nRows;
  let scored = 0;
  let correct = 0;
  let ssRes = 0;
  let meanY = 0;
  for (let r = 0; r < n; r++) {
    if (count[r] === 0) {
      for (let c = 0; c < C; c++) sum[r * C + c] = Number.NaN;
      continue;
    }
    for (let c = 0; c < C; c++) sum[r * C + c] /= count[r];
    scored++;
    if (data.task === 'classification') {
      if (argmax(sum, r * C, C) === data.y[r]) correct++;
    } else meanY += data.y[r];
  }
  if (data.task === 'classification')
    return { oobScore: scored ? correct / scored : Number.NaN, oobPrediction: sum };
  meanY /= scored || 1;
  let ssTot = 0;
  for (let r = 0; r < n; r++) {
    if (count[r] === 0) continue;
    ssRes += (data.y[r] - sum[r]) ** 2;
    ssTot += (data.y[r] - meanY) ** 2;
  }
  return { oobScore: ssTot > 0 ? 1 - ssRes / ssTot : Number.NaN, oobPrediction: sum };
}

/**
 * Throws MLI_SCHEMA_MISMATCH unless X has the forest's number of features per row and nRows rows of data:
 * every scoring entry (predict, predictProba, the Node scoring pool) checks X this one way.
 */
export function checkMatrix(arrays: ForestArrays, X: Matrix): void {
  if (X.nFeatures !== arrays.nFeatures || X.data.length !== X.nRows * X.nFeatures)
    throw new MlinferError(
      'MLI_SCHEMA_MISMATCH',
      `X must have ${arrays.nFeatures} features per row, got ${X.nFeatures} (data length ${X.data.length})`,
    );
}

/** Wraps compiled arrays (fitted here, or loaded from a model file) into an immutable fitted forest. */
export function createFittedForest(
  arrays: ForestArrays,
  params: ForestParams,
  featureImportances: Float64Array,
  oobScore: number | null = null,
  oobPrediction: Float64Array | null = null,
): FittedForest {
  let scorer: ReturnType<typeof createScorer> | null = null;
  const getScorer = () => {
    scorer ??= createScorer(arrays);
    return scorer;
  };
  const C = arrays.nOutputs;
  const checkX = (X: Matrix): void => checkMatrix(arrays, X);
  const forest: FittedForest = {
    task: arrays.task,
    params: Object.freeze({ ...params }),
    nFeatures: arrays.nFeatures,
    nClasses: arrays.task === 'classification' ? C : 0,
    arrays,
    featureImportances,
    oobScore,
    oobPrediction,
    predict(X) {
      checkX(X);
      // By task, not by output width: a classifier that saw one class has one output, and predicts class 0.
      if (arrays.task === 'regression') return getScorer().scoreMatrix(X);
      // labels only: the scorer may stop walking a row's trees once its class is certain (early-exit.ts)
      return Float64Array.from(getScorer().scoreLabels(X));
    },
    predictProba(X) {
      if (arrays.task !== 'classification')
        throw new MlinferError('MLI_INVALID_OPTION', 'predictProba needs a classification forest');
      checkX(X);
      return getScorer().scoreMatrix(X);
    },
  };
  return Object.freeze(forest);
}

/**
 * Trains a random forest on this thread (browsers, edge runtimes, or small data).
 *
 * @example
 * const X = { data: new Float64Array([0, 0, 1, 1]), nRows: 4, nFeatures: 1 };
 * const forest = fitForestSync(X, new Float64Array([0, 0, 1, 1]), { task: 'classification', nEstimators: 10 });
 * forest.predict(X); // Float64Array [0, 0, 1, 1]
 */
export function fitForestSync(X: Matrix, y: ArrayLike<number>, options: FitOptions): FittedForest {
  const prep = prepareFit(X, y, options, false);
  const trees: GrownTree[] = [];
  for (let i = 0; i < prep.seeds.length; i++) {
    trees.push(growTree(prep.data, prep.cfg, prep.seeds[i]));
    options.onProgress?.(i + 1, prep.seeds.length);
  }
  return assembleForest(prep, trees);
}
