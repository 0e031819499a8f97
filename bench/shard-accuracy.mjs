#!/usr/bin/env node
// What training on parts of the data costs: 4 machines that each read only their own files
// (`mlinfer train part-*.csv --shard i/4`, then `mlinfer merge`) against one model trained on all the data,
// and against each part's model alone. Same trees in all (--trees), same seed, scored on one held-out file.
//   npm run build && node bench/shard-accuracy.mjs [--rows 200000] [--parts 4] [--files 16] [--trees 100]
//     [--task classification|regression] [--skew] [--seeds 3] [--threads 2]
// --skew sorts the rows by the first feature before cutting the files (each machine sees one region of the
// data, as files by date or by region do); without it the files are i.i.d. samples. The data is generated
// here (a noisy rule over numeric and categorical features, with missing cells), written as CSV to a temp
// dir. Prints a Markdown table on stdout (paste it into bench/RESULTS.md), progress on stderr, and writes the
// raw numbers to bench/out/shard-accuracy-<time>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, OUT_DIR, since } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    parts: { type: 'string', default: '4' },
    files: { type: 'string', default: '16' },
    trees: { type: 'string', default: '100' },
    task: { type: 'string', default: 'classification' },
    skew: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const nRows = Number(opts.rows);
const nParts = Number(opts.parts);
const nFiles = Number(opts.files);
const nTrees = Number(opts.trees);
const task = opts.task;
if (nFiles % nParts !== 0) throw new Error(`--files (${nFiles}) must be a multiple of --parts (${nParts})`);

const mlinfer = await import('../dist/index.js').catch(() => {
  throw new Error('dist/ is missing: run npm run build');
});
const { mergeModels, train, evaluate } = mlinfer;

/** sfc32-like small PRNG (the data must not depend on Math.random). */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const REGIONS = ['north', 'south', 'east', 'west', 'centre', 'islands'];
const PLANS = Array.from({ length: 30 }, (_, i) => `plan${i}`);

/** Rows of a noisy rule: 8 numeric features (two informative, with interactions), 2 categorical, missing cells. */
function generate(n, seed) {
  const r = prng(seed);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 8 }, () => r() * 2 - 1);
    const region = REGIONS[Math.floor(r() * REGIONS.length)];
    const plan = PLANS[Math.floor(r() ** 2 * PLANS.length)];
    const s =
      2 * x[0] +
      Math.sin(3 * x[1]) +
      x[2] * x[3] +
      (region === 'north' ? 0.8 : region === 'islands' ? -0.8 : 0) +
      (Number(plan.slice(4)) % 3) * 0.4 -
      0.4 +
      (r() - 0.5) * 1.5;
    const row = {};
    x.forEach((v, f) => {
      row[`x${f}`] = r() < 0.03 ? '' : v.toFixed(5);
    });
    row.region = r() < 0.03 ? '' : region;
    row.plan = plan;
    row.target = task === 'classification' ? (s > 0.8 ? 'high' : s > -0.8 ? 'mid' : 'low') : s.toFixed(5);
    rows.push(row);
  }
  return rows;
}

function writeCsv(path, rows) {
  const cols = Object.keys(rows[0]);
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => r[c]).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function score(model, testPath) {
  const e = await evaluate(model, testPath);
  return task === 'classification'
    ? { accuracy: e.accuracy, logLoss: e.logLoss }
    : { r2: e.r2, rmse: e.rmse };
}

async function runSeed(seed) {
  const dir = mkdtempSync(join(tmpdir(), 'mlinfer-shard-accuracy-'));
  try {
    const rows = generate(nRows, seed);
    if (opts.skew) rows.sort((a, b) => Number(a.x0 || 0) - Number(b.x0 || 0));
    const files = [];
    // consecutive blocks: with --skew, file k holds one band of x0; shard i gets files k mod parts = i
    const per = Math.ceil(nRows / nFiles);
    for (let k = 0; k < nFiles; k++) {
      const path = join(dir, `part-${String(k).padStart(3, '0')}.csv`);
      writeCsv(path, rows.slice(k * per, (k + 1) * per));
      files.push(path);
    }
    const testPath = join(dir, 'test.csv');
    writeCsv(testPath, generate(Math.max(2000, Math.round(nRows / 5)), seed + 1_000_000));
    const options = { target: 'target', nEstimators: nTrees, seed, nThreads: Number(opts.threads) };
    let t0 = process.hrtime.bigint();
    const whole = await train(files, options);
    const wholeSeconds = since(t0);
    const parts = [];
    const partSeconds = [];
    for (let i = 0; i < nParts; i++) {
      t0 = process.hrtime.bigint();
      parts.push(await train(files, { ...options, shard: { index: i, count: nParts } }));
      partSeconds.push(since(t0));
      process.stderr.write(`seed ${seed}: part ${i + 1}/${nParts} trained\n`);
    }
    t0 = process.hrtime.bigint();
    const merged = mergeModels(parts);
    const mergeSeconds = since(t0);
    // a part alone has nTrees / nParts trees: a part trained alone with all nTrees trees is the fairer baseline
    const alone = await train(
      files.filter((_, k) => k % nParts === 0),
      options,
    );
    return {
      seed,
      whole: { ...(await score(whole, testPath)), seconds: wholeSeconds },
      merged: { ...(await score(merged, testPath)), seconds: Math.max(...partSeconds) + mergeSeconds },
      partAlone: await score(alone, testPath),
      mergeSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let s = 0; s < Number(opts.seeds); s++) results.push(await runSeed(s + 1));

const metrics = task === 'classification' ? ['accuracy', 'logLoss'] : ['r2', 'rmse'];
const med = (pick) => median(results.map(pick));
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(4) : '-');
const header = `${nRows} rows (${opts.skew ? 'files by band of x0' : 'i.i.d. files'}), ${nFiles} files, ${nParts} parts, ${nTrees} trees, ${task}; medians over ${results.length} seeds`;
const lines = [
  header,
  '',
  `| model | ${metrics.join(' | ')} | seconds (wall, parts in parallel) |`,
  `| --- | ${metrics.map(() => '---:').join(' | ')} | ---: |`,
  `| one model, all data | ${metrics.map((m) => fmt(med((r) => r.whole[m]))).join(' | ')} | ${fmt(med((r) => r.whole.seconds))} |`,
  `| ${nParts} parts merged | ${metrics.map((m) => fmt(med((r) => r.merged[m]))).join(' | ')} | ${fmt(med((r) => r.merged.seconds))} |`,
  `| part 0 alone (${nTrees} trees) | ${metrics.map((m) => fmt(med((r) => r.partAlone[m]))).join(' | ')} | - |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(OUT_DIR, { recursive: true });
const out = join(OUT_DIR, `shard-accuracy-${Date.now()}.json`);
writeFileSync(out, JSON.stringify({ options: opts, results }, null, 2));
process.stderr.write(`wrote ${out}\n`);
