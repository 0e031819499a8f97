/**
 * From the TreeEnsemble node's scores to the model's outputs, as src/forest/additive.ts computes them:
 *
 * - AVERAGE over the per-class copies of the trees divides by nTrees x nClasses: a Mul by nClasses restores
 *   the mean of each class (a SUM is not affected by the copies: each copy adds to its own class only);
 * - an additive ensemble (imported gradient boosting) then adds its base scores (an Add: opset 5 dropped the
 *   node's base_values) and applies its link with standard ops: Sigmoid (logistic), 1 - p and p from the
 *   second score (logistic_binary), Softmax over the classes (softmax), and softmax_zero spelled out (scores
 *   within 1e-7 of 0 take no share, as ONNX Runtime's SOFTMAX_ZERO; all such: zeros, not 0 / 0).
 */

import type { ForestArrays } from '../../forest/types.js';
import type { OnnxNode, OnnxTensor } from '../onnx/onnx-proto.js';
import { doubleTensor, int64Tensor, intAttr, intsAttr, node } from './onnx-build.js';
import type { Names } from './onnx-preprocess.js';

/** ONNX Runtime's softmax_zero treats a score within this of 0 as 0 (as src/forest/additive.ts). */
const SOFTMAX_ZERO_EPSILON = 1e-7;

export interface ScoreSteps {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
}

/** Appends nodes and constants, each value named by `names`; `step` returns the new value's name. */
class Chain implements ScoreSteps {
  nodes: OnnxNode[] = [];
  initializers: OnnxTensor[] = [];
  constructor(private readonly names: Names) {}

  constant(base: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.names.next(base);
    this.initializers.push(doubleTensor(values, name, dims));
    return name;
  }

  int64(base: string, values: number[]): string {
    const name = this.names.next(base);
    this.initializers.push(int64Tensor(values, name));
    return name;
  }

  step(
    op: string,
    input: string[],
    base: string,
    attrs: Parameters<typeof node>[4] = [],
    output?: string,
  ): string {
    const out = output ?? this.names.next(base);
    this.nodes.push(node(op, input, [out], this.names.next(`${base}_node`), attrs));
    return out;
  }
}

function softmaxZero(chain: Chain, s: string, output: string): void {
  const zero = chain.constant('zero', [0], []);
  const max = chain.step('ReduceMax', [s], 'score_max', [intsAttr('axes', [1]), intAttr('keepdims', 1)]);
  const e = chain.step('Exp', [chain.step('Sub', [s, max], 'shifted')], 'exp');
  const abs = chain.step('Abs', [s], 'abs_score');
  const kept = chain.step(
    'Greater',
    [abs, chain.constant('zero_epsilon', [SOFTMAX_ZERO_EPSILON], [])],
    'kept',
  );
  const ez = chain.step('Where', [kept, e, zero], 'exp_kept');
  const sum = chain.step('ReduceSum', [ez, chain.int64('axis_one', [1])], 'exp_sum', [
    intAttr('keepdims', 1),
  ]);
  // all scores zeroed: 0 / tiny = 0 instead of 0 / 0
  const safe = chain.step('Max', [sum, chain.constant('tiny', [Number.MIN_VALUE], [])], 'exp_sum_safe');
  chain.step('Div', [ez, safe], 'softmax_zero', [], output);
}

/**
 * Whether the TreeEnsemble node's scores are already the outputs (a regression forest without base or link).
 *
 * @example
 * scoresAreOutputs(model.forest.arrays); // true for a trained regression forest
 */
export function scoresAreOutputs(arrays: ForestArrays): boolean {
  const a = arrays.additive;
  return (
    arrays.nOutputs === 1 && (a === undefined || (a.link === 'none' && a.baseScores.every((b) => b === 0)))
  );
}

/**
 * The nodes that turn `scores` (the TreeEnsemble output) into `output`, the model's probabilities or values.
 *
 * @example
 * const steps = scoreSteps(arrays, 'forest_scores', 'probabilities', names);
 */
export function scoreSteps(arrays: ForestArrays, scores: string, output: string, names: Names): ScoreSteps {
  const chain = new Chain(names);
  const C = arrays.nOutputs;
  const additive = arrays.additive;
  const copies = C > 1 && (additive?.aggregate ?? 'average') === 'average';
  const base = additive && Array.from(additive.baseScores).some((b) => b !== 0);
  const link = additive?.link ?? 'none';
  let s = scores;
  const last = (done: boolean) => (done ? output : undefined);
  if (copies)
    s = chain.step(
      'Mul',
      [s, chain.constant('class_copies', [C], [])],
      'class_mean',
      [],
      last(!base && link === 'none'),
    );
  if (base)
    s = chain.step(
      'Add',
      [s, chain.constant('base_scores', Array.from(additive.baseScores))],
      'with_base',
      [],
      last(link === 'none'),
    );
  if (link === 'logistic') chain.step('Sigmoid', [s], 'sigmoid', [], output);
  else if (link === 'softmax') chain.step('Softmax', [s], 'softmax', [intAttr('axis', 1)], output);
  else if (link === 'softmax_zero') softmaxZero(chain, s, output);
  else if (link === 'logistic_binary') {
    const one = chain.int64('one', [1]);
    const s1 = chain.step('Slice', [s, one, chain.int64('two', [2]), one], 'score_1');
    const p = chain.step('Sigmoid', [s1], 'p_1');
    const q = chain.step('Sub', [chain.constant('one_double', [1], []), p], 'p_0');
    chain.step('Concat', [q, p], 'binary', [intAttr('axis', 1)], output);
  }
  return chain;
}
