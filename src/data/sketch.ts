/**
 * A mergeable quantile sketch for streaming training (issue 16): the KLL/MRL family of compactors, with the
 * deterministic error bound tracked as it goes.
 *
 * Level h holds values of weight 2^h in a buffer of capacity `k`. When a buffer fills, it is sorted and every
 * other value (starting at an offset drawn from a seeded generator, so runs repeat) moves up to level h+1
 * with twice the weight; an odd one out stays. One such compaction changes the estimated rank of any value
 * by at most 2^h, so the sketch can state a hard bound: `maxRankError()` is the sum of 2^h over every
 * compaction so far, and |estimated rank - true rank| <= maxRankError() for every query. Since level h
 * compacts at most n / (k 2^h) times, that sum is at most n * levels / k, with levels ~ log2(n / k): for
 * k = 4096 and n = 10M, under 0.3% of n in the worst case; the random offsets make the usual error far
 * smaller. Until the first compaction (n < k) the sketch holds every value, so its quantiles are exact.
 *
 * `merge` adds another sketch's levels to this one's and compacts what overflows: the bound adds up, as
 * for one sketch fed both streams. Plain arrays, no `node:` module.
 */

import { MlinferError } from '../errors.js';

/** The default capacity per level: about 48 KiB per numeric feature at 10M rows (see the module comment). */
export const DEFAULT_SKETCH_K = 4096;

/**
 * A quantile sketch of numbers (NaN is refused: a missing value is counted by the caller).
 *
 * @example
 * const s = new QuantileSketch();
 * for (const v of values) s.add(v);
 * s.valueAtRank(s.count / 2); // about the median, within s.maxRankError() ranks
 */
export class QuantileSketch {
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private n = 0;
  private error = 0;
  private state: number;

  constructor(
    readonly k = DEFAULT_SKETCH_K,
    seed = 0x9e3779b9,
  ) {
    if (!Number.isInteger(k) || k < 8)
      throw new MlinferError('MLI_INVALID_OPTION', `the sketch capacity k must be an integer >= 8, got ${k}`);
    this.state = seed >>> 0 || 1;
  }

  /** Values added (merged sketches included). */
  get count(): number {
    return this.n;
  }

  /** The hard bound on the rank error of any query (see the module comment). */
  maxRankError(): number {
    return this.error;
  }

  /** Values held (the sketch's size). */
  retained(): number {
    let s = 0;
    for (const m of this.sizes) s += m;
    return s;
  }

  add(v: number): void {
    if (Number.isNaN(v)) throw new MlinferError('MLI_INVALID_DATA', 'a quantile sketch takes no NaN');
    this.push(0, v);
    this.n++;
  }

  /** Adds `other`'s values to this sketch; `other` is left as it was. */
  merge(other: QuantileSketch): void {
    for (let h = 0; h < other.levels.length; h++) {
      const src = other.levels[h];
      for (let i = 0; i < other.sizes[h]; i++) this.push(h, src[i]);
    }
    this.n += other.n;
    this.error += other.error;
  }

  private level(h: number): Float64Array {
    while (this.levels.length <= h) {
      // A full buffer is compacted before the next push, so k slots (plus the odd one out) suffice.
      this.levels.push(new Float64Array(this.k + 1));
      this.sizes.push(0);
    }
    return this.levels[h];
  }

  private push(h: number, v: number): void {
    const buf = this.level(h);
    buf[this.sizes[h]++] = v;
    if (this.sizes[h] >= this.k) this.compact(h);
  }

  /** xorshift32: the offset of each compaction, the same for the same inputs. */
  private coin(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state & 1;
  }

  private compact(h: number): void {
    const buf = this.levels[h];
    const m = this.sizes[h];
    const sorted = buf.subarray(0, m).sort();
    // An even number of values is compacted; with an odd count the largest stays at this level.
    const even = m - (m % 2);
    const keepLast = m % 2 === 1 ? sorted[m - 1] : Number.NaN;
    const offset = this.coin();
    this.sizes[h] = 0;
    this.error += 2 ** h;
    // Pushing up never writes this level's buffer (compactions only go further up), so it is read in place.
    for (let i = offset; i < even; i += 2) this.push(h + 1, sorted[i]);
    if (!Number.isNaN(keepLast)) buf[this.sizes[h]++] = keepLast;
  }

  /** The held values with their weights, sorted by value: what every query reads. */
  sortedWeighted(): { values: Float64Array; cumulative: Float64Array } {
    const total = this.retained();
    const pairs = new Float64Array(total * 2);
    let p = 0;
    for (let h = 0; h < this.levels.length; h++)
      for (let i = 0; i < this.sizes[h]; i++) {
        pairs[p++] = this.levels[h][i];
        pairs[p++] = 2 ** h;
      }
    const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => pairs[a * 2] - pairs[b * 2]);
    const values = new Float64Array(total);
    const cumulative = new Float64Array(total);
    let acc = 0;
    order.forEach((i, j) => {
      values[j] = pairs[i * 2];
      acc += pairs[i * 2 + 1];
      cumulative[j] = acc;
    });
    return { values, cumulative };
  }

  /** The estimated number of values <= x. */
  rank(x: number): number {
    let r = 0;
    for (let h = 0; h < this.levels.length; h++)
      for (let i = 0; i < this.sizes[h]; i++) if (this.levels[h][i] <= x) r += 2 ** h;
    return r;
  }

  /**
   * The value at 0-based rank r of the sorted stream (as sorted[r] would be), estimated within
   * maxRankError() ranks. Use `rankReader` for many queries.
   */
  valueAtRank(r: number): number {
    return rankReader(this)(r);
  }
}

/**
 * A reader of values by 0-based rank over one snapshot of the sketch (sorted once, then binary search).
 *
 * @example
 * const at = rankReader(sketch);
 * const median = at((sketch.count - 1) / 2);
 */
export function rankReader(sketch: QuantileSketch): (r: number) => number {
  const { values, cumulative } = sketch.sortedWeighted();
  return (r: number) => {
    if (values.length === 0) return Number.NaN;
    // The first held value whose cumulative weight passes r: sorted[r] when the sketch is exact.
    let a = 0;
    let b = values.length - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (cumulative[mid] > r) b = mid;
      else a = mid + 1;
    }
    return values[a];
  };
}
