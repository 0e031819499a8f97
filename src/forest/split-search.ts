import type { TrainingData, TreeConfig } from './grow-tree.js';
import { Histograms } from './histogram.js';
import type { NodeRows } from './node-rows.js';
import type { Rng } from './rng.js';
import { FEATURE_CATEGORICAL, TRAIN_MISSING_BIN } from './types.js';

const MISS = TRAIN_MISSING_BIN;

/**
 * The split search of one tree: for a node (a run of `NodeRows`), its totals and impurity, then the best split
 * over sampled features by histogram scans. One instance per tree holds all the scratch, so growing a node
 * allocates nothing. State is explicit: `measureNode` sets the node's totals, `findSplit` the best split, and
 * `goesLeft` / `missingGoesLeft` read that split back.
 *
 * Candidates are compared by a proxy of the impurity decrease (scikit-learn's `proxy_impurity_improvement`):
 * for gini sum(l²)/LW + sum(r²)/RW, for entropy sum(l log(l/LW)) + sum(r log(r/RW)), for squared error
 * LS²/LW + RS²/RW, where l and r are the class weights on either side and LS, RS the weighted target sums.
 */
export class SplitSearch {
  private readonly hist: Histograms;
  private readonly bins: Uint8Array;
  private readonly nf: number;
  private readonly featureKinds: Uint8Array;
  private readonly isClf: boolean;
  private readonly C: number;
  private readonly entropy: boolean;
  /**
   * Row counts matter only for minSamplesLeaf > 1: with 1, "non-empty child" is the same as "positive weight"
   * (every row in a node has weight > 0), so the hot loop can skip counting.
   */
  private readonly countRows: boolean;
  private readonly minCount: number;
  private readonly maxFeatures: number;
  /** Features not drawn yet at this node come first: perm[0..fEnd). */
  private readonly perm: Int32Array;
  /** The features whose histograms are built together. */
  private readonly batch: Int32Array;
  /** Bins in scan order. */
  private readonly order = new Uint8Array(256);
  /** The sort key of each category bin. */
  private readonly stat = new Float64Array(256);
  /** Class weights left of the split point. */
  private readonly L: Float64Array;

  /** The node's class weights (classification). */
  readonly T: Float64Array;
  /** The node's weight, weighted target sum (regression), rows, impurity, and whether it is pure. */
  TW = 0;
  TS = 0;
  TN = 0;
  impurity = 0;
  pure = false;

  private bestProxy = Number.NEGATIVE_INFINITY;
  /** The best split so far: its feature (-1: none), threshold bin, category set, and missing-value side. */
  bestF = -1;
  bestThr = 0;
  bestIsCat = false;
  readonly bestSet = new Uint32Array(8);
  private bestMissLeft = false;
  private bestHasMissing = false;
  /** Rows (or weights, when rows are not counted) on either side. */
  private bestLN = 0;
  private bestRN = 0;

  constructor(d: TrainingData, cfg: TreeConfig) {
    const nf = d.nFeatures;
    this.bins = d.bins;
    this.nf = nf;
    this.featureKinds = d.featureKinds;
    this.isClf = d.task === 'classification';
    this.C = this.isClf ? d.nOutputs : 1;
    this.entropy = cfg.entropy;
    this.countRows = cfg.minSamplesLeaf > 1;
    this.minCount = this.countRows ? cfg.minSamplesLeaf : 0;
    this.maxFeatures = cfg.maxFeatures;
    const maxBatch = Math.max(1, Math.min(cfg.maxFeatures, nf));
    this.hist = new Histograms(maxBatch, this.C, this.isClf);
    this.batch = new Int32Array(maxBatch);
    this.perm = new Int32Array(nf);
    for (let f = 0; f < nf; f++) this.perm[f] = f;
    this.T = new Float64Array(this.C);
    this.L = new Float64Array(this.C);
  }

  /** Sets the totals, impurity and purity of the node rows start..end. */
  measureNode(rows: NodeRows, start: number, end: number): void {
    const { w, yc, y } = rows;
    const { T, C } = this;
    let TW = 0;
    let TS = 0;
    this.TN = end - start;
    if (this.isClf) {
      T.fill(0);
      for (let i = start; i < end; i++) T[yc[i]] += w[i];
      let nonZero = 0;
      for (let c = 0; c < C; c++) {
        TW += T[c];
        if (T[c] > 0) nonZero++;
      }
      let impurity = 0;
      if (this.entropy) {
        for (let c = 0; c < C; c++) if (T[c] > 0) impurity -= (T[c] / TW) * Math.log2(T[c] / TW);
      } else {
        let sq = 0;
        for (let c = 0; c < C; c++) sq += (T[c] / TW) * (T[c] / TW);
        impurity = 1 - sq;
      }
      this.impurity = impurity;
      this.pure = nonZero <= 1;
    } else {
      let Q = 0;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = start; i < end; i++) {
        const v = y[i];
        const wr = w[i];
        TW += wr;
        TS += wr * v;
        Q += wr * v * v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.impurity = Math.max(0, Q / TW - (TS / TW) * (TS / TW));
      this.pure = lo === hi;
    }
    this.TW = TW;
    this.TS = TS;
  }

  /**
   * Finds the best split of the node rows start..end (measured first), and returns whether there is one. As
   * scikit-learn: draws maxFeatures features, and keeps drawing while every one drawn was constant here.
   */
  findSplit(rows: NodeRows, start: number, end: number, rng: Rng): boolean {
    const { perm, batch, maxFeatures } = this;
    this.bestProxy = Number.NEGATIVE_INFINITY;
    this.bestF = -1;
    let fEnd = this.nf;
    let visited = 0;
    let constants = 0;
    while (fEnd > 0 && (visited < maxFeatures || visited <= constants)) {
      const want = Math.min(fEnd, visited < maxFeatures ? maxFeatures - visited : 1);
      for (let q = 0; q < want; q++) {
        const j = rng.int(fEnd);
        const f = perm[j];
        perm[j] = perm[fEnd - 1];
        perm[fEnd - 1] = f;
        fEnd--;
        batch[q] = f;
      }
      visited += want;
      this.hist.accumulate(rows, start, end, this.bins, this.nf, batch, want, this.countRows);
      for (let j = 0; j < want; j++) if (this.evaluateFeature(batch[j], j)) constants++;
    }
    return this.bestF >= 0;
  }

  /** Whether training row r goes left at the best split. */
  goesLeft(r: number): boolean {
    const b = this.bins[r * this.nf + this.bestF];
    if (b === MISS) return this.bestMissLeft;
    if (this.bestIsCat) return ((this.bestSet[b >>> 5] >>> (b & 31)) & 1) === 1;
    return b <= this.bestThr;
  }

  /**
   * Where the best split sends missing values: the side the search chose when the node had some, else the
   * side with more rows (or weight), where unseen values most likely belong.
   */
  missingGoesLeft(): boolean {
    return this.bestHasMissing ? this.bestMissLeft : this.bestLN >= this.bestRN;
  }

  /**
   * Scans the histogram of feature f (in slot `slot`) for the best split, then clears the slot. Returns whether
   * the feature is constant in this node.
   */
  private evaluateFeature(f: number, slot: number): boolean {
    const { hist, order, isClf, C } = this;
    const hasMissing = hist.takeMissing(slot);
    const k = hist.takePresent(slot, order);
    const constant = k + (hasMissing ? 1 : 0) <= 1;
    const hb = slot << 8;
    // a numeric scan zeroes the bins it reads, so only the missing bin is left to clear
    let scanCleared = false;
    if (constant) {
      // nothing to scan
    } else if (this.featureKinds[f] !== FEATURE_CATEGORICAL) {
      this.scan(f, hb, k, false, true);
      scanCleared = true;
    } else if (!isClf) {
      const histW = hist.w;
      const histS = hist.s;
      for (let q = 0; q < k; q++) this.stat[order[q]] = histS[hb + order[q]] / histW[hb + order[q]];
      this.scanCategories(f, hb, k);
    } else {
      // Two classes: ordering by the share of class 1 is optimal (Breiman). More: no ordering is, so try one
      // ordering per class, by that class's share.
      for (let c = C === 2 ? 1 : 0; c < C; c++) {
        for (let q = 0; q < k; q++) {
          const h = hb + order[q];
          this.stat[order[q]] = hist.w[h * C + c] / hist.binWeight(h);
        }
        this.scanCategories(f, hb, k);
      }
    }
    hist.clearSlot(slot, order, k, scanCleared);
    return constant;
  }

  /** Scans the categories order[0..k) sorted by `stat`, and keeps the left set when the scan found the best. */
  private scanCategories(f: number, hb: number, k: number): void {
    const { order, stat } = this;
    // insertion sort: k is small
    for (let i = 1; i < k; i++) {
      const b = order[i];
      const s = stat[b];
      let j = i - 1;
      while (j >= 0 && stat[order[j]] > s) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = b;
    }
    const at = this.scan(f, hb, k, true, false);
    if (at < 0) return;
    this.bestSet.fill(0);
    for (let j = 0; j <= at; j++) this.bestSet[order[j] >>> 5] |= 1 << (order[j] & 31);
  }

  /**
   * Scans the bins in `order[0..k)` of the histogram at hb as a left-to-right sequence of split points. For each
   * point it tries the missing values on the right and on the left; after the last bin, it tries "non-missing
   * left, missing right". With `clear`, it zeroes each bin as it reads it (cheaper than a separate pass).
   * Returns the position of the best split found in this scan (or -1), updating the best so far.
   */
  private scan(f: number, hb: number, k: number, isCat: boolean, clear: boolean): number {
    const { hist, order, L, isClf, C } = this;
    const { n: histN, w: histW, s: histS } = hist;
    const MN = histN[hb + MISS];
    const MW = hist.binWeight(hb + MISS);
    const MS = isClf ? 0 : histS[hb + MISS];
    const hasMiss = this.countRows ? MN > 0 : MW > 0;
    let LN = 0;
    let LW = 0;
    let LS = 0;
    if (isClf) L.fill(0);
    let found = -1;
    for (let j = 0; j < k; j++) {
      const b = order[j];
      const h = hb + b;
      LN += histN[h];
      if (isClf) {
        const base = h * C;
        for (let c = 0; c < C; c++) {
          const v = histW[base + c];
          L[c] += v;
          LW += v;
        }
      } else {
        LW += histW[h];
        LS += histS[h];
      }
      if (clear) hist.clearBin(h);
      const last = j === k - 1;
      if (last && !hasMiss) break;
      // The threshold: any bin from b up to the next present one splits the node's rows alike, and the middle
      // one puts the threshold halfway through the gap (in quantiles), as scikit-learn's midpoints do.
      const mid = last ? b : (b + order[j + 1] - 1) >>> 1;
      // missing on the right (or, after the last bin, the split on missingness alone)
      if (this.consider(f, b, mid, isCat, false, hasMiss, LN, LW, LS, hb)) found = j;
      if (hasMiss && !last && this.consider(f, b, mid, isCat, true, true, LN + MN, LW + MW, LS + MS, hb))
        found = j;
    }
    return found;
  }

  /**
   * Scores one candidate split (left side: ln rows, lw weight, ls weighted target sum, plus L[] class weights,
   * with the missing bin of the histogram at hb added when missing values go left) and keeps it when it beats
   * the best so far.
   */
  private consider(
    f: number,
    b: number,
    mid: number,
    isCat: boolean,
    missLeft: boolean,
    hasMissing: boolean,
    ln: number,
    lw: number,
    ls: number,
    hb: number,
  ): boolean {
    const rn = this.TN - ln;
    if (ln < this.minCount || rn < this.minCount) return false;
    const rw = this.TW - lw;
    if (!(lw > 0 && rw > 0)) return false;
    const TS = this.TS;
    const p = this.isClf
      ? this.clfProxy(hb, missLeft, lw, rw)
      : (ls * ls) / lw + ((TS - ls) * (TS - ls)) / rw;
    if (!(p > this.bestProxy)) return false;
    this.bestProxy = p;
    this.bestF = f;
    this.bestThr = isCat ? b : mid;
    this.bestMissLeft = missLeft;
    this.bestHasMissing = hasMissing;
    this.bestLN = this.countRows ? ln : lw;
    this.bestRN = this.countRows ? rn : rw;
    this.bestIsCat = isCat;
    return true;
  }

  /** The classification proxy of a split from left class weights L[] (+ the missing bin when it goes left). */
  private clfProxy(hb: number, addMissing: boolean, LW: number, RW: number): number {
    const { L, T, C } = this;
    const histW = this.hist.w;
    const mBase = (hb + MISS) * C;
    if (this.entropy) {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const lc = addMissing ? L[c] + histW[mBase + c] : L[c];
        const rc = T[c] - lc;
        if (lc > 0) s += lc * Math.log(lc / LW);
        if (rc > 0) s += rc * Math.log(rc / RW);
      }
      return s;
    }
    let sl = 0;
    let sr = 0;
    for (let c = 0; c < C; c++) {
      const lc = addMissing ? L[c] + histW[mBase + c] : L[c];
      const rc = T[c] - lc;
      sl += lc * lc;
      sr += rc * rc;
    }
    return sl / LW + sr / RW;
  }
}
