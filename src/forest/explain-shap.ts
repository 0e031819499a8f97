import { childOf, type ExplainTree } from './explain-tree.js';

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature attribution
 * for tree ensembles", Algorithm 2; the same recursion as shap's `tree_shap_recursive`). The expectation of a
 * tree given a subset of features follows the row where the subset decides and otherwise splits by the nodes'
 * covers, so no background data is needed. Cost per row: O(L D²) per tree for L leaves and depth D, so a fully
 * grown tree (thousands of leaves, depth 20-40) costs thousands of times a prediction; the path method costs one.
 *
 * The unique path is held in flat arrays, one slice per recursion level (level d starts at d(d+1)/2), so a
 * row allocates nothing once the scratch exists.
 */
export class TreeShap {
  private readonly t: ExplainTree;
  private readonly feat: Int32Array;
  private readonly zero: Float64Array;
  private readonly one: Float64Array;
  private readonly pw: Float64Array;
  /** Per tree: the expectation of its output over the training data by cover, nOutputs values. */
  readonly expected: Float64Array;
  private phi: Float64Array = new Float64Array(0);
  private rowBins: Uint16Array = new Uint16Array(0);
  private scale = 1;

  constructor(t: ExplainTree) {
    this.t = t;
    const size = ((t.maxDepth + 2) * (t.maxDepth + 3)) / 2;
    this.feat = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pw = new Float64Array(size);
    this.expected = new Float64Array(t.nTrees * t.nOutputs);
    for (let k = 0; k < t.nTrees; k++) this.expectation(t.roots[k], this.expected, k * t.nOutputs, 1);
  }

  /**
   * Adds the forest's SHAP values for a binned row into `phi` (nFeatures * nOutputs, feature-major) and the
   * expected value (the mean over trees of each tree's expectation) into `base`; both must start at zero.
   *
   * @example
   * new TreeShap(explainTree(forest.arrays)).explain(rowBins, phi, base);
   */
  explain(rowBins: Uint16Array, phi: Float64Array, base: Float64Array): void {
    const { t } = this;
    const C = t.nOutputs;
    this.phi = phi;
    this.rowBins = rowBins;
    this.scale = 1 / t.nTrees;
    for (let k = 0; k < t.nTrees; k++) {
      for (let c = 0; c < C; c++) base[c] += this.expected[k * C + c] * this.scale;
      this.recurse(t.roots[k], 0, 0, 1, 1, -1);
    }
  }

  /** Adds weight x the cover-weighted mean of node i's leaves into out[at..]. */
  private expectation(i: number, out: Float64Array, at: number, weight: number): void {
    const { t } = this;
    const C = t.nOutputs;
    if (t.feature[i] < 0) {
      for (let c = 0; c < C; c++) out[at + c] += weight * t.values[i * C + c];
      return;
    }
    const w = t.cover[i];
    this.expectation(t.left[i], out, at, (weight * t.cover[t.left[i]]) / w);
    this.expectation(t.right[i], out, at, (weight * t.cover[t.right[i]]) / w);
  }

  /**
   * One node of the recursion: `parent` is where the parent's path slice starts, `depth` the path length so
   * far; the path is extended by the split that led here (its zero and one fractions and feature).
   */
  private recurse(
    i: number,
    parent: number,
    depth: number,
    zeroF: number,
    oneF: number,
    feature: number,
  ): void {
    const { t, feat, zero, one, pw } = this;
    // This level's slice follows the parent's (which has depth + 0 entries used, room for depth + 1).
    const s = parent + depth;
    for (let k = 0; k < depth; k++) {
      feat[s + k] = feat[parent + k];
      zero[s + k] = zero[parent + k];
      one[s + k] = one[parent + k];
      pw[s + k] = pw[parent + k];
    }
    this.extend(s, depth, zeroF, oneF, feature);
    const f = t.feature[i];
    if (f < 0) {
      const C = t.nOutputs;
      for (let k = 1; k <= depth; k++) {
        const w = this.unwoundSum(s, depth, k) * (one[s + k] - zero[s + k]) * this.scale;
        const at = feat[s + k] * C;
        for (let c = 0; c < C; c++) this.phi[at + c] += w * t.values[i * C + c];
      }
      return;
    }
    const hot = childOf(t, i, this.rowBins);
    const cold = hot === t.left[i] ? t.right[i] : t.left[i];
    const w = t.cover[i];
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    // A feature split on again higher up: undo that split, then redo it here with both fractions.
    let k = 0;
    while (k <= d && feat[s + k] !== f) k++;
    if (k <= d) {
      inZero = zero[s + k];
      inOne = one[s + k];
      this.unwind(s, d, k);
      d--;
    }
    this.recurse(hot, s, d + 1, (t.cover[hot] / w) * inZero, inOne, f);
    this.recurse(cold, s, d + 1, (t.cover[cold] / w) * inZero, 0, f);
  }

  private extend(s: number, d: number, zeroF: number, oneF: number, feature: number): void {
    const { feat, zero, one, pw } = this;
    feat[s + d] = feature;
    zero[s + d] = zeroF;
    one[s + d] = oneF;
    pw[s + d] = d === 0 ? 1 : 0;
    for (let i = d - 1; i >= 0; i--) {
      pw[s + i + 1] += (oneF * pw[s + i] * (i + 1)) / (d + 1);
      pw[s + i] = (zeroF * pw[s + i] * (d - i)) / (d + 1);
    }
  }

  private unwind(s: number, d: number, k: number): void {
    const { feat, zero, one, pw } = this;
    const oneF = one[s + k];
    const zeroF = zero[s + k];
    let next = pw[s + d];
    for (let i = d - 1; i >= 0; i--) {
      if (oneF !== 0) {
        const tmp = pw[s + i];
        pw[s + i] = (next * (d + 1)) / ((i + 1) * oneF);
        next = tmp - (pw[s + i] * zeroF * (d - i)) / (d + 1);
      } else {
        pw[s + i] = (pw[s + i] * (d + 1)) / (zeroF * (d - i));
      }
    }
    for (let i = k; i < d; i++) {
      feat[s + i] = feat[s + i + 1];
      zero[s + i] = zero[s + i + 1];
      one[s + i] = one[s + i + 1];
    }
  }

  /** The total weight of the path with entry k unwound, without changing the path. */
  private unwoundSum(s: number, d: number, k: number): number {
    const { zero, one, pw } = this;
    const oneF = one[s + k];
    const zeroF = zero[s + k];
    let next = pw[s + d];
    let total = 0;
    for (let i = d - 1; i >= 0; i--) {
      if (oneF !== 0) {
        const tmp = (next * (d + 1)) / ((i + 1) * oneF);
        total += tmp;
        next = pw[s + i] - (tmp * zeroF * (d - i)) / (d + 1);
      } else {
        total += pw[s + i] / ((zeroF * (d - i)) / (d + 1));
      }
    }
    return total;
  }
}
