/**
 * Decoding and encoding ONNX model files (protobuf) with protobufjs, from the descriptor in onnx-descriptor.ts.
 * Decoded messages are plain objects: camelCased field names, int64 as JS numbers (exact up to 2^53, which
 * covers every dimension, opset and tree index), bytes as Uint8Array, every repeated field present (empty
 * when absent). Encoding takes the same shape; omitted optional fields are not written.
 */

import protobuf from 'protobufjs/light.js';
import { MlinferError } from '../../errors.js';
import { ONNX_MESSAGES } from './onnx-descriptor.js';

/** TensorProto.DataType values this code uses by name (the full list is in the descriptor). */
export const TensorDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface OnnxStringStringEntry {
  key?: string;
  value?: string;
}

export interface OnnxOperatorSetId {
  /** '' (or absent) is the default domain ai.onnx. */
  domain?: string;
  version?: number;
}

export interface OnnxTensor {
  dims?: number[];
  dataType?: number;
  segment?: { begin?: number; end?: number };
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: OnnxStringStringEntry[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: number[];
  metadataProps?: OnnxStringStringEntry[];
}

export interface OnnxSparseTensor {
  values?: OnnxTensor;
  indices?: OnnxTensor;
  dims?: number[];
}

export interface OnnxDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface OnnxTypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: OnnxDimension[] } };
  sequenceType?: { elemType?: OnnxTypeProto };
  mapType?: { keyType?: number; valueType?: OnnxTypeProto };
  optionalType?: { elemType?: OnnxTypeProto };
  sparseTensorType?: { elemType?: number; shape?: { dim?: OnnxDimension[] } };
  opaqueType?: { domain?: string; name?: string };
  denotation?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: OnnxTypeProto;
  docString?: string;
  metadataProps?: OnnxStringStringEntry[];
}

export interface OnnxAttribute {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  sparseTensor?: OnnxSparseTensor;
  tp?: OnnxTypeProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
  sparseTensors?: OnnxSparseTensor[];
  typeProtos?: OnnxTypeProto[];
}

export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: OnnxAttribute[];
  docString?: string;
  metadataProps?: OnnxStringStringEntry[];
}

export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  sparseInitializer?: OnnxSparseTensor[];
  docString?: string;
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
  metadataProps?: OnnxStringStringEntry[];
}

export interface OnnxModel {
  irVersion?: number;
  opsetImport?: OnnxOperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: OnnxGraph;
  metadataProps?: OnnxStringStringEntry[];
}

let modelType: protobuf.Type | undefined;

/** Built on first use, so importing the library costs nothing for users who never touch ONNX. */
function onnxModelType(): protobuf.Type {
  if (modelType === undefined) {
    // proto2 as in onnx.proto: repeated attribute ints and floats unpacked, TensorProto data packed (its
    // [packed = true] options are in the descriptor), and explicitly set empty strings kept on a round trip.
    const nested: Record<string, unknown> = {};
    for (const [name, message] of Object.entries(ONNX_MESSAGES))
      nested[name] = { ...message, edition: 'proto2' };
    const root = protobuf.Root.fromJSON({ nested: { onnx: { nested } } } as protobuf.INamespace);
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/**
 * Decodes the bytes of an .onnx file into a plain ModelProto object. Throws MLI_MODEL_FOREIGN when the bytes
 * are not a protobuf ModelProto.
 *
 * @example
 * const model = decodeOnnxModel(new Uint8Array(await (await fetch('model.onnx')).arrayBuffer()));
 * console.log(model.producerName, model.graph?.node?.map((n) => n.opType));
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = onnxModelType();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (cause) {
    throw new MlinferError(
      'MLI_MODEL_FOREIGN',
      `the file is not an ONNX model (protobuf ModelProto): ${(cause as Error).message}`,
      { cause },
    );
  }
  return type.toObject(message, { longs: Number, arrays: true, bytes: Uint8Array as never }) as OnnxModel;
}

/**
 * Encodes a plain ModelProto object (the shape decodeOnnxModel returns) into the bytes of an .onnx file.
 *
 * @example
 * const bytes = encodeOnnxModel({ irVersion: 10, opsetImport: [{ domain: '', version: 21 }], graph });
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(model as Record<string, unknown>)).finish();
}

const utf8 = new TextDecoder();

/** The text of an ONNX string (bytes in the protobuf, UTF-8 by convention). */
export function onnxString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
