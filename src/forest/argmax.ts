/**
 * Index of the largest value in out[offset .. offset + n); ties go to the lowest index, as numpy's argmax.
 * The one rule by which class probabilities become a predicted class, everywhere.
 *
 * @example
 * argmax([0.2, 0.5, 0.3], 0, 3); // 1
 */
export function argmax(out: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestV = out[offset];
  for (let c = 1; c < n; c++) {
    const v = out[offset + c];
    if (v > bestV) {
      bestV = v;
      best = c;
    }
  }
  return best;
}
