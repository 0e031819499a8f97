// The training profile in the model file (format 1.2, profile-sections.ts): it round-trips for both tasks,
// costs little, and damaged or foreign profile sections are a corrupt file or no profile, never a wrong report.
import { beforeAll, describe, expect, it } from 'vitest';
import { readContainer } from '../../src/model/container.js';
import { createModel, type Model, modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { PROFILE_COUNTS, PROFILE_EDGES, PROFILE_INFO } from '../../src/model/profile-sections.js';
import { train } from '../../src/model/train.js';
import { FIXTURES } from '../cli/helpers.js';
import { reseal } from '../model/forest-fixtures.js';

let churn: Model;
let price: Model;
beforeAll(async () => {
  churn = await train(`${FIXTURES}/customers.csv`, {
    target: 'churned',
    nEstimators: 10,
    seed: 0,
    nThreads: 1,
  });
  price = await train(`${FIXTURES}/housing.csv`, { target: 'price', nEstimators: 10, seed: 0, nThreads: 1 });
}, 120_000);

function patch(bytes: Uint8Array, id: number, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  const ref = readContainer(copy).sections.get(id)!;
  const view = new DataView(copy.buffer, ref.offset, ref.byteLength);
  const size = ref.byteLength / ref.length;
  if (size === 1) view.setUint8(at, value);
  else if (size === 2) view.setUint16(at * 2, value, true);
  else if (size === 4) view.setUint32(at * 4, value, true);
  else view.setFloat64(at * 8, value, true);
  return reseal(copy);
}

describe('the training profile in the model file', () => {
  it('round-trips for classification and regression (deciles of the target and of the predictions)', () => {
    for (const m of [churn, price]) expect(modelFromBytes(modelToBytes(m)).profile).toEqual(m.profile);
    const p = price.profile!;
    expect(p.target.edges!.length).toBe(9);
    expect(p.prediction.edges!.length).toBe(9);
    // deciles: every bin holds about a tenth of the rows
    for (const c of p.target.counts) expect(c / p.rows).toBeCloseTo(0.1, 1);
    expect(readContainer(modelToBytes(churn)).sections.has(PROFILE_EDGES)).toBe(false);
  });

  it('costs little: under 1 KB for the 9 customer features, counts in the narrowest integer type', () => {
    const withProfile = modelToBytes(churn).length;
    const without = modelToBytes(createModel(churn.metadata, churn.forest, null)).length;
    expect(withProfile - without).toBeGreaterThan(0);
    expect(withProfile - without).toBeLessThan(1024);
    const counts = readContainer(modelToBytes(churn)).sections.get(PROFILE_COUNTS)!;
    // 3000 rows: u16
    expect(counts.byteLength / counts.length).toBe(2);
  });

  it('a format 1.1 file has none and loads; a later profile layout is skipped, not misread', () => {
    const old = modelToBytes(createModel(churn.metadata, churn.forest, null));
    new DataView(old.buffer).setUint16(10, 1, true);
    const loaded = modelFromBytes(reseal(old));
    expect(loaded.profile).toBeNull();
    expect(loaded.forest.arrays.nodes).toEqual(churn.forest.arrays.nodes);
    const later = patch(modelToBytes(churn), PROFILE_INFO, 0, 2);
    expect(modelFromBytes(later).profile).toBeNull();
  });

  it('counts that do not add up to the rows, a wrong length or edges out of order are a corrupt file', () => {
    const bytes = modelToBytes(churn);
    const bad = patch(bytes, PROFILE_COUNTS, 0, 60_000);
    expect(() => modelFromBytes(bad)).toThrow(
      expect.objectContaining({
        code: 'MLI_MODEL_CORRUPT',
        message: expect.stringMatching(/feature 0's counts sum to \d+, not the 3000 rows/),
      }),
    );
    const rows = patch(bytes, PROFILE_INFO, 1, 7);
    expect(() => modelFromBytes(rows)).toThrow(expect.objectContaining({ code: 'MLI_MODEL_CORRUPT' }));
    const bins = patch(bytes, PROFILE_INFO, 3, 5);
    expect(() => modelFromBytes(bins)).toThrow(/5 target and 2 prediction bins for 2 classes/);
    const edges = patch(modelToBytes(price), PROFILE_EDGES, 1, -1);
    expect(() => modelFromBytes(edges)).toThrow(/the target edges are not ascending/);
  });
});
