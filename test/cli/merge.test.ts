import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/io.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

const customers = join(FIXTURES, 'customers.csv');
const common = ['--target', 'churned', '--n-estimators', '8', '--seed', '2', '--threads', '1', '-q'];

describe('mlinfer train --shard and mlinfer merge', () => {
  it('4 shards merged (found by a pattern) are the unsharded model', async () => {
    const dir = tempDir();
    for (let i = 0; i < 4; i++) {
      const r = await cli(
        'train',
        customers,
        ...common,
        '--shard',
        `${i}/4`,
        '-o',
        join(dir, `part-${i}.mlinfer`),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`forest of 8 trees (shard ${i}/4: 2 trees)`);
    }
    const m = await cli('merge', join(dir, 'part-*.mlinfer'), '-o', join(dir, 'model.mlinfer'));
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain(
      'merged 4 shards (each read all the data) into a classification forest of 8 trees',
    );
    const part = await cli('inspect', join(dir, 'part-1.mlinfer'));
    expect(part.stdout).toContain('shard           1/4: trees 1, 5 of 8 (mlinfer merge joins the parts)');
    const inspected = JSON.parse((await cli('inspect', join(dir, 'model.mlinfer'), '--json')).stdout);
    expect(inspected.merged.parts.map((p: { index: number }) => p.index)).toEqual([0, 1, 2, 3]);
    const w = await cli('train', customers, ...common, '-o', join(dir, 'whole.mlinfer'));
    expect(w.code, w.stderr).toBe(0);
    const [merged, whole] = await Promise.all([
      loadModel(join(dir, 'model.mlinfer')),
      loadModel(join(dir, 'whole.mlinfer')),
    ]);
    expect(merged.forest.arrays.nodes).toEqual(whole.forest.arrays.nodes);
    expect(merged.forest.arrays.leafValues).toEqual(whole.forest.arrays.leafValues);
  });

  it('names the file and the field that differ, and exits 1; a bad --shard exits 2', async () => {
    const dir = tempDir();
    await cli('train', customers, ...common, '--shard', '0/2', '-o', join(dir, 'a.mlinfer'));
    await cli(
      'train',
      customers,
      ...common,
      '--max-depth',
      '4',
      '--shard',
      '1/2',
      '-o',
      join(dir, 'b.mlinfer'),
    );
    const r = await cli(
      'merge',
      join(dir, 'a.mlinfer'),
      join(dir, 'b.mlinfer'),
      '-o',
      join(dir, 'm.mlinfer'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${join(dir, 'b.mlinfer')}: params.maxDepth is 4, but null in ${join(dir, 'a.mlinfer')}`,
    );
    const bad = await cli('train', customers, ...common, '--shard', '2/2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard must be i/n with 0 <= i < n');
  });

  it('with several files, shard i reads the files k mod n = i; merge joins their categories and rows', async () => {
    const dir = tempDir();
    const [header, ...rows] = readFileSync(customers, 'utf8').trimEnd().split('\n');
    for (let k = 0; k < 6; k++)
      writeFileSync(
        join(dir, `part-${k}.csv`),
        `${[header, ...rows.filter((_, i) => i % 6 === k)].join('\n')}\n`,
      );
    for (let i = 0; i < 3; i++) {
      const r = await cli(
        'train',
        join(dir, 'part-*.csv'),
        ...common,
        '--shard',
        `${i}/3`,
        '-o',
        join(dir, `s${i}.mlinfer`),
      );
      expect(r.code, r.stderr).toBe(0);
    }
    const m = await cli(
      'merge',
      join(dir, 's0.mlinfer'),
      join(dir, 's1.mlinfer'),
      join(dir, 's2.mlinfer'),
      '-o',
      join(dir, 'm.mlinfer'),
      '--json',
    );
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({
      shards: 3,
      data: 'files',
      trees: 8,
      trainingRows: rows.length,
    });
    const merged = await loadModel(join(dir, 'm.mlinfer'));
    expect(merged.metadata.merged?.parts.map((p) => p.files)).toEqual([
      [join(dir, 'part-0.csv'), join(dir, 'part-3.csv')],
      [join(dir, 'part-1.csv'), join(dir, 'part-4.csv')],
      [join(dir, 'part-2.csv'), join(dir, 'part-5.csv')],
    ]);
  });
});
