import { describe, expect, it } from 'vitest';
import { createScorer } from '../../../src/forest/compiled.js';
import { createExplainer } from '../../../src/forest/explain.js';
import { writeContainer } from '../../../src/model/container.js';
import { encodeForestSections } from '../../../src/model/forest-sections.js';
import { decodeModel, encodeModel } from '../../../src/model/format.js';
import { compileForeignEnsemble, decide } from '../../../src/model/import/compile.js';
import { float32LeqEdge, nextDown, nextDown32 } from '../../../src/model/import/floats.js';
import type {
  ForeignEnsemble,
  ForeignNode,
  ForeignRule,
  ForeignSplit,
} from '../../../src/model/import/foreign-ensemble.js';
import { forestIssues } from '../../../src/model/validate-forest.js';
import { rng } from '../forest-fixtures.js';

const RULES: ForeignRule[] = ['leq', 'lt', 'gte', 'gt'];

/** The contract's semantics, read literally: what the source library computes. */
function holds(
  rule: ForeignRule,
  x: number,
  t: number,
  precision: 'float32' | 'float64',
  set?: readonly number[],
): boolean {
  if (rule === 'member') return set!.includes(x);
  const a = precision === 'float32' ? Math.fround(x) : x;
  const b = precision === 'float32' ? Math.fround(t) : t;
  switch (rule) {
    case 'leq':
      return a <= b;
    case 'lt':
      return a < b;
    case 'gte':
      return a >= b;
    case 'gt':
      return a > b;
    case 'eq':
      return a === b;
    default:
      return a !== b;
  }
}

function referenceScore(e: ForeignEnsemble, row: ArrayLike<number>): number[] {
  const s = new Array(e.nOutputs).fill(0);
  for (const tree of e.trees) {
    let node: ForeignNode = tree.nodes[0];
    while (node.kind === 'split') {
      const x = row[node.feature];
      const yes = Number.isNaN(x)
        ? node.missingGoesTrue
        : holds(node.rule, x, node.threshold, e.precision, node.set);
      node = tree.nodes[yes ? node.ifTrue : node.ifFalse];
    }
    node.values.forEach((v, k) => {
      s[k] += v;
    });
  }
  const n = e.aggregate === 'average' ? 1 / e.trees.length : 1;
  const raw = s.map((v, k) => v * n + e.baseScores[k]);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  if (e.postTransform === 'none') return e.nOutputs === 1 && e.nClasses === 2 ? [1 - raw[0], raw[0]] : raw;
  if (e.postTransform === 'logistic')
    return e.nOutputs === 1 && e.nClasses === 2 ? [1 - sig(raw[0]), sig(raw[0])] : raw.map(sig);
  const m = Math.max(...raw);
  const ex = raw.map((v) => Math.exp(v - m));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / sum);
}

/** Values at and around the thresholds, as double and float32 neighbours, plus NaN and the infinities. */
function probes(thresholds: number[], r: () => number): number[] {
  const out = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
  for (const t of thresholds) {
    const t32 = Math.fround(t);
    const e32 = float32LeqEdge(t32);
    out.push(t, nextDown(t), -nextDown(-t), t32, nextDown32(t32), e32, -nextDown(-e32), r() * 20 - 10);
  }
  return out;
}

function randomTree(
  r: () => number,
  nFeatures: number,
  nOutputs: number,
  categorical: Set<number>,
  thresholds: number[],
) {
  const nodes: ForeignNode[] = [];
  const grow = (depth: number): number => {
    const i = nodes.length;
    if (depth >= 5 || (depth > 0 && r() < 0.25)) {
      nodes.push({
        kind: 'leaf',
        values: Array.from({ length: nOutputs }, () => Math.round((r() - 0.5) * 1e6) / 1e5),
      });
      return i;
    }
    const feature = Math.floor(r() * nFeatures);
    const split: ForeignSplit = categorical.has(feature)
      ? {
          kind: 'split',
          feature,
          rule: 'member',
          threshold: 0,
          set: [0, 1, 2, 3, 4, 5].filter(() => r() < 0.4),
          missingGoesTrue: false,
          ifTrue: -1,
          ifFalse: -1,
        }
      : {
          kind: 'split',
          feature,
          rule: RULES[Math.floor(r() * RULES.length)],
          threshold: thresholds[Math.floor(r() * thresholds.length)],
          missingGoesTrue: r() < 0.5,
          ifTrue: -1,
          ifFalse: -1,
        };
    nodes.push(split);
    // children stored in either order: the compiler must not assume "true first"
    if (r() < 0.5) {
      split.ifTrue = grow(depth + 1);
      split.ifFalse = grow(depth + 1);
    } else {
      split.ifFalse = grow(depth + 1);
      split.ifTrue = grow(depth + 1);
    }
    return i;
  };
  grow(0);
  return { nodes };
}

describe('decide: every rule as one "x <= edge"', () => {
  it('agrees with the rule for every probe, in float64 and float32', () => {
    const r = rng(11);
    const ts = [
      0,
      -0,
      1,
      -1,
      0.1,
      1 / 3,
      1e-300,
      -2.5e38,
      3.4028234663852886e38,
      5e-324,
      1e-45,
      Number.MAX_VALUE,
    ];
    for (let k = 0; k < 200; k++) ts.push((r() - 0.5) * 10 ** Math.floor(r() * 20 - 10));
    ts.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const xs = probes(ts, r);
    for (const precision of ['float64', 'float32'] as const)
      for (const rule of [...RULES, 'eq', 'neq'] as ForeignRule[])
        for (const t of ts) {
          const d = decide(rule, t, precision);
          if (d === null) {
            expect(['eq', 'neq']).toContain(rule);
            expect(Number.isFinite(t)).toBe(true);
            continue;
          }
          for (const x of xs) {
            if (Number.isNaN(x)) continue;
            if ((x <= d.edge !== d.negated) !== holds(rule, x, t, precision))
              expect.fail(`${rule} ${t} (${precision}) at x = ${x}: edge ${d.edge}, negated ${d.negated}`);
          }
        }
  });

  it('float32LeqEdge is the last double that rounds to t or below', () => {
    const r = rng(3);
    for (let k = 0; k < 2000; k++) {
      const t = Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 60 - 30));
      const e = float32LeqEdge(t);
      expect(Math.fround(e) <= t).toBe(true);
      expect(Math.fround(-nextDown(-e)) > t).toBe(true);
    }
  });

  it('a NaN threshold makes the rule constant', () => {
    expect(decide('leq', Number.NaN, 'float64')).toEqual({ edge: Number.POSITIVE_INFINITY, negated: true });
    expect(decide('neq', Number.NaN, 'float64')).toEqual({ edge: Number.POSITIVE_INFINITY, negated: false });
  });
});

const leaf = (v: number): ForeignNode => ({ kind: 'leaf', values: [v] });
const one = (split: Partial<ForeignSplit>, extra: Partial<ForeignEnsemble> = {}): ForeignEnsemble => ({
  task: 'regression',
  nFeatures: 2,
  nOutputs: 1,
  nClasses: 0,
  precision: 'float64',
  aggregate: 'sum',
  baseScores: [0],
  postTransform: 'none',
  trees: [
    {
      nodes: [
        {
          kind: 'split',
          feature: 0,
          rule: 'leq',
          threshold: 1,
          missingGoesTrue: false,
          ifTrue: 1,
          ifFalse: 2,
          ...split,
        } as ForeignSplit,
        leaf(1),
        leaf(2),
      ],
    },
  ],
  ...extra,
});

describe('compileForeignEnsemble', () => {
  const cases: [string, Partial<ForeignEnsemble>][] = [
    [
      'binary, one raw score, logistic, float32',
      {
        task: 'classification',
        nOutputs: 1,
        nClasses: 2,
        precision: 'float32',
        aggregate: 'sum',
        postTransform: 'logistic',
      },
    ],
    [
      'binary, one probability, averaged',
      {
        task: 'classification',
        nOutputs: 1,
        nClasses: 2,
        precision: 'float64',
        aggregate: 'average',
        postTransform: 'none',
      },
    ],
    [
      '3 classes, softmax, float64',
      {
        task: 'classification',
        nOutputs: 3,
        nClasses: 3,
        precision: 'float64',
        aggregate: 'sum',
        postTransform: 'softmax',
      },
    ],
    [
      'regression, float32',
      {
        task: 'regression',
        nOutputs: 1,
        nClasses: 0,
        precision: 'float32',
        aggregate: 'sum',
        postTransform: 'none',
      },
    ],
    [
      'regression averaged with a base score',
      {
        task: 'regression',
        nOutputs: 1,
        nClasses: 0,
        precision: 'float64',
        aggregate: 'average',
        postTransform: 'none',
      },
    ],
  ];
  for (const [name, head] of cases)
    it(`${name}: scores as the source does, over thresholds, their neighbours and missing values`, () => {
      const r = rng(name.length);
      const nFeatures = 4;
      const thresholds = Array.from({ length: 12 }, () => (r() - 0.5) * 8);
      thresholds.push(0.1, 1 / 3, Math.fround(0.7));
      const categorical = new Set([3]);
      const e: ForeignEnsemble = {
        nFeatures,
        baseScores: Array.from({ length: head.nOutputs! }, () => r() - 0.5),
        trees: Array.from({ length: 25 }, () =>
          randomTree(r, nFeatures, head.nOutputs!, categorical, thresholds),
        ),
        ...(head as Omit<ForeignEnsemble, 'nFeatures' | 'baseScores' | 'trees'>),
      };
      const arrays = compileForeignEnsemble(e);
      expect(forestIssues(arrays)).toEqual([]);
      const xs = probes(thresholds, r);
      const nRows = 3000;
      const data = new Float64Array(nRows * nFeatures);
      for (let i = 0; i < data.length; i++)
        data[i] =
          i % nFeatures === 3
            ? [0, 1, 2, 3, 4, 5, 7, -1, Number.NaN][Math.floor(r() * 9)]
            : xs[Math.floor(r() * xs.length)];
      const out = createScorer(arrays).scoreMatrix({ data, nRows, nFeatures });
      const C = arrays.nOutputs;
      for (let row = 0; row < nRows; row++) {
        const expected = referenceScore(e, data.subarray(row * nFeatures, row * nFeatures + nFeatures));
        expected.forEach((v, k) => {
          if (Math.abs(out[row * C + k] - v) > 1e-12)
            expect.fail(`row ${row} output ${k}: ${out[row * C + k]} vs ${v}`);
        });
      }
      // and the compiled forest survives the model file
      const decoded = decodeModel(encodeModel({ metadata: {}, forest: arrays })).forest;
      expect(decoded).toEqual(arrays);
    });

  it('an averaged forest of probabilities compiles to the plain forest of trained models', () => {
    const e: ForeignEnsemble = {
      task: 'classification',
      nFeatures: 1,
      nOutputs: 2,
      nClasses: 2,
      precision: 'float64',
      aggregate: 'average',
      baseScores: [0, 0],
      postTransform: 'none',
      trees: [
        {
          nodes: [
            {
              kind: 'split',
              feature: 0,
              rule: 'leq',
              threshold: 1,
              missingGoesTrue: false,
              ifTrue: 1,
              ifFalse: 2,
            },
            { kind: 'leaf', values: [1, 0] },
            { kind: 'leaf', values: [0.25, 0.75] },
          ],
        },
      ],
    };
    const arrays = compileForeignEnsemble(e);
    expect(arrays.additive).toBeUndefined();
    const bytes = encodeModel({ metadata: {}, forest: arrays });
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(1);
  });

  it('writes an additive forest as format 2.0, which 1.x readers refuse by its major version', () => {
    const e: ForeignEnsemble = {
      task: 'regression',
      nFeatures: 1,
      nOutputs: 1,
      nClasses: 0,
      precision: 'float64',
      aggregate: 'sum',
      baseScores: [0.5],
      postTransform: 'none',
      trees: [
        {
          nodes: [
            {
              kind: 'split',
              feature: 0,
              rule: 'lt',
              threshold: 2,
              missingGoesTrue: true,
              ifTrue: 1,
              ifFalse: 2,
            },
            { kind: 'leaf', values: [-1] },
            { kind: 'leaf', values: [1] },
          ],
        },
      ],
    };
    const arrays = compileForeignEnsemble(e);
    expect(
      createScorer(arrays).scoreMatrix({
        data: new Float64Array([1, 3, Number.NaN]),
        nRows: 3,
        nFeatures: 1,
      }),
    ).toEqual(new Float64Array([-0.5, 1.5, -0.5]));
    const bytes = encodeModel({ metadata: {}, forest: arrays });
    expect(new DataView(bytes.buffer).getUint16(8, true)).toBe(2);
    expect(decodeModel(bytes).forest.additive).toEqual(arrays.additive);
    // the version and the sections must agree: a 1.x header over additive sections is corrupt, and the reverse
    const relabelled = writeContainer('{}', encodeForestSections(arrays));
    expect(() => decodeModel(relabelled)).toThrow(/format 1.x holds an additive scoring/);
    const plain = { ...arrays, additive: undefined };
    const bare = writeContainer('{}', encodeForestSections(plain), { major: 2, minor: 0 });
    expect(() => decodeModel(bare)).toThrow(/format 2.x lacks an additive scoring/);
  });

  it('refuses to explain an additive ensemble rather than give wrong numbers', () => {
    const arrays = compileForeignEnsemble(one({}));
    expect(() => createExplainer(arrays)).toThrow(
      expect.objectContaining({ code: 'MLI_CANNOT_EXPLAIN', message: expect.stringContaining('additive') }),
    );
  });

  it('gives a feature more than 255 edges when its thresholds need them', () => {
    const nodes: ForeignNode[] = [];
    const n = 600;
    // a right-leaning chain: x <= t_i goes to leaf i
    for (let i = 0; i < n; i++) {
      nodes.push({
        kind: 'split',
        feature: 0,
        rule: 'leq',
        threshold: i / 7,
        missingGoesTrue: false,
        ifTrue: 2 * i + 1,
        ifFalse: 2 * i + 2,
      });
      nodes.push({ kind: 'leaf', values: [i] });
    }
    nodes.push({ kind: 'leaf', values: [n] });
    // renumber: split i at 2i, its leaf at 2i + 1, its right (next split) at 2i + 2
    const e: ForeignEnsemble = {
      task: 'regression',
      nFeatures: 1,
      nOutputs: 1,
      nClasses: 0,
      precision: 'float64',
      aggregate: 'sum',
      baseScores: [0],
      postTransform: 'none',
      trees: [{ nodes }],
    };
    for (let i = 0; i < n; i++) {
      const s = nodes[2 * i] as ForeignSplit;
      s.ifTrue = 2 * i + 1;
      s.ifFalse = 2 * i + 2;
    }
    const arrays = compileForeignEnsemble(e);
    expect(arrays.binEdges.length).toBe(n);
    const xs = [0, 1 / 7, nextDown(300 / 7), 300 / 7, 1000];
    const out = createScorer(arrays).scoreMatrix({
      data: Float64Array.from(xs),
      nRows: xs.length,
      nFeatures: 1,
    });
    expect([...out]).toEqual([0, 1, 300, 300, n]);
  });

  it('fails with MLI_MODEL_UNSUPPORTED naming the tree, the node and the feature', () => {
    const code = (e: ForeignEnsemble) => {
      try {
        compileForeignEnsemble(e);
        return 'compiled';
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
    };
    expect(code(one({ rule: 'eq', threshold: 3 }))).toMatch(
      /MLI_MODEL_UNSUPPORTED: .*tree 0, node 0 tests feature 0 == 3/,
    );
    expect(code(one({ rule: 'member', set: [-1, 2] }))).toMatch(
      /MLI_MODEL_UNSUPPORTED: .*tree 0, node 0 tests feature 0 for membership of -1/,
    );
    const mixed = one({});
    mixed.trees.push({
      nodes: [
        {
          kind: 'split',
          feature: 0,
          rule: 'member',
          threshold: 0,
          set: [1],
          missingGoesTrue: false,
          ifTrue: 1,
          ifFalse: 2,
        },
        leaf(0),
        leaf(1),
      ],
    });
    expect(code(mixed)).toMatch(
      /MLI_MODEL_UNSUPPORTED: .*feature 0 is compared as a number and as a category set \(tree 0, node 0 and tree 1, node 0\)/,
    );
    const twoTargets = one({}, { nOutputs: 2, baseScores: [0, 0] });
    for (const node of twoTargets.trees[0].nodes) if (node.kind === 'leaf') node.values = [1, 2];
    expect(code(twoTargets)).toMatch(/MLI_MODEL_UNSUPPORTED: .*2 regression targets/);
    expect(code(one({ rule: 'eq', threshold: Number.NEGATIVE_INFINITY }))).toBe('compiled');
  });

  it('fails with MLI_INVALID_DATA for what is not a tree', () => {
    expect(() => compileForeignEnsemble(one({ ifFalse: 1 }))).toThrow(
      /child 1, which is out of range or reached twice/,
    );
    expect(() => compileForeignEnsemble(one({ feature: 5 }))).toThrow(/uses feature 5, the model has 2/);
    const unreachable = one({});
    unreachable.trees[0].nodes.push(leaf(3));
    expect(() => compileForeignEnsemble(unreachable)).toThrow(/1 nodes its root does not reach/);
  });
});
