/**
 * Typed access to the attributes of one ONNX node, for the tree-ensemble importer: numbers from `ints`,
 * `floats` or a tensor (`*_as_tensor` and opset-5 tensors, float or double, raw or typed data), strings
 * decoded from bytes. A wrong type or a malformed tensor is MLI_MODEL_CORRUPT naming the node and attribute.
 */

import { MlinferError } from '../../errors.js';
import { type OnnxAttribute, type OnnxNode, type OnnxTensor, onnxString } from '../onnx/onnx-proto.js';

/** MLI_MODEL_UNSUPPORTED for an ONNX model: what mlinfer cannot score exactly, and what to do. */
export function unsupported(message: string, path: (string | number)[] = []): MlinferError {
  return new MlinferError('MLI_MODEL_UNSUPPORTED', `cannot import the ONNX model: ${message}`, {
    issues: [{ path, message }],
  });
}

/** The element types of tensors the tree ops hold (TensorProto.DataType). */
const FLOAT = 1;
const UINT8 = 2;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

export class NodeAttributes {
  private readonly byName = new Map<string, OnnxAttribute>();

  constructor(readonly node: OnnxNode) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }

  /** `TreeEnsembleClassifier "name"`: how messages name the node. */
  get label(): string {
    return `${this.node.opType}${this.node.name ? ` "${this.node.name}"` : ''}`;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  corrupt(name: string, problem: string): MlinferError {
    return new MlinferError('MLI_MODEL_CORRUPT', `ONNX node ${this.label}: attribute ${name} ${problem}`, {
      issues: [{ path: ['graph', 'node', this.label, name], message: problem }],
    });
  }

  /** A list of integers (ints), or `fallback` when the attribute is absent. */
  ints(name: string, fallback?: number[]): number[] {
    const a = this.byName.get(name);
    if (a === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.corrupt(name, 'is missing');
    }
    if (a.t !== undefined && (a.ints?.length ?? 0) === 0)
      return tensorNumbers(a.t, (p) => this.corrupt(name, p));
    return a.ints ?? [];
  }

  /** A list of reals: `name` (floats) or `name_as_tensor` (a double tensor, opset 3), else `fallback`. */
  reals(name: string, fallback?: number[]): number[] {
    const tensor = this.byName.get(`${name}_as_tensor`);
    const a = this.byName.get(name);
    if (tensor !== undefined && a !== undefined)
      throw this.corrupt(name, `and ${name}_as_tensor are both set (ONNX allows one)`);
    if (tensor?.t !== undefined) return tensorNumbers(tensor.t, (p) => this.corrupt(`${name}_as_tensor`, p));
    if (a === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.corrupt(name, 'is missing');
    }
    if (a.t !== undefined) return tensorNumbers(a.t, (p) => this.corrupt(name, p));
    return a.floats ?? [];
  }

  /** The element type of a tensor attribute (or its `_as_tensor` twin), or undefined. */
  tensorType(name: string): number | undefined {
    return (this.byName.get(`${name}_as_tensor`)?.t ?? this.byName.get(name)?.t)?.dataType;
  }

  strings(name: string, fallback?: string[]): string[] {
    const a = this.byName.get(name);
    if (a === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.corrupt(name, 'is missing');
    }
    return (a.strings ?? []).map(onnxString);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a === undefined ? fallback : (a.i ?? 0);
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s === undefined ? fallback : onnxString(a.s);
  }
}

/** The numbers of a float, double or integer tensor, from its typed fields or raw_data (little-endian). */
export function tensorNumbers(t: OnnxTensor, corrupt: (problem: string) => MlinferError): number[] {
  const type = t.dataType ?? 0;
  const raw = t.rawData;
  if ((t.externalData?.length ?? 0) > 0 || t.dataLocation === 1)
    throw corrupt('is stored outside the file (external data): save the model with its data inside');
  if (raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size = type === DOUBLE || type === INT64 ? 8 : type === UINT8 ? 1 : 4;
    if (raw.length % size !== 0)
      throw corrupt(`raw_data holds ${raw.length} bytes, not a multiple of ${size}`);
    const out: number[] = [];
    for (let o = 0; o < raw.length; o += size) {
      if (type === FLOAT) out.push(view.getFloat32(o, true));
      else if (type === DOUBLE) out.push(view.getFloat64(o, true));
      else if (type === INT64) out.push(Number(view.getBigInt64(o, true)));
      else if (type === INT32) out.push(view.getInt32(o, true));
      else if (type === UINT8) out.push(view.getUint8(o));
      else throw corrupt(`is a tensor of element type ${type}, not float, double or integer`);
    }
    return out;
  }
  if (type === FLOAT) return t.floatData ?? [];
  if (type === DOUBLE) return t.doubleData ?? [];
  if (type === INT64) return t.int64Data ?? [];
  if (type === INT32 || type === UINT8) return t.int32Data ?? [];
  throw corrupt(`is a tensor of element type ${type}, not float, double or integer`);
}
