#!/usr/bin/env node
// Explanations per second, `path` and `shap`, one thread (issue 14), beside plain scoring of the same rows.
//   node bench/explain.mjs [--set synthetic-150k] [--trees 100] [--train-rows 0] [--rows 2000]
//                          [--shap-rows 200] [--repeat 3] [--data-dir bench/data]      (needs npm run build)
// Trains a forest on the set's training rows (all of them, or the first --train-rows; fitForestSync, seed 0,
// fully grown as by default), then times predictor.explainMany over the first --rows test rows (path) and
// --shap-rows rows (shap: exact TreeSHAP costs far more on deep trees), and predictMany over the --rows rows.
// Prints medians of CPU seconds (the machine is shared) as rows per second, one JSON line per method.
// Smoke run on a small forest:  node bench/explain.mjs --trees 5 --train-rows 3000 --rows 200 --shap-rows 50
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, DATA_DIR, emit, loadDataset, median } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    set: { type: 'string', default: 'synthetic-150k' },
    trees: { type: 'string', default: '100' },
    'train-rows': { type: 'string', default: '0' },
    rows: { type: 'string', default: '2000' },
    'shap-rows': { type: 'string', default: '200' },
    repeat: { type: 'string', default: '3' },
    'data-dir': { type: 'string', default: DATA_DIR },
  },
});
const int = (name) => {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number, got ${opts[name]}`);
  return v;
};
const nTrees = int('trees');
const repeat = Math.max(1, int('repeat'));

const { fitForestSync, modelFromForest, createPredictor } = await import(
  join(BENCH_DIR, '..', 'dist', 'index.js')
).catch(() => {
  console.error('mlinfer is not built: npm run build');
  process.exit(1);
});

const { header, train, test } = loadDataset(opts.set, opts['data-dir']);
const d = header.nFeatures;
const nTrain = int('train-rows') > 0 ? Math.min(int('train-rows'), train.X.nRows) : train.X.nRows;
const X = { data: train.X.data.subarray(0, nTrain * d), nRows: nTrain, nFeatures: d };
const t0 = performance.now();
const forest = fitForestSync(X, train.y.subarray(0, nTrain), {
  task: header.task,
  nEstimators: nTrees,
  seed: 0,
});
const trainSeconds = (performance.now() - t0) / 1000;
const predictor = createPredictor(modelFromForest(forest));
const nodes = forest.arrays.nodes.length / 2;
const rowsOf = (n) =>
  Array.from({ length: Math.min(n, test.X.nRows) }, (_, r) =>
    Array.from(test.X.data.subarray(r * d, (r + 1) * d), (v) => (Number.isNaN(v) ? null : v)),
  );

/** Median CPU seconds of `fn` over the repeats (one warm-up call first). */
function cpuSeconds(fn) {
  fn();
  const times = [];
  for (let k = 0; k < repeat; k++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1e6);
  }
  return median(times);
}

const common = {
  set: opts.set,
  trees: nTrees,
  trainRows: nTrain,
  nodes,
  trainSeconds: +trainSeconds.toFixed(2),
};
const rows = rowsOf(int('rows'));
const predictSeconds = cpuSeconds(() => predictor.predictMany(rows));
emit({
  ...common,
  method: 'predict',
  rows: rows.length,
  rowsPerSecond: Math.round(rows.length / predictSeconds),
});
for (const [method, n] of [
  ['path', rows.length],
  ['shap', int('shap-rows')],
]) {
  const these = rows.length >= n ? rows.slice(0, n) : rowsOf(n);
  if (these.length === 0) continue;
  const s = cpuSeconds(() => predictor.explainMany(these, { method }));
  const perSecond = these.length / s;
  emit({
    ...common,
    method,
    rows: these.length,
    rowsPerSecond: Math.round(perSecond),
    costInPredictions: +(rows.length / predictSeconds / perSecond).toFixed(1),
  });
}
