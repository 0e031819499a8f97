// Every node kind of the compiled forest survives the export, checked on random forests against an
// independent walker (referencePredict) and mlinfer's scorer: thresholds at, just below and just above the
// bin edges, NaN on nodes that send missing values either way, category sets small and large (ONNX Runtime
// unrolls sets of fewer than 31 small codes into BRANCH_EQ chains and keeps larger ones as sets), empty
// category sets, a threshold past the last edge, single-leaf trees.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { argmax } from '../../src/forest/argmax.js';
import { createScorer } from '../../src/forest/compiled.js';
import { createFittedForest } from '../../src/forest/fit.js';
import { defaultParams } from '../../src/forest/params.js';
import {
  type AdditiveScoring,
  FEATURE_CATEGORICAL,
  FLAG_SHIFT,
  type ForestArrays,
  type Link,
  NODE_CATEGORICAL,
  NODE_LEAF,
  type Task,
} from '../../src/forest/types.js';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import { type Model, modelFromForest } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { forEachNode, randomForest, referencePredict, rng } from './forest-fixtures.js';
import { columnFeeds, type RawRecord, runOnnx } from './onnx-export-helpers.js';

function modelOf(arrays: ForestArrays): Model {
  const forest = createFittedForest(arrays, defaultParams(arrays.task), new Float64Array(arrays.nFeatures));
  return modelFromForest(forest);
}

/** Rows that probe every edge: values at an edge, one ulp either side, far outside, NaN; codes and NaN. */
function probeRows(arrays: ForestArrays, n: number, seed: number): number[][] {
  const r = rng(seed);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let f = 0; f < arrays.nFeatures; f++) {
      const u = r();
      if (u < 0.1) {
        row.push(Number.NaN);
        continue;
      }
      if (arrays.featureKinds[f] === FEATURE_CATEGORICAL) {
        row.push(Math.floor(r() * arrays.categoryCounts[f]));
        continue;
      }
      const lo = arrays.binEdgeOffsets[f];
      const hi = arrays.binEdgeOffsets[f + 1];
      const edge = arrays.binEdges[lo + Math.floor(r() * (hi - lo))];
      const nudge = Math.abs(edge) * Number.EPSILON + Number.MIN_VALUE;
      row.push(
        u < 0.4
          ? edge
          : u < 0.55
            ? edge - nudge
            : u < 0.7
              ? edge + nudge
              : u < 0.8
                ? -1e6
                : u < 0.9
                  ? 1e6
                  : r() * 20 - 10,
      );
    }
    rows.push(row);
  }
  return rows;
}

async function encodedOnnx(model: Model, rows: number[][]) {
  const X = new ort.Tensor('float64', Float64Array.from(rows.flat()), [
    rows.length,
    model.featureNames.length,
  ]);
  return runOnnx(modelToOnnx(model, { inputs: 'encoded' }), { X });
}

/** The same rows as raw records for the per-column graph: codes become their category names ("0", "1", ...). */
function asRecords(model: Model, rows: number[][]): RawRecord[] {
  return rows.map((row) =>
    Object.fromEntries(
      model.schema.features.map((f, k) => [
        f.name,
        Number.isNaN(row[k]) ? null : f.type === 'categorical' ? String(row[k]) : row[k],
      ]),
    ),
  );
}

function expectClose(got: number[], want: number[], what: string): void {
  got.forEach((v, k) => {
    expect(Math.abs(v - want[k]), `${what} output ${k}: ${v} vs ${want[k]}`).toBeLessThan(1e-12);
  });
}

describe('ONNX export of every node kind', () => {
  for (const [task, seed] of [
    ['classification', 1],
    ['classification', 2],
    ['regression', 3],
  ] as const) {
    it(`${task} forest ${seed}: ONNX Runtime walks the trees as mlinfer does (encoded and per-column inputs)`, async () => {
      const arrays = randomForest(seed, {
        task,
        nTrees: 12,
        nFeatures: 6,
        nOutputs: 3,
        maxDepth: 7,
        categoricalRate: 0.5,
        float64Rate: 0.3,
      });
      const model = modelOf(arrays);
      const rows = probeRows(arrays, 400, seed + 100);
      const encoded = await encodedOnnx(model, rows);
      const columns = await runOnnx(modelToOnnx(model), columnFeeds(model, asRecords(model, rows)));
      rows.forEach((row, i) => {
        const ref = referencePredict(arrays, row);
        const got = task === 'regression' ? [encoded.values![i]] : encoded.probabilities![i];
        expectClose(got, ref, `row ${i} (encoded)`);
        const viaColumns = task === 'regression' ? [columns.values![i]] : columns.probabilities![i];
        expectClose(viaColumns, ref, `row ${i} (columns)`);
      });
      if (task === 'classification') {
        const labels = createPredictorFromModel(model)
          .predictMany(asRecords(model, rows))
          .map((p) => p.prediction);
        expect(encoded.labels).toEqual(labels);
        expect(columns.labels).toEqual(labels);
      }
    });
  }

  it('writes single-leaf trees, empty category sets and thresholds past the last edge', async () => {
    const arrays = randomForest(9, {
      task: 'classification',
      nTrees: 6,
      nFeatures: 4,
      nOutputs: 2,
      maxDepth: 4,
      categoricalRate: 0.5,
    });
    const leaf = randomForest(10, {
      task: 'classification',
      nTrees: 2,
      nFeatures: 4,
      nOutputs: 2,
      maxDepth: 0,
    });
    // the forest's first tree becomes a single leaf (leaf 0), and its other nodes get the edge cases
    const nodes = Array.from(arrays.nodes);
    let emptied = 0;
    let pastEdge = 0;
    forEachNode(arrays, (p, isLeaf) => {
      if (isLeaf) return;
      const f = nodes[p] & 0xffff;
      const flags = nodes[p + 1] >>> FLAG_SHIFT;
      if (flags & NODE_CATEGORICAL && emptied < 3) {
        for (let w = 0; w < Math.ceil(arrays.categoryCounts[f] / 32); w++) nodes[p + 2 + w] = 0;
        emptied++;
      } else if (!(flags & NODE_CATEGORICAL) && pastEdge < 3) {
        const nEdges = arrays.binEdgeOffsets[f + 1] - arrays.binEdgeOffsets[f];
        nodes[p] = f | (nEdges << 16);
        pastEdge++;
      }
    });
    expect(emptied).toBeGreaterThan(0);
    expect(pastEdge).toBeGreaterThan(0);
    // prepend the single-leaf trees of `leaf`, pointing at new leaf rows after the forest's own
    const nLeaves = arrays.leafValues.length / 2;
    const leafNodes = Array.from(leaf.nodes);
    for (let p = 0; p < leafNodes.length; p += 2)
      leafNodes[p + 1] = (NODE_LEAF << FLAG_SHIFT) | (nLeaves + p / 2);
    const shift = leafNodes.length;
    const shifted = [...nodes];
    forEachNode(arrays, (p, isLeaf) => {
      if (!isLeaf) shifted[p + 1] = nodes[p + 1] + shift;
    });
    const combined: ForestArrays = {
      ...arrays,
      nodes: Int32Array.from([...leafNodes, ...shifted]),
      treeOffsets: Uint32Array.from([
        0,
        2,
        4,
        ...Array.from(arrays.treeOffsets.subarray(1), (o) => o + shift),
      ]),
      leafValues: Float64Array.from([...arrays.leafValues, ...leaf.leafValues]),
    };
    const model = modelOf(combined);
    const rows = probeRows(combined, 300, 11);
    const out = await encodedOnnx(model, rows);
    rows.forEach((row, i) => {
      expectClose(out.probabilities![i], referencePredict(combined, row), `row ${i}`);
    });
  });
});

describe('ONNX export of additive ensembles (imported gradient boosting)', () => {
  const cases: [Task, AdditiveScoring['aggregate'], Link, number][] = [
    ['regression', 'sum', 'none', 3],
    ['regression', 'average', 'none', 1],
    ['classification', 'sum', 'softmax', 3],
    ['classification', 'sum', 'softmax_zero', 3],
    ['classification', 'average', 'logistic', 3],
    ['classification', 'sum', 'logistic_binary', 2],
    ['classification', 'sum', 'none', 2],
  ];
  for (const [task, aggregate, link, nOutputs] of cases) {
    it(`${task}, ${aggregate}, link ${link}: ONNX Runtime gives mlinfer's scores`, async () => {
      const arrays = randomForest(20 + nOutputs, {
        task,
        nTrees: 15,
        nFeatures: 5,
        nOutputs,
        maxDepth: 5,
        categoricalRate: 0.4,
      });
      // raw scores of both signs, as boosting leaves are; softmax_zero keeps some exact zeros
      const r = rng(5);
      arrays.leafValues = arrays.leafValues.map((v) =>
        link === 'softmax_zero' && v === 0 ? 0 : (v - 0.4) * 3 + r(),
      );
      const baseScores = Float64Array.from({ length: arrays.nOutputs }, (_, k) =>
        link === 'softmax_zero' ? 0 : 0.25 * (k + 1) - 0.4,
      );
      arrays.additive = { aggregate, baseScores, link };
      const model = modelOf(arrays);
      const rows = probeRows(arrays, 300, 7);
      const out = await encodedOnnx(model, rows);
      const want = createScorer(arrays).scoreMatrix({
        data: Float64Array.from(rows.flat()),
        nRows: rows.length,
        nFeatures: arrays.nFeatures,
      });
      const C = arrays.nOutputs;
      rows.forEach((_, i) => {
        const got = task === 'regression' ? [out.values![i]] : out.probabilities![i];
        expectClose(got, Array.from(want.subarray(i * C, i * C + C)), `row ${i}`);
      });
      if (task === 'classification') expect(out.labels).toEqual(rows.map((_, i) => argmax(want, i * C, C)));
    });
  }
});
