import type { TrainingData, TreeConfig } from './grow-tree.js';
import type { Rng } from './rng.js';
import type { SplitSearch } from './split-search.js';

/**
 * Bootstrap counts per row: Uint8 while every count fits, else Uint32 (a row drawn 256 times or more, only
 * likely with very few rows). Zero marks a row out of the bag.
 */
export type RowCounts = Uint8Array | Uint32Array;

/**
 * Row weights of a sample. Without sample or class weights a row's weight is its bootstrap count, kept as
 * the integer it is (1 byte a row instead of 8): sums of integers read as doubles are the same doubles.
 */
export type RowWeights = Float64Array | RowCounts;

/** Class indices of a sample, in the smallest array that holds the class count. */
export type ClassIndices = Uint8Array | Uint16Array | Uint32Array;

/**
 * The rows of one tree's sample (those with a positive weight), with their weights and targets kept alongside:
 * a node is a run start..end, and splitting it partitions the run, so that histogram building reads only the
 * bins at random.
 */
export interface NodeRows {
  isClf: boolean;
  /** Row indices into the training data. */
  idx: Uint32Array;
  w: RowWeights;
  /** Class index per row (classification; empty otherwise). */
  yc: ClassIndices;
  /** Target per row (regression; empty otherwise). */
  y: Float64Array;
}

/** The tree's bootstrap counts: `draws` rows drawn with replacement (ones without bootstrap). */
export function bootstrapCounts(n: number, bootstrap: boolean, draws: number, rng: Rng): RowCounts {
  const small = new Uint8Array(n);
  if (!bootstrap) return small.fill(1);
  let i = 0;
  for (; i < draws; i++) {
    const r = rng.int(n);
    if (small[r] === 255) {
      // the 256th draw of one row: go on in 32 bits (counts never exceed draws <= n < 2^32)
      const wide = Uint32Array.from(small);
      wide[r]++;
      for (i++; i < draws; i++) wide[rng.int(n)]++;
      return wide;
    }
    small[r]++;
  }
  return small;
}

/** An array for class indices 0..C-1. */
function classIndexArray(C: number, length: number): ClassIndices {
  if (C <= 256) return new Uint8Array(length);
  return C <= 65_536 ? new Uint16Array(length) : new Uint32Array(length);
}

/**
 * `balanced_subsample` factors per class (total / (classes present x class weight) of the draw), or null
 * when the draw is not reweighted.
 */
function subsampleFactors(d: TrainingData, cfg: TreeConfig, counts: RowCounts): Float64Array | null {
  if (d.task !== 'classification' || !cfg.balancedSubsample) return null;
  const C = d.nOutputs;
  const { nRows: n, y } = d;
  const cnt = new Float64Array(C);
  let total = 0;
  let present = 0;
  for (let r = 0; r < n; r++) {
    cnt[y[r]] += counts[r];
    total += counts[r];
  }
  for (let c = 0; c < C; c++) if (cnt[c] > 0) present++;
  const factors = new Float64Array(C);
  for (let c = 0; c < C; c++) factors[c] = total / (present * cnt[c]);
  return factors;
}

/**
 * Draws the tree's sample: bootstrap counts (or ones) times the caller's weights, with `balanced_subsample`
 * class weights computed on the draw. Returns the rows that got a positive weight, and the counts (a row is
 * in the bag when its count is positive, whatever its weight).
 *
 * Per row of the data only the counts are held (1 byte); per row of the sample, its index, class and, without
 * weights, its count as weight: about 6 bytes, where doubles throughout took 16 plus 9 a row of the data.
 */
export function sampleRows(
  d: TrainingData,
  cfg: TreeConfig,
  rng: Rng,
): { rows: NodeRows; counts: RowCounts } {
  const { nRows: n, y } = d;
  const isClf = d.task === 'classification';
  const counts = bootstrapCounts(n, cfg.bootstrap, cfg.maxSamples, rng);
  const factors = subsampleFactors(d, cfg, counts);
  const dw = d.weights;
  // A row's weight, in the order of operations the per-row doubles always had: count x factor x weight.
  const weightOf = (r: number): number => {
    let v = counts[r];
    if (factors !== null && v > 0) v *= factors[y[r]];
    return dw === null ? v : v * dw[r];
  };
  const weighted = factors !== null || dw !== null;
  let nIn = 0;
  if (weighted) {
    for (let r = 0; r < n; r++) if (weightOf(r) > 0) nIn++;
  } else for (let r = 0; r < n; r++) if (counts[r] > 0) nIn++;
  const w: RowWeights = weighted
    ? new Float64Array(nIn)
    : counts instanceof Uint8Array
      ? new Uint8Array(nIn)
      : new Uint32Array(nIn);
  const rows: NodeRows = {
    isClf,
    idx: new Uint32Array(nIn),
    w,
    yc: classIndexArray(isClf ? d.nOutputs : 1, isClf ? nIn : 0),
    y: new Float64Array(isClf ? 0 : nIn),
  };
  for (let r = 0, k = 0; r < n; r++) {
    if (counts[r] === 0) continue;
    const wr = weighted ? weightOf(r) : counts[r];
    if (wr <= 0) continue;
    rows.idx[k] = r;
    w[k] = wr;
    if (isClf) rows.yc[k] = y[r];
    else rows.y[k] = y[r];
    k++;
  }
  return { rows, counts };
}

/**
 * Reorders the run start..end so that the rows the best split of `search` sends left come first, and returns
 * where the right ones start.
 */
export function partitionRows(rows: NodeRows, start: number, end: number, search: SplitSearch): number {
  const { isClf, idx, w, yc, y } = rows;
  let i = start;
  let j = end - 1;
  while (i <= j) {
    const r = idx[i];
    if (search.goesLeft(r)) i++;
    else {
      idx[i] = idx[j];
      idx[j] = r;
      const tw = w[i];
      w[i] = w[j];
      w[j] = tw;
      if (isClf) {
        const ty = yc[i];
        yc[i] = yc[j];
        yc[j] = ty;
      } else {
        const ty = y[i];
        y[i] = y[j];
        y[j] = ty;
      }
      j--;
    }
  }
  return i;
}
