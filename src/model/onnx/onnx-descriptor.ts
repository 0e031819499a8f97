/**
 * The ONNX protobuf messages mlinfer reads and writes, as a protobufjs reflection descriptor built in code
 * (no .proto file is read at run time, no node: import: this runs in browsers too).
 *
 * Derived from the official onnx-ml.proto of onnx 1.23.1 (IR version 14, proto2), the field numbers and types
 * unchanged: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (+ Segment, DataType,
 * DataLocation), SparseTensorProto, ValueInfoProto, TypeProto (+ Tensor, Sequence, Map, Optional,
 * SparseTensor, Opaque), TensorShapeProto (+ Dimension), OperatorSetIdProto, StringStringEntryProto.
 *
 * Left out (skipped as unknown fields when decoding, never written): ModelProto.training_info
 * (TrainingInfoProto), ModelProto.functions (FunctionProto: a node calling a model-local function is then an
 * unknown op), ModelProto.configuration and NodeProto.device_configurations (the sharding and device
 * messages), GraphProto.quantization_annotation (TensorAnnotation), and the top-level Version and
 * OperatorStatus enums (ONNX_IR_VERSION below stands for the first).
 */

/** The IR version of the onnx.proto this descriptor comes from (onnx 1.23.1). */
export const ONNX_IR_VERSION = 14;

export const ONNX_MESSAGES = {
  ModelProto: {
    fields: {
      irVersion: {
        type: 'int64',
        id: 1,
      },
      opsetImport: {
        rule: 'repeated',
        type: 'OperatorSetIdProto',
        id: 8,
      },
      producerName: {
        type: 'string',
        id: 2,
      },
      producerVersion: {
        type: 'string',
        id: 3,
      },
      domain: {
        type: 'string',
        id: 4,
      },
      modelVersion: {
        type: 'int64',
        id: 5,
      },
      docString: {
        type: 'string',
        id: 6,
      },
      graph: {
        type: 'GraphProto',
        id: 7,
      },
      metadataProps: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 14,
      },
    },
  },
  GraphProto: {
    fields: {
      node: {
        rule: 'repeated',
        type: 'NodeProto',
        id: 1,
      },
      name: {
        type: 'string',
        id: 2,
      },
      initializer: {
        rule: 'repeated',
        type: 'TensorProto',
        id: 5,
      },
      sparseInitializer: {
        rule: 'repeated',
        type: 'SparseTensorProto',
        id: 15,
      },
      docString: {
        type: 'string',
        id: 10,
      },
      input: {
        rule: 'repeated',
        type: 'ValueInfoProto',
        id: 11,
      },
      output: {
        rule: 'repeated',
        type: 'ValueInfoProto',
        id: 12,
      },
      valueInfo: {
        rule: 'repeated',
        type: 'ValueInfoProto',
        id: 13,
      },
      metadataProps: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 16,
      },
    },
  },
  NodeProto: {
    fields: {
      input: {
        rule: 'repeated',
        type: 'string',
        id: 1,
      },
      output: {
        rule: 'repeated',
        type: 'string',
        id: 2,
      },
      name: {
        type: 'string',
        id: 3,
      },
      opType: {
        type: 'string',
        id: 4,
      },
      domain: {
        type: 'string',
        id: 7,
      },
      overload: {
        type: 'string',
        id: 8,
      },
      attribute: {
        rule: 'repeated',
        type: 'AttributeProto',
        id: 5,
      },
      docString: {
        type: 'string',
        id: 6,
      },
      metadataProps: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 9,
      },
    },
  },
  AttributeProto: {
    fields: {
      name: {
        type: 'string',
        id: 1,
      },
      refAttrName: {
        type: 'string',
        id: 21,
      },
      docString: {
        type: 'string',
        id: 13,
      },
      type: {
        type: 'AttributeType',
        id: 20,
      },
      f: {
        type: 'float',
        id: 2,
      },
      i: {
        type: 'int64',
        id: 3,
      },
      s: {
        type: 'bytes',
        id: 4,
      },
      t: {
        type: 'TensorProto',
        id: 5,
      },
      g: {
        type: 'GraphProto',
        id: 6,
      },
      sparseTensor: {
        type: 'SparseTensorProto',
        id: 22,
      },
      tp: {
        type: 'TypeProto',
        id: 14,
      },
      floats: {
        rule: 'repeated',
        type: 'float',
        id: 7,
      },
      ints: {
        rule: 'repeated',
        type: 'int64',
        id: 8,
      },
      strings: {
        rule: 'repeated',
        type: 'bytes',
        id: 9,
      },
      tensors: {
        rule: 'repeated',
        type: 'TensorProto',
        id: 10,
      },
      graphs: {
        rule: 'repeated',
        type: 'GraphProto',
        id: 11,
      },
      sparseTensors: {
        rule: 'repeated',
        type: 'SparseTensorProto',
        id: 23,
      },
      typeProtos: {
        rule: 'repeated',
        type: 'TypeProto',
        id: 15,
      },
    },
    nested: {
      AttributeType: {
        values: {
          UNDEFINED: 0,
          FLOAT: 1,
          INT: 2,
          STRING: 3,
          TENSOR: 4,
          GRAPH: 5,
          SPARSE_TENSOR: 11,
          TYPE_PROTO: 13,
          FLOATS: 6,
          INTS: 7,
          STRINGS: 8,
          TENSORS: 9,
          GRAPHS: 10,
          SPARSE_TENSORS: 12,
          TYPE_PROTOS: 14,
        },
      },
    },
  },
  TensorProto: {
    fields: {
      dims: {
        rule: 'repeated',
        type: 'int64',
        id: 1,
      },
      dataType: {
        type: 'int32',
        id: 2,
      },
      segment: {
        type: 'Segment',
        id: 3,
      },
      floatData: {
        rule: 'repeated',
        type: 'float',
        id: 4,
        options: {
          packed: true,
        },
      },
      int32Data: {
        rule: 'repeated',
        type: 'int32',
        id: 5,
        options: {
          packed: true,
        },
      },
      stringData: {
        rule: 'repeated',
        type: 'bytes',
        id: 6,
      },
      int64Data: {
        rule: 'repeated',
        type: 'int64',
        id: 7,
        options: {
          packed: true,
        },
      },
      name: {
        type: 'string',
        id: 8,
      },
      docString: {
        type: 'string',
        id: 12,
      },
      rawData: {
        type: 'bytes',
        id: 9,
      },
      externalData: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 13,
      },
      dataLocation: {
        type: 'DataLocation',
        id: 14,
      },
      doubleData: {
        rule: 'repeated',
        type: 'double',
        id: 10,
        options: {
          packed: true,
        },
      },
      uint64Data: {
        rule: 'repeated',
        type: 'uint64',
        id: 11,
        options: {
          packed: true,
        },
      },
      metadataProps: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 16,
      },
    },
    nested: {
      DataType: {
        values: {
          UNDEFINED: 0,
          FLOAT: 1,
          UINT8: 2,
          INT8: 3,
          UINT16: 4,
          INT16: 5,
          INT32: 6,
          INT64: 7,
          STRING: 8,
          BOOL: 9,
          FLOAT16: 10,
          DOUBLE: 11,
          UINT32: 12,
          UINT64: 13,
          COMPLEX64: 14,
          COMPLEX128: 15,
          BFLOAT16: 16,
          FLOAT8E4M3FN: 17,
          FLOAT8E4M3FNUZ: 18,
          FLOAT8E5M2: 19,
          FLOAT8E5M2FNUZ: 20,
          UINT4: 21,
          INT4: 22,
          FLOAT4E2M1: 23,
          FLOAT8E8M0: 24,
          UINT2: 25,
          INT2: 26,
          FLOAT6E2M3: 27,
          FLOAT6E3M2: 28,
        },
      },
      Segment: {
        fields: {
          begin: {
            type: 'int64',
            id: 1,
          },
          end: {
            type: 'int64',
            id: 2,
          },
        },
      },
      DataLocation: {
        values: {
          DEFAULT: 0,
          EXTERNAL: 1,
        },
      },
    },
  },
  SparseTensorProto: {
    fields: {
      values: {
        type: 'TensorProto',
        id: 1,
      },
      indices: {
        type: 'TensorProto',
        id: 2,
      },
      dims: {
        rule: 'repeated',
        type: 'int64',
        id: 3,
      },
    },
  },
  ValueInfoProto: {
    fields: {
      name: {
        type: 'string',
        id: 1,
      },
      type: {
        type: 'TypeProto',
        id: 2,
      },
      docString: {
        type: 'string',
        id: 3,
      },
      metadataProps: {
        rule: 'repeated',
        type: 'StringStringEntryProto',
        id: 4,
      },
    },
  },
  TypeProto: {
    oneofs: {
      value: {
        oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType', 'opaqueType'],
      },
    },
    fields: {
      tensorType: {
        type: 'Tensor',
        id: 1,
      },
      sequenceType: {
        type: 'Sequence',
        id: 4,
      },
      mapType: {
        type: 'Map',
        id: 5,
      },
      optionalType: {
        type: 'Optional',
        id: 9,
      },
      sparseTensorType: {
        type: 'SparseTensor',
        id: 8,
      },
      opaqueType: {
        type: 'Opaque',
        id: 7,
      },
      denotation: {
        type: 'string',
        id: 6,
      },
    },
    nested: {
      Tensor: {
        fields: {
          elemType: {
            type: 'int32',
            id: 1,
          },
          shape: {
            type: 'TensorShapeProto',
            id: 2,
          },
        },
      },
      Sequence: {
        fields: {
          elemType: {
            type: 'TypeProto',
            id: 1,
          },
        },
      },
      Map: {
        fields: {
          keyType: {
            type: 'int32',
            id: 1,
          },
          valueType: {
            type: 'TypeProto',
            id: 2,
          },
        },
      },
      Optional: {
        fields: {
          elemType: {
            type: 'TypeProto',
            id: 1,
          },
        },
      },
      SparseTensor: {
        fields: {
          elemType: {
            type: 'int32',
            id: 1,
          },
          shape: {
            type: 'TensorShapeProto',
            id: 2,
          },
        },
      },
      Opaque: {
        fields: {
          domain: {
            type: 'string',
            id: 1,
          },
          name: {
            type: 'string',
            id: 2,
          },
        },
      },
    },
  },
  TensorShapeProto: {
    fields: {
      dim: {
        rule: 'repeated',
        type: 'Dimension',
        id: 1,
      },
    },
    nested: {
      Dimension: {
        oneofs: {
          value: {
            oneof: ['dimValue', 'dimParam'],
          },
        },
        fields: {
          dimValue: {
            type: 'int64',
            id: 1,
          },
          dimParam: {
            type: 'string',
            id: 2,
          },
          denotation: {
            type: 'string',
            id: 3,
          },
        },
      },
    },
  },
  OperatorSetIdProto: {
    fields: {
      domain: {
        type: 'string',
        id: 1,
      },
      version: {
        type: 'int64',
        id: 2,
      },
    },
  },
  StringStringEntryProto: {
    fields: {
      key: {
        type: 'string',
        id: 1,
      },
      value: {
        type: 'string',
        id: 2,
      },
    },
  },
} as const;
