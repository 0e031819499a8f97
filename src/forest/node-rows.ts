import type { TrainingData, TreeConfig } from './grow-tree.js';
import type { Rng } from './rng.js';
import type { SplitSearch } from './split-search.js';

/**
 * The rows of one tree's sample (those with a positive weight), with their weights and targets kept alongside:
 * a node is a run start..end, and splitting it partitions the run, so that histogram building reads only the
 * bins at random.
 */
export interface NodeRows {
  isClf: boolean;
  /** Row indices into the training data. */
  idx: Uint32Array;
  w: Float64Array;
  /** Class index per row (classification; empty otherwise). */
  yc: Int32Array;
  /** Target per row (regression; empty otherwise). */
  y: Float64Array;
}

/**
 * Draws the tree's sample: bootstrap counts (or ones) times the caller's weights, with `balanced_subsample`
 * class weights computed on the draw. Returns the rows that got a positive weight and which rows are in the bag.
 */
export function sampleRows(
  d: TrainingData,
  cfg: TreeConfig,
  rng: Rng,
): { rows: NodeRows; inBag: Uint8Array } {
  const { nRows: n, y } = d;
  const isClf = d.task === 'classification';
  const C = isClf ? d.nOutputs : 1;
  const w = new Float64Array(n);
  if (cfg.bootstrap) for (let i = 0; i < cfg.maxSamples; i++) w[rng.int(n)] += 1;
  else w.fill(1);
  const inBag = new Uint8Array(n);
  for (let r = 0; r < n; r++) inBag[r] = w[r] > 0 ? 1 : 0;
  if (isClf && cfg.balancedSubsample) {
    const cnt = new Float64Array(C);
    let total = 0;
    let present = 0;
    for (let r = 0; r < n; r++) {
      cnt[y[r]] += w[r];
      total += w[r];
    }
    for (let c = 0; c < C; c++) if (cnt[c] > 0) present++;
    for (let r = 0; r < n; r++) if (w[r] > 0) w[r] *= total / (present * cnt[y[r]]);
  }
  if (d.weights) for (let r = 0; r < n; r++) w[r] *= d.weights[r];
  let nIn = 0;
  for (let r = 0; r < n; r++) if (w[r] > 0) nIn++;
  const rows: NodeRows = {
    isClf,
    idx: new Uint32Array(nIn),
    w: new Float64Array(nIn),
    yc: new Int32Array(isClf ? nIn : 0),
    y: new Float64Array(isClf ? 0 : nIn),
  };
  for (let r = 0, k = 0; r < n; r++) {
    if (w[r] <= 0) continue;
    rows.idx[k] = r;
    rows.w[k] = w[r];
    if (isClf) rows.yc[k] = y[r];
    else rows.y[k] = y[r];
    k++;
  }
  return { rows, inBag };
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
