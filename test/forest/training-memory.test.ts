/**
 * The compact per-tree arrays of training (issue 16's memory bound): bootstrap counts in one byte a row with a
 * 32-bit fallback, integer weights, and out-of-bag counts sized by the tree count. Each must give the numbers
 * the double-precision arrays gave.
 */
import { describe, expect, it } from 'vitest';
import { OobAccumulator } from '../../src/forest/fit.js';
import type { TrainingData } from '../../src/forest/grow-tree.js';
import { bootstrapCounts, sampleRows } from '../../src/forest/node-rows.js';
import { createRng, type Rng } from '../../src/forest/rng.js';

/** An Rng that draws the given rows in turn. */
function scripted(rows: number[]): Rng {
  let i = 0;
  return { int: () => rows[i++], float: () => 0 };
}

/** The counts as doubles, the way they were drawn before. */
function referenceCounts(n: number, draws: number, rng: Rng): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < draws; i++) w[rng.int(n)] += 1;
  return w;
}

describe('bootstrapCounts', () => {
  it('gives the counts of the same draws, in one byte a row', () => {
    const counts = bootstrapCounts(1000, true, 1000, createRng(3));
    expect(counts).toBeInstanceOf(Uint8Array);
    expect(Array.from(counts)).toEqual(Array.from(referenceCounts(1000, 1000, createRng(3))));
  });

  it('goes on in 32 bits when a row is drawn a 256th time, keeping every count', () => {
    // row 7 drawn 300 times, the others once each, interleaved
    const draws: number[] = [];
    for (let k = 0; k < 300; k++) draws.push(7, 10 + k);
    const counts = bootstrapCounts(400, true, draws.length, scripted(draws));
    expect(counts).toBeInstanceOf(Uint32Array);
    expect(Array.from(counts)).toEqual(Array.from(referenceCounts(400, draws.length, scripted(draws))));
    expect(counts[7]).toBe(300);
  });

  it('is all ones without bootstrap, drawing nothing', () => {
    const rng = scripted([]);
    expect(Array.from(bootstrapCounts(5, false, 5, rng))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('sampleRows with a count past 255', () => {
  const n = 600;
  const data: TrainingData = {
    task: 'classification',
    bins: new Uint8Array(n),
    nRows: n,
    nFeatures: 1,
    featureKinds: new Uint8Array(1),
    categoryCounts: new Uint32Array(1),
    nOutputs: 3,
    y: Float64Array.from({ length: n }, (_, i) => i % 3),
    weights: null,
  };
  const cfg = {
    entropy: false,
    maxDepth: 3,
    minSamplesSplit: 2,
    minSamplesLeaf: 1,
    maxFeatures: 1,
    bootstrap: true,
    maxSamples: 600,
    balancedSubsample: false,
    computeOob: true,
  };
  const draws = Array.from({ length: 600 }, (_, k) => (k % 2 === 0 ? 4 : k));

  it('keeps the count as the weight, in 32 bits', () => {
    const { rows, counts } = sampleRows(data, cfg, scripted(draws));
    expect(counts[4]).toBe(300);
    expect(rows.w).toBeInstanceOf(Uint32Array);
    expect(rows.w[rows.idx.indexOf(4)]).toBe(300);
    expect(rows.yc).toBeInstanceOf(Uint8Array);
    expect(Array.from(rows.yc)).toEqual(Array.from(rows.idx, (r) => r % 3));
  });

  it('multiplies the same counts by sample weights and balanced_subsample factors as doubles did', () => {
    const weights = Float64Array.from({ length: n }, (_, i) => (i % 5) * 0.3);
    const d = { ...data, weights };
    const { rows } = sampleRows(d, { ...cfg, balancedSubsample: true }, scripted(draws));
    // the old computation: doubles throughout, in the same order of operations
    const w = referenceCounts(n, 600, scripted(draws));
    const cnt = [0, 0, 0];
    let total = 0;
    for (let r = 0; r < n; r++) {
      cnt[d.y[r]] += w[r];
      total += w[r];
    }
    const present = cnt.filter((c) => c > 0).length;
    for (let r = 0; r < n; r++) if (w[r] > 0) w[r] *= total / (present * cnt[d.y[r]]);
    for (let r = 0; r < n; r++) w[r] *= weights[r];
    const kept = Array.from(w.keys()).filter((r) => w[r] > 0);
    expect(rows.w).toBeInstanceOf(Float64Array);
    expect(Array.from(rows.idx)).toEqual(kept);
    expect(Array.from(rows.w)).toEqual(kept.map((r) => w[r]));
  });
});

describe('OobAccumulator', () => {
  const data = { nRows: 2, nOutputs: 1, task: 'regression', y: new Float64Array([1, 2]) } as TrainingData;
  const tree = {
    oobRows: new Uint32Array([0]),
    oobLeaves: new Uint16Array([1]),
    leafValues: new Float64Array([5, 0.1]),
  };

  it('counts past 255 trees when the forest has more', () => {
    const acc = new OobAccumulator(data, 300);
    for (let t = 0; t < 300; t++) acc.add(tree);
    let sum = 0;
    for (let t = 0; t < 300; t++) sum += 0.1;
    const { oobPrediction } = acc.finish();
    expect(oobPrediction[0]).toBe(sum / 300);
    expect(oobPrediction[1]).toBeNaN();
  });
});
