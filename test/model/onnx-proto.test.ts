import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMlinferError } from '../../src/errors.js';
import {
  AttributeType,
  decodeOnnxModel,
  encodeOnnxModel,
  type OnnxModel,
  TensorDataType,
} from '../../src/model/onnx/onnx-proto.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A model using every message kind the codec declares, as a converter writes it. */
function sampleModel(): OnnxModel {
  return {
    irVersion: 8,
    opsetImport: [
      { domain: '', version: 15 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    producerName: 'skl2onnx',
    producerVersion: '1.17.0',
    modelVersion: 0,
    graph: {
      name: 'g',
      node: [
        {
          input: ['X'],
          output: ['label', 'probabilities'],
          opType: 'TreeEnsembleClassifier',
          domain: 'ai.onnx.ml',
          name: 'TreeEnsembleClassifier',
          attribute: [
            { name: 'nodes_modes', type: AttributeType.STRINGS, strings: [Buffer.from('BRANCH_LEQ')] },
            { name: 'nodes_values', type: AttributeType.FLOATS, floats: [0.5, -2.25] },
            { name: 'nodes_treeids', type: AttributeType.INTS, ints: [0, 0, 12345678901] },
            { name: 'post_transform', type: AttributeType.STRING, s: Buffer.from('NONE') },
            { name: 'alpha', type: AttributeType.FLOAT, f: 0.25 },
            { name: 'n', type: AttributeType.INT, i: -3 },
            {
              name: 'nodes_modes_as_tensor',
              type: AttributeType.TENSOR,
              t: { dims: [2], dataType: TensorDataType.UINT8, rawData: Buffer.from([0, 6]) },
            },
          ],
        },
      ],
      initializer: [{ name: 'w', dims: [2], dataType: TensorDataType.DOUBLE, doubleData: [1.5, -1e300] }],
      input: [
        {
          name: 'X',
          type: {
            tensorType: {
              elemType: TensorDataType.FLOAT,
              shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] },
            },
          },
        },
      ],
      output: [
        {
          name: 'output_probability',
          type: {
            sequenceType: {
              elemType: {
                mapType: { keyType: TensorDataType.INT64, valueType: { tensorType: { elemType: 1 } } },
              },
            },
          },
        },
      ],
    },
    metadataProps: [{ key: 'k', value: 'v' }],
  };
}

describe('ONNX protobuf codec', () => {
  it('decodes what it encodes, field for field', () => {
    const bytes = encodeOnnxModel(sampleModel());
    const back = decodeOnnxModel(bytes);
    expect(back).toMatchObject(sampleModel() as Record<string, unknown>);
    expect(hex(encodeOnnxModel(back))).toBe(hex(bytes));
  });

  it('uses the field numbers and proto2 encodings of onnx.proto', () => {
    // opset_import (field 8) {domain (1) = '', version (2) = 15}: bytes as onnx's Python API writes them,
    // the explicit empty domain kept.
    expect(hex(encodeOnnxModel({ opsetImport: [{ domain: '', version: 15 }] }))).toBe('42040a00100f');
    // AttributeProto {name 'a', ints [1, 2], type INTS} inside graph.node: onnx's Python API writes these bytes,
    // ints (field 8) unpacked as in proto2, one tag (0x40) per value.
    const ints = encodeOnnxModel({
      graph: { node: [{ attribute: [{ name: 'a', type: AttributeType.INTS, ints: [1, 2] }] }] },
    });
    expect(hex(ints)).toBe('3a0e0a0c2a0a0a016140014002a00107');
  });

  it('re-encodes every ONNX file of fixtures/onnx (written by onnx 1.23.1) to the same bytes', () => {
    const dir = join(__dirname, '..', '..', 'fixtures', 'onnx');
    const files = readdirSync(dir).filter((f) => f.endsWith('.onnx'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      expect(hex(encodeOnnxModel(decodeOnnxModel(bytes))), f).toBe(hex(bytes));
    }
  });

  it('reads int64 values beyond 32 bits as numbers', () => {
    const back = decodeOnnxModel(encodeOnnxModel(sampleModel()));
    expect(back.graph?.node?.[0]?.attribute?.[2]?.ints).toEqual([0, 0, 12345678901]);
    expect(back.graph?.node?.[0]?.attribute?.[5]?.i).toBe(-3);
  });

  it('rejects bytes that are not a ModelProto with MLI_MODEL_FOREIGN', () => {
    const bytes = new TextEncoder().encode('tree,nodes\n1,2\n');
    let error: unknown;
    try {
      decodeOnnxModel(bytes);
    } catch (e) {
      error = e;
    }
    expect(isMlinferError(error) && error.code).toBe('MLI_MODEL_FOREIGN');
    expect((error as Error).message).toMatch(/not an ONNX model/);
  });
});
