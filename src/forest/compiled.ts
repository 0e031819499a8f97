import { finishAdditive } from './additive.js';
import { argmax } from './argmax.js';
import { type ActiveRows, createExitBounds, EXIT_EVERY, finishRows, settleRows } from './early-exit.js';
import { isLeaf, nextNode, nodeFeature, nodeTarget } from './node-step.js';
import {
  copyLane0,
  createWalkLayout,
  fillSlots,
  LANES,
  moveLane,
  slowSteps,
  type WalkLayout,
  walkLanes,
} from './score-lanes.js';
import { instantiateWalk } from './score-wasm.js';
import { createRowWalk, rowWalkBytes } from './score-wasm-row.js';
import { FEATURE_CATEGORICAL, type ForestArrays, type Matrix, MISSING_BIN } from './types.js';

/**
 * Rows are binned a block at a time, then each tree scores the whole block, LANES rows walking together: the
 * tree stays in L2 while the block passes through it. Most deep nodes are reached by a few rows of a block, so
 * small blocks reload them from L3 for every block: on the synthetic-150k forest (JavaScript lanes), blocks of
 * 8192 rows took 0.66x the time of 2048-row blocks and 0.5x that of 512-row blocks; with the WebAssembly
 * block, 16384 rows took 0.87x the time of 8192 (32768: no better, 4096: 1.2x).
 */
const BLOCK_ROWS = 16384;
/** At most this many bytes of slots per block (wide rows get fewer rows). */
const BLOCK_BYTES = 4 << 20;

/**
 * Scores rows with the compiled forest. Values are averaged over trees: class probabilities for
 * classification (scikit-learn's definition), the prediction for regression. An additive ensemble
 * (`arrays.additive`) sums its trees instead, adds the base scores and applies its link (see AdditiveScoring).
 */
export interface ForestScorer {
  readonly arrays: ForestArrays;
  readonly nTrees: number;
  /**
   * Averages the trees' outputs for one row read from `data` at `offset` (nFeatures values) into `out` at
   * `outOffset` (nOutputs values). Allocates nothing.
   */
  scoreRow(data: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void;
  /**
   * Averaged outputs for every row of X: nRows * nOutputs values, row-major. With `binCounts`, also counts
   * every row's bin per feature into binCounts[f][bin], the bins the trees read: a numeric feature's bin index
   * (0 .. its number of edges), a categorical feature's code, and missing values (and unseen codes) at index
   * binCountsMissing(arrays, f). Drift reports count new data on the training profile's bins this way, for free:
   * the rows are binned for the walk anyway.
   */
  scoreMatrix(X: Matrix, out?: Float64Array, binCounts?: Float64Array[]): Float64Array;
  /**
   * The predicted class of every row of X: argmax (ties to the lowest class) of the rows scoreMatrix would
   * return, always the same labels. An averaged classification forest stops walking a row's trees once the
   * remaining ones cannot change its class (early-exit.ts); other forests walk every tree. `binCounts` as in
   * scoreMatrix.
   */
  scoreLabels(X: Matrix, out?: Int32Array, binCounts?: Float64Array[]): Int32Array;
}

/**
 * findBin (binning.ts) without a branch on the data: the first b with v <= edges[lo + b], or hi - lo. The
 * search halves `length` whatever the comparison says and moves `first` by arithmetic, so the CPU does not
 * mispredict about half of the ~8 steps per feature, as the branching search does (on 20 features it was
 * about a sixth of the time of a whole 100-tree prediction).
 */
export function binOf(edges: Float64Array, lo: number, hi: number, v: number): number {
  let first = lo;
  let length = hi - lo;
  while (length > 0) {
    const half = length >>> 1;
    first += (length - half) & (0 - Number(edges[first + half] < v));
    length = half;
  }
  return first - lo;
}

/** Where scoreMatrix's `binCounts` count feature f's missing values: just past its value bins. */
export function binCountsMissing(arrays: ForestArrays, f: number): number {
  return arrays.featureKinds[f] === FEATURE_CATEGORICAL
    ? arrays.categoryCounts[f]
    : arrays.binEdgeOffsets[f + 1] - arrays.binEdgeOffsets[f] + 1;
}

/**
 * Bins one row of raw values into `out` (Uint16 per feature, `stride` apart), as the forest's node thresholds
 * expect.
 */
export function binRow(
  arrays: ForestArrays,
  data: ArrayLike<number>,
  offset: number,
  out: Uint16Array,
  outOffset: number,
  stride = 1,
): void {
  const { nFeatures, featureKinds, binEdges, binEdgeOffsets, categoryCounts } = arrays;
  for (let f = 0; f < nFeatures; f++) {
    const v = data[offset + f];
    let b: number;
    if (Number.isNaN(v)) b = MISSING_BIN;
    else if (featureKinds[f] === FEATURE_CATEGORICAL)
      b = Number.isInteger(v) && v >= 0 && v < categoryCounts[f] ? v : MISSING_BIN;
    else b = binOf(binEdges, binEdgeOffsets[f], binEdgeOffsets[f + 1], v);
    out[outOffset + f * stride] = b;
  }
}

/** The leaf index that a binned row reaches in the tree starting at word `root`. */
export function walkTree(
  nodes: Int32Array,
  categoryCounts: Uint32Array,
  root: number,
  rowBins: Uint16Array,
  base: number,
): number {
  let p = root;
  while (!isLeaf(nodes, p)) p = nextNode(nodes, categoryCounts, p, rowBins[base + nodeFeature(nodes, p)]);
  return nodeTarget(nodes, p);
}

/** Lanes walking over a walk layout, in JavaScript or WebAssembly. */
interface Walker {
  readonly layout: WalkLayout;
  /** Slots of a block of rows, LANES rows per group (see fillSlots). */
  readonly slots: Uint16Array;
  /** Where each lane starts (a root) and ends (a leaf), in the layout's offsets. */
  readonly lanes: Int32Array;
  /** Rows per block (a multiple of LANES). */
  readonly blockRows: number;
  /** Walks the lanes to their leaves over the group of rows starting at slots[g]. */
  run(g: number): void;
  /**
   * Where a forest without slow nodes can, in WebAssembly: adds tree `root`'s leaf values for the first `rows`
   * rows of the block (all its groups) to `blockOut` (nOutputs per row), as the lanes loop would.
   */
  readonly scoreBlock: ((root: number, rows: number) => void) | null;
  readonly blockOut: Float64Array | null;
  /**
   * Where a forest without slow nodes can, in WebAssembly: walks every tree for the row in lane 0 of the group
   * at slots[g] (no copies of the row in the other lanes needed), storing tree t's leaf at rowLeaves[t].
   */
  readonly runRow: ((g: number) => void) | null;
  readonly rowLeaves: Int32Array;
}

function blockRowsFor(stride: number): number {
  const rows = Math.max(LANES, Math.min(BLOCK_ROWS, Math.floor(BLOCK_BYTES / (2 * stride))));
  return Math.ceil(rows / LANES) * LANES;
}

function createJsWalker(arrays: ForestArrays): Walker {
  const layout = createWalkLayout(arrays) as WalkLayout;
  const slots = new Uint16Array(blockRowsFor(layout.stride) * layout.stride);
  const lanes = new Int32Array(LANES);
  const { categoryCounts } = arrays;
  const run = (g: number) => walkLanes(layout, categoryCounts, slots, lanes, g);
  return {
    layout,
    slots,
    lanes,
    blockRows: blockRowsFor(layout.stride),
    run,
    scoreBlock: null,
    blockOut: null,
    runRow: null,
    rowLeaves: new Int32Array(0),
  };
}

/**
 * The walk layout, the block's slots and the lanes in one WebAssembly memory, walked by the emitted function
 * (score-wasm.ts). Null where WebAssembly is unavailable or the layout does not fit it.
 */
function createWasmWalker(arrays: ForestArrays): Walker | null {
  if (typeof WebAssembly !== 'object') return null;
  const C = arrays.nOutputs;
  let memory: WebAssembly.Memory | null = null;
  let slotsAt = 0;
  let blockRows = 0;
  const rowBytes = rowWalkBytes(arrays.treeOffsets.length - 1);
  // memory: the layout, then a block's slots, its outputs (float64), the lanes and the single-row walk's arrays
  const layout = createWalkLayout(arrays, true, (bytes, stride) => {
    slotsAt = Math.ceil(bytes / 8) * 8;
    blockRows = blockRowsFor(stride);
    const total =
      slotsAt + Math.ceil((2 * blockRows * stride) / 8) * 8 + 8 * blockRows * C + 4 * LANES + rowBytes;
    try {
      memory = new WebAssembly.Memory({ initial: Math.ceil(total / 65536) });
      return memory.buffer;
    } catch {
      // past WebAssembly's 4 GB, or refused: the JavaScript walker builds its own layout
      return null;
    }
  });
  if (layout === null || memory === null) return null;
  const wasm = instantiateWalk(memory, LANES, layout.float64);
  if (wasm === null) return null;
  const buffer = (memory as WebAssembly.Memory).buffer;
  const slots = new Uint16Array(buffer, slotsAt, blockRows * layout.stride);
  const outAt = slotsAt + Math.ceil(slots.byteLength / 8) * 8;
  const blockOut = new Float64Array(buffer, outAt, blockRows * C);
  const lanesAt = outAt + blockOut.byteLength;
  const lanes = new Int32Array(buffer, lanesAt, LANES);
  const rowWalk = layout.hasSlowNodes ? null : createRowWalk(memory, lanesAt + 4 * LANES, layout);
  const { categoryCounts } = arrays;
  const { walk, block } = wasm;
  const run = (g: number) => {
    do walk(slotsAt + 2 * g, lanesAt);
    while (layout.hasSlowNodes && slowSteps(layout, categoryCounts, slots, lanes, g));
  };
  const groupBytes = 2 * LANES * layout.stride;
  const scoreBlock = layout.hasSlowNodes
    ? null
    : (root: number, rows: number) =>
        block(root, slotsAt, Math.ceil(rows / LANES), groupBytes, outAt, C, rows);
  const runRow = rowWalk === null ? null : (g: number) => rowWalk.run(slotsAt + 2 * g);
  const rowLeaves = rowWalk?.leaves ?? new Int32Array(0);
  return { layout, slots, lanes, blockRows, run, scoreBlock, blockOut, runRow, rowLeaves };
}

/**
 * Makes a scorer over a compiled forest. It keeps its own scratch buffers, so one scorer must not be used
 * from two places at once (each worker thread makes its own).
 *
 * @example
 * const scorer = createScorer(forest.arrays);
 * const out = new Float64Array(scorer.arrays.nOutputs);
 * scorer.scoreRow([5.1, 3.5, 1.4], 0, out, 0);
 */
export function createScorer(arrays: ForestArrays): ForestScorer {
  const { nFeatures, nOutputs: C } = arrays;
  const walker = createWasmWalker(arrays) ?? createJsWalker(arrays);
  const { layout, slots, lanes, run, scoreBlock, blockOut, runRow, rowLeaves } = walker;
  const { roots, f32, f64, float64 } = layout;
  // lanes hold word offsets (JavaScript) or byte offsets (WebAssembly)
  const unitShift = layout.unit === 4 ? 2 : 0;
  const nTrees = roots.length;
  const scale = nTrees > 0 ? 1 / nTrees : 0;
  const { additive } = arrays;
  // an additive sum is not scaled at all (x * 1 is exact, but the averaged path must stay as it was)
  const additiveScale = additive?.aggregate === 'sum' ? 1 : scale;
  const S = layout.stride;
  /** Slots of a group of LANES rows. */
  const G = S * LANES;
  const blockRows = walker.blockRows;

  /** Adds the values of the leaf at word offset p to out[o ..]. */
  const addLeaf = (lane: number, out: Float64Array, o: number): void => {
    const p = lane >>> unitShift;
    if (float64) for (let c = 0, v = (p + 3) >>> 1; c < C; c++) out[o + c] += f64[v + c];
    else for (let c = 0; c < C; c++) out[o + c] += f32[p + 2 + c];
  };

  /** Bins row `r` of data into lane k of the group at g. */
  const binLane = (data: ArrayLike<number>, offset: number, g: number, k: number): void => {
    binRow(arrays, data, offset, slots, g + k, LANES);
    fillSlots(layout, nFeatures, slots, g, k);
  };

  const missingAt = Array.from({ length: nFeatures }, (_, f) => binCountsMissing(arrays, f));
  /** Counts the bins of the row in lane k of the group at g (see scoreMatrix's binCounts). */
  const countLane = (counts: Float64Array[], g: number, k: number): void => {
    for (let f = 0; f < nFeatures; f++) {
      const b = slots[g + f * LANES + k];
      counts[f][b === MISSING_BIN ? missingAt[f] : b]++;
    }
  };

  /**
   * Adds the trees' values for the row in the group at g (in all its lanes) to out[o ..], in tree order.
   */
  const accumulateRow = (g: number, out: Float64Array, o: number): void => {
    // One row walks several trees at once; the leaves are added in tree order all the same.
    if (runRow !== null) {
      runRow(g);
      for (let t = 0; t < nTrees; t++) addLeaf(rowLeaves[t], out, o);
      return;
    }
    // lanes past the last tree repeat it and are not added
    for (let t = 0; t < nTrees; t += LANES) {
      for (let k = 0; k < LANES; k++) lanes[k] = roots[Math.min(t + k, nTrees - 1)];
      run(g);
      for (let k = 0, n = Math.min(LANES, nTrees - t); k < n; k++) addLeaf(lanes[k], out, o);
    }
  };

  const scoreRow = (data: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void => {
    binLane(data, offset, 0, 0);
    if (runRow === null) copyLane0(layout, slots, 0);
    for (let c = 0; c < C; c++) out[outOffset + c] = 0;
    accumulateRow(0, out, outOffset);
    if (additive !== undefined) finishAdditive(additive, additiveScale, out, outOffset, C);
    else for (let c = 0; c < C; c++) out[outOffset + c] *= scale;
  };

  /** Bins rows start .. start + m (at least LANES) into the block; lanes past its last row repeat it. */
  const binBlock = (data: ArrayLike<number>, start: number, m: number, binCounts?: Float64Array[]): void => {
    for (let r = 0, end = Math.ceil(m / LANES) * LANES; r < end; r++) {
      const g = Math.floor(r / LANES) * G;
      binLane(data, (start + Math.min(r, m - 1)) * nFeatures, g, r & (LANES - 1));
      if (binCounts && r < m) countLane(binCounts, g, r & (LANES - 1));
    }
  };

  const scoreMatrix = (X: Matrix, out?: Float64Array, binCounts?: Float64Array[]): Float64Array => {
    const { data, nRows } = X;
    const result = out ?? new Float64Array(nRows * C);
    result.fill(0, 0, nRows * C);
    for (let start = 0; start < nRows; start += blockRows) {
      const m = Math.min(nRows, start + blockRows) - start;
      if (m < LANES) {
        // too few rows to fill the lanes: each row walks several trees at once instead
        for (let r = 0; r < m; r++) {
          binLane(data, (start + r) * nFeatures, 0, 0);
          if (binCounts) countLane(binCounts, 0, 0);
          if (runRow === null) copyLane0(layout, slots, 0);
          accumulateRow(0, result, (start + r) * C);
        }
        continue;
      }
      binBlock(data, start, m, binCounts);
      if (scoreBlock !== null && blockOut !== null) {
        // the whole block in WebAssembly, tree after tree, into blockOut (zeros + the same sums)
        blockOut.fill(0, 0, m * C);
        for (let t = 0; t < nTrees; t++) scoreBlock(roots[t], m);
        result.set(blockOut.subarray(0, m * C), start * C);
        continue;
      }
      for (let t = 0; t < nTrees; t++) {
        const root = roots[t];
        for (let i = 0; i < m; i += LANES) {
          lanes.fill(root);
          run((i / LANES) * G);
          for (let k = 0, n = Math.min(LANES, m - i); k < n; k++)
            addLeaf(lanes[k], result, (start + i + k) * C);
        }
      }
    }
    if (additive !== undefined)
      for (let r = 0; r < nRows; r++) finishAdditive(additive, additiveScale, result, r * C, C);
    else for (let i = 0; i < nRows * C; i++) result[i] *= scale;
    return result;
  };

  // built on first use: the exit bounds read every leaf, and most scorers (the predictor's) never need labels
  let labels: ForestScorer['scoreLabels'] | null = null;
  const scoreLabels: ForestScorer['scoreLabels'] = (X, out, binCounts) => {
    labels ??= createLabelScoring(arrays, walker, scoreMatrix, binBlock);
    return labels(X, out, binCounts);
  };
  return { arrays, nTrees, scoreRow, scoreMatrix, scoreLabels };
}

/**
 * scoreLabels for createScorer: with early exit where createExitBounds allows it, else scoreMatrix and argmax.
 * A block of rows is binned once; tree after tree walks the rows still active (the first n positions of the
 * block, in WebAssembly where the walker can, as scoreMatrix does); every EXIT_EVERY trees the decided rows
 * leave and the others are packed to the front, so the walk stays the same branch-free block walk.
 */
function createLabelScoring(
  arrays: ForestArrays,
  walker: Walker,
  scoreMatrix: ForestScorer['scoreMatrix'],
  binBlock: (data: ArrayLike<number>, start: number, m: number, binCounts?: Float64Array[]) => void,
): ForestScorer['scoreLabels'] {
  const { nFeatures, nOutputs: C } = arrays;
  const bounds = createExitBounds(arrays);
  const { layout, slots, lanes, run, scoreBlock, blockRows } = walker;
  const { roots } = layout;
  const nTrees = roots.length;
  const labelsOf = (X: Matrix, out: Int32Array, binCounts?: Float64Array[]): Int32Array => {
    const scores = scoreMatrix(X, undefined, binCounts);
    for (let r = 0; r < X.nRows; r++) out[r] = argmax(scores, r * C, C);
    return out;
  };
  if (bounds === null) return (X, out, binCounts) => labelsOf(X, out ?? new Int32Array(X.nRows), binCounts);

  const scale = 1 / nTrees;
  const sums = walker.blockOut ?? new Float64Array(blockRows * C);
  const unitShift = layout.unit === 4 ? 2 : 0;
  const { f32, f64, float64 } = layout;
  const G = layout.stride * LANES;
  const active: ActiveRows = {
    rowOf: new Int32Array(blockRows),
    sums,
    moveRow: (from, to) => moveLane(layout, slots, from, to),
  };
  const scaled = new Float64Array(C);
  /** Adds tree `root`'s leaf values for the first n positions to their sums, in JavaScript (see scoreMatrix). */
  const addTree = (root: number, n: number): void => {
    for (let i = 0; i < n; i += LANES) {
      lanes.fill(root);
      run((i / LANES) * G);
      for (let k = 0, end = Math.min(LANES, n - i); k < end; k++) {
        const p = lanes[k] >>> unitShift;
        const o = (i + k) * C;
        if (float64) for (let c = 0, v = (p + 3) >>> 1; c < C; c++) sums[o + c] += f64[v + c];
        else for (let c = 0; c < C; c++) sums[o + c] += f32[p + 2 + c];
      }
    }
  };

  return (X, out, binCounts) => {
    const { data, nRows } = X;
    const labels = out ?? new Int32Array(nRows);
    for (let start = 0; start < nRows; start += blockRows) {
      const m = Math.min(nRows, start + blockRows) - start;
      if (m < LANES) {
        // too few rows for the block walk: scoreMatrix's path for them, then argmax
        const rows = { data: data.subarray(start * nFeatures, (start + m) * nFeatures), nRows: m, nFeatures };
        labelsOf(rows, labels.subarray(start, start + m), binCounts);
        continue;
      }
      binBlock(data, start, m, binCounts);
      sums.fill(0, 0, m * C);
      for (let i = 0; i < m; i++) active.rowOf[i] = i;
      let n = m;
      for (let t = 0; t < nTrees && n > 0; t++) {
        if (scoreBlock !== null) scoreBlock(roots[t], n);
        else addTree(roots[t], n);
        if ((t + 1) % EXIT_EVERY === 0 && t + 1 < nTrees && bounds.mayDecide[t + 1] === 1)
          n = settleRows(bounds, t + 1, active, n, labels, start);
      }
      finishRows(active, n, C, scale, scaled, labels, start);
    }
    return labels;
  };
}
