// modelToOnnx's options and refusals, the graph it writes (opsets, inputs, outputs, metadata), and class
// labels of every type.
import { beforeAll, describe, expect, it } from 'vitest';
import { isMlinferError, type MlinferError } from '../../src/errors.js';
import { modelToOnnx } from '../../src/model/export/onnx-export.js';
import type { Model } from '../../src/model/model.js';
import { decodeOnnxModel, onnxString, TensorDataType } from '../../src/model/onnx/onnx-proto.js';
import { train } from '../../src/model/train.js';
import { rng } from './forest-fixtures.js';
import { columnFeeds, expectSameAsMlinfer, type RawRecord, runOnnx } from './onnx-export-helpers.js';

function rows(n: number, seed: number, labels: (string | number)[]): RawRecord[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const a = Math.round(r() * 100) / 10;
    const plan = ['basic', 'pro', 'team'][Math.floor(r() * 3)];
    const k = Math.min(
      labels.length - 1,
      Math.floor((a / 10 + (plan === 'pro' ? 0.3 : 0) + r() * 0.3) * labels.length * 0.8),
    );
    return { a, plan, ok: r() < 0.5 ? 'yes' : 'no', label: labels[k] };
  });
}

function thrown(f: () => unknown): MlinferError {
  try {
    f();
  } catch (e) {
    if (isMlinferError(e)) return e;
    throw e;
  }
  throw new Error('did not throw');
}

let model: Model;
beforeAll(async () => {
  model = await train(rows(600, 1, ['a', 'b', 'c']), { target: 'label', nThreads: 1, nEstimators: 8 });
});

describe('modelToOnnx options', () => {
  it('rejects an unknown inputs value and unknown options, naming them', () => {
    const e = thrown(() => modelToOnnx(model, { inputs: 'csv' as 'columns' }));
    expect(e.code).toBe('MLI_INVALID_OPTION');
    expect(e.message).toBe(
      `invalid ONNX export options: inputs must be one of 'columns', 'encoded', got "csv"`,
    );
    const u = thrown(() => modelToOnnx(model, { input: 'encoded' } as never));
    expect(u.message).toBe('invalid ONNX export options: unknown option input');
  });

  it('refuses per-column inputs named like an output, and suggests the encoded input', async () => {
    const renamed = await train(
      rows(300, 2, [1, 2]).map(({ a, ...r }) => ({ ...r, probabilities: a })),
      { target: 'label', nThreads: 1, nEstimators: 4 },
    );
    const e = thrown(() => modelToOnnx(renamed));
    expect(e.code).toBe('MLI_INVALID_OPTION');
    expect(e.message).toContain('cannot name ONNX inputs after the features "probabilities"');
    expect(e.message).toContain("Export with inputs: 'encoded' (CLI --encoded)");
    expect(e.issues?.[0].path).toEqual(['features', 'probabilities']);
    expect(decodeOnnxModel(modelToOnnx(renamed, { inputs: 'encoded' })).graph?.input?.[0].name).toBe('X');
  });
});

describe('the exported graph', () => {
  it('imports ai.onnx 13 and ai.onnx.ml 5, takes one typed input per feature and names the outputs as skl2onnx', () => {
    const onnx = decodeOnnxModel(modelToOnnx(model));
    expect(onnx.irVersion).toBe(10);
    expect(onnx.opsetImport).toEqual([
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 5 },
    ]);
    const g = onnx.graph!;
    expect(g.input?.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([
      ['a', TensorDataType.DOUBLE],
      ['plan', TensorDataType.STRING],
      ['ok', TensorDataType.STRING],
    ]);
    expect(g.output?.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual([
      ['label', TensorDataType.STRING],
      ['probabilities', TensorDataType.DOUBLE],
    ]);
    expect(g.node?.map((n) => n.opType)).toEqual([
      'LabelEncoder',
      'Cast',
      'LabelEncoder',
      'Cast',
      'Concat',
      'TreeEnsemble',
      'Mul',
      'ArgMax',
      'Gather',
    ]);
    const meta = Object.fromEntries((onnx.metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['mlinfer.schema']!)).toEqual(model.schema);
    expect(JSON.parse(meta['mlinfer.classes']!)).toEqual(['a', 'b', 'c']);
    expect(meta['mlinfer.modelVersion']).toBe(model.metadata.modelVersion);
    const tree = g.node!.find((n) => n.opType === 'TreeEnsemble')!;
    const attr = (name: string) => tree.attribute!.find((a) => a.name === name)!;
    expect(attr('aggregate_function').i).toBe(0); // AVERAGE
    expect(attr('n_targets').i).toBe(3);
    // one copy of each tree per class
    expect(attr('tree_roots').ints).toHaveLength(8 * 3);
    expect(attr('nodes_splits').t?.dataType).toBe(TensorDataType.DOUBLE);
    const encoder = g.node![0];
    const keys = encoder.attribute!.find((a) => a.name === 'keys_strings')!.strings!.map(onnxString);
    // the missing spellings first (they win, as in the encoder), then the categories in code order
    expect(keys).toEqual(['', 'NA', 'NaN', 'null', '?', ...model.schema.features[1].categories!]);
  });

  it('gives int64 labels for integer classes and double labels for other numbers', async () => {
    for (const [labels, type] of [
      [[10, 20, 30], TensorDataType.INT64],
      [[0.5, 1.5], TensorDataType.DOUBLE],
    ] as const) {
      const m = await train(rows(400, 3, [...labels]), {
        target: 'label',
        task: 'classification',
        nThreads: 1,
        nEstimators: 6,
      });
      expect(m.classes).toEqual(labels);
      const bytes = modelToOnnx(m);
      expect(decodeOnnxModel(bytes).graph?.output?.[0].type?.tensorType?.elemType).toBe(type);
      const test = rows(200, 4, [...labels]);
      const out = await runOnnx(bytes, columnFeeds(m, test));
      expect(new Set(out.labels)).toEqual(new Set(labels));
      expectSameAsMlinfer(m, test, out);
    }
  });

  it('takes a batch of one and an empty batch', async () => {
    const one = rows(1, 5, ['a']);
    const out = await runOnnx(modelToOnnx(model), columnFeeds(model, one));
    expectSameAsMlinfer(model, one, out);
    const none = await runOnnx(modelToOnnx(model), columnFeeds(model, []));
    expect(none.labels).toEqual([]);
  });
});
