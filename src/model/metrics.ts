/**
 * Metrics over typed arrays, shared by training (holdout and out-of-bag scores) and `mlinfer evaluate`.
 * Classification labels are class indices; probabilities are row-major nRows * nClasses.
 */

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
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  // rank sum of positives, average ranks for ties (Mann-Whitney U)
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]]) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Binary: AUC of class 1's probability; several classes: the macro average of one-vs-rest AUCs. */
export function rocAucFromProba(proba: ArrayLike<number>, y: ArrayLike<number>, nClasses: number): number {
  const n = y.length;
  const classes = nClasses === 2 ? [1] : Array.from({ length: nClasses }, (_, c) => c);
  let sum = 0;
  let count = 0;
  for (const c of classes) {
    const score = new Float64Array(n);
    const pos = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      score[i] = proba[i * nClasses + c];
      pos[i] = y[i] === c ? 1 : 0;
    }
    const auc = rocAuc(score, pos);
    if (!Number.isNaN(auc)) {
      sum += auc;
      count++;
    }
  }
  return count ? sum / count : Number.NaN;
}
