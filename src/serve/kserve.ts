/**
 * The KServe V2 / Open Inference Protocol (REST): model metadata and inference with named tensors, so that
 * KServe, Triton and MLServer clients work unchanged. Two input layouts are accepted:
 * - one tensor per feature, named like the feature, shape `[N]` or `[N, 1]`;
 * - one tensor of shape `[N, nFeatures]` (any name), values in schema order (FP64, or BYTES for mixed types).
 * Outputs: `predict` (`[N]`: labels as BYTES, INT64 or FP64; values for regression) and, for
 * classification, `proba` (`[N, nClasses]` FP64, classes in the order of the model's metadata).
 */
import type { Issue } from '../errors.js';
import { MlinferError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { Predictor } from '../predict/predictor.js';
import { VERSION } from '../version.js';
import { badShape, mapIssuePaths } from './issues.js';

const NUMERIC_DATATYPES = [
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
];
/** Every tensor datatype of the V2 protocol (also listed in the OpenAPI document). */
export const TENSOR_DATATYPES: readonly string[] = ['BOOL', ...NUMERIC_DATATYPES, 'BYTES'];
const DATATYPES = new Set(TENSOR_DATATYPES);

interface TensorMeta {
  name: string;
  datatype: string;
  shape: number[];
}

/** GET /v2: server metadata. */
export function serverMetadata(): { name: string; version: string; extensions: string[] } {
  return { name: 'mlinfer', version: VERSION, extensions: [] };
}

function predictDatatype(model: Model): string {
  const classes = model.classes;
  if (!classes) return 'FP64';
  if (classes.every((c) => typeof c === 'number')) return classes.every(Number.isInteger) ? 'INT64' : 'FP64';
  return 'BYTES';
}

/**
 * GET /v2/models/{name}: the model's inputs (one per feature) and outputs.
 *
 * @example
 * modelMetadata(model, 'churn'); // { name: 'churn', versions: ['5f1c...'], platform: 'mlinfer', inputs: [...], outputs: [...] }
 */
export function modelMetadata(model: Model, name: string) {
  const inputs: TensorMeta[] = model.schema.features.map((f) => ({
    name: f.name,
    datatype: f.type === 'numeric' ? 'FP64' : f.type === 'boolean' ? 'BOOL' : 'BYTES',
    shape: [-1],
  }));
  const outputs: TensorMeta[] = [{ name: 'predict', datatype: predictDatatype(model), shape: [-1] }];
  if (model.classes) outputs.push({ name: 'proba', datatype: 'FP64', shape: [-1, model.classes.length] });
  return {
    name,
    versions: [model.metadata.modelVersion],
    platform: 'mlinfer',
    inputs,
    outputs,
    parameters: model.classes ? { classes: model.classes } : {},
  };
}

/**
 * Flattens nested `data` (the protocol allows both forms) in row-major order. Iterative, not recursive:
 * a body of 100,000 nested arrays overflowed the stack here and became a 500.
 */
function flatten(data: unknown[]): unknown[] {
  const out: unknown[] = [];
  const stack: { a: unknown[]; i: number }[] = [{ a: data, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i === top.a.length) {
      stack.pop();
      continue;
    }
    const v = top.a[top.i++];
    if (Array.isArray(v)) stack.push({ a: v, i: 0 });
    else out.push(v);
  }
  return out;
}

interface Tensor {
  index: number;
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

function checkValue(datatype: string, v: unknown): boolean {
  if (v === null) return true; // missing value: the encoder decides
  if (datatype === 'BOOL') return typeof v === 'boolean';
  if (datatype === 'BYTES') return typeof v === 'string';
  if (typeof v !== 'number') return false;
  return datatype.startsWith('FP') || Number.isInteger(v);
}

function parseTensor(t: unknown, index: number, issues: Issue[]): Tensor | null {
  const at = (f: string) => ['inputs', index, f];
  if (typeof t !== 'object' || t === null || Array.isArray(t)) {
    issues.push({
      path: ['inputs', index],
      kind: 'invalid_shape',
      message: `inputs[${index}] must be an object`,
    });
    return null;
  }
  const o = t as Record<string, unknown>;
  const before = issues.length;
  if (typeof o.name !== 'string')
    issues.push({
      path: at('name'),
      kind: 'invalid_shape',
      message: `inputs[${index}].name must be a string`,
    });
  const dt = o.datatype;
  if (typeof dt !== 'string' || !DATATYPES.has(dt))
    issues.push({
      path: at('datatype'),
      kind: 'invalid_shape',
      message: `inputs[${index}].datatype must be one of ${[...DATATYPES].join(', ')}, got ${JSON.stringify(dt)}`,
    });
  const shape = o.shape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((s) => Number.isInteger(s) && s >= 0))
    issues.push({
      path: at('shape'),
      kind: 'invalid_shape',
      message: `inputs[${index}].shape must be an array of non-negative integers`,
    });
  if (!Array.isArray(o.data))
    issues.push({
      path: at('data'),
      kind: 'invalid_shape',
      message: `inputs[${index}].data must be an array`,
    });
  if (issues.length > before) return null;
  const data = flatten(o.data as unknown[]);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    issues.push({
      path: at('data'),
      kind: 'invalid_shape',
      message: `inputs[${index}] has ${data.length} values, its shape [${(shape as number[]).join(', ')}] needs ${size}`,
    });
    return null;
  }
  const bad = data.findIndex((v) => !checkValue(dt as string, v));
  if (bad >= 0) {
    issues.push({
      path: ['inputs', index, 'data', bad],
      kind: 'invalid_type',
      message: `inputs[${index}].data[${bad}] is not a ${dt} value: ${JSON.stringify(data[bad])}`,
      expected: dt as string,
    });
    return null;
  }
  return { index, name: o.name as string, shape: shape as number[], datatype: dt as string, data };
}

/** Turns the input tensors into records (arrays in schema order) and a map from [row, feature] to a body path. */
function toRecords(
  tensors: Tensor[],
  names: readonly string[],
): { records: unknown[][]; pathOf: (row: number, feature: string) => (string | number)[] } {
  const d = names.length;
  const t0 = tensors[0];
  const matrix =
    tensors.length === 1 && t0.shape.length === 2 && t0.shape[1] === d && !(d === 1 && names[0] === t0.name);
  if (matrix) {
    const n = t0.shape[0];
    const records = Array.from({ length: n }, (_, i) => t0.data.slice(i * d, (i + 1) * d));
    return { records, pathOf: (row, f) => ['inputs', 0, 'data', row * d + names.indexOf(f)] };
  }
  const issues: Issue[] = [];
  const byName = new Map<string, Tensor>();
  for (const t of tensors) {
    if (!names.includes(t.name))
      issues.push({
        path: ['inputs', t.index, 'name'],
        kind: 'unknown_input',
        message: `input ${JSON.stringify(t.name)} is not a feature of the model (send one tensor per feature, or one [N, ${d}] tensor)`,
      });
    else if (byName.has(t.name))
      issues.push({
        path: ['inputs', t.index, 'name'],
        kind: 'duplicate_input',
        message: `input ${JSON.stringify(t.name)} is given twice`,
      });
    else if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)))
      issues.push({
        path: ['inputs', t.index, 'shape'],
        kind: 'invalid_shape',
        message: `input ${JSON.stringify(t.name)} must have shape [N] or [N, 1], got [${t.shape.join(', ')}]`,
      });
    else byName.set(t.name, t);
  }
  for (const f of names)
    if (!byName.has(f) && !tensors.some((t) => t.name === f))
      issues.push({
        path: ['inputs'],
        kind: 'missing_column',
        message: `no input tensor for feature ${JSON.stringify(f)}`,
      });
  const sizes = new Set([...byName.values()].map((t) => t.shape[0]));
  if (issues.length === 0 && sizes.size > 1)
    issues.push({
      path: ['inputs'],
      kind: 'invalid_shape',
      message: `the input tensors have different numbers of rows: ${[...sizes].join(', ')}`,
    });
  if (issues.length)
    throw new MlinferError('MLI_INVALID_DATA', issues.map((i) => i.message).join('; '), { issues });
  const cols = names.map((f) => byName.get(f)!);
  const n = cols[0]?.shape[0] ?? 0;
  const records = Array.from({ length: n }, (_, i) => cols.map((c) => c.data[i]));
  return { records, pathOf: (row, f) => ['inputs', byName.get(f)!.index, 'data', row] };
}

export interface InferContext {
  predictor: Predictor;
  modelName: string;
  maxInstances: number;
  count(labels: readonly (string | number)[]): void;
}

/**
 * POST /v2/models/{name}/infer. Throws MlinferError (400) with issue paths into the request
 * (`["inputs", 2, "data", 7]`).
 *
 * @example
 * infer(ctx, { inputs: [{ name: 'input-0', shape: [1, 3], datatype: 'BYTES', data: ['42', 'pro', '3'] }] });
 * // { model_name: 'churn', model_version: '5f1c...', outputs: [{ name: 'predict', ... }, { name: 'proba', ... }] }
 */
export function infer(ctx: InferContext, body: unknown) {
  const { predictor } = ctx;
  const model = predictor.model;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badShape([], 'the inference request must be a JSON object with "inputs"', 'object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.inputs) || b.inputs.length === 0)
    throw badShape(['inputs'], '"inputs" must be a non-empty array of tensors', 'array');
  if (b.id !== undefined && typeof b.id !== 'string')
    throw badShape(['id'], '"id" must be a string', 'string');
  const available = modelMetadata(model, ctx.modelName).outputs.map((o) => o.name);
  let wanted = available;
  if (b.outputs !== undefined) {
    if (!Array.isArray(b.outputs)) throw badShape(['outputs'], '"outputs" must be an array', 'array');
    wanted = b.outputs.map((o, i) => {
      const name = (o as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || !available.includes(name))
        throw badShape(
          ['outputs', i, 'name'],
          `unknown output ${JSON.stringify(name)}; the model has ${available.join(', ')}`,
        );
      return name;
    });
  }
  const issues: Issue[] = [];
  const tensors = b.inputs.map((t, i) => parseTensor(t, i, issues));
  if (issues.length)
    throw new MlinferError('MLI_INVALID_DATA', issues.map((i) => i.message).join('; '), { issues });
  const { records, pathOf } = toRecords(tensors as Tensor[], model.featureNames);
  if (records.length > ctx.maxInstances)
    throw badShape(
      ['inputs'],
      `the request has ${records.length} rows, at most ${ctx.maxInstances} are allowed`,
    );
  let predictions: ReturnType<Predictor['predictMany']>;
  try {
    predictions = predictor.predictMany(records);
  } catch (e) {
    throw mapIssuePaths(e, (p) =>
      typeof p[0] === 'number' && typeof p[1] === 'string' ? pathOf(p[0], p[1]) : ['inputs', ...p],
    );
  }
  ctx.count(predictions.map((p) => p.prediction));
  const n = predictions.length;
  const outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] = [];
  for (const name of wanted) {
    if (name === 'predict')
      outputs.push({
        name,
        datatype: predictDatatype(model),
        shape: [n],
        data: predictions.map((p) => p.prediction),
      });
    else {
      const classes = model.classes!.map(String);
      const data: number[] = [];
      for (const p of predictions) for (const c of classes) data.push(p.probabilities![c]);
      outputs.push({ name, datatype: 'FP64', shape: [n, classes.length], data });
    }
  }
  return {
    model_name: ctx.modelName,
    model_version: predictions[0]?.modelVersion ?? predictor.modelVersion,
    ...(typeof b.id === 'string' ? { id: b.id } : {}),
    outputs,
  };
}
