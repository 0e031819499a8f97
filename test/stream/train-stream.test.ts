// Streaming training (issue 16): the same schema and forest as the in-memory path where the bins are
// exact, close accuracy where they come from sketches, several files and globs, Parquet, holdout, errors.
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import { evaluate } from '../../src/model/evaluate.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { STREAMING_MIN_BYTES, trainingFiles } from '../../src/model/train-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'mlinfer-stream-'));
const BASE = { nEstimators: 12, nThreads: 1, seed: 5 };

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Rows with few distinct values per feature (exact bins both ways), a category, a yes/no flag, missing
 * cells and a few rows without a target; or, with `continuous`, numbers with many distinct values.
 */
function rowsOf(n: number, seed: number, continuous = false): string[] {
  const r = lcg(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = continuous ? r() * 10 : Math.floor(r() * 10);
    const b = continuous ? r() * 5 : Math.floor(r() * 5);
    const c = ['x', 'y', 'z', 'w'][Math.floor(r() * 4)];
    const flag = r() < 0.5 ? 'yes' : 'no';
    const noise = r() < 0.05;
    const label = (a + b > 7 !== (c === 'z')) !== noise ? 'p' : 'n';
    const aCell = i % 17 === 3 ? '' : continuous ? a.toFixed(6) : String(a);
    const target = i % 101 === 50 ? 'NA' : label;
    out.push(`${aCell},${continuous ? b.toFixed(6) : b},${c},${flag},${target}`);
  }
  return out;
}

const HEADER = 'a,b,c,flag,target';

function write(name: string, lines: string[], header: string | null = HEADER): string {
  const p = join(dir, name);
  writeFileSync(p, `${header === null ? '' : `${header}\n`}${lines.join('\n')}\n`);
  return p;
}

function sameForest(m1: Model, m2: Model): void {
  const a = m1.forest.arrays;
  const b = m2.forest.arrays;
  expect(m2.schema).toEqual(m1.schema);
  expect(Array.from(b.binEdges)).toEqual(Array.from(a.binEdges));
  expect(Array.from(b.binEdgeOffsets)).toEqual(Array.from(a.binEdgeOffsets));
  expect(Array.from(b.nodes)).toEqual(Array.from(a.nodes));
  expect(Array.from(b.leafValues)).toEqual(Array.from(a.leafValues));
  expect(m2.metadata.metrics.oob).toEqual(m1.metadata.metrics.oob);
  expect(m2.metadata.trainingRows).toBe(m1.metadata.trainingRows);
  // the drift profile (issue 15) counted from the bins equals the one counted from the values
  expect(m2.profile).not.toBeNull();
  expect(m2.profile).toEqual(m1.profile);
}

async function failure(p: Promise<unknown>): Promise<MlinferError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MlinferError);
    return e as MlinferError;
  }
  throw new Error('expected a rejection');
}

describe('streaming training', () => {
  const rows = rowsOf(3000, 1);
  const csv = write('small.csv', rows);

  it('gives the in-memory forest bit for bit when every feature has few distinct values (CSV)', async () => {
    const exact = await train(csv, BASE);
    const streamed = await train(csv, { ...BASE, streaming: true });
    sameForest(exact, streamed);
    expect(streamed.metadata.notes.at(-1)).toMatch(
      /trained by streaming: two passes over 1 file\(s\), 3000 rows; bin edges exact/,
    );
    expect(exact.metadata.notes.join('\n')).not.toMatch(/streaming/);
  });

  it('gives the in-memory forest on JSON Lines, with a key that first appears late', async () => {
    const records = rows.map((line, i) => {
      const [a, b, c, flag, target] = line.split(',');
      const rec: Record<string, unknown> = { a: a === '' ? null : Number(a), b: Number(b), c, flag, target };
      if (i >= 10) rec.extra = i % 3 === 0 ? 'u' : 'v';
      return JSON.stringify(rec);
    });
    const jl = write('small.jsonl', records, null);
    const opts = { ...BASE, target: 'target' };
    sameForest(await train(jl, opts), await train(jl, { ...opts, streaming: true }));
  });

  it('reads several files and a glob as one table, in order', async () => {
    write('part-0.csv', rows.slice(0, 1000));
    write('part-1.csv', rows.slice(1000, 2200));
    write('part-2.csv', rows.slice(2200));
    const whole = await train(csv, { ...BASE, streaming: true });
    const listed = await train(
      [join(dir, 'part-0.csv'), join(dir, 'part-1.csv'), join(dir, 'part-2.csv')],
      BASE,
    );
    const globbed = await train(join(dir, 'part-*.csv'), BASE);
    sameForest(whole, listed);
    sameForest(whole, globbed);
    expect(globbed.metadata.notes.at(-1)).toMatch(/over 3 file\(s\)/);
  });

  it('trains from Parquet (numbers, strings, nulls) like from the same CSV', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const cols = rows.map((l) => l.split(','));
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'a', data: cols.map((c) => (c[0] === '' ? null : Number(c[0]))), type: 'DOUBLE' },
        { name: 'b', data: cols.map((c) => Number(c[1])), type: 'DOUBLE' },
        { name: 'c', data: cols.map((c) => c[2]), type: 'STRING' },
        { name: 'flag', data: cols.map((c) => c[3]), type: 'STRING' },
        { name: 'target', data: cols.map((c) => (c[4] === 'NA' ? null : c[4])), type: 'STRING' },
      ],
      rowGroupSize: 700,
    });
    const pq = join(dir, 'small.parquet');
    writeFileSync(pq, new Uint8Array(buf));
    sameForest(await train(csv, BASE), await train(pq, BASE));
  });

  it('infers the same schema when a column turns categorical after many numbers (a recount pass)', async () => {
    const lines = rows.map((l, i) => {
      const cells = l.split(',');
      if (i === 2500) cells[1] = 'lots';
      return cells.join(',');
    });
    const p = write('late.csv', lines);
    const exact = await train(p, BASE);
    expect(exact.schema.features.find((f) => f.name === 'b')?.type).toBe('categorical');
    sameForest(exact, await train(p, { ...BASE, streaming: true }));
  });

  it('leaves out identifier columns as the in-memory path does', async () => {
    const lines = rows.map((l, i) => `${1000 + i},cust-${i},${l}`);
    const p = write('ids.csv', lines, `order_id,customer,${HEADER}`);
    const exact = await train(p, BASE);
    expect(exact.schema.excluded).toEqual(['order_id', 'customer']);
    sameForest(exact, await train(p, { ...BASE, streaming: true }));
  });

  it('is as accurate as the in-memory path when bins come from sketches', async () => {
    const big = write('continuous.csv', rowsOf(8000, 7, true));
    const holdout = write('continuous-test.csv', rowsOf(3000, 8, true));
    const opts = { ...BASE, nEstimators: 20, nThreads: 2 };
    const exact = await train(big, opts);
    const streamed = await train(big, { ...opts, streaming: true });
    expect(streamed.schema).toEqual(exact.schema);
    expect(streamed.metadata.notes.at(-1)).toMatch(/bin edges from quantile sketches, rank error at most/);
    const e1 = await evaluate(exact, holdout);
    const e2 = await evaluate(streamed, holdout);
    expect(
      Math.abs((e1 as { accuracy: number }).accuracy - (e2 as { accuracy: number }).accuracy),
    ).toBeLessThan(0.01);
  });

  it('holds out about testSize of the rows by a seeded hash and reports holdout metrics', async () => {
    const m = await train(csv, { ...BASE, streaming: true, testSize: 0.25 });
    const rowsWithTarget = rows.filter((l) => !l.endsWith(',NA')).length;
    const held = (m.metadata.metrics.holdout as { rows: number }).rows;
    expect(Math.abs(held - rowsWithTarget * 0.25)).toBeLessThan(rowsWithTarget * 0.03);
    expect(m.metadata.trainingRows + held).toBe(rowsWithTarget);
    expect(m.metadata.metrics.holdout?.accuracy).toBeGreaterThan(0.85);
    const again = await train(csv, { ...BASE, streaming: true, testSize: 0.25 });
    expect(again.metadata.metrics.holdout).toEqual(m.metadata.metrics.holdout);
  });

  it('names the file and row of a value that contradicts a given type', async () => {
    const lines = [...rows];
    lines[2000] = lines[2000].replace(/^[^,]*,[^,]*,/, '1,oops,');
    const p = write('bad.csv', lines);
    const e = await failure(train(p, { ...BASE, streaming: true, types: { b: 'numeric' } }));
    expect(e.code).toBe('MLI_INVALID_DATA');
    expect(e.message).toContain(`${p}, row 2001, column "b": expected a number, got "oops"`);
    const jl = write('bad.jsonl', ['{"a":1,"target":"p"}', '', '{"a":"x","target":"n"}'], null);
    const e2 = await failure(train(jl, { ...BASE, streaming: true, types: { a: 'numeric' } }));
    expect(e2.message).toContain(`${jl}:3, column "a": expected a number, got "x"`);
  });

  it('refuses CSV files with different headers, mixed formats, and Parquet with streaming false', async () => {
    const other = write('other.csv', rows.slice(0, 5), 'a,b,c,target,flag');
    const e = await failure(train([csv, other], BASE));
    // files are read in sorted order (as batch lists them): other.csv comes first
    expect(e.message).toMatch(
      /small\.csv: its header \(a, b, c, flag, target\) differs from the first file's \(a, b, c, target, flag\)/,
    );
    expect((await failure(train([csv, join(dir, 'small.jsonl')], BASE))).message).toMatch(/mix formats/);
    // streaming false reads the files into memory (and the shard path's reader checks the columns)
    expect((await failure(train([csv, other], { ...BASE, streaming: false }))).message).toMatch(
      /has the columns/,
    );
    expect((await failure(train(join(dir, 'small.parquet'), { ...BASE, streaming: false }))).message).toMatch(
      /Parquet trains by streaming/,
    );
    expect((await failure(train([{ a: 1, target: 1 }], { streaming: true }))).message).toMatch(
      /streaming trains from files/,
    );
    expect((await failure(train(join(dir, 'nothing-*.csv'), BASE))).code).toBe('MLI_NOT_FOUND');
  });

  it('leaves invalid rows out with skipInvalidRows, and counts them', async () => {
    const lines = [...rows];
    lines[10] = lines[10].replace(/^[^,]*,[^,]*,/, '1,oops,');
    const p = write('skip.csv', lines);
    const m = await train(p, { ...BASE, streaming: true, types: { b: 'numeric' }, skipInvalidRows: true });
    expect(m.metadata.notes.join('\n')).toMatch(/1 row\(s\) with invalid values were left out/);
    expect(readFileSync(p, 'utf8')).toContain('oops');
  });

  it('gives the in-memory forest for a regression target and with tune', async () => {
    const lines = rows.map((l, i) =>
      l.replace(/,(p|n|NA)$/, `,${i % 101 === 50 ? 'NA' : ((i * 7919) % 1000) / 10}`),
    );
    const p = write('regression.csv', lines);
    const exact = await train(p, { ...BASE, task: 'regression' });
    expect(exact.metadata.task).toBe('regression');
    sameForest(exact, await train(p, { ...BASE, task: 'regression', streaming: true }));
    const tuneOpts = { ...BASE, nEstimators: 3, tune: true };
    const t1 = await train(csv, tuneOpts);
    const t2 = await train(csv, { ...tuneOpts, streaming: true });
    sameForest(t1, t2);
    expect(t2.metadata.metrics).toEqual(t1.metadata.metrics);
  });

  it('streams a file of STREAMING_MIN_BYTES or more by default, and not a smaller one', async () => {
    const sparse = join(dir, 'large.csv');
    const fd = openSync(sparse, 'w');
    ftruncateSync(fd, STREAMING_MIN_BYTES); // sparse: no disk used, only the size is read
    closeSync(fd);
    expect(await trainingFiles(sparse, {})).toEqual({ files: [sparse], stream: true });
    expect(await trainingFiles(sparse, { streaming: false })).toEqual({ files: [sparse], stream: false });
    expect(await trainingFiles(csv, {})).toEqual({ files: [csv], stream: false });
    expect(await trainingFiles([{ a: 1 }], {})).toBeNull();
  });
});
