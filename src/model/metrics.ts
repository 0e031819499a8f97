/**
 * Metrics over typed arrays, shared by training (holdout and out-of-bag scores) and `evaluate()`: the headline
 * scores, and the curves, bins and tables the report draws. Pure math, no I/O. Classification labels are class
 * indices; probabilities are row-major nRows * nClasses. Definitions follow scikit-learn
 * (test/model/metrics.test.ts pins them against its numbers).
 */
import { argmax } from '../forest/argmax.js';

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : Number.NaN;
}

/** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15] as scikit-learn does. */
export function logLoss(proba: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const eps = 1e-15;
  let s = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    // rows whose probabilities are NaN (never out of bag) are skipped
    let sum = 0;
    for (let c = 0; c < nClasses; c++) sum += Math.min(1 - eps, Math.max(eps, proba[i * nClasses + c]));
    const p = Math.min(1 - eps, Math.max(eps, proba[i * nClasses + y[i]])) / sum;
    if (Number.isNaN(p)) continue;
    s -= Math.log(p);
    n++;
  }
  return n ? s / n : Number.NaN;
}

export function r2Score(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(pred[i])) continue;
    mean += y[i];
    n++;
  }
  mean /= n || 1;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(pred[i])) continue;
    res += (y[i] - pred[i]) ** 2;
    tot += (y[i] - mean) ** 2;
  }
  return tot > 0 ? 1 - res / tot : Number.NaN;
}

export function meanAbsoluteError(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - pred[i]);
  return y.length ? s / y.length : Number.NaN;
}

export function rootMeanSquaredError(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - pred[i]) ** 2;
  return y.length ? Math.sqrt(s / y.length) : Number.NaN;
}

/** Area under the ROC curve of `score` for the positive rows (`positive[i]` true), ties counted half. */
export function rocAuc(score: ArrayLike<number>, positive: ArrayLike<boolean | number>): number {
  const n = score.length;
  let nPos = 0;
  let finite = true;
  for (let i = 0; i < n; i++) {
    if (positive[i]) nPos++;
    if (!Number.isFinite(score[i])) finite = false;
  }
  if (nPos === 0 || nPos === n) return Number.NaN;
  if (!finite) return rocAucByOrder(score, positive, nPos);
  const all = Float64Array.from(score);
  const pos = new Float64Array(nPos);
  for (let i = 0, p = 0; i < n; i++) if (positive[i]) pos[p++] = score[i];
  return rankSumAuc(all, pos);
}

/**
 * AUC from all the scores and the positives' scores (both finite; both sorted here, in place): the rank sum
 * of the positives, average ranks for ties (Mann-Whitney U). Ranks are half-integers and their sums stay far
 * below 2^52, so every addition is exact: the result does not depend on the order of the additions, and two
 * sorted copies (9 to 16 bytes a row) replace a sorted array of row indices and the sort's scratch.
 */
function rankSumAuc(all: Float64Array, pos: Float64Array): number {
  all.sort();
  pos.sort();
  const n = all.length;
  const nPos = pos.length;
  let rankSum = 0;
  for (let i = 0, p = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1] === all[i]) j++;
    let k = 0;
    while (p < nPos && pos[p] === all[i]) {
      p++;
      k++;
    }
    rankSum += k * ((i + j) / 2 + 1);
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

/** The AUC by sorting row indices: scores with NaN or infinities keep the result they always had. */
function rocAucByOrder(
  score: ArrayLike<number>,
  positive: ArrayLike<boolean | number>,
  nPos: number,
): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]]) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

/** The classes scored one-vs-rest: binary, the second (positive) class only; more classes, each of them. */
export function rankedClasses(nClasses: number): number[] {
  return nClasses === 2 ? [1] : Array.from({ length: nClasses }, (_, c) => c);
}

/** Class `c`'s probability column, and which rows belong to it. */
export function oneVsRest(
  proba: ArrayLike<number>,
  y: ArrayLike<number>,
  nClasses: number,
  c: number,
): { score: Float64Array; positive: Uint8Array } {
  const n = y.length;
  const score = new Float64Array(n);
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = proba[i * nClasses + c];
    positive[i] = y[i] === c ? 1 : 0;
  }
  return { score, positive };
}

/** The mean of the values that are defined (a class absent from the rows has no AUC); NaN when none is. */
export function meanDefined(values: readonly number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
}

/**
 * Binary: AUC of class 1's probability; several classes: the macro average of one-vs-rest AUCs. Reads the
 * class column straight into the copies `rocAuc` sorts (no column copy first: this runs on millions of
 * out-of-bag rows in streaming training).
 */
export function rocAucFromProba(proba: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const n = y.length;
  return meanDefined(
    rankedClasses(nClasses).map((c) => {
      let nPos = 0;
      let finite = true;
      for (let i = 0; i < n; i++) {
        if (y[i] === c) nPos++;
        if (!Number.isFinite(proba[i * nClasses + c])) finite = false;
      }
      if (nPos === 0 || nPos === n) return Number.NaN;
      if (!finite) {
        const { score, positive } = oneVsRest(proba, y, nClasses, c);
        return rocAucByOrder(score, positive, nPos);
      }
      const all = new Float64Array(n);
      const pos = new Float64Array(nPos);
      for (let i = 0, p = 0; i < n; i++) {
        const s = proba[i * nClasses + c];
        all[i] = s;
        if (y[i] === c) pos[p++] = s;
      }
      return rankSumAuc(all, pos);
    }),
  );
}
/** ROC points ([fpr, tpr], from (0,0) to (1,1)) and precision-recall points ([recall, precision]) with average precision. */
export function rankingCurves(
  score: ArrayLike<number>,
  positive: ArrayLike<number>,
): { roc: [number, number][]; pr: [number, number][]; averagePrecision: number } {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [[0, 1]];
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let lastRecall = 0;
  // one point per distinct score: tied rows move together, as scikit-learn's curves do
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && score[order[j]] === score[order[i]]) {
      if (positive[order[j]]) tp++;
      else fp++;
      j++;
    }
    const recall = nPos ? tp / nPos : 0;
    const precision = tp / (tp + fp);
    roc.push([nNeg ? fp / nNeg : 0, recall]);
    pr.push([recall, precision]);
    ap += (recall - lastRecall) * precision;
    lastRecall = recall;
    i = j;
  }
  return { roc, pr, averagePrecision: nPos ? ap : Number.NaN };
}

export interface CalibrationBin {
  /** The bin's range of predicted probability. */
  from: number;
  to: number;
  count: number;
  /** The mean predicted probability of its rows (NaN when empty). */
  meanPredicted: number;
  /** The fraction of its rows that are positive (NaN when empty). */
  fractionPositive: number;
}

/** Equal-width bins of predicted probability `p`, each with its rows' mean prediction and fraction of hits. */
export function calibrationBins(
  p: ArrayLike<number>,
  hit: ArrayLike<number>,
  nBins: number,
): CalibrationBin[] {
  const count = new Float64Array(nBins);
  const sumP = new Float64Array(nBins);
  const sumHit = new Float64Array(nBins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(nBins - 1, Math.max(0, Math.floor(p[i] * nBins)));
    count[b]++;
    sumP[b] += p[i];
    sumHit[b] += hit[i] ? 1 : 0;
  }
  return Array.from({ length: nBins }, (_, b) => ({
    from: b / nBins,
    to: (b + 1) / nBins,
    count: count[b],
    meanPredicted: count[b] ? sumP[b] / count[b] : Number.NaN,
    fractionPositive: count[b] ? sumHit[b] / count[b] : Number.NaN,
  }));
}

/** The predicted class of each row (the most probable; the first on ties) and confusion[actual][predicted]. */
export function confusionMatrix(
  proba: ArrayLike<number>,
  y: ArrayLike<number>,
  nClasses: number,
): { pred: Float64Array; confusion: number[][] } {
  const n = y.length;
  const pred = new Float64Array(n);
  const confusion = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < n; i++) {
    pred[i] = argmax(proba, i * nClasses, nClasses);
    confusion[y[i]][pred[i]]++;
  }
  return { pred, confusion };
}

export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose true class is this one. */
  support: number;
}

const safeDiv = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Precision, recall and F1 of each class from a confusion matrix; 0 where undefined, as scikit-learn's zero_division=0. */
export function classScores(
  confusion: readonly (readonly number[])[],
  labels: readonly string[],
): ClassScores[] {
  const k = labels.length;
  return labels.map((label, c) => {
    let predicted = 0;
    let support = 0;
    for (let a = 0; a < k; a++) {
      predicted += confusion[a][c];
      support += confusion[c][a];
    }
    const tp = confusion[c][c];
    const precision = safeDiv(tp, predicted);
    const recall = safeDiv(tp, support);
    return { label, precision, recall, f1: safeDiv(2 * precision * recall, precision + recall), support };
  });
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Equal-width bins spanning the values (one unit wide when they are all equal). */
export function histogram(values: ArrayLike<number>, nBins: number): HistogramBin[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (hi === lo) hi = lo + 1;
  const w = (hi - lo) / nBins;
  const counts = new Array<number>(nBins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(nBins - 1, Math.floor((values[i] - lo) / w))]++;
  return counts.map((count, b) => ({ from: lo + b * w, to: lo + (b + 1) * w, count }));
}
