/**
 * Neighbouring floating-point values, for turning the comparisons of other libraries (x < t, float32
 * comparisons) into our one rule, "x <= edge" in double precision.
 */

const bits64 = new BigInt64Array(1);
const float64 = new Float64Array(bits64.buffer);
const bits32 = new Int32Array(1);
const float32 = new Float32Array(bits32.buffer);

/** The largest double below x (x itself for NaN and -Infinity). */
export function nextDown(x: number): number {
  if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY) return x;
  if (x === 0) return -Number.MIN_VALUE;
  float64[0] = x;
  // For doubles of one sign, the bit patterns are ordered like the magnitudes.
  bits64[0] += x > 0 ? -1n : 1n;
  return float64[0];
}

/** The smallest float32 above the float32 value x (+Infinity above the largest float32). */
function nextUp32(x: number): number {
  if (x === Number.POSITIVE_INFINITY || Number.isNaN(x)) return x;
  if (x === 0) return 2 ** -149;
  float32[0] = x;
  bits32[0] += x > 0 ? 1 : -1;
  return float32[0];
}

/** The largest float32 below the float32 value x (x itself for -Infinity). */
export function nextDown32(x: number): number {
  if (x === Number.NEGATIVE_INFINITY || Number.isNaN(x)) return x;
  if (x === 0) return -(2 ** -149);
  float32[0] = x;
  bits32[0] += x > 0 ? -1 : 1;
  return float32[0];
}

/** 2^128: where float32 rounding overflows to Infinity, as if it were the float32 after the largest one. */
const FLOAT32_OVERFLOW = 2 ** 128;

/**
 * The double edge e such that, for every double x, x <= e exactly when Math.fround(x) <= t, for a float32
 * value t: the largest double that rounds (to nearest, ties to even) to t or below. That is the midpoint
 * between t and the next float32 (exact in double), or the double just below it when the tie rounds up.
 *
 * @example
 * float32LeqEdge(Math.fround(0.1)); // 0.10000000894069672 minus a hair: fround(x) <= fround(0.1) iff x <= it
 */
export function float32LeqEdge(t: number): number {
  if (t === Number.POSITIVE_INFINITY) return t;
  let up = nextUp32(t);
  if (up === Number.POSITIVE_INFINITY) up = FLOAT32_OVERFLOW;
  const low = t === Number.NEGATIVE_INFINITY ? -FLOAT32_OVERFLOW : t;
  const mid = low / 2 + up / 2;
  return Math.fround(mid) <= t ? mid : nextDown(mid);
}
