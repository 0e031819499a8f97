// The output formatting helpers of batch scoring.
import { describe, expect, it } from 'vitest';
import { createNumberText } from '../../src/predict/batch-format.js';

describe('createNumberText', () => {
  it('writes what String(x) writes, for hits, misses and collisions alike', () => {
    const text = createNumberText();
    let s = 1;
    const rand = () => {
      s = (Math.imul(s, 48271) >>> 0) % 2147483647;
      return s / 2147483647;
    };
    const values = [
      0,
      -0,
      1,
      -1,
      0.1,
      0.30000000000000004,
      1e-7,
      1e21,
      5e-324,
      Number.NaN,
      Infinity,
      -Infinity,
    ];
    // Few distinct values (as a forest's probabilities), then many (collisions in the 4096 slots).
    for (let i = 0; i < 20000; i++) values.push(Math.round(rand() * 100) / 100, rand() * 3 - 1);
    for (let round = 0; round < 2; round++)
      for (const x of values) expect(text(x), String(x)).toBe(String(x));
  });
});
