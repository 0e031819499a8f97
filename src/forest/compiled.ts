import { findBin } from './binning.js';
import { isLeaf, nextNode, nodeFeature, nodeTarget } from './node-step.js';
import { createWalkLayout, fillSlots, LANES, walkLanes } from './score-lanes.js';
import {
  FEATURE_CATEGORICAL,
  FLAG_SHIFT,
  type ForestArrays,
  type Matrix,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  OFFSET_MASK,
} from './types.js';

/**
 * Rows are binned a block at a time, then each tree scores the whole block, LANES rows walking together: the
 * tree stays in L2 while the block passes through it. Most deep nodes are reached by a few rows of a block, so
 * small blocks reload them from L3 for every block: on the synthetic-150k forest, blocks of 8192 rows took
 * 0.66x the time of 2048-row blocks and 0.5x that of 512-row blocks.
 */
const BLOCK_ROWS = 8192;
/** At most this many bytes of slots per block (wide rows get fewer rows). */
const BLOCK_BYTES = 4 << 20;

/**
 * Scores rows with the compiled forest. Values are averaged over trees: class probabilities for
 * classification (scikit-learn's definition), the prediction for regression.
 */
export interface ForestScorer {
  readonly arrays: ForestArrays;
  readonly nTrees: number;
  /**
   * Averages the trees' outputs for one row read from `data` at `offset` (nFeatures values) into `out` at
   * `outOffset` (nOutputs values). Allocates nothing.
   */
  scoreRow(data: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void;
  /** Averaged outputs for every row of X: nRows * nOutputs values, row-major. */
  scoreMatrix(X: Matrix, out?: Float64Array): Float64Array;
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
    else b = findBin(binEdges, binEdgeOffsets[f], binEdgeOffsets[f + 1], v);
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
  const { nFeatures, nOutputs: C, categoryCounts } = arrays;
  const layout = createWalkLayout(arrays);
  const { roots, f32, f64, float64 } = layout;
  const nTrees = roots.length;
  const scale = nTrees > 0 ? 1 / nTrees : 0;
  const S = layout.stride;
  const blockRows = Math.max(LANES, Math.min(BLOCK_ROWS, Math.floor(BLOCK_BYTES / (2 * S))));
  const slots = new Uint16Array(blockRows * S);
  const lanes = new Int32Array(2 * LANES);

  /** Adds the values of the leaf at word offset p to out[o ..]. */
  const addLeaf = (p: number, out: Float64Array, o: number): void => {
    if (float64) for (let c = 0, v = (p + 3) >>> 1; c < C; c++) out[o + c] += f64[v + c];
    else for (let c = 0; c < C; c++) out[o + c] += f32[p + 2 + c];
  };

  /** Adds the trees' values for the row whose slots are at `base` to out[o ..] (in tree order). */
  const accumulateRow = (base: number, out: Float64Array, o: number): void => {
    // One row walks LANES trees at once (lanes past the last tree repeat it and are not added).
    for (let t = 0; t < nTrees; t += LANES) {
      for (let k = 0; k < LANES; k++) {
        lanes[k] = roots[Math.min(t + k, nTrees - 1)];
        lanes[LANES + k] = base;
      }
      walkLanes(layout, categoryCounts, slots, lanes);
      for (let k = 0, n = Math.min(LANES, nTrees - t); k < n; k++) addLeaf(lanes[k], out, o);
    }
  };

  const scoreRow = (data: ArrayLike<number>, offset: number, out: Float64Array, outOffset: number): void => {
    binRow(arrays, data, offset, slots, 0);
    fillSlots(layout, nFeatures, slots, 0);
    for (let c = 0; c < C; c++) out[outOffset + c] = 0;
    accumulateRow(0, out, outOffset);
    for (let c = 0; c < C; c++) out[outOffset + c] *= scale;
  };

  const scoreMatrix = (X: Matrix, out?: Float64Array): Float64Array => {
    const { data, nRows } = X;
    const result = out ?? new Float64Array(nRows * C);
    result.fill(0, 0, nRows * C);
    for (let start = 0; start < nRows; start += blockRows) {
      const m = Math.min(nRows, start + blockRows) - start;
      for (let r = 0; r < m; r++) {
        binRow(arrays, data, (start + r) * nFeatures, slots, r * S);
        fillSlots(layout, nFeatures, slots, r * S);
      }
      if (m < LANES) {
        // too few rows to fill the lanes: each row walks several trees at once instead
        for (let r = 0; r < m; r++) accumulateRow(r * S, result, (start + r) * C);
        continue;
      }
      for (let t = 0; t < nTrees; t++) {
        const root = roots[t];
        for (let i = 0; i < m; i += LANES) {
          // lanes past the block's last row repeat it and are not added
          for (let k = 0; k < LANES; k++) {
            lanes[k] = root;
            lanes[LANES + k] = Math.min(i + k, m - 1) * S;
          }
          walkLanes(layout, categoryCounts, slots, lanes);
          for (let k = 0, n = Math.min(LANES, m - i); k < n; k++)
            addLeaf(lanes[k], result, (start + i + k) * C);
        }
      }
    }
    for (let i = 0; i < nRows * C; i++) result[i] *= scale;
    return result;
  };

  return { arrays, nTrees, scoreRow, scoreMatrix };
}
