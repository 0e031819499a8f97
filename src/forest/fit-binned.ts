// Node entry of training on data binned elsewhere (streaming training, issue 16): the caller gives the
// bins, their edges and y, already in shared memory, and no matrix of doubles ever exists.
import { optionIssue } from '../constraints.js';
import { type Issue, MlinferError, throwIfIssues } from '../errors.js';
import {
  assembleForest,
  checkCounts,
  checkShard,
  classWeightsOf,
  FIT_SPEC,
  type FitOptions,
  type FittedForest,
  kindsArray,
  OobAccumulator,
  type PreparedFit,
  rowArray,
  shardTreeIndices,
  treeConfig,
} from './fit.js';
import { type GrownTree, growTree, type Targets, type TrainingData } from './grow-tree.js';
import { resolveParams } from './params.js';
import { treeSeed } from './rng.js';
import { defaultThreadCount, growTreesOnThreads, trainingWorker } from './threads.js';
import { FEATURE_CATEGORICAL, MAX_TRAIN_BINS, TRAIN_MISSING_BIN } from './types.js';

/** Training data binned by the caller: what `prepareFit` makes from a matrix, made without one. */
export interface BinnedData {
  /** Row-major bins, feature f of row r at r * nFeatures + f; TRAIN_MISSING_BIN (255) for missing. */
  bins: Uint8Array;
  nRows: number;
  nFeatures: number;
  /** Upper edges per numeric feature, concatenated (as `computeBinEdges` gives them). */
  binEdges: Float64Array;
  binEdgeOffsets: Uint32Array;
  /** Codes per categorical feature (0 for numeric ones). */
  categoryCounts: Uint32Array;
  /** Class index or value per row (Float64Array for regression); in a SharedArrayBuffer for worker threads. */
  y: Targets;
}

/** The shape of binned data, checked before any tree grows (the caller built it, but a slip must not crash a worker). */
function checkBinned(d: BinnedData, featureKinds: Uint8Array, maxBins: number, issues: Issue[]): void {
  if (d.bins.length < d.nRows * d.nFeatures)
    issues.push({
      path: ['bins'],
      message: `bins hold ${d.bins.length} cells, expected ${d.nRows * d.nFeatures}`,
    });
  if (d.y.length !== d.nRows)
    issues.push({ path: ['y'], message: `y has ${d.y.length} values, expected ${d.nRows}` });
  if (d.binEdgeOffsets.length !== d.nFeatures + 1)
    issues.push({ path: ['binEdgeOffsets'], message: `binEdgeOffsets must have nFeatures + 1 entries` });
  for (let f = 0; f < d.nFeatures && issues.length === 0; f++) {
    const edges = d.binEdgeOffsets[f + 1] - d.binEdgeOffsets[f];
    if (featureKinds[f] === FEATURE_CATEGORICAL ? d.categoryCounts[f] > TRAIN_MISSING_BIN : edges >= maxBins)
      issues.push({
        path: ['binEdges', f],
        message: `feature ${f} has more bins than maxBins ${maxBins} allows`,
      });
  }
}

/** `prepareFit` for binned data: the same parameters, weights and seeds, with the caller's bins. */
export function prepareBinnedFit(d: BinnedData, options: FitOptions, sharedMemory: boolean): PreparedFit {
  const task = options.task;
  const params = resolveParams(options as unknown as Record<string, unknown>, task, FIT_SPEC);
  const optionIssues: Issue[] = [];
  const issues: Issue[] = [];
  checkCounts(params, d.nRows, d.nFeatures, optionIssues);
  const featureKinds = kindsArray(options.featureKinds, d.nFeatures, optionIssues);
  const nClasses = task === 'classification' ? options.nClasses : 0;
  if (task === 'classification' && !(Number.isInteger(nClasses) && (nClasses as number) >= 1))
    optionIssues.push(optionIssue(['nClasses'], 'an integer >= 1 (binned data needs it given)', nClasses));
  checkShard(params, options.shard, optionIssues);
  if (params.maxBins > MAX_TRAIN_BINS)
    optionIssues.push(optionIssue(['maxBins'], `at most ${MAX_TRAIN_BINS}`, params.maxBins));
  throwIfIssues('MLI_INVALID_OPTION', optionIssues, 'options');
  checkBinned(d, featureKinds, params.maxBins, issues);
  if (task === 'regression' && !(d.y instanceof Float64Array))
    issues.push({
      path: ['y'],
      message: 'y must be a Float64Array for regression (class indices only are smaller)',
    });
  throwIfIssues('MLI_INVALID_DATA', issues, 'binned training data');

  let weights: Float64Array | null = null;
  const cwMode = params.classWeight;
  if (task === 'classification' && cwMode !== null && cwMode !== 'balanced_subsample') {
    const cw = classWeightsOf(cwMode, d.y, nClasses as number);
    weights = rowArray(d.nRows, sharedMemory);
    for (let r = 0; r < d.nRows; r++) weights[r] = cw[d.y[r]];
  }
  const data: TrainingData = {
    task,
    bins: d.bins.length === d.nRows * d.nFeatures ? d.bins : d.bins.subarray(0, d.nRows * d.nFeatures),
    nRows: d.nRows,
    nFeatures: d.nFeatures,
    featureKinds,
    categoryCounts: d.categoryCounts,
    nOutputs: task === 'classification' ? (nClasses as number) : 1,
    y: d.y,
    weights,
  };
  // A tree's seed depends on its index in the whole forest only (as in prepareFit), never on the shard.
  const seeds = shardTreeIndices(params.nEstimators, options.shard).map((k) => treeSeed(params.seed, k));
  const cfg = treeConfig(params, d.nRows, d.nFeatures);
  return { params, data, cfg, seeds, binEdges: d.binEdges, binEdgeOffsets: d.binEdgeOffsets };
}

/**
 * Folds trees' out-of-bag rows in tree order as trees arrive (in any order), then frees them: memory stays
 * at the forest plus one accumulator, however many trees there are.
 */
class InOrderOob {
  private next = 0;
  private readonly waiting = new Map<number, GrownTree>();
  readonly acc: OobAccumulator | null;

  constructor(prep: PreparedFit) {
    this.acc = prep.params.oobScore ? new OobAccumulator(prep.data, prep.seeds.length) : null;
  }

  arrived(index: number, tree: GrownTree): void {
    if (!this.acc) return;
    this.waiting.set(index, tree);
    for (let t = this.waiting.get(this.next); t !== undefined; t = this.waiting.get(this.next)) {
      this.acc.add(t);
      t.oobRows = new Uint32Array(0);
      t.oobLeaves = new Uint16Array(0);
      this.waiting.delete(this.next++);
    }
  }
}

/**
 * Trains a random forest on pre-binned data (see `BinnedData`), on worker threads when given several; the
 * forest is the one `fitForest` grows from a matrix that bins to the same bins and edges.
 *
 * @example
 * const forest = await fitBinnedForest(binned, { task: 'classification', nClasses: 2, nEstimators: 100 });
 */
export async function fitBinnedForest(d: BinnedData, options: FitOptions): Promise<FittedForest> {
  const nThreads = options.nThreads ?? defaultThreadCount();
  const shared = d.bins.buffer instanceof SharedArrayBuffer && d.y.buffer instanceof SharedArrayBuffer;
  const prep = prepareBinnedFit(d, options, shared);
  const oob = new InOrderOob(prep);
  const trees: GrownTree[] = new Array(prep.seeds.length);
  const entry = nThreads > 1 && prep.seeds.length > 1 && shared ? trainingWorker() : null;
  if (entry) {
    const grown = await growTreesOnThreads(entry, prep.data, prep.cfg, prep.seeds, nThreads, (done, i, t) => {
      oob.arrived(i, t);
      options.onProgress?.(done, prep.seeds.length);
    });
    for (let i = 0; i < grown.length; i++) trees[i] = grown[i];
  } else {
    for (let i = 0; i < prep.seeds.length; i++) {
      trees[i] = growTree(prep.data, prep.cfg, prep.seeds[i]);
      oob.arrived(i, trees[i]);
      options.onProgress?.(i + 1, prep.seeds.length);
    }
  }
  if (trees.some((t) => t === undefined)) throw new MlinferError('MLI_WORKER_FAILED', 'a tree is missing');
  return assembleForest(prep, trees, oob.acc?.finish());
}
