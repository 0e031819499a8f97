#!/usr/bin/env node
// Writes the streaming-training benchmark's data (issue 16): a CSV of N rows x 20 features plus a binary
// target, about 157 bytes a row (10M rows: about 1.6 GB), a held-out file drawn the same way with another
// seed, and the first `--sample` rows as a separate file for the in-memory path. Not committed: run
//   node bench/make-large.mjs [--rows 10000000] [--test-rows 200000] [--sample 2000000] [--dir bench/data/large]
// Features: 14 continuous (6 decimals), 3 small integers, 2 categories (12 and 60 labels), 1 yes/no flag;
// about 2% of the cells are empty (missing). The target is a noisy non-linear rule (about 8% label noise), so
// no forest reaches 100% and the bins matter.
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    'test-rows': { type: 'string', default: '200000' },
    sample: { type: 'string', default: '2000000' },
    dir: { type: 'string', default: join(BENCH_DIR, 'data', 'large') },
    seed: { type: 'string', default: '1' },
  },
});

const COLORS = Array.from({ length: 12 }, (_, i) => `c${i}`);
const CITIES = Array.from({ length: 60 }, (_, i) => `city_${i}`);
const HEADER = [
  ...Array.from({ length: 14 }, (_, i) => `x${i}`),
  'n0',
  'n1',
  'n2',
  'color',
  'city',
  'member',
  'label',
].join(',');

/** A small seeded generator (mulberry32): the same files for the same seed on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function row(r) {
  const x = Array.from({ length: 14 }, () => r() * 2 - 1);
  const n = [Math.floor(r() * 8), Math.floor(r() * 20), Math.floor(r() * 4)];
  const color = Math.floor(r() * COLORS.length);
  const city = Math.floor(r() ** 2 * CITIES.length);
  const member = r() < 0.3;
  const score =
    Math.sin(3 * x[0]) +
    x[1] * x[2] * 2 +
    (x[3] > 0.2 ? 0.8 : -0.4) +
    0.3 * n[0] -
    1 +
    (color % 3 === 0 ? 0.7 : 0) +
    (member ? 0.5 : -0.2) +
    (city < 10 ? 0.4 : 0) +
    0.2 * x[4];
  const label = score > 0.4 !== r() < 0.08 ? 'yes' : 'no';
  const cells = [
    ...x.map((v) => v.toFixed(6)),
    ...n.map(String),
    COLORS[color],
    CITIES[city],
    member ? 'true' : 'false',
  ];
  for (let j = 0; j < cells.length; j++) if (r() < 0.02) cells[j] = '';
  return `${cells.join(',')},${label}\n`;
}

/** Writes `count` rows, waiting for the stream to drain: memory stays flat whatever the size. */
async function writeRows(path, count, seed, also = null) {
  const out = createWriteStream(path);
  out.write(`${HEADER}\n`);
  also?.stream.write(`${HEADER}\n`);
  const r = rng(seed);
  let buf = '';
  for (let i = 0; i < count; i++) {
    const line = row(r);
    buf += line;
    if (also && i < also.rows) also.stream.write(line);
    if (buf.length > 1 << 20 || i === count - 1) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
      if (i % 1_000_000 < 6000) process.stderr.write(`\r${path}: ${i + 1} rows`);
    }
  }
  out.end();
  await once(out, 'finish');
  if (also) {
    also.stream.end();
    await once(also.stream, 'finish');
  }
  process.stderr.write(`\r${path}: ${count} rows\n`);
}

const dir = opts.dir;
mkdirSync(dir, { recursive: true });
const rows = Number(opts.rows);
const sampleRows = Math.min(rows, Number(opts.sample));
const seed = Number(opts.seed);
await writeRows(join(dir, 'train.csv'), rows, seed, {
  rows: sampleRows,
  stream: createWriteStream(join(dir, 'sample.csv')),
});
await writeRows(join(dir, 'test.csv'), Number(opts['test-rows']), seed + 1000);
console.log(JSON.stringify({ dir, rows, sampleRows, testRows: Number(opts['test-rows']) }));
