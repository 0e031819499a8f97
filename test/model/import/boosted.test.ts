// LightGBM and XGBoost models imported from their own files predict what the libraries predict: fixtures made
// by fixtures/boosted/make.py (LightGBM 4.7.0, XGBoost 1.7.4), held-out rows with missing values and values on
// and beside the models' thresholds. Through the public path: records, the schema, the predictor.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ForeignLeaf } from '../../../src/model/import/foreign-ensemble.js';
import { modelFromLightGBM, modelFromXGBoost } from '../../../src/model/import/from-boosted.js';
import { readLightGBM } from '../../../src/model/import/lightgbm.js';
import { readXGBoost } from '../../../src/model/import/xgboost.js';
import { modelFromBytes, modelToBytes } from '../../../src/model/model.js';
import { createPredictorFromModel } from '../../../src/predict/predictor.js';

const DIR = join(__dirname, '../../../fixtures/boosted');

interface Fixture {
  library: 'lightgbm' | 'xgboost';
  task: 'classification' | 'regression';
  model: string;
  rows: (number | null)[][];
  expected: (number | number[])[];
  labels: number[];
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.expected.json'))
  .map(
    (f) =>
      [f.replace('.expected.json', ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture] as const,
  );

function load(fx: Fixture) {
  const text = readFileSync(join(DIR, fx.model), 'utf8');
  return fx.library === 'lightgbm' ? modelFromLightGBM(text) : modelFromXGBoost(text);
}

describe('LightGBM and XGBoost fixtures', () => {
  it('covers both libraries, both tasks, and a categorical LightGBM model', () => {
    const names = fixtures.map(([n]) => n);
    expect(names.filter((n) => n.startsWith('lgb_')).length).toBeGreaterThanOrEqual(5);
    expect(names.filter((n) => n.startsWith('xgb_')).length).toBeGreaterThanOrEqual(4);
    expect(names).toContain('lgb_categorical');
  });

  for (const [name, fx] of fixtures)
    it(`${name}: predictions within 1e-6 of ${fx.library}'s, the same labels, also after the model file`, () => {
      const model = load(fx);
      const again = modelFromBytes(modelToBytes(model));
      for (const m of [model, again]) {
        const p = createPredictorFromModel(m);
        const records = fx.rows.map((row) => Object.fromEntries(m.featureNames.map((n, f) => [n, row[f]])));
        const out = p.predictMany(records);
        out.forEach((pred, r) => {
          const expected = fx.expected[r];
          if (fx.task === 'regression') {
            expect(Math.abs((pred.prediction as number) - (expected as number)), `row ${r}`).toBeLessThan(
              1e-6,
            );
            return;
          }
          const probs = m.classes!.map((c) => pred.probabilities![String(c)]);
          (expected as number[]).forEach((v, k) => {
            expect(Math.abs(probs[k] - v), `row ${r} class ${k}`).toBeLessThan(1e-6);
          });
          expect(pred.prediction, `row ${r}`).toBe(fx.labels[r]);
        });
      }
    });

  it('LightGBM categorical features take their codes, and unknown codes go where LightGBM sends them', () => {
    const model = load(fixtures.find(([n]) => n === 'lgb_categorical')![1]);
    const spec = model.schema.features[2];
    expect(spec.type).toBe('categorical');
    expect(spec.hasOther).toBe(true);
    expect(spec.categories).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    const p = createPredictorFromModel(model);
    const row = { Column_0: 0.3, Column_1: -1, Column_3: 0.5, Column_4: 1 };
    // a number and its string are the same code; -1 and 12 are "other"
    expect(p.predict({ ...row, Column_2: 4 })).toEqual(p.predict({ ...row, Column_2: '4' }));
    expect(p.predict({ ...row, Column_2: -1 }).probabilities).toEqual(
      p.predict({ ...row, Column_2: 12 }).probabilities,
    );
  });

  it('records where the model came from, with honest placeholders for training facts', () => {
    const model = load(fixtures.find(([n]) => n === 'lgb_multiclass')![1]);
    const m = model.metadata;
    expect(m.importedFrom).toEqual({
      format: 'lightgbm',
      source: 'lightgbm text model (save_model)',
      objective: 'multiclass num_class:3',
      trees: 45,
    });
    expect([m.params, m.trainingRows, m.dataHash, m.metrics]).toEqual([{}, 0, '', {}]);
    expect(model.featureNames).toEqual(['Column_0', 'Column_1', 'Column_2', 'Column_3', 'Column_4']);
    const named = modelFromLightGBM(readFileSync(join(DIR, 'lgb_multiclass.txt'), 'utf8'), {
      featureNames: ['a', 'b', 'c', 'd', 'e'],
      classes: ['low', 'mid', 'high'],
    });
    expect(named.featureNames).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(named.classes).toEqual(['low', 'mid', 'high']);
  });
});

describe('what the importers refuse', () => {
  const lgb = readFileSync(join(DIR, 'lgb_binary.txt'), 'utf8');
  const xgb = JSON.parse(readFileSync(join(DIR, 'xgb_binary.json'), 'utf8'));
  const unsupported = expect.objectContaining({ code: 'MLI_MODEL_UNSUPPORTED' });
  const invalid = expect.objectContaining({ code: 'MLI_INVALID_DATA' });

  it('LightGBM: other objectives, linear trees, and text that is not a model', () => {
    expect(() => readLightGBM(lgb.replace('objective=binary sigmoid:1', 'objective=poisson'))).toThrow(
      unsupported,
    );
    expect(() =>
      readLightGBM(lgb.replace('objective=binary sigmoid:1', 'objective=regression sqrt')),
    ).toThrow(/objective "regression sqrt"/);
    expect(() => readLightGBM(lgb.replace('is_linear=0', 'is_linear=1'))).toThrow(/linear tree/);
    expect(() => readLightGBM('a,b,c\n1,2,3\n')).toThrow(invalid);
    expect(() => readLightGBM(lgb.replace(/left_child=[^\n]*/, 'left_child=1 2'))).toThrow(invalid);
  });

  it('XGBoost: other objectives, categorical splits, gblinear, and JSON that is not a model', () => {
    const objective = structuredClone(xgb);
    objective.learner.objective.name = 'reg:gamma';
    expect(() => readXGBoost(objective)).toThrow(unsupported);
    const categorical = structuredClone(xgb);
    categorical.learner.gradient_booster.model.trees[0].split_type[0] = 1;
    expect(() => readXGBoost(categorical)).toThrow(/tree 0, node 0 is a categorical split/);
    const linear = structuredClone(xgb);
    linear.learner.gradient_booster.name = 'gblinear';
    expect(() => readXGBoost(linear)).toThrow(unsupported);
    expect(() => readXGBoost({ name: 'RFClassifier' })).toThrow(invalid);
    expect(() => readXGBoost('{"learner": ')).toThrow(/not JSON/);
  });

  it('scales a binary model by its sigmoid factor', () => {
    const base = readLightGBM(lgb).ensemble;
    const scaled = readLightGBM(
      lgb.replace('objective=binary sigmoid:1', 'objective=binary sigmoid:2'),
    ).ensemble;
    const leaf = (e: typeof base) => e.trees[0].nodes.find((n) => n.kind === 'leaf' && n.values[0] !== 0)!;
    expect((leaf(scaled) as ForeignLeaf).values[0]).toBe(2 * (leaf(base) as ForeignLeaf).values[0]);
  });
});
