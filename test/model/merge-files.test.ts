// Sharded training where each shard reads only its own files: bin edges, categories (and which of them
// share the "other" code) and classes differ per shard. The merged model must score every record exactly
// like the parts averaged, weighted by their tree counts: unseen categories, missing cells and values
// beyond every edge included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../src/data/table.js';
import { mergeModels } from '../../src/model/merge.js';
import { type Model, modelFromBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { randomTable } from './shard-helpers.js';

const COLORS = ['red', 'green', 'blue', 'teal', 'plum', 'gold', 'navy'];

/** Shard 0's files have 2 colors (below maxCategories: no "other" code); the others 4 each, not the same. */
const colorsOf = (k: number) => (k % 4 === 0 ? ['red', 'green'] : COLORS.slice(k % 4, (k % 4) + 4));

/** 8 CSV files that differ in their ranges, their colors and (files 3 and 7) their classes. */
function writeParts(dir: string, seed: number, task: 'classification' | 'regression'): string[] {
  const files: string[] = [];
  for (let k = 0; k < 8; k++) {
    let rows = randomTable(seed * 10 + k, 60 + 9 * k, task).map((r, i) => ({
      ...r,
      x: typeof r.x === 'number' ? r.x * (1 + k / 4) + k : r.x,
      color: r.color === null ? null : colorsOf(k)[i % colorsOf(k).length],
    }));
    if (task === 'classification' && k % 4 === 3)
      rows = rows.filter((r) => (r as Record<string, Cell>).target !== 'lo');
    const cols = Object.keys(rows[0]);
    const cell = (v: Cell) => (v === null ? '' : String(v));
    const text = [
      cols.join(','),
      ...rows.map((r) => cols.map((c) => cell(r[c as keyof typeof r])).join(',')),
    ];
    const path = join(dir, `part-${k}.csv`);
    writeFileSync(path, `${text.join('\n')}\n`);
    files.push(path);
  }
  return files;
}

function probe(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const xs = [null, -100, -3, -0.5, 0, 0.7, 2.2, 4.9, 8, 100];
  const zs = [null, -1, 0, 2.5, 5, 7.75, 10, 50];
  const colors = [null, ...COLORS, 'violet'];
  let i = 0;
  for (const x of xs)
    for (const z of zs) out.push({ x, z, color: colors[i++ % colors.length], flag: i % 3 === 0 });
  return out;
}

/** The parts averaged, weighted by tree counts: per class label, or the value. */
function averaged(parts: Model[], record: Record<string, unknown>): Record<string, number> {
  const total = parts.reduce((s, p) => s + p.forest.arrays.treeOffsets.length - 1, 0);
  const sum: Record<string, number> = {};
  for (const p of parts) {
    const w = (p.forest.arrays.treeOffsets.length - 1) / total;
    const pred = createPredictorFromModel(p).predict(record);
    const values = pred.probabilities ?? { value: pred.prediction as number };
    for (const [k, v] of Object.entries(values)) sum[k] = (sum[k] ?? 0) + w * v;
  }
  return sum;
}

describe('mergeModels, shards that read their own files', () => {
  for (const task of ['classification', 'regression'] as const)
    it(`${task}: the merged model scores like the parts averaged`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlinfer-merge-files-'));
      const files = writeParts(dir, task === 'classification' ? 1 : 2, task);
      const options = {
        target: 'target',
        nEstimators: 10,
        seed: 5,
        maxBins: 16,
        maxCategories: 3,
        nThreads: 1,
      };
      const parts: Model[] = [];
      for (let i = 0; i < 4; i++)
        parts.push(
          modelFromBytes(modelToBytes(await train(files, { ...options, shard: { index: i, count: 4 } }))),
        );
      // The parts do differ: else this test would prove nothing about re-expressing them.
      expect(parts[0].forest.arrays.binEdges).not.toEqual(parts[1].forest.arrays.binEdges);
      const colorFeature = (m: Model) => m.schema.features.find((f) => f.name === 'color')!;
      expect(colorFeature(parts[0]).categories).not.toEqual(colorFeature(parts[1]).categories);
      if (task === 'classification') expect(parts[3].classes).toEqual(['hi', 'mid']);
      // Shard 0 saw 2 colors (no "other" code), the others more than maxCategories (an "other" code).
      expect(parts.map((p) => colorFeature(p).hasOther)).toEqual([false, true, true, true]);
      expect(parts[0].metadata.shard).toMatchObject({
        data: 'files',
        files: [files[0], files[4]],
        filesTotal: 8,
      });

      const merged = modelFromBytes(modelToBytes(mergeModels(parts)));
      expect(merged.forest.arrays.treeOffsets.length - 1).toBe(10);
      if (task === 'classification') expect(merged.classes).toEqual(['hi', 'lo', 'mid']);
      expect(new Set(colorFeature(merged).categories)).toEqual(
        new Set(parts.flatMap((p) => colorFeature(p).categories!)),
      );
      expect(merged.metadata.trainingRows).toBe(parts.reduce((s, p) => s + p.metadata.trainingRows, 0));
      // Each part binned its own rows: their profiles cannot be added up, and the card says why there is none.
      expect(parts.every((p) => p.profile !== null)).toBe(true);
      expect(merged.profile).toBeNull();
      expect(merged.metadata.notes.some((n) => n.startsWith('no training profile'))).toBe(true);
      const predictor = createPredictorFromModel(merged);
      for (const record of probe()) {
        const want = averaged(parts, record);
        const pred = predictor.predict(record);
        const got = pred.probabilities ?? { value: pred.prediction as number };
        for (const k of Object.keys(got))
          expect(got[k], JSON.stringify(record)).toBeCloseTo(want[k] ?? 0, 12);
      }
    });

  it('checks the file list instead of the data hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlinfer-merge-files-'));
    const files = writeParts(dir, 3, 'classification');
    const options = { target: 'target', nEstimators: 4, seed: 5, nThreads: 1 };
    const a = await train(files, { ...options, shard: { index: 0, count: 2 } });
    const b = await train(files.slice(0, 6), { ...options, shard: { index: 1, count: 2 } });
    const c = await train(files, { ...options, exclude: ['flag'], shard: { index: 1, count: 2 } });
    expect(() => mergeModels([a, b], { names: ['a', 'b'] })).toThrow('b: shard.fileListHash is');
    expect(() => mergeModels([a, b], { names: ['a', 'b'] })).toThrow('b: shard.filesTotal is 6, but 8 in a');
    expect(() => mergeModels([a, c], { names: ['a', 'c'] })).toThrow('c: schema.features is');
    expect(
      mergeModels([a, await train(files, { ...options, shard: { index: 1, count: 2 } })]).metadata.merged
        ?.data,
    ).toBe('files');
  });
});
