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
    expect(r.maxFeatures).toBe('all');
  });

  // One message format for every option: `<name> must be <expected>, got <value>`.
  const cases: [string, Record<string, unknown>, string][] = [
    ['nEstimators', { nEstimators: 0 }, 'nEstimators must be an integer >= 1, got 0'],
    ['nEstimators float', { nEstimators: 2.5 }, 'nEstimators must be an integer >= 1, got 2.5'],
    [
      'criterion',
      { criterion: 'squared_error' },
      `criterion "squared_error" is for regression; for classification it must be one of 'gini', 'entropy', 'log_loss'`,
    ],
    [
      'criterion name',
      { criterion: 'mse' },
      `criterion must be one of 'gini', 'entropy', 'log_loss', got "mse"`,
    ],
    ['maxDepth', { maxDepth: -1 }, 'maxDepth must be an integer >= 1 or null, got -1'],
    [
      'minSamplesSplit',
      { minSamplesSplit: 1 },
      'minSamplesSplit must be an integer >= 2 or a fraction in (0, 1), got 1',
    ],
    [
      'minSamplesLeaf',
      { minSamplesLeaf: 0 },
      'minSamplesLeaf must be an integer >= 1 or a fraction in (0, 1), got 0',
    ],
    [
      'maxFeatures',
      { maxFeatures: 'every' },
      `maxFeatures must be one of 'sqrt', 'log2', 'all', null, an integer >= 2 or a fraction in (0, 1), got "every"`,
    ],
    ['maxFeatures negative', { maxFeatures: -2 }, 'maxFeatures must be'],
    [
      'maxFeatures 1',
      { maxFeatures: 1 },
      "maxFeatures 1 is ambiguous (one feature in scikit-learn, all of them as the fraction 1.0): write 'all' for every feature, an integer >= 2 to count features, or a fraction in (0, 1)",
    ],
    ['bootstrap', { bootstrap: 'yes' }, 'bootstrap must be a boolean, got "yes"'],
    [
      'maxSamples',
      { maxSamples: 0 },
      'maxSamples must be null, an integer >= 2 or a fraction in (0, 1), got 0',
    ],
    [
      'maxSamples 1',
      { maxSamples: 1 },
      'maxSamples 1 is ambiguous (one row in scikit-learn, all of them as the fraction 1.0): write null for every row, an integer >= 2 to count rows, or a fraction in (0, 1)',
    ],
    [
      'maxSamples without bootstrap',
      { maxSamples: 0.5, bootstrap: false },
      'maxSamples must be null when bootstrap is false, got 0.5',
    ],
    [
      'classWeight',
      { classWeight: 'even' },
      `classWeight must be null, one of 'balanced', 'balanced_subsample' or an object of a weight per class, got "even"`,
    ],
    ['classWeight value', { classWeight: { 0: -1 } }, 'classWeight.0 must be a number >= 0, got -1'],
    ['seed', { seed: -3 }, 'seed must be an integer from 0 to 4294967295, got -3'],
    ['maxBins', { maxBins: 256 }, 'maxBins must be an integer from 2 to 255, got 256'],
    ['oobScore', { oobScore: 1 }, 'oobScore must be a boolean, got 1'],
    [
      'oobScore without bootstrap',
      { oobScore: true, bootstrap: false },
      'oobScore must be false when bootstrap is false, got true',
    ],
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
      'classWeight must be null for regression, got "balanced"',
    );
  });

  it('resolves maxFeatures as scikit-learn does', () => {
    expect(resolveMaxFeatures('sqrt', 20)).toBe(4);
    expect(resolveMaxFeatures('log2', 64)).toBe(6);
    expect(resolveMaxFeatures(0.5, 20)).toBe(10);
    expect(resolveMaxFeatures(1.0, 20)).toBe(20);
    expect(resolveMaxFeatures(3, 20)).toBe(3);
    expect(resolveMaxFeatures(null, 7)).toBe(7);
    expect(resolveMaxFeatures('all', 7)).toBe(7);
  });

  it('takes counts from 2 up and fractions below 1, so that no value means two things', () => {
    // the forms that stay: counts >= 2, fractions in (0, 1), and the words for all
    for (const maxFeatures of [2, 0.5, 0.999, 'all', null, 'sqrt', 'log2'])
      expect(resolveParams({ maxFeatures }, 'regression').maxFeatures).toBe(maxFeatures);
    for (const maxSamples of [2, 0.5, null])
      expect(resolveParams({ maxSamples }, 'regression').maxSamples).toBe(maxSamples);
    expect(resolveParams({ minSamplesSplit: 0.5, minSamplesLeaf: 0.25 }, 'regression')).toMatchObject({
      minSamplesSplit: 0.5,
      minSamplesLeaf: 0.25,
    });
    // 1 (the same number as 1.0) is refused where it could mean one or all
    expect(messageOf(() => resolveParams({ maxFeatures: 1.0 }, 'regression'))).toContain(
      "maxFeatures 1 is ambiguous (one feature in scikit-learn, all of them as the fraction 1.0): write 'all'",
    );
    expect(messageOf(() => resolveParams({ maxSamples: 1.0 }, 'regression'))).toContain(
      'maxSamples 1 is ambiguous',
    );
    expect(messageOf(() => resolveParams({ minSamplesSplit: 1.0 }, 'regression'))).toContain(
      'minSamplesSplit must be an integer >= 2 or a fraction in (0, 1), got 1',
    );
    // the regression default draws every feature, as the old default 1.0 did
    const reg = { data: new Float64Array([0, 5, 1, 4, 2, 3, 3, 2, 4, 1]), nRows: 5, nFeatures: 2 };
    const target = new Float64Array([0, 1, 2, 3, 4]);
    const byDefault = fitForestSync(reg, target, { task: 'regression', nEstimators: 3 });
    const allOfThem = fitForestSync(reg, target, { task: 'regression', nEstimators: 3, maxFeatures: null });
    expect(byDefault.params.maxFeatures).toBe('all');
    expect(Array.from(byDefault.arrays.nodes)).toEqual(Array.from(allOfThem.arrays.nodes));
  });

  it('gives options and data their own error codes', () => {
    const codeOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        return (e as MlinferError).code;
      }
      throw new Error('expected a throw');
    };
    // an option: exit code 2
    expect(codeOf(() => fitForestSync(X, y, { task: 'classification', nThreads: 0 }))).toBe(
      'MLI_INVALID_OPTION',
    );
    expect(codeOf(() => fitForestSync(X, y, { task: 'classification', nThreads: 1.5 }))).toBe(
      'MLI_INVALID_OPTION',
    );
    // the data: exit code 1
    expect(codeOf(() => fitForestSync(X, new Float64Array([0, 0.5, 1, 1]), { task: 'classification' }))).toBe(
      'MLI_INVALID_DATA',
    );
    expect(
      codeOf(() => fitForestSync(X, new Float64Array([0, 1, Number.NaN, 1]), { task: 'regression' })),
    ).toBe('MLI_INVALID_DATA');
    expect(codeOf(() => fitForestSync(X, y, { task: 'regression', sampleWeight: [1, 1, -1, 1] }))).toBe(
      'MLI_INVALID_DATA',
    );
    expect(codeOf(() => fitForestSync(X, y, { task: 'regression', sampleWeight: [0, 0, 0, 0] }))).toBe(
      'MLI_INVALID_DATA',
    );
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
    expect(messageOf(() => fitForestSync(X, y, { task: 'clustering' as never }))).toContain(
      `task must be one of 'classification', 'regression', got "clustering"`,
    );
    expect(messageOf(() => fitForestSync(X, y, {} as never))).toContain('task is required');
    expect(
      messageOf(() => fitForestSync(X, y, { task: 'classification', nThread: 2, onProgress: 5 } as never)),
    ).toBe('invalid options: unknown option nThread; onProgress must be a function, got 5');
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
      'nThreads must be an integer >= 1, got 0',
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
