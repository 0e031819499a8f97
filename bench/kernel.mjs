#!/usr/bin/env node
// Scoring kernels side by side in ONE process (issue 12).
//   node bench/kernel.mjs [--rows 200000] [--repeat 5] [--single 20000] [--set synthetic-150k] [--trees 100]
//                         [--rev COMMIT] [--model FILE]
// Bundles src/forest (the package's kernel) and bench/kernel-old.ts (the kernel before issue 12) with esbuild,
// loads the 100-tree forest of the set (trained once with fitForestSync, seed 0, and cached as
// bench/data/<set>.forest<trees>.bin), then runs the kernels in turn on the same standard-normal rows, checks
// that their outputs are identical bit for bit, and prints medians (CPU seconds: the machine is shared) and
// ratios to the old kernel. Kernels: old, new (WebAssembly where available), js (the new kernel's JavaScript
// fallback), and with --rev COMMIT, rev: src/ as of that commit, to compare a change with the last kept one.
// --model FILE scores that model file's forest (read with the built package: its node covers give the walk
// order) instead of the cached one (which has no node statistics).
// --single CALLS also times scoreRow (one row, binning included): p50, p99, p99.9 in wall-clock µs.
// --labels also times label-only scoring, the new kernel's two ways in alternated rounds: `full` (scoreMatrix,
// then argmax per row) and `early` (scoreLabels: a row stops walking trees once its class is certain), on the
// standard-normal rows and on the set's test rows (repeated to --rows), checking the labels are identical and
// printing how many row-trees the early exit walked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import {
  BENCH_DIR,
  DATA_DIR,
  loadDataset,
  median,
  normalMatrix,
  OUT_DIR,
  percentile,
  since,
} from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    set: { type: 'string', default: 'synthetic-150k' },
    trees: { type: 'string', default: '100' },
    rows: { type: 'string', default: '200000' },
    repeat: { type: 'string', default: '5' },
    single: { type: 'string', default: '0' },
    'skip-matrix': { type: 'boolean', default: false },
    labels: { type: 'boolean', default: false },
    rev: { type: 'string' },
    model: { type: 'string' },
  },
});

const buildDir = join(OUT_DIR, 'kernel-build');
mkdirSync(buildDir, { recursive: true });
const entryPoints = {
  new: join(BENCH_DIR, '..', 'src', 'forest', 'index.ts'),
  old: join(BENCH_DIR, 'kernel-old.ts'),
  compiled: join(BENCH_DIR, '..', 'src', 'forest', 'compiled.ts'),
  exit: join(BENCH_DIR, '..', 'src', 'forest', 'early-exit.ts'),
};
if (opts.rev) {
  // src/ as of --rev (src/forest and the few files it imports)
  const revDir = join(buildDir, 'rev');
  for (const path of execFileSync('git', ['ls-tree', '-r', '--name-only', opts.rev, 'src/'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((p) => p.endsWith('.ts'))) {
    mkdirSync(dirname(join(revDir, path)), { recursive: true });
    writeFileSync(join(revDir, path), execFileSync('git', ['show', `${opts.rev}:${path}`]));
  }
  entryPoints.rev = join(revDir, 'src', 'forest', 'index.ts');
}
await build({
  entryPoints,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: buildDir,
  outExtension: { '.js': '.mjs' },
  logLevel: 'error',
});
const lib = await import(pathToFileURL(join(buildDir, 'new.mjs')).href);
const old = await import(pathToFileURL(join(buildDir, 'old.mjs')).href);
const rev = opts.rev ? await import(pathToFileURL(join(buildDir, 'rev.mjs')).href) : null;

const ARRAY_FIELDS = [
  ['featureKinds', Uint8Array],
  ['categoryCounts', Uint32Array],
  ['binEdges', Float64Array],
  ['binEdgeOffsets', Uint32Array],
  ['treeOffsets', Uint32Array],
  ['nodes', Int32Array],
  ['leafValues', Float64Array],
];

/** The forest's compiled arrays, trained once (fitForestSync, seed 0) and cached in bench/data. */
function loadForest(set, trees) {
  const file = join(DATA_DIR, `${set}.forest${trees}.bin`);
  if (existsSync(file)) {
    const buf = readFileSync(file);
    const headLen = buf.readUInt32LE(0);
    const head = JSON.parse(buf.subarray(4, 4 + headLen).toString());
    let at = 4 + headLen;
    const arrays = { task: head.task, nFeatures: head.nFeatures, nOutputs: head.nOutputs };
    for (const [name, T] of ARRAY_FIELDS) {
      at = Math.ceil(at / 8) * 8;
      const bytes = head.bytes[name];
      arrays[name] = new T(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes));
      at += bytes;
    }
    return arrays;
  }
  const { header, train } = loadDataset(set);
  const t0 = process.hrtime.bigint();
  const forest = lib.fitForestSync(train.X, train.y, {
    task: header.task,
    nEstimators: trees,
    maxFeatures: header.task === 'classification' ? 'sqrt' : 1.0,
    seed: 0,
    oobScore: false,
  });
  console.error(`trained ${trees} trees in ${since(t0).toFixed(1)} s; cached in ${file}`);
  const a = forest.arrays;
  const bytes = Object.fromEntries(ARRAY_FIELDS.map(([n]) => [n, a[n].byteLength]));
  const head = Buffer.from(
    JSON.stringify({ task: a.task, nFeatures: a.nFeatures, nOutputs: a.nOutputs, bytes }),
  );
  const parts = [Buffer.alloc(4), head];
  parts[0].writeUInt32LE(head.length);
  let at = 4 + head.length;
  for (const [name] of ARRAY_FIELDS) {
    const pad = Math.ceil(at / 8) * 8 - at;
    parts.push(Buffer.alloc(pad), Buffer.from(a[name].buffer, a[name].byteOffset, a[name].byteLength));
    at += pad + a[name].byteLength;
  }
  writeFileSync(file, Buffer.concat(parts));
  return a;
}

/** A model file's forest, read with the built package (dist/). */
async function modelForest(file) {
  const pkg = await import(pathToFileURL(join(BENCH_DIR, '..', 'dist', 'index.js')).href);
  return (await pkg.loadModel(file)).forest.arrays;
}

const arrays = opts.model ? await modelForest(opts.model) : loadForest(opts.set, Number(opts.trees));
const nTrees = arrays.treeOffsets.length - 1;
console.log(
  `forest: ${opts.set}, ${nTrees} trees, ${arrays.nodes.length / 2} node words/2, ${arrays.nOutputs} outputs`,
);

/** The package's kernel without WebAssembly: its JavaScript fallback (browsers that refuse WebAssembly). */
function createJsScorer(arrays) {
  const wasm = globalThis.WebAssembly;
  globalThis.WebAssembly = undefined;
  try {
    return lib.createScorer(arrays);
  } finally {
    globalThis.WebAssembly = wasm;
  }
}

const makers = { old: old.createScorer, new: lib.createScorer, js: createJsScorer };
if (rev) makers.rev = rev.createScorer;
const names = Object.keys(makers);
const kernels = {};
for (const name of names) {
  // load-time cost of each kernel (the new one builds its walk layout): median of 3
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    kernels[name] = makers[name](arrays);
    times.push(since(t0));
  }
  console.log(`createScorer ${name}: ${(median(times) * 1e3).toFixed(1)} ms`);
}

const nRows = Number(opts.rows);
const repeat = Number(opts.repeat);
const X = normalMatrix(nRows, arrays.nFeatures, 0);
const C = arrays.nOutputs;

if (!opts['skip-matrix']) {
  const outs = Object.fromEntries(names.map((n) => [n, new Float64Array(nRows * C)]));
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < repeat; i++) {
    // rotate the order, so that no kernel always runs first
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      // CPU time, not wall time: on a shared machine the process is often descheduled
      const t0 = process.cpuUsage();
      kernels[name].scoreMatrix(X, outs[name]);
      const dt = process.cpuUsage(t0);
      times[name].push((dt.user + dt.system) / 1e6);
    }
    for (const name of names)
      if (!outs.old.every((v, j) => Object.is(v, outs[name][j])))
        throw new Error(`scoreMatrix: ${name} kernel output differs from the old one`);
  }
  const mOld = median(times.old);
  for (const name of names) {
    const m = median(times[name]);
    const ratios = times[name].map((t, i) => (t / times.old[i]).toFixed(2)).join(' ');
    console.log(
      `scoreMatrix ${nRows} rows x ${repeat} ${name}: ${m.toFixed(3)} s, ${((m / nRows / nTrees) * 1e9).toFixed(1)} ` +
        `ns/row-tree, ${name}/old ${(m / mOld).toFixed(3)} (per repeat: ${ratios})`,
    );
  }
  console.log('outputs identical');
}

const calls = Number(opts.single);
if (calls > 0) {
  const d = arrays.nFeatures;
  const outRow = new Float64Array(C);
  const check = new Float64Array(C);
  const stats = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < 2; round++)
    for (const name of round ? [...names].reverse() : names) {
      const k = kernels[name];
      for (let i = 0; i < 500; i++) k.scoreRow(X.data, (i % nRows) * d, outRow, 0);
      const t = new Float64Array(calls);
      for (let i = 0; i < calls; i++) {
        const s = process.hrtime.bigint();
        k.scoreRow(X.data, (i % nRows) * d, outRow, 0);
        t[i] = Number(process.hrtime.bigint() - s) / 1e3;
        if (name !== 'old' && i < 2000) {
          kernels.old.scoreRow(X.data, (i % nRows) * d, check, 0);
          if (!check.every((v, j) => Object.is(v, outRow[j]))) throw new Error('scoreRow: outputs differ');
        }
      }
      t.sort();
      stats[name].push([percentile(t, 50), percentile(t, 99), percentile(t, 99.9)]);
    }
  for (const name of names) {
    const [p50, p99, p999] = [0, 1, 2].map((j) => median(stats[name].map((s) => s[j])));
    console.log(
      `scoreRow ${name}: p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs, p99.9 ${p999.toFixed(1)} µs`,
    );
  }
}

/** The set's test rows repeated to nRows rows (the forest's real input: its labels are mostly certain). */
function testRows(nRows) {
  const { test } = loadDataset(opts.set);
  const d = test.X.nFeatures;
  const data = new Float64Array(nRows * d);
  for (let r = 0; r < nRows; r++)
    data.set(test.X.data.subarray((r % test.X.nRows) * d, ((r % test.X.nRows) + 1) * d), r * d);
  return { data, nRows, nFeatures: d };
}

/**
 * The share of row-trees that scoreLabels walks, on the first `sample` rows of M: each row walks the trees in
 * order (walkTree, the plain walk) and is checked every EXIT_EVERY trees with decidedClass, as in the block.
 */
async function rowTreesWalked(M, sample) {
  const { binRow, walkTree } = await import(pathToFileURL(join(buildDir, 'compiled.mjs')).href);
  const exit = await import(pathToFileURL(join(buildDir, 'exit.mjs')).href);
  const bounds = exit.createExitBounds(arrays);
  if (bounds === null) return 1;
  const n = Math.min(sample, M.nRows);
  const bins = new Uint16Array(arrays.nFeatures);
  const sums = new Float64Array(C);
  let walked = 0;
  for (let r = 0; r < n; r++) {
    binRow(arrays, M.data, r * arrays.nFeatures, bins, 0);
    sums.fill(0);
    for (let t = 0; t < nTrees; t++) {
      const leaf = walkTree(arrays.nodes, arrays.categoryCounts, arrays.treeOffsets[t], bins, 0);
      for (let c = 0; c < C; c++) sums[c] += arrays.leafValues[leaf * C + c];
      walked++;
      if (
        (t + 1) % exit.EXIT_EVERY === 0 &&
        t + 1 < nTrees &&
        bounds.mayDecide[t + 1] === 1 &&
        exit.decidedClass(bounds, t + 1, sums, 0) >= 0
      )
        break;
    }
  }
  return walked / (n * nTrees);
}

if (opts.labels) {
  if (arrays.task !== 'classification') throw new Error('--labels needs a classification forest');
  const sets = [
    ['normal', X],
    ['test', testRows(nRows)],
  ];
  const walked = {};
  for (const [rowsName, M] of sets) walked[rowsName] = await rowTreesWalked(M, 20000);
  // the WebAssembly kernel, then its JavaScript fallback
  for (const kernel of ['new', 'js']) {
    const k = kernels[kernel];
    const ways = {
      full: (M, out) => {
        const scores = k.scoreMatrix(M);
        for (let r = 0; r < M.nRows; r++) out[r] = lib.argmax(scores, r * C, C);
      },
      early: (M, out) => k.scoreLabels(M, out),
    };
    for (const [rowsName, M] of sets) {
      const outs = { full: new Int32Array(nRows), early: new Int32Array(nRows) };
      const times = { full: [], early: [] };
      for (let i = 0; i < repeat; i++)
        for (const way of i % 2 ? ['early', 'full'] : ['full', 'early']) {
          const t0 = process.cpuUsage();
          ways[way](M, outs[way]);
          const dt = process.cpuUsage(t0);
          times[way].push((dt.user + dt.system) / 1e6);
        }
      if (!outs.full.every((v, j) => v === outs.early[j]))
        throw new Error(`labels (${kernel}, ${rowsName} rows) differ`);
      const ratios = times.early.map((t, i) => (t / times.full[i]).toFixed(2)).join(' ');
      const [mf, me] = [median(times.full), median(times.early)];
      console.log(
        `labels ${kernel} ${nRows} ${rowsName} rows x ${repeat}: full ${mf.toFixed(3)} s, early ${me.toFixed(3)} s, ` +
          `early/full ${(me / mf).toFixed(3)} (per repeat: ${ratios}); labels identical; ` +
          `row-trees walked ${(walked[rowsName] * 100).toFixed(1)}%`,
      );
    }
  }
}
