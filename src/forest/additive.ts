/**
 * The last step of scoring an additive ensemble (see AdditiveScoring in types.ts): the trees' leaf sums
 * become outputs. Shared by every scoring path (single row, blocks, WebAssembly and JavaScript lanes) so they
 * agree bit for bit.
 */
import type { AdditiveScoring } from './types.js';

/** ONNX Runtime's softmax_zero treats a score within this of 0 as 0 (ComputeSoftmaxZero). */
const SOFTMAX_ZERO_EPSILON = 1e-7;

function sigmoid(s: number): number {
  return 1 / (1 + Math.exp(-s));
}

/**
 * Turns the C leaf sums at out[o ..] into outputs: times `scale` (1 / nTrees when averaging), plus the base
 * scores, through the link.
 *
 * @example
 * finishAdditive(additive, 1, out, 0, 3); // out: three summed raw scores in, three probabilities out
 */
export function finishAdditive(
  additive: AdditiveScoring,
  scale: number,
  out: Float64Array,
  o: number,
  C: number,
): void {
  const { baseScores, link } = additive;
  for (let c = 0; c < C; c++) out[o + c] = out[o + c] * scale + baseScores[c];
  switch (link) {
    case 'none':
      return;
    case 'logistic':
      for (let c = 0; c < C; c++) out[o + c] = sigmoid(out[o + c]);
      return;
    case 'logistic_binary': {
      const p = sigmoid(out[o + 1]);
      out[o] = 1 - p;
      out[o + 1] = p;
      return;
    }
    default:
      softmax(out, o, C, link === 'softmax_zero');
  }
}

function softmax(out: Float64Array, o: number, C: number, zero: boolean): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < C; c++) if (out[o + c] > max) max = out[o + c];
  let sum = 0;
  for (let c = 0; c < C; c++) {
    const v = out[o + c];
    const e = zero && Math.abs(v) <= SOFTMAX_ZERO_EPSILON ? 0 : Math.exp(v - max);
    out[o + c] = e;
    sum += e;
  }
  // softmax_zero with every score 0: ONNX Runtime divides 0 by 0; zeros say "no evidence" instead of NaN
  if (sum > 0) for (let c = 0; c < C; c++) out[o + c] /= sum;
}
