#!/usr/bin/env node
// ml-random-forest (the devDependency) on one bench data set; prints one JSON object on stdout.
//   node bench/ml-random-forest.mjs --set breast_cancer [--trees 100] [--dump] [--big-predict ROWS] [--single CALLS]
// Its training time grows about 4x per 2x rows, so only the small sets are "feasible" (see ANCHORS.md);
// others print {"skipped": "not feasible"} unless --force. compare-train.mjs also kills a run past its
// time cap (--mlrf-cap).
import { parseArgs } from 'node:util';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import {
  accuracy,
  DATA_DIR,
  emit,
  loadDataset,
  logLoss,
  MLRF_FEASIBLE,
  normalMatrix,
  peakRssKB,
  percentile,
  r2,
  since,
  toRows,
} from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    set: { type: 'string' },
    'data-dir': { type: 'string', default: DATA_DIR },
    trees: { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
    dump: { type: 'boolean', default: false },
    'big-predict': { type: 'string', default: '0' },
    single: { type: 'string', default: '0' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help || !opts.set) {
  console.error(
    'usage: node bench/ml-random-forest.mjs --set NAME [--trees 100] [--seed 0] [--dump] [--big-predict ROWS]\n' +
      `       [--single CALLS] [--force]   feasible sets: ${MLRF_FEASIBLE.join(', ')}`,
  );
  process.exit(opts.help ? 0 : 2);
}
if (!opts.force && !MLRF_FEASIBLE.includes(opts.set)) {
  emit({
    impl: 'ml-random-forest',
    set: opts.set,
    skipped: 'not feasible (training time grows ~4x per 2x rows)',
  });
  process.exit(0);
}

const trees = Number(opts.trees);
const { header, train, test } = loadDataset(opts.set, opts['data-dir']);
const task = header.task;
const d = header.nFeatures;
const classification = task === 'classification';
// It samples maxFeatures once per tree (not per split). A fraction f gives floor(d * f) features:
// (floor(sqrt(d)) + 0.5) / d yields exactly floor(sqrt(d)) without floating-point surprises.
const maxFeatures = classification ? Math.min(1, (Math.floor(Math.sqrt(d)) + 0.5) / d) : 1.0;
const out = {
  impl: 'ml-random-forest',
  set: opts.set,
  task,
  nTrain: header.nTrain,
  nTest: header.nTest,
  nFeatures: d,
  trees,
  maxFeatures,
};

const Xtr = toRows(train.X);
const ytr = Array.from(train.y);
const Xte = toRows(test.X);
out.rssBeforeFitKB = peakRssKB();

const options = { nEstimators: trees, maxFeatures, replacement: true, seed: Number(opts.seed), noOOB: true };
const Model = classification ? RandomForestClassifier : RandomForestRegression;
let model = new Model(options);
let t0 = process.hrtime.bigint();
model.train(Xtr, ytr);
out.fitSeconds = since(t0);
out.peakRssFitKB = peakRssKB();

t0 = process.hrtime.bigint();
const pred = model.predict(Xte);
out.predictSeconds = since(t0);
if (classification) {
  out.accuracy = accuracy(test.y, pred);
  // Probabilities = the trees' vote fractions, computed here from all trees: its own predictProbability
  // drops the first tree's vote.
  const k = header.nClasses;
  const votes = model.predictionValues(Xte);
  const proba = new Float64Array(header.nTest * k);
  for (let i = 0; i < header.nTest; i++) {
    const row = votes.getRow(i);
    for (const v of row) proba[i * k + v] += 1 / row.length;
  }
  out.logLoss = logLoss(test.y, proba, k);
} else {
  out.r2 = r2(test.y, pred);
}

if (opts.dump) {
  t0 = process.hrtime.bigint();
  const json = JSON.stringify(model.toJSON());
  out.dumpSeconds = since(t0);
  out.modelFileBytes = Buffer.byteLength(json);
  t0 = process.hrtime.bigint();
  model = Model.load(JSON.parse(json));
  out.loadSeconds = since(t0);
}

const bigRows = Number(opts['big-predict']);
if (bigRows > 0) {
  const big = toRows(normalMatrix(bigRows, d, 0));
  t0 = process.hrtime.bigint();
  model.predict(big);
  out.bigPredictRows = bigRows;
  out.bigPredictSeconds = since(t0);
}

const calls = Number(opts.single);
if (calls > 0) {
  for (let i = 0; i < Math.min(200, calls); i++) model.predict([Xte[i % Xte.length]]);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const x = [Xte[i % Xte.length]];
    const s = process.hrtime.bigint();
    model.predict(x);
    times[i] = Number(process.hrtime.bigint() - s) / 1e3;
  }
  times.sort();
  out.singleCalls = calls;
  out.singleP50Us = percentile(times, 50);
  out.singleP99Us = percentile(times, 99);
}

out.peakRssKB = peakRssKB();
emit(out);
