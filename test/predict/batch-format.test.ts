// The output formatting helpers of batch scoring.
import { describe, expect, it } from 'vitest';
import { type ChunkConfig, createFormatter } from '../../src/predict/batch-chunk.js';
import { createNumberText, csvCell, predictionValue } from '../../src/predict/batch-format.js';

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

describe('CSV output written as bytes', () => {
  const layout = (proba: boolean) => ({
    keep: [],
    keepAll: false,
    labels: null,
    proba,
    reasons: 0,
    explainMethod: 'path' as const,
  });
  const config = (proba: boolean): ChunkConfig => ({
    input: 'csv',
    header: ['x'],
    delimiter: ',',
    newline: '\n',
    layout: layout(proba),
    output: 'csv',
  });

  it('are the bytes of the lines the text formatter wrote (labels quoted, numbers as String(x))', () => {
    const labels = ['a,b', 'Zürich', 'x"y', ' pad', 3];
    const C = labels.length;
    const n = 500;
    const scores = new Float64Array(n * C);
    const valid = new Uint8Array(n);
    let s = 7;
    for (let i = 0; i < scores.length; i++) {
      s = (Math.imul(s, 48271) >>> 0) % 2147483647;
      scores[i] = i % 7 === 0 ? Math.round((s / 2147483647) * 100) / 100 : s / 2147483647 - 0.3;
    }
    for (let i = 0; i < n; i++) valid[i] = i % 5 === 0 ? 0 : 1;
    for (const proba of [false, true]) {
      const f = createFormatter(config(proba), labels, C);
      const out = f.format(new Array(n).fill(null), scores, valid, null);
      expect(out).toBeInstanceOf(Uint8Array);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        if (!valid[i]) continue;
        const p = predictionValue(labels, scores, i * C, C);
        let line = typeof p === 'string' ? csvCell(p) : String(p);
        if (proba) for (let c = 0; c < C; c++) line += `,${String(scores[i * C + c])}`;
        lines.push(line);
      }
      expect(new TextDecoder().decode(out as Uint8Array)).toBe(`${lines.join('\n')}\n`);
    }
    // Regression: the value itself; no valid row: nothing.
    const reg = createFormatter(config(false), null, 1);
    const values = Float64Array.from([1.5, -0, 1e-7, 123456.789, 2 / 3]);
    const text = new TextDecoder().decode(
      reg.format([null, null, null, null, null], values, new Uint8Array(5).fill(1), null) as Uint8Array,
    );
    expect(text).toBe('1.5\n0\n1e-7\n123456.789\n0.6666666666666666\n');
    expect((reg.format([null], values, new Uint8Array(1), null) as Uint8Array).length).toBe(0);
  });
});
