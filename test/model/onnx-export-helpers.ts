// Runs exported ONNX models in ONNX Runtime (onnxruntime-node, a devDependency: tests only) and compares them
// with mlinfer's predictor on the same raw records.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { parseCsvText } from '../../src/data/csv.js';
import type { Model } from '../../src/model/model.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';

export type RawRecord = Record<string, string | number | boolean | null>;

/** The rows of a CSV file as records of strings (what a CSV file gives mlinfer). */
export function csvRecords(path: string): RawRecord[] {
  const { header, rows } = parseCsvText(readFileSync(path, 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** A raw cell as a numeric ONNX input takes it: NaN for the missing spellings (and null), else the number. */
function numericCell(model: Model, v: RawRecord[string]): number {
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  return model.schema.missingValues.includes(s) ? Number.NaN : Number(s);
}

/** A raw cell as a string ONNX input takes it: trimmed (the graph does not trim), missing as ''. */
function stringCell(v: RawRecord[string]): string {
  return v === null || v === undefined ? '' : String(v).trim();
}

/** One ONNX input per feature, [N, 1] each, from raw records. */
export function columnFeeds(model: Model, records: RawRecord[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const f of model.schema.features) {
    const cells = records.map((r) => r[f.name]);
    feeds[f.name] =
      f.type === 'numeric'
        ? new ort.Tensor(
            'float64',
            Float64Array.from(cells, (v) => numericCell(model, v)),
            [records.length, 1],
          )
        : new ort.Tensor('string', cells.map(stringCell), [records.length, 1]);
  }
  return feeds;
}

export interface OnnxResult {
  labels?: (string | number)[];
  probabilities?: number[][];
  values?: number[];
}

export async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<OnnxResult> {
  // one thread: the trees are summed in order, as ours
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run(feeds);
    if (out.variable) return { values: Array.from(out.variable.data as Float64Array) };
    const p = out.probabilities;
    const [n, k] = p.dims as number[];
    const data = p.data as Float64Array;
    const probabilities = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * k, (i + 1) * k)));
    const labels = Array.from(out.label.data as ArrayLike<unknown>, (v) =>
      typeof v === 'bigint' ? Number(v) : (v as string | number),
    );
    return { labels, probabilities };
  } finally {
    await session.release();
  }
}

/** Asserts ONNX Runtime gives mlinfer's labels and probabilities or values (within 1e-12 by default: the acceptance bar is 1e-5), and returns the largest difference. */
export function expectSameAsMlinfer(
  model: Model,
  records: RawRecord[],
  onnx: OnnxResult,
  tolerance = 1e-12,
): number {
  const predictions = createPredictorFromModel(model).predictMany(records);
  let worst = 0;
  predictions.forEach((p, i) => {
    if (model.classes === null) {
      worst = Math.max(
        worst,
        Math.abs((p.prediction as number) - onnx.values![i]) / Math.max(1, Math.abs(p.prediction as number)),
      );
      return;
    }
    model.classes.forEach((c, k) => {
      worst = Math.max(worst, Math.abs(p.probabilities![String(c)] - onnx.probabilities![i][k]));
    });
    expect(onnx.labels![i], `row ${i}`).toBe(p.prediction);
  });
  expect(worst).toBeLessThanOrEqual(tolerance);
  return worst;
}
