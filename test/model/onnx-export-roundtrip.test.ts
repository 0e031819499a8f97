// Export, then import with mlinfer's own ONNX importer (`modelFromOnnx`): the re-imported model is the original
// one. It gets the schema back (categories, booleans, missing spellings), so it takes the same raw records, and
// its forest is the original forest: the per-class tree copies of the export fold back into leaves of nClasses
// values, so predictions and probabilities are equal bit for bit, in both input modes. Imported boosted models
// (exported as SUM, an Add of their base scores and their link) come back with the same additive scoring.
//
// The importer checks the graph by exporting the rebuilt model again: the tests below change one thing in an
// exported graph (a LabelEncoder table, a leaf's class, a class label) and expect MLI_MODEL_UNSUPPORTED.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromOnnx } from '../../src/index.js';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import { modelFromLightGBM, modelFromXGBoost } from '../../src/model/import/from-boosted.js';
import type { Model } from '../../src/model/model.js';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from '../../src/model/onnx/onnx-proto.js';
import { train } from '../../src/model/train.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { csvRecords, type RawRecord } from './onnx-export-helpers.js';

const FIX = join(__dirname, '../../fixtures');

function expectSameModel(model: Model, imported: Model, records: RawRecord[] | number[][]): void {
  expect(imported.metadata.task).toBe(model.metadata.task);
  expect(imported.schema).toEqual(model.schema);
  expect(imported.classes).toEqual(model.classes);
  const a = model.forest.arrays;
  const b = imported.forest.arrays;
  // base scores that are all zero are not written (no Add), so a -0 comes back as 0: the same sums
  const scoring = (m: Model) => {
    const add = m.forest.arrays.additive;
    return add && { ...add, baseScores: Array.from(add.baseScores, (v) => v + 0) };
  };
  expect(scoring(imported)).toEqual(scoring(model));
  expect(Array.from(b.treeOffsets)).toEqual(Array.from(a.treeOffsets));
  expect(Array.from(b.featureKinds)).toEqual(Array.from(a.featureKinds));
  expect(Array.from(b.categoryCounts)).toEqual(Array.from(a.categoryCounts));
  expect(b.leafValues).toEqual(a.leafValues);
  // the same predictions and probabilities, bit for bit; the re-imported model has a version of its own
  const scored = (m: Model) =>
    createPredictorFromModel(m)
      .predictMany(records)
      .map(({ modelVersion, ...p }) => p);
  expect(scored(imported)).toEqual(scored(model));
}

async function roundTrips(model: Model, records: RawRecord[] | number[][]): Promise<void> {
  for (const inputs of ['encoded', 'columns'] as const)
    expectSameModel(model, modelFromOnnx(modelToOnnx(model, { inputs })), records);
}

function tampered(model: Model, change: (onnx: OnnxModel) => void): Uint8Array {
  const onnx = decodeOnnxModel(modelToOnnx(model));
  change(onnx);
  return encodeOnnxModel(onnx);
}

describe('ONNX export then import', () => {
  it('a classifier with categories and booleans (the demo customers)', async () => {
    const model = await train(join(FIX, 'customers.csv'), {
      target: 'churned',
      nThreads: 1,
      nEstimators: 20,
    });
    await roundTrips(model, csvRecords(join(FIX, 'customers_new.csv')));
  });

  it('a classifier with missing values (fraud.csv)', async () => {
    const rows = csvRecords(join(FIX, 'fraud.csv'));
    const model = await train(rows.slice(0, 5000), { target: 'is_fraud', nThreads: 1, nEstimators: 20 });
    await roundTrips(model, rows.slice(5000));
  });

  it('a regression forest (housing.csv)', async () => {
    const rows = csvRecords(join(FIX, 'housing.csv'));
    const model = await train(rows.slice(0, 1600), { target: 'price', nThreads: 1, nEstimators: 20 });
    await roundTrips(model, rows.slice(1600));
  });

  it('a three-class forest', async () => {
    const rows = csvRecords(join(FIX, 'customers.csv'));
    const model = await train(rows, { target: 'plan', nThreads: 1, nEstimators: 10 });
    expect(model.classes?.length).toBeGreaterThan(2);
    await roundTrips(model, csvRecords(join(FIX, 'customers_new.csv')));
  });

  // imported boosted models export as SUM + Add(base) + link; they come back with the same scoring
  it.each([
    'lgb_binary.txt',
    'lgb_multiclass.txt',
    'lgb_categorical.txt',
    'lgb_rf.txt',
    'xgb_binary.json',
    'xgb_regression.json',
  ])('an imported boosted model (%s)', async (file) => {
    const text = readFileSync(join(FIX, 'boosted', file), 'utf8');
    const model = file.endsWith('.txt') ? modelFromLightGBM(text) : modelFromXGBoost(JSON.parse(text));
    const expected = JSON.parse(
      readFileSync(join(FIX, 'boosted', file.replace(/\.(txt|json)$/, '.expected.json')), 'utf8'),
    ) as { rows: (number | null)[][] };
    // LightGBM's random-forest mode compiles to a plain averaged forest; the others are additive
    expect(model.forest.arrays.additive === undefined).toBe(file === 'lgb_rf.txt');
    await roundTrips(
      model,
      expected.rows.map((r) => r.map((v) => v ?? Number.NaN)),
    );
  });

  describe('refuses a graph that is not exactly what the exporter writes', () => {
    let model: Model;
    beforeAll(async () => {
      model = await train(join(FIX, 'customers.csv'), { target: 'churned', nThreads: 1, nEstimators: 3 });
    });
    const refused = (bytes: Uint8Array, where: RegExp) => {
      expect(() => modelFromOnnx(bytes)).toThrow(
        expect.objectContaining({ code: 'MLI_MODEL_UNSUPPORTED', message: expect.stringMatching(where) }),
      );
    };
    const attr = (onnx: OnnxModel, op: string, name: string) =>
      onnx.graph!.node!.find((n) => n.opType === op)!.attribute!.find((a) => a.name === name)!;

    it('a LabelEncoder that disagrees with the schema', () => {
      refused(
        tampered(model, (onnx) => {
          const values = attr(onnx, 'LabelEncoder', 'values_floats').floats!;
          values[values.length - 1] += 1;
        }),
        /LabelEncoder.*values_floats/,
      );
    });

    it('a leaf that adds to another class than its copy', () => {
      refused(
        tampered(model, (onnx) => {
          attr(onnx, 'TreeEnsemble', 'leaf_targetids').ints![0] = 1;
        }),
        /adds to target 1 in the copy of its tree written for target 0/,
      );
    });

    it('class labels that disagree with mlinfer.classes', () => {
      refused(
        tampered(model, (onnx) => {
          const labels = onnx.graph!.initializer!.find((t) => t.name === 'class_labels')!;
          labels.stringData = [...labels.stringData!].reverse();
        }),
        /\(class_labels\)\.stringData\[0\]/,
      );
    });

    it('featureNames or target that would rename the exported schema (MLI_INVALID_OPTION)', () => {
      const bytes = modelToOnnx(model);
      const names = model.schema.features.map((f) => f.name);
      expect(modelFromOnnx(bytes, { featureNames: names, target: 'churned' }).schema).toEqual(model.schema);
      expect(() => modelFromOnnx(bytes, { featureNames: names.map((n) => `${n}_2`) })).toThrow(
        expect.objectContaining({
          code: 'MLI_INVALID_OPTION',
          message: expect.stringMatching(/^featureNames cannot rename/),
        }),
      );
      expect(() => modelFromOnnx(bytes, { target: 'left' })).toThrow(
        expect.objectContaining({
          code: 'MLI_INVALID_OPTION',
          message: expect.stringMatching(/^target cannot rename/),
        }),
      );
    });

    it('a node added after the forest', () => {
      refused(
        tampered(model, (onnx) => {
          onnx.graph!.node!.push({ opType: 'Identity', input: ['label'], output: ['label_copy'] });
        }),
        /graph\.node: \d+ entries where \d+ are expected/,
      );
    });
  });
});
