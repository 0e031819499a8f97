// The ONNX fixtures (fixtures/onnx, written by make.py) and ONNX Runtime's answers for them, plus a plain
// reference scorer of ForeignEnsemble values that follows the contract in src/model/import/foreign-ensemble.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ForeignEnsemble, ForeignTree } from '../../../src/model/import/foreign-ensemble.js';

export const ONNX_FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'onnx');

export interface OnnxCase {
  name: string;
  kind: 'classifier' | 'regressor' | 'unsupported';
  notes: string;
}

export interface OnnxExpected {
  model: string;
  kind: 'classifier' | 'regressor';
  rows: (number | null)[][];
  classes?: (string | number)[];
  labels?: (string | number)[];
  probabilities?: number[][];
  values?: number[];
}

export function onnxCases(): OnnxCase[] {
  const manifest = JSON.parse(readFileSync(join(ONNX_FIXTURES, 'manifest.json'), 'utf8'));
  return Object.entries(manifest.cases as Record<string, { kind: OnnxCase['kind']; notes: string }>).map(
    ([name, c]) => ({ name, ...c }),
  );
}

export function onnxBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ONNX_FIXTURES, `${name}.onnx`)));
}

export function onnxExpected(name: string): OnnxExpected {
  return JSON.parse(readFileSync(join(ONNX_FIXTURES, `${name}.json`), 'utf8'));
}

export function rowValues(row: (number | null)[]): number[] {
  return row.map((v) => (v === null ? Number.NaN : v));
}

function holds(rule: string, x: number, t: number, set: readonly number[] | undefined): boolean {
  switch (rule) {
    case 'leq':
      return x <= t;
    case 'lt':
      return x < t;
    case 'gte':
      return x >= t;
    case 'gt':
      return x > t;
    case 'eq':
      return x === t;
    case 'neq':
      return x !== t;
    default:
      return (set ?? []).includes(x);
  }
}

function leafOf(tree: ForeignTree, row: number[], float32: boolean): readonly number[] {
  let node = tree.nodes[0];
  while (node.kind === 'split') {
    const raw = row[node.feature];
    const x = float32 ? Math.fround(raw) : raw;
    const goTrue = Number.isNaN(x) ? node.missingGoesTrue : holds(node.rule, x, node.threshold, node.set);
    node = tree.nodes[goTrue ? node.ifTrue : node.ifFalse];
  }
  return node.values;
}

/** Scores one row the way the contract describes: raw scores, then the post transform; classifier probabilities. */
export function referenceScore(e: ForeignEnsemble, row: number[]): number[] {
  const s = new Array<number>(e.nOutputs).fill(0);
  for (const tree of e.trees)
    leafOf(tree, row, e.precision === 'float32').forEach((v, k) => {
      s[k] += v;
    });
  for (let k = 0; k < e.nOutputs; k++) {
    if (e.aggregate === 'average') s[k] /= e.trees.length;
    s[k] += e.baseScores[k];
  }
  let out = s;
  if (e.postTransform === 'logistic') out = s.map((v) => 1 / (1 + Math.exp(-v)));
  else if (e.postTransform === 'softmax' || e.postTransform === 'softmax_zero') {
    const zero = e.postTransform === 'softmax_zero';
    const m = Math.max(...s);
    const ex = s.map((v) => (zero && v === 0 ? 0 : Math.exp(v - m)));
    const total = ex.reduce((a, b) => a + b, 0);
    out = ex.map((v) => (total === 0 ? 0 : v / total));
  }
  if (e.task === 'classification' && e.nOutputs === 1) return [1 - out[0], out[0]];
  return out;
}

export function argmax(values: number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
