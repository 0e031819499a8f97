/**
 * How an exported additive ensemble (an imported boosted model, src/model/export/onnx-scores.ts) combines its
 * trees, read back from the steps after the TreeEnsemble node: the aggregate from the node, the base scores
 * from the Add's constant, the link from the op that applies it (Sigmoid; Slice then Sigmoid for
 * logistic_binary; Softmax; ReduceMax for the spelled-out softmax_zero). Only the parts are read here: the
 * caller exports the rebuilt model again and compares the graphs, which checks the whole chain.
 */

import type { AdditiveScoring, Link } from '../../forest/types.js';
import type { OnnxModel } from '../onnx/onnx-proto.js';
import { type NodeAttributes, tensorNumbers, unsupported } from './onnx-attributes.js';

const AGGREGATE_SUM = 1;

function link(ops: Set<string>): Link {
  if (ops.has('Slice')) return 'logistic_binary';
  if (ops.has('Sigmoid')) return 'logistic';
  if (ops.has('Softmax')) return 'softmax';
  if (ops.has('ReduceMax')) return 'softmax_zero';
  return 'none';
}

/**
 * The additive scoring the graph spells, or undefined for a plain averaged forest (no base, no link).
 *
 * @example
 * const additive = exportedScoring(onnx, new NodeAttributes(treeNode), 3);
 */
export function exportedScoring(
  onnx: OnnxModel,
  tree: NodeAttributes,
  nOutputs: number,
): AdditiveScoring | undefined {
  const nodes = onnx.graph?.node ?? [];
  const initializers = new Map((onnx.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const aggregate = tree.int('aggregate_function', 1) === AGGREGATE_SUM ? 'sum' : 'average';
  const add = nodes.find((n) => n.opType === 'Add' && initializers.has(n.input?.[1] ?? ''));
  const base = add
    ? tensorNumbers(initializers.get(add.input![1])!, (p) => unsupported(`the base scores ${p}`))
    : new Array<number>(nOutputs).fill(0);
  if (base.length !== nOutputs)
    throw unsupported(`the graph adds ${base.length} base scores to ${nOutputs} outputs`, ['graph', 'node']);
  const l = link(new Set(nodes.map((n) => n.opType ?? '')));
  if (aggregate === 'average' && add === undefined && l === 'none') return undefined;
  return { aggregate, baseScores: Float64Array.from(base), link: l };
}
