import { describe, expect, it } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import { fitForestSync } from '../../src/forest/fit.js';
import { resolveMaxFeatures, resolveParams } from '../../src/forest/params.js';

const X = { data: new Float64Array([0, 1, 2, 3, 4, 5, 6, 7]), nRows: 4, nFeatures: 2 };
const y = new Float64Array([0, 0, 1, 1]);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MlinferError);
    return (e as MlinferError).message;
  }
  throw new Error('expected a throw');
}

describe('forest parameters', () => {
  it('defaults follow scikit-learn', () => {
    const c = resolveParams({}, 'classification');
    expect(c).toMatchObject({
      nEstimators: 100,
      criterion: 'gini',
      maxDepth: null,
      minSamplesSplit: 2,
      minSamplesLeaf: 1,
      maxFeatures: 'sqrt',
      bootstrap: true,
      maxSamples: null,
      classWeight: null,
      maxBins: 255,
    });
    const r = resolveParams({}, 'regression');
    expect(r.criterion).toBe('squared_error');
    expect(r.maxFeatures).toBe(1.0);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['nEstimators', { nEstimators: 0 }, 'nEstimators must be a positive integer, got 0'],
    ['nEstimators float', { nEstimators: 2.5 }, 'nEstimators must be a positive integer, got 2.5'],
    [
      'criterion',
      { criterion: 'squared_error' },
      'criterion must be one of gini, entropy, log_loss for classification',
    ],
    ['maxDepth', { maxDepth: -1 }, 'maxDepth must be a positive integer or null, got -1'],
    [
      'minSamplesSplit',
      { minSamplesSplit: 1 },
      'minSamplesSplit must be an integer >= 2 or a fraction in (0, 1], got 1',
    ],
    [
      'minSamplesLeaf',
      { minSamplesLeaf: 0 },
      'minSamplesLeaf must be an integer >= 1 or a fraction in (0, 1), got 0',
    ],
    ['maxFeatures', { maxFeatures: 'all' }, 'maxFeatures must be'],
    ['maxFeatures negative', { maxFeatures: -2 }, 'maxFeatures must be'],
    ['bootstrap', { bootstrap: 'yes' }, 'bootstrap must be a boolean, got "yes"'],
    [
      'maxSamples',
      { maxSamples: 0 },
      'maxSamples must be null, a positive integer or a fraction in (0, 1], got 0',
    ],
    [
      'maxSamples without bootstrap',
      { maxSamples: 0.5, bootstrap: false },
      'maxSamples must be null when bootstrap is false',
    ],
    ['classWeight', { classWeight: 'even' }, 'classWeight must be null'],
    ['classWeight value', { classWeight: { 0: -1 } }, 'classWeight.0 must be a finite number >= 0, got -1'],
    ['seed', { seed: -3 }, 'seed must be an integer from 0 to 4294967295, got -3'],
    ['maxBins', { maxBins: 256 }, 'maxBins must be an integer from 2 to 255, got 256'],
    ['oobScore', { oobScore: true, bootstrap: false }, 'oobScore must be false when bootstrap is false'],
    ['unknown', { nTrees: 5 }, 'unknown option nTrees'],
  ];
  for (const [name, opts, msg] of cases) {
    it(`rejects a bad ${name}`, () => {
      expect(messageOf(() => resolveParams(opts, 'classification'))).toContain(msg);
    });
  }

  it('reports every problem at once, each with its path', () => {
    try {
      resolveParams({ nEstimators: -1, maxDepth: 0, maxBins: 1 }, 'classification');
      expect.unreachable();
    } catch (e) {
      const err = e as MlinferError;
      expect(err.code).toBe('MLI_INVALID_OPTION');
      expect(err.issues.map((i) => i.path[0])).toEqual(['nEstimators', 'maxDepth', 'maxBins']);
    }
  });

  it('rejects classWeight for regression', () => {
    expect(messageOf(() => resolveParams({ classWeight: 'balanced' }, 'regression'))).toContain(
      'classWeight must be null for regression',
    );
  });

  it('resolves maxFeatures as scikit-learn does', () => {
    expect(resolveMaxFeatures('sqrt', 20)).toBe(4);
    expect(resolveMaxFeatures('log2', 64)).toBe(6);
    expect(resolveMaxFeatures(0.5, 20)).toBe(10);
    expect(resolveMaxFeatures(1.0, 20)).toBe(20);
    expect(resolveMaxFeatures(3, 20)).toBe(3);
    expect(resolveMaxFeatures(null, 7)).toBe(7);
  });

  it('rejects integer maxFeatures and maxSamples larger than the data, as scikit-learn does', () => {
    expect(messageOf(() => fitForestSync(X, y, { task: 'classification', maxFeatures: 3 }))).toContain(
      'maxFeatures must be at most the number of features (2), got 3',
    );
    expect(messageOf(() => fitForestSync(X, y, { task: 'classification', maxSamples: 9 }))).toContain(
      'maxSamples must be at most the number of rows (4), got 9',
    );
    // fractions and counts that fit are fine
    expect(
      fitForestSync(X, y, { task: 'classification', maxFeatures: 2, maxSamples: 0.5, nEstimators: 2 })
        .nFeatures,
    ).toBe(2);
  });

  it('validates the data and the fit options', () => {
    expect(messageOf(() => fitForestSync(X, y, { task: 'clustering' as never }))).toContain('task must be');
    expect(messageOf(() => fitForestSync(X, new Float64Array(3), { task: 'classification' }))).toContain(
      'y must have one value per row (4), got 3',
    );
    expect(
      messageOf(() => fitForestSync(X, new Float64Array([0, 0.5, 1, 1]), { task: 'classification' })),
    ).toContain('y[1] must be a class index');
    expect(
      messageOf(() => fitForestSync(X, y, { task: 'regression', sampleWeight: [1, 1, -1, 1] })),
    ).toContain('sampleWeight[2] must be a finite number >= 0, got -1');
    expect(messageOf(() => fitForestSync(X, y, { task: 'classification', nThreads: 0 }))).toContain(
      'nThreads must be a positive integer, got 0',
    );
    expect(messageOf(() => fitForestSync({ ...X, nFeatures: 3 }, y, { task: 'classification' }))).toContain(
      'X.data has 8 values, expected nRows * nFeatures = 12',
    );
    expect(
      messageOf(() =>
        fitForestSync(X, y, { task: 'classification', featureKinds: ['numeric', 'text' as never] }),
      ),
    ).toContain("featureKinds[1] must be 'numeric' or 'categorical', got text");
  });
});
