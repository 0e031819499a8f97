/**
 * The ROC AUC by two sorted copies of the scores (rankSumAuc in src/model/metrics.ts), which replaced sorting
 * row indices to keep the out-of-bag metrics of millions of rows in bounded memory: the same numbers, bit for
 * bit, as the index sort, with ties, signed zeros and non-finite scores.
 */
import { describe, expect, it } from 'vitest';
import { rocAuc, rocAucFromProba } from '../../src/model/metrics.js';
import { scoreOutputs } from '../../src/model/train.js';

/** The AUC as it was computed before: row indices sorted by score, average ranks for ties. */
function byIndexSort(score: ArrayLike<number>, positive: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  if (nPos === 0 || nPos === n) return Number.NaN;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    for (let k = i; k <= j; k++) if (positive[order[k]]) rankSum += (i + j) / 2 + 1;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

/** A seeded sequence in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('rocAuc', () => {
  it('equals the index sort bit for bit, with many ties and signed zeros', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = lcg(seed);
      const n = 2000 + seed * 311;
      // scores on a coarse grid (ties everywhere), zeros of both signs
      const score = Float64Array.from({ length: n }, () => {
        const v = Math.floor(rnd() * 40) / 39;
        return v === 0 && rnd() < 0.5 ? -0 : v;
      });
      const positive = Uint8Array.from(score, (s) => (rnd() < 0.2 + 0.6 * s ? 1 : 0));
      expect(rocAuc(score, positive)).toBe(byIndexSort(score, positive));
    }
  });

  it('keeps the index sort for scores with NaN or infinities', () => {
    const score = [0.2, Number.NaN, 0.7, Number.POSITIVE_INFINITY, 0.7, 0.1];
    const positive = [0, 1, 1, 0, 1, 0];
    expect(rocAuc(score, positive)).toBe(byIndexSort(score, positive));
  });

  it('is NaN with one class only', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(rocAucFromProba([0.5, 0.5, 0.4, 0.6], [0, 0], 2)).toBeNaN();
  });
});

describe('rocAucFromProba', () => {
  it('is the macro mean of the one-vs-rest index-sort AUCs', () => {
    const rnd = lcg(9);
    const n = 1500;
    const C = 3;
    const proba = new Float64Array(n * C);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = Math.floor(rnd() * 8);
      const b = Math.floor(rnd() * (8 - a));
      proba.set([a / 8, b / 8, (8 - a - b) / 8], i * C);
      y[i] = rnd() < 0.5 ? Math.floor(rnd() * 3) : a >= 4 ? 0 : b >= 4 ? 1 : 2;
    }
    const per = [0, 1, 2].map((c) =>
      byIndexSort(
        Float64Array.from(y, (_, i) => proba[i * C + c]),
        Uint8Array.from(y, (v) => (v === c ? 1 : 0)),
      ),
    );
    expect(rocAucFromProba(proba, y, C)).toBe((per[0] + per[1] + per[2]) / 3);
  });
});

describe('scoreOutputs', () => {
  it('leaves rows without a prediction out, as if they were not there', () => {
    const out = new Float64Array([0.9, 0.1, Number.NaN, Number.NaN, 0.3, 0.7, 0.6, 0.4, 0.2, 0.8]);
    const y = new Float64Array([0, 1, 1, 1, 1]);
    const kept = scoreOutputs(
      'classification',
      out.filter((_, i) => i < 2 || i >= 4),
      Float64Array.of(0, 1, 1, 1),
      2,
    );
    expect(scoreOutputs('classification', out, y, 2)).toEqual(kept);
    expect(kept.accuracy).toBe(0.75);
    const reg = scoreOutputs('regression', Float64Array.of(1, Number.NaN, 3), Float64Array.of(1.5, 9, 2), 1);
    expect(reg).toEqual(scoreOutputs('regression', Float64Array.of(1, 3), Float64Array.of(1.5, 2), 1));
  });
});
