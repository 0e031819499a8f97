import { type Issue, throwIfIssues } from '../errors.js';
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
  /** Minimum rows to split a node: an integer >= 2, or a fraction of the rows. Default 2. */
  minSamplesSplit: number;
  /** Minimum rows in a leaf: an integer >= 1, or a fraction of the rows. Default 1. */
  minSamplesLeaf: number;
  /**
   * Features drawn at every split: 'sqrt', 'log2', an integer, a fraction in (0, 1], or null for all.
   * Default 'sqrt' for classification, 1.0 for regression.
   */
  maxFeatures: 'sqrt' | 'log2' | number | null;
  /** Draw a bootstrap sample for each tree. Default true. */
  bootstrap: boolean;
  /** Rows drawn per bootstrap sample: an integer, a fraction in (0, 1], or null for all rows. Default null. */
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
    maxFeatures: task === 'classification' ? 'sqrt' : 1.0,
    bootstrap: true,
    maxSamples: null,
    classWeight: null,
    seed: 0,
    maxBins: MAX_TRAIN_BINS,
    oobScore: false,
  };
}

const PARAM_NAMES = new Set(Object.keys(defaultParams('classification')));

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v) ?? String(v);
  return String(v);
};

/**
 * Checks every parameter up front and returns the complete set with defaults filled in.
 * Throws MLI_INVALID_OPTION listing every problem, for example `maxDepth must be a positive integer, got -1`.
 * Unknown keys are left to the caller (`extraKeys` lists keys the caller owns and that are not errors).
 */
export function resolveParams(
  input: Record<string, unknown>,
  task: Task,
  extraKeys: ReadonlySet<string> = new Set(),
): ForestParams {
  const p = { ...defaultParams(task) } as Record<string, unknown>;
  const issues: Issue[] = [];
  const bad = (name: string, expected: string, got: unknown): void => {
    issues.push({
      path: [name],
      message: `${name} must be ${expected}, got ${show(got)}`,
      expected,
      received: show(got),
      kind: 'invalid_option',
    });
  };
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (!PARAM_NAMES.has(k)) {
      if (!extraKeys.has(k))
        issues.push({ path: [k], message: `unknown option ${k}`, kind: 'unknown_option', received: show(v) });
      continue;
    }
    p[k] = v;
  }
  const v = p as unknown as ForestParams;
  if (!isInt(v.nEstimators) || v.nEstimators < 1) bad('nEstimators', 'a positive integer', v.nEstimators);
  const criteria = task === 'classification' ? ['gini', 'entropy', 'log_loss'] : ['squared_error'];
  if (!criteria.includes(v.criterion as string))
    bad('criterion', `one of ${criteria.join(', ')} for ${task}`, v.criterion);
  if (v.maxDepth !== null && (!isInt(v.maxDepth) || v.maxDepth < 1))
    bad('maxDepth', 'a positive integer or null', v.maxDepth);
  const ms = v.minSamplesSplit;
  if (!(isInt(ms) ? ms >= 2 : typeof ms === 'number' && ms > 0 && ms <= 1))
    bad('minSamplesSplit', 'an integer >= 2 or a fraction in (0, 1]', ms);
  const ml = v.minSamplesLeaf;
  if (!(isInt(ml) ? ml >= 1 : typeof ml === 'number' && ml > 0 && ml < 1))
    bad('minSamplesLeaf', 'an integer >= 1 or a fraction in (0, 1)', ml);
  const mf = v.maxFeatures;
  if (
    !(
      mf === null ||
      mf === 'sqrt' ||
      mf === 'log2' ||
      (isInt(mf) && mf >= 1 && mf !== 1.0) ||
      (typeof mf === 'number' && mf > 0 && mf <= 1)
    )
  )
    bad('maxFeatures', "'sqrt', 'log2', null, a positive integer or a fraction in (0, 1]", mf);
  if (typeof v.bootstrap !== 'boolean') bad('bootstrap', 'a boolean', v.bootstrap);
  const mx = v.maxSamples;
  if (mx !== null) {
    if (!(isInt(mx) ? mx >= 1 : typeof mx === 'number' && mx > 0 && mx <= 1))
      bad('maxSamples', 'null, a positive integer or a fraction in (0, 1]', mx);
    else if (v.bootstrap === false) bad('maxSamples', 'null when bootstrap is false', mx);
  }
  const cw = v.classWeight;
  if (task === 'regression' && cw !== null) bad('classWeight', 'null for regression', cw);
  else if (!(cw === null || cw === 'balanced' || cw === 'balanced_subsample')) {
    if (typeof cw !== 'object' || Array.isArray(cw))
      bad('classWeight', "null, 'balanced', 'balanced_subsample' or an object of weights per class", cw);
    else
      for (const [cls, w] of Object.entries(cw))
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
          bad(`classWeight.${cls}`, 'a finite number >= 0', w);
  }
  if (!isInt(v.seed) || v.seed < 0 || v.seed > 0xffffffff)
    bad('seed', 'an integer from 0 to 4294967295', v.seed);
  if (!isInt(v.maxBins) || v.maxBins < 2 || v.maxBins > MAX_TRAIN_BINS)
    bad('maxBins', `an integer from 2 to ${MAX_TRAIN_BINS}`, v.maxBins);
  if (typeof v.oobScore !== 'boolean') bad('oobScore', 'a boolean', v.oobScore);
  else if (v.oobScore && v.bootstrap === false) bad('oobScore', 'false when bootstrap is false', v.oobScore);
  throwIfIssues(issues, 'forest parameters');
  return v;
}

/** Number of features drawn at each split, as scikit-learn computes it. */
export function resolveMaxFeatures(mf: ForestParams['maxFeatures'], nFeatures: number): number {
  if (mf === null) return nFeatures;
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
