import { MlinferError } from '../errors.js';
import { FEATURE_CATEGORICAL, type Matrix, TRAIN_MISSING_BIN } from './types.js';

/**
 * Bin edges per numeric feature: with at most maxBins distinct values, the midpoints between them (exact, as
 * scikit-learn's HistGradientBoosting does); otherwise the midpoints at maxBins quantiles.
 * Bins are found once, before any tree: this is what makes split search linear in the rows.
 */
export function computeBinEdges(
  X: Matrix,
  featureKinds: Uint8Array,
  maxBins: number,
): { binEdges: Float64Array; binEdgeOffsets: Uint32Array } {
  const { data, nRows, nFeatures } = X;
  const perFeature: Float64Array[] = [];
  const col = new Float64Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    if (featureKinds[f] === FEATURE_CATEGORICAL) {
      perFeature.push(new Float64Array(0));
      continue;
    }
    let m = 0;
    for (let r = 0; r < nRows; r++) {
      const v = data[r * nFeatures + f];
      if (!Number.isNaN(v)) col[m++] = v;
    }
    const sorted = col.subarray(0, m).sort();
    perFeature.push(edgesFromSorted(sorted, maxBins));
  }
  const binEdgeOffsets = new Uint32Array(nFeatures + 1);
  for (let f = 0; f < nFeatures; f++) binEdgeOffsets[f + 1] = binEdgeOffsets[f] + perFeature[f].length;
  const binEdges = new Float64Array(binEdgeOffsets[nFeatures]);
  for (let f = 0; f < nFeatures; f++) binEdges.set(perFeature[f], binEdgeOffsets[f]);
  return { binEdges, binEdgeOffsets };
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Adjacent floats: the midpoint rounds to b, which would put b in a's bin.
  return m < b ? m : a;
}

/**
 * Edges of sorted values: with at most maxBins distinct values their midpoints, else `edgesFromRanks`.
 * Streaming training (issue 16) passes a feature's distinct values here, so that it bins them exactly.
 */
export function edgesFromSorted(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  if (distinct.length <= maxBins) {
    const edges = new Float64Array(Math.max(0, distinct.length - 1));
    for (let i = 0; i + 1 < distinct.length; i++) edges[i] = midpoint(distinct[i], distinct[i + 1]);
    return edges;
  }
  return edgesFromRanks(sorted.length, maxBins, (r) => sorted[r]);
}

/**
 * Edges at maxBins quantiles of n values, read by 0-based rank through `at` (the sorted array itself, or a
 * quantile sketch's estimate when training streams): the midpoints between the values around each quantile.
 */
export function edgesFromRanks(n: number, maxBins: number, at: (rank: number) => number): Float64Array {
  const edges: number[] = [];
  for (let k = 1; k < maxBins; k++) {
    const pos = (k / maxBins) * (n - 1);
    const lo = at(Math.floor(pos));
    const hi = at(Math.ceil(pos));
    const e = lo === hi ? lo : midpoint(lo, hi);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  // An edge equal to the maximum would leave the last bin empty.
  const max = at(n - 1);
  while (edges.length > 0 && edges[edges.length - 1] >= max) edges.pop();
  return Float64Array.from(edges);
}

/** The bin of v among ascending upper edges [lo, hi): the first b with v <= edge[b], or hi - lo past the last. */
export function findBin(edges: Float64Array, lo: number, hi: number, v: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (v <= edges[mid]) b = mid;
    else a = mid + 1;
  }
  return a - lo;
}

/**
 * Bins the training matrix into a row-major Uint8Array (like X), optionally in a SharedArrayBuffer so that
 * worker threads read it without copies. Missing values get TRAIN_MISSING_BIN. Row-major because a node reads
 * several sampled features of each of its rows: one cache line per row instead of one per feature.
 */
export function binMatrix(
  X: Matrix,
  featureKinds: Uint8Array,
  categoryCounts: Uint32Array,
  binEdges: Float64Array,
  binEdgeOffsets: Uint32Array,
  shared: boolean,
): Uint8Array {
  const { data, nRows, nFeatures } = X;
  const size = nRows * nFeatures;
  const bins = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
  for (let f = 0; f < nFeatures; f++) {
    if (featureKinds[f] === FEATURE_CATEGORICAL) {
      const k = categoryCounts[f];
      if (k > TRAIN_MISSING_BIN)
        throw new MlinferError(
          'MLI_INVALID_DATA',
          `categorical feature ${f} has ${k} categories; at most ${TRAIN_MISSING_BIN} are supported`,
        );
      for (let r = 0; r < nRows; r++) {
        const v = data[r * nFeatures + f];
        bins[r * nFeatures + f] = Number.isInteger(v) && v >= 0 && v < k ? v : TRAIN_MISSING_BIN;
      }
      continue;
    }
    const lo = binEdgeOffsets[f];
    const hi = binEdgeOffsets[f + 1];
    for (let r = 0; r < nRows; r++) {
      const v = data[r * nFeatures + f];
      bins[r * nFeatures + f] = Number.isNaN(v) ? TRAIN_MISSING_BIN : findBin(binEdges, lo, hi, v);
    }
  }
  return bins;
}

/**
 * Bins one encoded row (`values`, one per feature) into `out[at ..]`, by the rule of `binMatrix`: streaming
 * training (issue 16) bins each row as it is read, so that no matrix of doubles is built.
 */
export function binRowInto(
  values: Float64Array,
  featureKinds: Uint8Array,
  categoryCounts: Uint32Array,
  binEdges: Float64Array,
  binEdgeOffsets: Uint32Array,
  out: Uint8Array,
  at: number,
): void {
  for (let f = 0; f < values.length; f++) {
    const v = values[f];
    if (featureKinds[f] === FEATURE_CATEGORICAL) {
      const k = categoryCounts[f];
      out[at + f] = Number.isInteger(v) && v >= 0 && v < k ? v : TRAIN_MISSING_BIN;
    } else
      out[at + f] = Number.isNaN(v)
        ? TRAIN_MISSING_BIN
        : findBin(binEdges, binEdgeOffsets[f], binEdgeOffsets[f + 1], v);
  }
}
