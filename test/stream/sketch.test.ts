// The quantile sketch's stated error bound, checked against the true ranks on random and adversarial
// streams, and merging.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantileSketch, rankReader } from '../../src/data/sketch.js';

/** The largest |estimated rank - true rank| over a set of probe values. */
function worstRankError(s: QuantileSketch, data: Float64Array, probes: number[]): number {
  const sorted = Float64Array.from(data).sort();
  let worst = 0;
  for (const x of probes) {
    // true rank: values <= x
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (sorted[m] <= x) a = m + 1;
      else b = m;
    }
    worst = Math.max(worst, Math.abs(s.rank(x) - a));
  }
  return worst;
}

function probesOf(data: Float64Array): number[] {
  const sorted = Float64Array.from(data).sort();
  const out: number[] = [];
  for (let i = 0; i < 200; i++) out.push(sorted[Math.floor((i / 200) * sorted.length)]);
  out.push(sorted[sorted.length - 1], sorted[0] - 1);
  return out;
}

const streams: Record<string, (n: number) => Float64Array> = {
  sorted: (n) => Float64Array.from({ length: n }, (_, i) => i),
  reversed: (n) => Float64Array.from({ length: n }, (_, i) => n - i),
  sawtooth: (n) => Float64Array.from({ length: n }, (_, i) => i % 997),
  'few values': (n) => Float64Array.from({ length: n }, (_, i) => (i * 7919) % 3),
  'heavy ties and outliers': (n) =>
    Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1e300 * (i % 3) : 0.5)),
  zigzag: (n) => Float64Array.from({ length: n }, (_, i) => (i % 2 ? i : -i)),
};

describe('QuantileSketch', () => {
  it('is exact until its first compaction', () => {
    const s = new QuantileSketch(64);
    const data = Float64Array.from({ length: 63 }, (_, i) => (i * 37) % 63);
    for (const v of data) s.add(v);
    expect(s.maxRankError()).toBe(0);
    const at = rankReader(s);
    const sorted = Float64Array.from(data).sort();
    for (let r = 0; r < 63; r++) expect(at(r)).toBe(sorted[r]);
  });

  it('keeps every rank within maxRankError() on random streams (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 8, max: 64 }),
        (values, k) => {
          const s = new QuantileSketch(k);
          const data = Float64Array.from(values);
          for (const v of data) s.add(v);
          expect(s.count).toBe(data.length);
          expect(worstRankError(s, data, probesOf(data))).toBeLessThanOrEqual(s.maxRankError());
          // the stated a-priori bound: n * levels / k
          const levels = Math.ceil(Math.log2(data.length / k + 1)) + 1;
          expect(s.maxRankError()).toBeLessThanOrEqual((data.length * levels) / k);
        },
      ),
      { numRuns: 60 },
    );
  });

  for (const [name, make] of Object.entries(streams)) {
    it(`keeps every rank within the bound on an adversarial stream: ${name}`, () => {
      const data = make(50_000);
      const s = new QuantileSketch(128);
      for (const v of data) s.add(v);
      const bound = s.maxRankError();
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThanOrEqual((50_000 * Math.ceil(Math.log2(50_000 / 128) + 2)) / 128);
      expect(worstRankError(s, data, probesOf(data))).toBeLessThanOrEqual(bound);
      expect(s.retained()).toBeLessThan(128 * 12);
    });
  }

  it('merges: the union of sketches keeps the bound over the union of streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 800 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (parts) => {
          const sketches = parts.map((p) => {
            const s = new QuantileSketch(16);
            for (const v of p) s.add(v);
            return s;
          });
          const merged = new QuantileSketch(16);
          for (const s of sketches) merged.merge(s);
          const data = Float64Array.from(parts.flat());
          expect(merged.count).toBe(data.length);
          if (data.length === 0) return;
          expect(worstRankError(merged, data, probesOf(data))).toBeLessThanOrEqual(merged.maxRankError());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives the same answers for the same stream (seeded)', () => {
    const a = new QuantileSketch(32);
    const b = new QuantileSketch(32);
    for (let i = 0; i < 5000; i++) {
      a.add(Math.sin(i) * 100);
      b.add(Math.sin(i) * 100);
    }
    expect(rankReader(a)(2500)).toBe(rankReader(b)(2500));
  });

  it('refuses NaN and a tiny capacity', () => {
    expect(() => new QuantileSketch().add(Number.NaN)).toThrow(/no NaN/);
    expect(() => new QuantileSketch(2)).toThrow(/k must be an integer >= 8/);
  });
});
