#!/usr/bin/env node
// mlinfer random forest on one bench data set; prints one JSON object on stdout.
//   node bench/mlinfer-rf.mjs --set synthetic-1k --threads 2 [--trees 100] [--dump] [--big-predict 1000000] [--single 2000]
//   [--predict-threads 2]: also predictProba over the --big-predict rows on one thread and on a scoring pool of
//   that many worker threads (createScoringPool), to set beside scikit-learn's n_jobs=2 big predict.
// Imports the BUILT package (../dist/index.js): run `npm run build` first. One run per process, so that
// the peak RSS (process.resourceUsage().maxRSS, all threads) belongs to this run alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  accuracy,
  BENCH_DIR,
  DATA_DIR,
  emit,
  loadDataset,
  logLoss,
  normalMatrix,
  peakRssKB,
  percentile,
  r2,
  since,
} from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    set: { type: 'string' },
    'data-dir': { type: 'string', default: DATA_DIR },
    threads: { type: 'string', default: '1' },
    trees: { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
    dump: { type: 'boolean', default: false },
    'big-predict': { type: 'string', default: '0' },
    'predict-threads': { type: 'string', default: '0' },
    single: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help || !opts.set) {
  console.error(
    'usage: node bench/mlinfer-rf.mjs --set NAME [--threads 1|2] [--trees 100] [--seed 0] [--dump]\n' +
      '       [--big-predict ROWS [--predict-threads N]] [--single CALLS] [--data-dir bench/data]',
  );
  process.exit(opts.help ? 0 : 2);
}

// MLINFER_ENTRY overrides the module (for example to bench another build); default: the repo's dist.
const distPath = process.env.MLINFER_ENTRY ?? join(BENCH_DIR, '..', 'dist', 'index.js');
if (!existsSync(distPath)) {
  console.error(`mlinfer is not built (${distPath} missing): run  npm run build  in the repository root`);
  emit({ impl: 'mlinfer', set: opts.set, skipped: 'dist/index.js missing: run npm run build' });
  process.exit(0);
}
const mlinfer = await import(pathToFileURL(distPath).href);

const nThreads = Number(opts.threads);
const trees = Number(opts.trees);
const { header, train, test } = loadDataset(opts.set, opts['data-dir']);
const task = header.task;
const out = {
  impl: 'mlinfer',
  set: opts.set,
  task,
  nTrain: header.nTrain,
  nTest: header.nTest,
  nFeatures: header.nFeatures,
  trees,
  nThreads,
  rssBeforeFitKB: peakRssKB(),
};

let t0 = process.hrtime.bigint();
const forest = await mlinfer.fitForest(train.X, train.y, {
  task,
  nEstimators: trees,
  maxFeatures: task === 'classification' ? 'sqrt' : 'all',
  seed: Number(opts.seed),
  nThreads,
  oobScore: false,
});
out.fitSeconds = since(t0);
out.peakRssFitKB = peakRssKB();

t0 = process.hrtime.bigint();
const pred = forest.predict(test.X);
out.predictSeconds = since(t0);
if (task === 'classification') {
  out.accuracy = accuracy(test.y, pred);
  t0 = process.hrtime.bigint();
  const proba = forest.predictProba(test.X);
  out.predictProbaSeconds = since(t0);
  out.logLoss = logLoss(test.y, proba, header.nClasses);
} else {
  out.r2 = r2(test.y, pred);
}

const arrays = forest.arrays;
if (arrays) {
  out.arraysBytes = Object.values(arrays).reduce((s, v) => s + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
  if (arrays.treeOffsets) out.nodeWords = arrays.nodes?.length;
}

if (opts.dump) {
  // The same forest as a model file: size, encode and decode (load) time, median of 5 loads.
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const model = mlinfer.modelFromForest(forest);
  t0 = process.hrtime.bigint();
  const bytes = mlinfer.modelToBytes(model);
  out.dumpSeconds = since(t0);
  out.modelFileBytes = bytes.byteLength;
  const dir = mkdtempSync(join(tmpdir(), 'mlinfer-bench-'));
  const file = join(dir, 'model.mlinfer');
  await mlinfer.saveModel(model, file);
  const loads = [];
  for (let i = 0; i < 5; i++) {
    t0 = process.hrtime.bigint();
    await mlinfer.loadModel(file);
    loads.push(since(t0));
  }
  loads.sort((a, b) => a - b);
  out.loadSeconds = loads[2];
  rmSync(dir, { recursive: true, force: true });
}

const bigRows = Number(opts['big-predict']);
if (bigRows > 0) {
  const Xbig = normalMatrix(bigRows, header.nFeatures, 0);
  t0 = process.hrtime.bigint();
  forest.predict(Xbig);
  out.bigPredictRows = bigRows;
  out.bigPredictSeconds = since(t0);
  const predictThreads = Number(opts['predict-threads']);
  if (predictThreads > 0 && task === 'classification') {
    t0 = process.hrtime.bigint();
    const single = forest.predictProba(Xbig);
    out.bigPredictProbaSeconds = since(t0);
    // Starting the pool (workers, each compiling its own copy of the walk) is timed apart: a pool is made
    // once and serves every later call. The call itself is timed on a started pool.
    t0 = process.hrtime.bigint();
    const pool = mlinfer.createScoringPool(forest, { threads: predictThreads });
    await pool.predictProba({
      data: Xbig.data.subarray(0, header.nFeatures),
      nRows: 1,
      nFeatures: header.nFeatures,
    });
    out.predictPoolStartSeconds = since(t0);
    t0 = process.hrtime.bigint();
    const parallel = await pool.predictProba(Xbig);
    out.predictThreads = predictThreads;
    out.bigPredictProbaThreadsSeconds = since(t0);
    out.bigPredictProbaThreadsIdentical = parallel.every((v, i) => Object.is(v, single[i]));
    await pool.close();
  }
}

const calls = Number(opts.single);
if (calls > 0) {
  const d = header.nFeatures;
  const row = (i) => {
    const r = i % header.nTest;
    return { data: test.X.data.subarray(r * d, (r + 1) * d), nRows: 1, nFeatures: d };
  };
  for (let i = 0; i < Math.min(200, calls); i++) forest.predict(row(i)); // warm-up (JIT)
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const x = row(i);
    const s = process.hrtime.bigint();
    forest.predict(x);
    times[i] = Number(process.hrtime.bigint() - s) / 1e3;
  }
  times.sort();
  out.singleCalls = calls;
  out.singleP50Us = percentile(times, 50);
  out.singleP99Us = percentile(times, 99);
}

out.peakRssKB = peakRssKB();
emit(out);
// Worker threads of the fit may keep the event loop alive: exit explicitly.
process.exit(0);
