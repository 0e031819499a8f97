/**
 * Exact early exit for label-only scoring of an averaged classification forest: a row stops walking trees
 * once no remaining tree can change its predicted class, so its label is the full walk's label by
 * construction (same class, same tie-breaking), not an approximation.
 *
 * The full walk sums each class's leaf values in tree order, S_c = fl(..fl(fl(0 + v_c^1) + v_c^2).. + v_c^T),
 * scales the sums by s = 1 / T (rounded) and takes the argmax, ties to the lowest class (argmax.ts). A block
 * of rows walks trees in that same order, so after t trees a row's partial sums S_c^t are exactly the full
 * walk's. Every remaining tree k adds to class c a value in [lo_c^k, hi_c^k] (the smallest and largest value
 * of class c over the tree's leaves), so with L_c(t) and H_c(t) the sums of lo_c^k and hi_c^k over k >= t:
 *   S_w^T - S_c^T >= S_w^t + L_w(t) - S_c^t - H_c(t) - (rounding)
 * Rounding, with u = 2^-53 and M the sum over trees of each tree's largest |leaf value| (a bound on every
 * partial sum, and on L and H): each remaining addition errs by at most u M per class (2 (T - t) u M for the
 * pair), L and H were summed in floating point (T u M each), and computing the test itself errs by at most
 * 8 u M. So if the computed S_w^t + L_w(t) - (S_c^t + H_c(t)) exceeds E = (4T + 12) u M, then
 * S_w^T - S_c^T > 4 u M, and after scaling fl(S_w^T s) - fl(S_c^T s) > 4 u M s - 2 u M s > 0 (each product
 * errs by at most u M s): class w's probability is strictly the largest, whatever the class order, and the
 * argmax picks w. The slack used is twice E plus 2^-1000 (products that would be subnormal), which costs
 * nothing measurable: about 1e-11 of a probability on 100 trees, against leads of whole trees.
 *
 * Rows that are not decided walk every tree and get the full walk's arithmetic (sum, scale, argmax), so their
 * labels are the full walk's too. Additive ensembles (base scores, links) and regression never take this
 * path: their outputs are not an average of per-tree class values (see createExitBounds).
 */
import { argmax } from './argmax.js';
import { nodeWords } from './node-step.js';
import type { ForestArrays } from './types.js';
import { FLAG_SHIFT, NODE_LEAF, OFFSET_MASK } from './types.js';

/**
 * Rows are checked every this many trees: a check is a few operations per class (and one row move per row
 * that leaves), against 8 trees of about 20 dependent loads each. On the synthetic-150k forest, checking
 * every 4 trees was no faster and every 16 slower (bench/RESULTS.md).
 */
export const EXIT_EVERY = 8;

/** What the check needs, per forest: the remaining trees' bounds after every t trees, and the slack. */
export interface ExitBounds {
  readonly nTrees: number;
  readonly nOutputs: number;
  /** (nTrees + 1) x nOutputs: low[t * C + c] = L_c(t), the sum of lo_c^k over trees k >= t. */
  readonly low: Float64Array;
  /** (nTrees + 1) x nOutputs: high[t * C + c] = H_c(t), the sum of hi_c^k over trees k >= t. */
  readonly high: Float64Array;
  /** What a lead must exceed to be certain after rounding (see the file's comment). */
  readonly slack: number;
  /**
   * 1 where some row may be decided after t trees: where the largest lead t trees can build (the sum of each
   * tree's largest value minus its smallest, over all classes) exceeds the smallest that the remaining trees
   * need. The checks before (about half the trees of a forest with one-hot leaves) would all fail.
   */
  readonly mayDecide: Uint8Array;
}

/**
 * The bounds of an averaged classification forest, or null where early exit is not valid or not useful:
 * regression, additive ensembles, fewer than two classes or no trees, or a leaf value that is not finite.
 *
 * @example
 * const bounds = createExitBounds(forest.arrays); // null for a regression forest
 */
export function createExitBounds(arrays: ForestArrays): ExitBounds | null {
  const { nodes, categoryCounts, treeOffsets, leafValues, nOutputs: C } = arrays;
  const T = treeOffsets.length - 1;
  if (arrays.task !== 'classification' || arrays.additive !== undefined || C < 2 || T < 1) return null;
  const low = new Float64Array((T + 1) * C);
  const high = new Float64Array((T + 1) * C);
  const lo = new Float64Array(C);
  const hi = new Float64Array(C);
  // per tree: its largest value minus its smallest, over all classes
  const spread = new Float64Array(T);
  let M = 0;
  for (let k = T - 1; k >= 0; k--) {
    lo.fill(Number.POSITIVE_INFINITY);
    hi.fill(Number.NEGATIVE_INFINITY);
    let biggest = 0;
    for (let p = treeOffsets[k]; p < treeOffsets[k + 1]; p += nodeWords(nodes, categoryCounts, p)) {
      if (((nodes[p + 1] >>> FLAG_SHIFT) & NODE_LEAF) === 0) continue;
      const at = (nodes[p + 1] & OFFSET_MASK) * C;
      for (let c = 0; c < C; c++) {
        const v = leafValues[at + c];
        if (!Number.isFinite(v)) return null;
        if (v < lo[c]) lo[c] = v;
        if (v > hi[c]) hi[c] = v;
        if (Math.abs(v) > biggest) biggest = Math.abs(v);
      }
    }
    M += biggest;
    let top = Number.NEGATIVE_INFINITY;
    let bottom = Number.POSITIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      top = Math.max(top, hi[c]);
      bottom = Math.min(bottom, lo[c]);
    }
    spread[k] = top - bottom;
    for (let c = 0; c < C; c++) {
      low[k * C + c] = low[(k + 1) * C + c] + lo[c];
      high[k * C + c] = high[(k + 1) * C + c] + hi[c];
    }
  }
  // M itself was summed in floating point: a relative 1e-9 covers its rounding for any number of trees
  const bound = M * (1 + 1e-9);
  const slack = 2 * (4 * T + 12) * 2 ** -53 * bound + 2 ** -1000;
  if (!Number.isFinite(slack)) return null;
  // After t trees a lead is at most `lead` (plus rounding), and the remaining trees need at least
  // min_c H_c(t) - max_w L_w(t) (w = c allowed: an underestimate, so no possible exit is skipped). Skipping a
  // check never changes a label, it only keeps a row walking; the 2 * slack covers these sums' rounding.
  const mayDecide = new Uint8Array(T + 1);
  let lead = 0;
  for (let t = 0; t <= T; t++) {
    let needed = Number.POSITIVE_INFINITY;
    let most = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      needed = Math.min(needed, high[t * C + c]);
      most = Math.max(most, low[t * C + c]);
    }
    mayDecide[t] = lead * (1 + 1e-9) + 2 * slack > needed - most ? 1 : 0;
    if (t < T) lead += spread[t];
  }
  return { nTrees: T, nOutputs: C, low, high, slack, mayDecide };
}

/**
 * The class that the partial sums at sums[o ..] (after t trees) already decide, or -1: the leading class w
 * when, for every other class c, S_w + L_w(t) - (S_c + H_c(t)) exceeds the slack.
 *
 * @example
 * const w = decidedClass(bounds, 96, blockSums, row * C); // -1 while the remaining 4 trees could still matter
 */
export function decidedClass(bounds: ExitBounds, t: number, sums: Float64Array, o: number): number {
  const { nOutputs: C, low, high, slack } = bounds;
  const w = argmax(sums, o, C);
  const least = sums[o + w] + low[t * C + w];
  for (let c = 0; c < C; c++) {
    if (c === w) continue;
    if (!(least - (sums[o + c] + high[t * C + c]) > slack)) return -1;
  }
  return w;
}

/** The rows of a block that are still walking trees: the first `n` positions, compacted. */
export interface ActiveRows {
  /** The block row (0 .. block size) at each position. */
  readonly rowOf: Int32Array;
  /** The partial sums of the row at each position, C per position. */
  readonly sums: Float64Array;
  /** Moves the row at position `from` to position `to` (its slots: the walk reads positions). */
  moveRow(from: number, to: number): void;
}

/**
 * Settles the first `n` active rows after t trees: a decided row writes its class to labels[at + its block
 * row] and leaves, and the last active row takes its place (one move per row that leaves; the order of the
 * rows does not matter to the walk). Returns the number of rows still active, packed at the front.
 *
 * @example
 * n = settleRows(bounds, t, active, n, labels, start);
 */
export function settleRows(
  bounds: ExitBounds,
  t: number,
  active: ActiveRows,
  n: number,
  labels: Int32Array,
  at: number,
): number {
  const C = bounds.nOutputs;
  const { rowOf, sums } = active;
  let i = 0;
  while (i < n) {
    const w = decidedClass(bounds, t, sums, i * C);
    if (w < 0) {
      i++;
      continue;
    }
    labels[at + rowOf[i]] = w;
    n--;
    if (i < n) {
      // the last row moves here and is checked next
      active.moveRow(n, i);
      rowOf[i] = rowOf[n];
      sums.copyWithin(i * C, n * C, n * C + C);
    }
  }
  return n;
}

/**
 * Labels the rows still active after every tree, as the full walk does: each sum times `scale`, then argmax.
 * `scaled` is scratch space of C values.
 */
export function finishRows(
  active: ActiveRows,
  n: number,
  C: number,
  scale: number,
  scaled: Float64Array,
  labels: Int32Array,
  at: number,
): void {
  const { rowOf, sums } = active;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) scaled[c] = sums[i * C + c] * scale;
    labels[at + rowOf[i]] = argmax(scaled, 0, C);
  }
}
