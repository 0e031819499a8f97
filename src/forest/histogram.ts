import type { NodeRows } from './node-rows.js';
import { TRAIN_MISSING_BIN } from './types.js';

const MISS = TRAIN_MISSING_BIN;
/** Above this many present bins, clearing a whole slot at once is cheaper than clearing bin by bin. */
const CLEAR_ALL_ABOVE = 96;

/**
 * Per-bin sums over one node's rows for a batch of sampled features, built in one pass over the rows. Slot j
 * holds feature batch[j]: its 256 bins (TRAIN_MISSING_BIN is the missing one) start at index j << 8.
 * Classification keeps the weight of each class (index (bin index) * C + class), regression the weight and the
 * weighted target sum. Row counts are kept only when minSamplesLeaf needs them. `touched` has one bit per bin a
 * node's rows fell in (8 words per slot), so that the scans and the resets visit only those bins.
 *
 * Every bin is zero between nodes: the split search clears what it read (`clearBin`, `clearSlot`).
 */
export class Histograms {
  /** Class weights (classification) or weights (regression). */
  readonly w: Float64Array;
  /** Weighted target sums (regression only). */
  readonly s: Float64Array;
  /** Row counts (when counted). */
  readonly n: Uint32Array;
  readonly touched: Uint32Array;
  readonly C: number;
  readonly isClf: boolean;

  constructor(slots: number, C: number, isClf: boolean) {
    this.C = C;
    this.isClf = isClf;
    this.w = new Float64Array(slots * 256 * C);
    this.s = new Float64Array(isClf ? 0 : slots * 256);
    this.n = new Uint32Array(slots * 256);
    this.touched = new Uint32Array(slots * 8);
  }

  /**
   * Adds the rows start..end of `rows` to the slots of the features batch[0..m). Three copies of one loop,
   * each without a branch inside: which sums to keep is decided once per call, not once per row and feature.
   */
  accumulate(
    rows: NodeRows,
    start: number,
    end: number,
    bins: Uint8Array,
    nf: number,
    batch: Int32Array,
    m: number,
    countRows: boolean,
  ): void {
    const { idx, w: nodeW, yc: nodeYc, y: nodeY } = rows;
    const { w: histW, s: histS, n: histN, touched, C } = this;
    if (this.isClf && !countRows) {
      for (let i = start; i < end; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const yi = nodeYc[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          histW[((j << 8) + b) * C + yi] += wi;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    } else if (this.isClf) {
      for (let i = start; i < end; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const yi = nodeYc[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          const h = (j << 8) + b;
          histN[h]++;
          histW[h * C + yi] += wi;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    } else {
      for (let i = start; i < end; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const wy = wi * nodeY[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          const h = (j << 8) + b;
          histN[h]++;
          histW[h] += wi;
          histS[h] += wy;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    }
  }

  /** Whether slot `slot` saw a missing value; clears that mark. */
  takeMissing(slot: number): boolean {
    const at = (slot << 3) + (MISS >>> 5);
    const seen = ((this.touched[at] >>> (MISS & 31)) & 1) === 1;
    this.touched[at] &= ~(1 << (MISS & 31));
    return seen;
  }

  /** Writes the other bins slot `slot` saw, ascending, to order[0..k) and returns k; clears their marks. */
  takePresent(slot: number, order: Uint8Array): number {
    const touched = this.touched;
    const tb = slot << 3;
    let k = 0;
    for (let wi = 0; wi < 8; wi++) {
      let x = touched[tb + wi];
      while (x !== 0) {
        const t = x & -x;
        order[k++] = (wi << 5) + (31 - Math.clz32(t));
        x ^= t;
      }
      touched[tb + wi] = 0;
    }
    return k;
  }

  /** The weight of bin index h (slot << 8 | bin), all classes together. */
  binWeight(h: number): number {
    if (!this.isClf) return this.w[h];
    let s = 0;
    for (let c = 0; c < this.C; c++) s += this.w[h * this.C + c];
    return s;
  }

  /** Zeroes bin index h. */
  clearBin(h: number): void {
    this.n[h] = 0;
    if (this.isClf) for (let c = 0; c < this.C; c++) this.w[h * this.C + c] = 0;
    else {
      this.w[h] = 0;
      this.s[h] = 0;
    }
  }

  /**
   * Zeroes slot `slot` after its scan: the bins order[0..k) and the missing bin (only the missing bin when the
   * scan already cleared the others as it read them), or the whole slot at once when most bins were used.
   */
  clearSlot(slot: number, order: Uint8Array, k: number, scanCleared: boolean): void {
    const hb = slot << 8;
    if (scanCleared) this.clearBin(hb + MISS);
    else if (k > CLEAR_ALL_ABOVE) {
      this.n.fill(0, hb, hb + 256);
      if (this.isClf) this.w.fill(0, hb * this.C, (hb + 256) * this.C);
      else {
        this.w.fill(0, hb, hb + 256);
        this.s.fill(0, hb, hb + 256);
      }
    } else for (let q = 0; q <= k; q++) this.clearBin(hb + (q < k ? order[q] : MISS));
  }
}
