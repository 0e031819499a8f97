/**
 * Small constructors for the ONNX messages the exporter writes (attributes, tensors, nodes, typed inputs and
 * outputs), in the plain-object shape of src/model/onnx/onnx-proto.ts. Numbers go into `rawData` little-endian
 * (as onnx's numpy_helper writes them), so a large forest stays one compact byte run per array.
 */

import {
  AttributeType,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  TensorDataType,
} from '../onnx/onnx-proto.js';

export const ML_DOMAIN = 'ai.onnx.ml';
const utf8 = new TextEncoder();

export function intAttr(name: string, i: number): OnnxAttribute {
  return { name, type: AttributeType.INT, i };
}

export function intsAttr(name: string, ints: ArrayLike<number>): OnnxAttribute {
  return { name, type: AttributeType.INTS, ints: Array.from(ints) };
}

export function floatsAttr(name: string, floats: readonly number[]): OnnxAttribute {
  return { name, type: AttributeType.FLOATS, floats: [...floats] };
}

export function floatAttr(name: string, f: number): OnnxAttribute {
  return { name, type: AttributeType.FLOAT, f };
}

export function stringsAttr(name: string, strings: readonly string[]): OnnxAttribute {
  return { name, type: AttributeType.STRINGS, strings: strings.map((s) => utf8.encode(s)) };
}

export function tensorAttr(name: string, t: OnnxTensor): OnnxAttribute {
  return { name, type: AttributeType.TENSOR, t };
}

/** A 1-D (or `dims`-shaped) double tensor. */
export function doubleTensor(values: ArrayLike<number>, name?: string, dims = [values.length]): OnnxTensor {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true);
  return { dims, dataType: TensorDataType.DOUBLE, rawData: bytes, ...(name ? { name } : {}) };
}

export function int64Tensor(values: readonly number[], name?: string, dims = [values.length]): OnnxTensor {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(8 * i, BigInt(values[i]), true);
  return { dims, dataType: TensorDataType.INT64, rawData: bytes, ...(name ? { name } : {}) };
}

export function uint8Tensor(values: ArrayLike<number>): OnnxTensor {
  return { dims: [values.length], dataType: TensorDataType.UINT8, rawData: Uint8Array.from(values) };
}

export function stringTensor(values: readonly string[], name?: string): OnnxTensor {
  return {
    dims: [values.length],
    dataType: TensorDataType.STRING,
    stringData: values.map((s) => utf8.encode(s)),
    ...(name ? { name } : {}),
  };
}

export function node(
  opType: string,
  input: string[],
  output: string[],
  name: string,
  attribute: OnnxAttribute[] = [],
  domain = '',
): OnnxNode {
  return { opType, input, output, name, attribute, ...(domain ? { domain } : {}) };
}

/** A graph input or output: a tensor of `elemType` whose dimensions are numbers or symbolic names. */
export function tensorValue(
  name: string,
  elemType: number,
  dims: (number | string)[],
  docString?: string,
): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
    ...(docString ? { docString } : {}),
  };
}
