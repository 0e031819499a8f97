import { createRng } from '../../src/forest/rng.js';
import type { Matrix } from '../../src/forest/types.js';

/** A 3-class problem where the class depends on a weighted sum of the first 5 features, with label noise. */
export function makeClassification(
  n: number,
  d: number,
  seed: number,
  noise = 0.05,
): { X: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let f = 0; f < d; f++) {
      const v = rng.float() * 2 - 1;
      data[r * d + f] = v;
      if (f < 5) s += v * (f + 1);
    }
    y[r] = s > 1 ? 2 : s > -1 ? 1 : 0;
    if (rng.float() < noise) y[r] = rng.int(3);
  }
  return { X: { data, nRows: n, nFeatures: d }, y };
}

/** Friedman #1: y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise. */
export function makeFriedman(n: number, d: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const data = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) data[r * d + f] = rng.float();
    const x = (f: number) => data[r * d + f];
    y[r] =
      10 * Math.sin(Math.PI * x(0) * x(1)) +
      20 * (x(2) - 0.5) ** 2 +
      10 * x(3) +
      5 * x(4) +
      (rng.float() - 0.5);
  }
  return { X: { data, nRows: n, nFeatures: d }, y };
}

export function split(X: Matrix, y: Float64Array, nTrain: number) {
  const d = X.nFeatures;
  return {
    train: { X: { data: X.data.slice(0, nTrain * d), nRows: nTrain, nFeatures: d }, y: y.slice(0, nTrain) },
    test: {
      X: { data: X.data.slice(nTrain * d), nRows: X.nRows - nTrain, nFeatures: d },
      y: y.slice(nTrain),
    },
  };
}

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

export function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (y[i] - pred[i]) ** 2;
    tot += (y[i] - mean) ** 2;
  }
  return 1 - res / tot;
}
