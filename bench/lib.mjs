// Shared helpers of the Node bench scripts: data loading, metrics, statistics, timing.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = join(BENCH_DIR, 'data');
export const OUT_DIR = join(BENCH_DIR, 'out');
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/** Sets on which ml-random-forest's 100 trees finish in minutes (digits: about 3 minutes, see ANCHORS.md). */
export const MLRF_FEASIBLE = ['breast_cancer', 'digits', 'synthetic-1k', 'synthetic-2k'];
export const SKLEARN_HINT = 'apt-get install -y python3-sklearn  (Debian python: /usr/bin/python3)';

/** Reads a raw little-endian float64 file into a Float64Array (copies only if the buffer is misaligned). */
export function readF64(path) {
  const buf = readFileSync(path);
  if (buf.byteLength % 8 !== 0) throw new Error(`${path}: size ${buf.byteLength} is not a multiple of 8`);
  if (buf.byteOffset % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Loads a data set written by bench/datasets.py: { header, train: {X, y}, test: {X, y} }, X as a Matrix. */
export function loadDataset(name, dataDir = DATA_DIR) {
  const headerPath = join(dataDir, `${name}.json`);
  if (!existsSync(headerPath)) {
    throw new Error(`missing ${headerPath}: run  ${PYTHON} bench/datasets.py --sets ${name}`);
  }
  const header = JSON.parse(readFileSync(headerPath, 'utf8'));
  const d = header.nFeatures;
  const part = (p, n) => {
    const data = readF64(join(dataDir, header.files[p].X));
    const y = readF64(join(dataDir, header.files[p].y));
    if (data.length !== n * d || y.length !== n)
      throw new Error(`${name}.${p}: sizes do not match the header`);
    return { X: { data, nRows: n, nFeatures: d }, y };
  };
  return { header, train: part('train', header.nTrain), test: part('test', header.nTest) };
}

/** Converts a row-major Matrix to an array of plain number arrays (for ml-random-forest). */
export function toRows(X) {
  const rows = new Array(X.nRows);
  for (let i = 0; i < X.nRows; i++)
    rows[i] = Array.from(X.data.subarray(i * X.nFeatures, (i + 1) * X.nFeatures));
  return rows;
}

export function accuracy(yTrue, yPred) {
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/**
 * Multiclass log loss as scikit-learn 1.2 computes it (eps='auto' for float64): clip to [eps, 1-eps],
 * renormalise each row, then the mean of -log p(true class). proba is row-major nRows x nClasses.
 */
export function logLoss(yTrue, proba, nClasses) {
  const eps = Number.EPSILON;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    let rowSum = 0;
    for (let c = 0; c < nClasses; c++) rowSum += Math.min(1 - eps, Math.max(eps, proba[i * nClasses + c]));
    const p = Math.min(1 - eps, Math.max(eps, proba[i * nClasses + yTrue[i]]));
    sum -= Math.log(p / rowSum);
  }
  return sum / yTrue.length;
}

export function r2(yTrue, yPred) {
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i];
  mean /= yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Nearest-rank percentile (q in 0..100) of an ascending array. */
export function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[k];
}

/** Seconds since t0 (a process.hrtime.bigint() value). */
export const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Peak resident set size of this process (all its threads), in KB. */
export const peakRssKB = () => process.resourceUsage().maxRSS;

/** A seeded standard-normal ROWS x d matrix (mulberry32 + Box-Muller), for the big predict runs. */
export function normalMatrix(nRows, nFeatures, seed = 0) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const data = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < data.length; i += 2) {
    const u = 1 - rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    data[i] = r * Math.cos(a);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(a);
  }
  return { data, nRows, nFeatures };
}

/** Prints one JSON object on stdout (the protocol between the run scripts and compare-train.mjs). */
export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}
