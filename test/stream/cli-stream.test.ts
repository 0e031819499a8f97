// `mlinfer train` over several files, a glob and Parquet, by streaming; and the pass progress it draws.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train } from '../../src/model/train.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mlinfer-cli-stream-'));

function part(name: string, from: number, to: number): string {
  const lines = ['x,kind,y'];
  for (let i = from; i < to; i++)
    lines.push(`${i % 13},${i % 3 === 0 ? 'a' : 'b'},${(i % 13) + (i % 3) > 7 ? 'hi' : 'lo'}`);
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

describe('mlinfer train, streaming', () => {
  const a = part('day-1.csv', 0, 400);
  const b = part('day-2.csv', 400, 900);

  it('trains on several files and on a glob, with the same model', async () => {
    const flags = ['--n-estimators', '5', '--threads', '1', '--json', '-q'];
    const r1 = await cli('train', a, b, '-o', join(dir, 'm1.mlinfer'), ...flags);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const s1 = JSON.parse(r1.stdout);
    expect(s1.trainingRows).toBe(900);
    expect(s1.notes.at(-1)).toMatch(/trained by streaming: two passes over 2 file\(s\), 900 rows/);
    const r2 = await cli('train', join(dir, 'day-*.csv'), '-o', join(dir, 'm2.mlinfer'), ...flags);
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout).metrics).toEqual(s1.metrics);
  });

  it('--streaming on one small file, --no-streaming reading several into memory', async () => {
    const r = await cli(
      'train',
      a,
      '--streaming',
      '-o',
      join(dir, 'm3.mlinfer'),
      '--n-estimators',
      '3',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).notes.at(-1)).toMatch(/trained by streaming: two passes over 1 file/);
    const plain = await cli('train', a, '-o', join(dir, 'm4.mlinfer'), '--n-estimators', '3', '--json');
    expect(JSON.parse(plain.stdout).notes.join('\n')).not.toMatch(/streaming/);
    const inMemory = await cli(
      'train',
      a,
      b,
      '--no-streaming',
      '-o',
      join(dir, 'm5.mlinfer'),
      '--n-estimators',
      '3',
      '--json',
    );
    expect(inMemory.code).toBe(0);
    expect(JSON.parse(inMemory.stdout).notes.join('\n')).not.toMatch(/streaming/);
  });

  it('reports the progress of each pass up to its total', async () => {
    const seen: Record<number, { done: number; total: number }> = {};
    await train([a, b], {
      nEstimators: 2,
      nThreads: 1,
      onPassProgress: (pass, done, total) => {
        seen[pass] = { done, total };
      },
    });
    expect(seen[1].done).toBe(seen[1].total);
    expect(seen[2]).toEqual(seen[1]);
  });

  it('--shard with streaming grows the shard trees; the parts merge into a forest of all the trees', async () => {
    const { mergeModels } = await import('../../src/index.js');
    const whole = await train([a, b], { nEstimators: 4, nThreads: 1 });
    const parts = await Promise.all(
      [0, 1].map((index) => train([a, b], { nEstimators: 4, nThreads: 1, shard: { index, count: 2 } })),
    );
    expect(parts[0].metadata.notes.at(-1)).toMatch(/trained by streaming: two passes over 1 file/);
    expect(parts[0].metadata.shard?.treeIndices).toEqual([0, 2]);
    const merged = mergeModels(parts as never);
    expect(merged.forest.arrays.treeOffsets.length).toBe(whole.forest.arrays.treeOffsets.length);
  });
});
