import { childOf, type ExplainTree } from './explain-tree.js';

/**
 * The path method (Saabas; the `treeinterpreter` package): along the row's path in each tree, the change of
 * the node value at each split is credited to the split feature, so a tree's output is its root value plus
 * the credits. Averaged over trees. A missing value or a category follows its branch like any other, so it is
 * credited to its feature. Costs about one prediction.
 *
 * Adds into `contributions` (nFeatures * nOutputs, feature-major) and `base` (nOutputs, the mean root value);
 * both must start at zero.
 *
 * @example
 * pathContributions(explainTree(forest.arrays), rowBins, contributions, base);
 */
export function pathContributions(
  t: ExplainTree,
  rowBins: Uint16Array,
  contributions: Float64Array,
  base: Float64Array,
): void {
  const C = t.nOutputs;
  const { values, feature } = t;
  const scale = 1 / t.nTrees;
  for (let k = 0; k < t.nTrees; k++) {
    let i = t.roots[k];
    for (let c = 0; c < C; c++) base[c] += values[i * C + c] * scale;
    while (feature[i] >= 0) {
      const next = childOf(t, i, rowBins);
      const at = feature[i] * C;
      for (let c = 0; c < C; c++) contributions[at + c] += (values[next * C + c] - values[i * C + c]) * scale;
      i = next;
    }
  }
}
