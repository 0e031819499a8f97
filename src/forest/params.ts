import { c, checkOptions, optionIssue, type Spec, show } from '../constraints.js';
import { throwIfIssues } from '../errors.js';
import { MAX_TRAIN_BINS, type Task } from './types.js';

/**
 * The forest's hyper-parameters, named and defaulted as in scikit-learn's RandomForestClassifier and
 * RandomForestRegressor (camelCased). Learned state lives in the fitted forest, never here.
 */
export interface ForestParams {
  /** Number of trees. Default 100. */
  nEstimators: number;
  /** 'gini' (default) or 'entropy' ('log_loss' is an alias) for classification; 'squared_error' for regression. */
  criterion: 'gini' | 'entropy' | 'log_loss' | 'squared_error';
  /** Maximum depth of a tree; null grows until leaves are pure or too small. Default null. */
  maxDepth: number | null;
  /** Minimum rows to split a node: an integer >= 2, or a fraction of the rows in (0, 1). Default 2. */
  minSamplesSplit: number;
  /** Minimum rows in a leaf: an integer >= 1, or a fraction of the rows in (0, 1). Default 1. */
  minSamplesLeaf: number;
  /**
   * Features drawn at every split: 'sqrt', 'log2', 'all' (or null), an integer >= 2 (a count) or a fraction in
   * (0, 1). `1` is refused as ambiguous: scikit-learn reads the integer 1 as one feature and 1.0 as all of them.
   * Default 'sqrt' for classification, 'all' for regression.
   */
  maxFeatures: 'sqrt' | 'log2' | 'all' | number | null;
  /** Draw a bootstrap sample for each tree. Default true. */
  bootstrap: boolean;
  /** Rows drawn per bootstrap sample: an integer >= 2, a fraction in (0, 1), or null for all rows (`1` is refused as
   * ambiguous, as for maxFeatures). Default null. */
  maxSamples: number | null;
  /** null, 'balanced', 'balanced_subsample', or a weight per class index. Default null. */
  classWeight: null | 'balanced' | 'balanced_subsample' | Record<number, number>;
  /** Seed of the random streams; the same seed and data give a bit-identical forest. Default 0. */
  seed: number;
  /** Bins per numeric feature for the histogram split search, 2 to 255. Default 255. */
  maxBins: number;
  /** Compute the out-of-bag score and predictions (needs bootstrap). Default false. */
  oobScore: boolean;
}

export type ForestParamsInput = Partial<ForestParams>;

export function defaultParams(task: Task): ForestParams {
  return {
    nEstimators: 100,
    criterion: task === 'classification' ? 'gini' : 'squared_error',
    maxDepth: null,
    minSamplesSplit: 2,
    minSamplesLeaf: 1,
    maxFeatures: task === 'classification' ? 'sqrt' : 'all',
    bootstrap: true,
    maxSamples: null,
    classWeight: null,
    seed: 0,
    maxBins: MAX_TRAIN_BINS,
    oobScore: false,
  };
}

const CRITERIA: Record<Task, string[]> = {
  classification: ['gini', 'entropy', 'log_loss'],
  regression: ['squared_error'],
};

const AMBIGUOUS_ONE: Record<'maxFeatures' | 'maxSamples', string> = {
  maxFeatures:
    "1 is ambiguous (one feature in scikit-learn, all of them as the fraction 1.0): write 'all' for every feature, an integer >= 2 to count features, or a fraction in (0, 1)",
  maxSamples:
    '1 is ambiguous (one row in scikit-learn, all of them as the fraction 1.0): write null for every row, an integer >= 2 to count rows, or a fraction in (0, 1)',
};

/**
 * The forms each forest parameter accepts, declared once (scikit-learn's `_parameter_constraints`). Counts and
 * fractions never share a value: JavaScript cannot tell the integer 1 from the fraction 1.0, so counts start at 2
 * where a fraction could reach 1, and `1` itself is refused with a message saying what to write.
 */
export function forestParamSpec(task: Task): Spec {
  const other: Task = task === 'classification' ? 'regression' : 'classification';
  const one = (name: keyof typeof AMBIGUOUS_ONE) => (v: unknown) =>
    v === 1 ? AMBIGUOUS_ONE[name] : undefined;
  return {
    nEstimators: [c.integer({ min: 1 })],
    criterion: {
      anyOf: [c.oneOf(...CRITERIA[task])],
      explain: (v) =>
        CRITERIA[other].includes(v as string)
          ? `${show(v)} is for ${other}; for ${task} it must be ${c.oneOf(...CRITERIA[task]).expected}`
          : undefined,
    },
    maxDepth: [c.integer({ min: 1 }), c.null],
    minSamplesSplit: [c.integer({ min: 2 }), c.fraction('neither')],
    minSamplesLeaf: [c.integer({ min: 1 }), c.fraction('neither')],
    maxFeatures: {
      anyOf: [c.oneOf('sqrt', 'log2', 'all'), c.null, c.integer({ min: 2 }), c.fraction('neither')],
      explain: one('maxFeatures'),
    },
    bootstrap: [c.boolean],
    maxSamples: {
      anyOf: [c.null, c.integer({ min: 2 }), c.fraction('neither')],
      explain: one('maxSamples'),
    },
    classWeight:
      task === 'regression'
        ? [c.custom('null for regression', (v) => v === null)]
        : [
            c.null,
            c.oneOf('balanced', 'balanced_subsample'),
            c.record(c.number({ min: 0 }), 'an object of a weight per class'),
          ],
    seed: [c.integer({ min: 0, max: 0xffffffff })],
    maxBins: [c.integer({ min: 2, max: MAX_TRAIN_BINS })],
    oobScore: [c.boolean],
  };
}

/**
 * Checks every parameter up front and returns the complete set with defaults filled in.
 * Throws MLI_INVALID_OPTION listing every problem, for example `maxDepth must be an integer >= 1 or null, got -1`.
 * `ownSpec` declares the caller's own options (fitForest's `nThreads`, train's `target`): they are checked in the
 * same pass, so one error lists every problem; any other key is an unknown option.
 */
export function resolveParams(input: Record<string, unknown>, task: Task, ownSpec: Spec = {}): ForestParams {
  const spec = forestParamSpec(task);
  const issues = checkOptions(input, { ...spec, ...ownSpec }, { what: 'options' });
  const p = { ...defaultParams(task) } as Record<string, unknown>;
  for (const k of Object.keys(spec)) if (input[k] !== undefined) p[k] = input[k];
  const v = p as unknown as ForestParams;
  const bad = issues.map((i) => i.path[0]);
  if (v.maxSamples !== null && v.bootstrap === false && !bad.includes('maxSamples'))
    issues.push(optionIssue(['maxSamples'], 'null when bootstrap is false', v.maxSamples));
  if (v.oobScore === true && v.bootstrap === false)
    issues.push(optionIssue(['oobScore'], 'false when bootstrap is false', v.oobScore));
  throwIfIssues('MLI_INVALID_OPTION', issues, 'options');
  return v;
}

/** Number of features drawn at each split, as scikit-learn computes it. */
export function resolveMaxFeatures(mf: ForestParams['maxFeatures'], nFeatures: number): number {
  if (mf === null || mf === 'all') return nFeatures;
  if (mf === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (mf === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (Number.isInteger(mf) && mf !== 1) return Math.min(mf, nFeatures);
  return Math.max(1, Math.floor(mf * nFeatures));
}

/** A minimum row count given as an integer or a fraction of the rows, as scikit-learn computes it. */
export function resolveMinCount(v: number, nRows: number): number {
  return Number.isInteger(v) ? v : Math.ceil(v * nRows);
}

export function resolveMaxSamples(v: number | null, nRows: number): number {
  if (v === null) return nRows;
  if (Number.isInteger(v) && v > 1) return Math.min(v, nRows);
  if (v === 1) return nRows;
  return Math.max(1, Math.round(v * nRows));
}
