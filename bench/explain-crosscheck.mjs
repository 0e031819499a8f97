// Cross-checks mlinfer's exact TreeSHAP (`predictor.explainMany(rows, { method: 'shap' })`) against the reference,
// shap.TreeExplainer, on numeric-only forests: each tree is written in the tree-dictionary form that shap accepts
// for custom models (children, features, raw thresholds, node values, node sample weights), shap explains the
// same rows, and the largest absolute difference is printed (it should be float rounding).
//
//   node bench/explain-crosscheck.mjs [--rows 1000] [--trees 20]     (needs npm run build, and shap for python)
//   SHAP_PYTHON=/path/to/venv/bin/python node bench/explain-crosscheck.mjs
//
// Node words are read here directly (numeric nodes only: word 0 = feature | threshold bin << 16, word 1 = flags
// << 29 | right child), as src/forest/node-step.ts lays them out; the library does not export that helper.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, emit, normalMatrix, OUT_DIR } from './lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const nRows = opt('rows', 1000);
const nTrees = opt('trees', 20);
const python = process.env.SHAP_PYTHON ?? 'python3';

const dist = join(BENCH_DIR, '..', 'dist', 'index.js');
const { fitForestSync, modelFromForest, createPredictor } = await import(dist).catch(() => {
  console.error('mlinfer is not built: npm run build');
  process.exit(1);
});

/** One tree as shap's custom-model dictionary; values scaled by 1/nTrees since shap sums its trees. */
function treeDict(a, t, scale) {
  const C = a.nOutputs;
  const start = a.treeOffsets[t];
  const end = a.treeOffsets[t + 1];
  // Node numbers in pre-order: word offset -> index, and the running counts into nodeStats.
  const index = new Map();
  let internalBefore = 0;
  let nodesBefore = 0;
  for (let p = 0; p < start; p += 2) {
    nodesBefore++;
    if (((a.nodes[p + 1] >>> 29) & 1) === 0) internalBefore++;
  }
  for (let p = start, i = 0; p < end; p += 2, i++) index.set(p, i);
  const n = index.size;
  const d = {
    children_left: [],
    children_right: [],
    children_default: [],
    features: [],
    thresholds: [],
    values: [],
    node_sample_weight: [],
  };
  let internal = internalBefore;
  for (let p = start, i = 0; p < end; p += 2, i++) {
    const flags = a.nodes[p + 1] >>> 29;
    if (flags & 4) throw new Error('categorical node: the cross-check is numeric only');
    d.node_sample_weight.push(a.nodeStats.cover[nodesBefore + i]);
    if (flags & 1) {
      const leaf = a.nodes[p + 1] & 0x1fffffff;
      d.children_left.push(-1);
      d.children_right.push(-1);
      d.children_default.push(-1);
      d.features.push(-1);
      d.thresholds.push(0);
      d.values.push(Array.from(a.leafValues.subarray(leaf * C, (leaf + 1) * C), (v) => v * scale));
      continue;
    }
    const f = a.nodes[p] & 0xffff;
    const bin = a.nodes[p] >>> 16;
    const edges = a.binEdges.subarray(a.binEdgeOffsets[f], a.binEdgeOffsets[f + 1]);
    const right = index.get(a.nodes[p + 1] & 0x1fffffff);
    d.children_left.push(i + 1);
    d.children_right.push(right);
    d.children_default.push(flags & 2 ? i + 1 : right);
    d.features.push(f);
    // x <= edge goes left in both; a threshold bin past the last edge sends every value left.
    d.thresholds.push(bin < edges.length ? edges[bin] : Number.MAX_VALUE);
    d.values.push(
      Array.from(a.nodeStats.internalValues.subarray(internal * C, (internal + 1) * C), (v) => v * scale),
    );
    internal++;
  }
  if (d.values.length !== n) throw new Error('tree size mismatch');
  return d;
}

const results = [];
for (const task of ['regression', 'classification']) {
  const d = 8;
  const train = normalMatrix(3000, d, 1);
  const y = new Float64Array(3000);
  for (let r = 0; r < 3000; r++) {
    const x = (f) => train.data[r * d + f];
    const s = 2 * x(0) - x(1) + x(2) * x(3) + 0.3 * Math.sin(3 * x(4));
    y[r] = task === 'regression' ? s : s > 0.3 ? 1 : 0;
    if (r % 17 === 0) train.data[r * d + 2] = Number.NaN; // missing values too
  }
  const forest = fitForestSync(train, y, { task, nEstimators: nTrees, seed: 7 });
  const predictor = createPredictor(modelFromForest(forest));
  const test = normalMatrix(nRows, d, 2);
  for (let r = 0; r < nRows; r += 13) test.data[r * d + 2] = Number.NaN;
  const rows = Array.from({ length: nRows }, (_, r) =>
    Array.from(test.data.subarray(r * d, (r + 1) * d), (v) => (Number.isNaN(v) ? null : v)),
  );
  const t0 = performance.now();
  const ours = predictor.explainMany(rows, { method: 'shap' });
  const seconds = (performance.now() - t0) / 1000;
  const names = predictor.model.featureNames;
  const C = forest.arrays.nOutputs;
  // regression: one output; classification: every class, as shap returns them
  const phi = ours.map((e) =>
    task === 'regression'
      ? names.map((n) => e.contributions.find((c) => c.feature === n).contribution)
      : names.map((n) => Array.from({ length: C }, (_, c) => e.byClass[String(c)].contributions[n])),
  );
  const base =
    task === 'regression'
      ? ours[0].baseValue
      : Array.from({ length: C }, (_, c) => ours[0].byClass[String(c)].baseValue);
  const trees = Array.from({ length: forest.arrays.treeOffsets.length - 1 }, (_, t) =>
    treeDict(forest.arrays, t, 1 / nTrees),
  );
  // The export must predict what the forest predicts (x <= threshold goes left, missing to the default child).
  let exportDiff = 0;
  const predicted = predictor.predictMany(rows);
  rows.forEach((row, r) => {
    const out = new Float64Array(C);
    for (const t of trees) {
      let i = 0;
      while (t.children_left[i] >= 0) {
        const v = row[t.features[i]];
        i =
          v === null
            ? t.children_default[i]
            : v <= t.thresholds[i]
              ? t.children_left[i]
              : t.children_right[i];
      }
      for (let c = 0; c < C; c++) out[c] += t.values[i][c];
    }
    const want =
      task === 'regression' ? [predicted[r].prediction] : Object.values(predicted[r].probabilities);
    for (let c = 0; c < C; c++) exportDiff = Math.max(exportDiff, Math.abs(out[c] - want[c]));
  });
  if (exportDiff > 1e-9)
    throw new Error(`the exported trees predict differently (max difference ${exportDiff})`);
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `explain-crosscheck-${task}.json`);
  writeFileSync(file, JSON.stringify({ task, trees, X: rows, phi, base }));
  console.error(
    `${task}: exported ${trees.length} trees (they predict as the forest: max difference ${exportDiff})`,
  );
  const py = spawnSync(python, [join(BENCH_DIR, 'explain_crosscheck.py'), file], { encoding: 'utf8' });
  if (py.status !== 0) {
    console.error(py.stderr || py.error?.message);
    console.error(
      `shap.TreeExplainer is needed: python3 -m venv v && v/bin/pip install shap; SHAP_PYTHON=v/bin/python`,
    );
    process.exit(1);
  }
  const check = JSON.parse(py.stdout);
  results.push({ task, trees: nTrees, rows: nRows, oursShapSeconds: seconds, ...check });
}
emit({ explainCrosscheck: results });
