#!/usr/bin/env node
// Imported models (issue 13), scored by mlinfer and by onnxruntime-node on the same rows, in one process.
//   /opt/fixenv/bin/python bench/imported_models.py     # writes bench/data/lgbm-500.* and skl-rf-100.*
//   npm run build && node bench/imported.mjs [--rows 1000000] [--repeat 3]
// Models: LightGBM binary, 500 trees of 31 leaves (its text model and its ONNX graph as onnxmltools writes it),
// and a scikit-learn RandomForestClassifier of 100 trees (its ONNX graph as skl2onnx writes it), trained on
// bench/data/batch-train-20f-20000.csv. Rows: the first --rows of bench/data/batch-in-20f-1000000.csv
// (node bench/batch.mjs makes it). For each model: import time (median), the mlinfer model file's size beside
// the source's, agreement with ONNX Runtime on the first 10,000 rows, and the time to score every row with
// mlinfer (one thread, in process: predictProba on a Float64 matrix) and with ONNX Runtime (a Float32 tensor,
// intra-op threads 1 and all cores). Medians of --repeat runs, CPU-bound wall-clock seconds. mlinfer's
// all-core number is `mlinfer batch` end to end (CSV in, CSV out, --threads all): it has no in-process
// multi-thread scoring; ONNX Runtime's is scoring only.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { DATA_DIR, median, OUT_DIR, since } from './lib.mjs';

const { values: opts } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '3' } },
});
const nRows = Number(opts.rows);
const repeat = Number(opts.repeat);
const cores = availableParallelism();
const ml = await import('../dist/index.js');

/** The first n rows of the batch input as Float64 and Float32 matrices (20 numeric columns, no missing). */
function readRows(n) {
  const text = readFileSync(join(DATA_DIR, 'batch-in-20f-1000000.csv'), 'utf8');
  let at = text.indexOf('\n') + 1;
  const d = 20;
  const f64 = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const end = text.indexOf('\n', at);
    const cells = text.slice(at, end).split(',');
    for (let j = 0; j < d; j++) f64[r * d + j] = Number(cells[j]);
    at = end + 1;
  }
  return { f64, f32: Float32Array.from(f64), d };
}

function timeIt(fn) {
  const seconds = [];
  let out;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    seconds.push(since(t0));
  }
  return { seconds: median(seconds), out };
}

async function timeAsync(fn) {
  const seconds = [];
  let out;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    out = await fn();
    seconds.push(since(t0));
  }
  return { seconds: median(seconds), out };
}

async function ortScores(path, rows, threads) {
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const input = new ort.Tensor('float32', rows.f32, [rows.f32.length / rows.d, rows.d]);
  const probName = session.outputNames[session.outputNames.length - 1];
  return timeAsync(
    async () => (await session.run({ [session.inputNames[0]]: input }, [probName]))[probName].data,
  );
}

function batchAllCores(modelPath) {
  const out = join(OUT_DIR, 'imported-batch.csv');
  const argv = [process.execPath, 'bin/mlinfer.js', 'batch', join(DATA_DIR, 'batch-in-20f-1000000.csv'), out];
  argv.push('-m', modelPath, '--proba', '--threads', String(cores), '-q', '--no-drift');
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e', ...argv], { encoding: 'utf8' });
    const m = /TIME ([\d.]+)/.exec(r.stderr ?? '');
    if (r.status !== 0 || !m) throw new Error(r.stderr);
    times.push(Number(m[1]));
  }
  return median(times);
}

// The batch CSV's column names (the models were trained on a matrix: the files name them Column_0, x0...).
const featureNames = Array.from({ length: 20 }, (_, j) => `x${j}`);
const models = [
  {
    name: 'LightGBM 500 trees x 31 leaves (model.txt)',
    source: 'lgbm-500.txt',
    onnx: 'lgbm-500.tensor.onnx',
    load: (p) => ml.modelFromLightGBM(readFileSync(p, 'utf8'), { featureNames }),
  },
  {
    name: 'LightGBM 500 trees x 31 leaves (ONNX)',
    source: 'lgbm-500.onnx',
    onnx: 'lgbm-500.tensor.onnx',
    load: (p) => ml.modelFromOnnx(readFileSync(p), { featureNames }),
  },
  {
    name: 'scikit-learn forest, 100 trees (ONNX)',
    source: 'skl-rf-100.onnx',
    onnx: 'skl-rf-100.tensor.onnx',
    load: (p) => ml.modelFromOnnx(readFileSync(p), { featureNames }),
  },
];

const rows = readRows(nRows);
const matrix = { data: rows.f64, nRows, nFeatures: rows.d };
const results = { at: new Date().toISOString(), rows: nRows, repeat, cores, models: [] };
for (const m of models) {
  const src = join(DATA_DIR, m.source);
  const imported = timeIt(() => m.load(src));
  const model = imported.out;
  const bytes = ml.modelToBytes(model);
  const modelPath = join(OUT_DIR, `${m.source}.mlinfer`);
  await ml.saveModel(model, modelPath);
  const ours = timeIt(() => model.forest.predictProba(matrix));
  const ort1 = await ortScores(join(DATA_DIR, m.onnx), rows, 1);
  const ortAll = await ortScores(join(DATA_DIR, m.onnx), rows, cores);
  let maxDiff = 0;
  for (let i = 0; i < 10_000 * 2; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.out[i] - ort1.out[i]));
  const r = {
    model: m.name,
    importSeconds: imported.seconds,
    sourceBytes: statSync(src).size,
    modelFileBytes: bytes.length,
    maxDiffVsOrt: maxDiff,
    mlinfer1: ours.seconds,
    ort1: ort1.seconds,
    ortAll: ortAll.seconds,
    mlinferBatchAll: batchAllCores(modelPath),
  };
  results.models.push(r);
  console.error(JSON.stringify(r));
}
console.log(
  `| model | import s | source MB | .mlinfer MB | max diff vs ORT | mlinfer 1 thread s | ORT 1 thread s | ratio | ORT ${cores} threads s | mlinfer batch ${cores} threads (CSV to CSV) s |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results.models)
  console.log(
    `| ${r.model} | ${r.importSeconds.toFixed(2)} | ${(r.sourceBytes / 1e6).toFixed(1)} | ${(r.modelFileBytes / 1e6).toFixed(1)} | ${r.maxDiffVsOrt.toExponential(1)} | ${r.mlinfer1.toFixed(2)} | ${r.ort1.toFixed(2)} | ${(r.mlinfer1 / r.ort1).toFixed(2)}x | ${r.ortAll.toFixed(2)} | ${r.mlinferBatchAll.toFixed(2)} |`,
  );
