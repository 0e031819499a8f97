/**
 * Per-row explanations of a forest's output: a base value plus one contribution per feature (per class for
 * classification) that add up to the row's output. Categorical features are one feature each (a code is one
 * column), and a missing value is credited to its feature like any other. No `node:` imports.
 */
import { MlinferError } from '../errors.js';
import { binRow } from './compiled.js';
import { pathContributions } from './explain-path.js';
import { TreeShap } from './explain-shap.js';
import { type ExplainTree, explainTree } from './explain-tree.js';
import type { ForestArrays } from './types.js';

/** `path`: Saabas / treeinterpreter, about one prediction's cost. `shap`: exact path-dependent TreeSHAP. */
export type ExplainMethod = 'path' | 'shap';

export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['path', 'shap'];

/** One row's explanation, in the forest's outputs (class probabilities, or the regression value). */
export interface RowExplanation {
  /**
   * nOutputs values: the model's mean output over its training data as the method sees it (`path`: the mean
   * root value; `shap`: the mean cover-weighted leaf value, shap's expected_value). They differ only by the
   * float32 rounding of class fractions.
   */
  base: Float64Array;
  /** nFeatures * nOutputs, feature-major: contributions[f * nOutputs + c]. base + the sum over f = the output. */
  contributions: Float64Array;
}

export interface ForestExplainer {
  /**
   * Explains the row of raw feature values at `data[offset .. offset + nFeatures)` (NaN for missing values,
   * category codes for categorical features), as the scorer reads it.
   */
  explainRow(data: ArrayLike<number>, offset: number, method: ExplainMethod): RowExplanation;
}

/**
 * Makes an explainer for a forest. Throws MLI_CANNOT_EXPLAIN when the forest has no node statistics (a model
 * file written before format 1.1, or an imported forest). The explanation form of the forest is built on the
 * first call and the TreeSHAP scratch on the first `shap` call, so creating an explainer is cheap.
 *
 * @example
 * const explainer = createExplainer(forest.arrays);
 * const { base, contributions } = explainer.explainRow(X.data, 0, 'shap');
 */
export function createExplainer(arrays: ForestArrays): ForestExplainer {
  // throws the coded error now rather than on first use
  if (!arrays.nodeStats || arrays.additive !== undefined) explainTree(arrays);
  let tree: ExplainTree | null = null;
  let shap: TreeShap | null = null;
  const rowBins = new Uint16Array(arrays.nFeatures);
  return {
    explainRow(data, offset, method) {
      tree ??= explainTree(arrays);
      const C = arrays.nOutputs;
      const base = new Float64Array(C);
      const contributions = new Float64Array(arrays.nFeatures * C);
      binRow(arrays, data, offset, rowBins, 0);
      if (method === 'path') pathContributions(tree, rowBins, contributions, base);
      else if (method === 'shap') {
        shap ??= new TreeShap(tree);
        shap.explain(rowBins, contributions, base);
      } else
        throw new MlinferError(
          'MLI_INVALID_OPTION',
          `method must be one of ${EXPLAIN_METHODS.join(', ')}, got ${JSON.stringify(method)}`,
          { issues: [{ path: ['method'], message: `method must be one of ${EXPLAIN_METHODS.join(', ')}` }] },
        );
      return { base, contributions };
    },
  };
}
