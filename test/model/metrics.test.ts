// src/model/metrics.ts pinned against scikit-learn: test/fixtures/metrics-sklearn.py computed the expected
// numbers (with Debian's python3-sklearn) for fixed inputs and committed them, inputs included, to
// metrics-sklearn.json. The comparisons need no Python; one test reruns the script to check the committed
// file is what it prints (in CI always: .ci/run installs python3-sklearn).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  calibrationBins,
  classScores,
  confusionMatrix,
  logLoss,
  meanAbsoluteError,
  r2Score,
  rankingCurves,
  rocAuc,
  rocAucFromProba,
  rootMeanSquaredError,
} from '../../src/model/metrics.js';
import { itNeeding, PYTHON, sklearn } from '../helpers/requirements.js';

const ROOT = join(__dirname, '../..');
const SCRIPT = join(ROOT, 'test/fixtures/metrics-sklearn.py');
const FILE = join(ROOT, 'test/fixtures/metrics-sklearn.json');
const expected = JSON.parse(readFileSync(FILE, 'utf8'));
const c = expected.cases;
/** JSON has no NaN: the script writes null. */
const arr = (v: (number | null)[]) => Float64Array.from(v, (x) => (x === null ? Number.NaN : x));
const TOL = 1e-12;

/** Every number within TOL of scikit-learn's (relative to its size). */
function close(actual: number, want: number, what: string): void {
  expect(Math.abs(actual - want), `${what}: ${actual} vs scikit-learn ${want}`).toBeLessThanOrEqual(
    TOL * Math.max(1, Math.abs(want)),
  );
}
function closeAll(actual: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) close(actual[i], want[i], `${what}[${i}]`);
}

describe('metrics against scikit-learn', () => {
  it('accuracy', () => {
    close(accuracy(arr(c.accuracy.pred), arr(c.accuracy.y)), c.accuracy.expected, 'accuracy');
  });

  it('log loss: binary with probabilities 0 and 1 (clipped) and a NaN row left out; three classes', () => {
    for (const k of ['logLossBinary', 'logLossMulti'])
      close(logLoss(arr(c[k].proba), arr(c[k].y), c[k].nClasses), c[k].expected, k);
  });

  it('R², MAE and RMSE; R² leaves out NaN predictions', () => {
    const r = c.regression;
    close(r2Score(arr(r.pred), arr(r.y)), r.r2, 'r2');
    close(meanAbsoluteError(arr(r.pred), arr(r.y)), r.mae, 'mae');
    close(rootMeanSquaredError(arr(r.pred), arr(r.y)), r.rmse, 'rmse');
    close(r2Score(arr(c.r2WithNaN.pred), arr(c.r2WithNaN.y)), c.r2WithNaN.expected, 'r2 with NaN');
  });

  it('ROC AUC with tied scores, the ROC and precision-recall curves, and average precision', () => {
    const r = c.ranking;
    close(rocAuc(arr(r.score), arr(r.positive)), r.rocAuc, 'rocAuc');
    const curves = rankingCurves(arr(r.score), arr(r.positive));
    closeAll(curves.roc.flat(), r.roc.flat(), 'roc');
    closeAll(curves.pr.flat(), r.pr.flat(), 'pr');
    close(curves.averagePrecision, r.averagePrecision, 'average precision');
  });

  it('three classes: macro one-vs-rest AUC, confusion matrix, per-class and macro precision, recall, F1', () => {
    const m = c.multiclass;
    close(rocAucFromProba(arr(m.proba), arr(m.y), m.nClasses), m.rocAucOvr, 'macro OvR AUC');
    const { pred, confusion } = confusionMatrix(arr(m.proba), arr(m.y), m.nClasses);
    expect(Array.from(pred)).toEqual(m.pred);
    expect(confusion).toEqual(m.confusion);
    const scores = classScores(confusion, ['a', 'b', 'c']);
    closeAll(
      scores.map((s) => s.precision),
      m.precision,
      'precision',
    );
    closeAll(
      scores.map((s) => s.recall),
      m.recall,
      'recall',
    );
    closeAll(
      scores.map((s) => s.f1),
      m.f1,
      'f1',
    );
    expect(scores.map((s) => s.support)).toEqual(m.support);
    const mean = (f: (s: (typeof scores)[0]) => number) =>
      scores.reduce((a, s) => a + f(s), 0) / scores.length;
    close(
      mean((s) => s.precision),
      m.macroPrecision,
      'macro precision',
    );
    close(
      mean((s) => s.recall),
      m.macroRecall,
      'macro recall',
    );
    close(
      mean((s) => s.f1),
      m.macroF1,
      'macro F1',
    );
  });

  it('binary: AUC of the second class and the calibration curve of its probability', () => {
    const b = c.binary;
    const proba = arr(b.proba);
    close(rocAucFromProba(proba, arr(b.y), 2), b.rocAuc, 'rocAuc');
    const p = Float64Array.from({ length: b.y.length }, (_, i) => proba[i * 2 + 1]);
    const bins = calibrationBins(p, arr(b.y), 10).filter((bin) => bin.count > 0);
    closeAll(
      bins.map((bin) => bin.fractionPositive),
      b.calibrationFractionPositive,
      'fraction positive',
    );
    closeAll(
      bins.map((bin) => bin.meanPredicted),
      b.calibrationMeanPredicted,
      'mean predicted',
    );
  });

  it('the inputs are not trivial: the cases cover what they claim', () => {
    expect(c.logLossBinary.proba).toContain(0);
    expect(c.logLossBinary.proba).toContain(null);
    expect(new Set(c.ranking.score).size).toBeLessThan(c.ranking.score.length);
    expect(c.multiclass.precision).toContain(0);
  });

  itNeeding([sklearn()], 'the committed numbers are what metrics-sklearn.py prints', () => {
    const r = spawnSync(PYTHON, [SCRIPT], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const fresh = JSON.parse(r.stdout);
    // versions may differ between machines; the numbers must not (beyond rounding)
    const strip = (j: { cases: unknown }) =>
      JSON.parse(JSON.stringify(j.cases), (_, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v));
    expect(strip(fresh)).toEqual(strip(expected));
  });
});

describe('rankingCurves', () => {
  it('moves tied scores together and ends at (1, 1)', () => {
    const { roc, pr, averagePrecision } = rankingCurves([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0]);
    expect(roc).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(pr[1]).toEqual([0.5, 1]);
    expect(averagePrecision).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 10);
  });
});
