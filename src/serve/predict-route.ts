// POST /predict and POST /explain: the seed's `{"features": [...]}` (values in schema order), a record object keyed by
// feature name, or `{"instances": [...]}` (records or arrays) for several predictions in one request.
import type { ExplainOptions } from '../predict/explanation.js';
import type { Predictor, PredictRecord } from '../predict/predictor.js';
import { badShape, mapIssuePaths } from './issues.js';

export interface PredictContext {
  predictor: Predictor;
  maxInstances: number;
  /** Called with the predicted labels, for the per-class counter. */
  count(labels: readonly (string | number)[]): void;
}

type Body = Record<string, unknown>;

const SHAPES =
  'send {"features": [values in schema order]}, a record {"feature": value, ...}, or {"instances": [records]}';

/** A wrapper key counts as one only when the model has no feature of that name. */
function wrapper(body: Body, key: string, features: readonly string[]): boolean {
  return Object.hasOwn(body, key) && !features.includes(key);
}

/** A request body read as one of the shapes: several records, or one (with where its issues point). */
type Shaped =
  | { kind: 'many'; instances: PredictRecord[] }
  | { kind: 'one'; record: unknown; prefix: 'features' | null };

/** Reads the shape of a /predict or /explain body; throws a 400 naming the accepted shapes. */
function shapeOf(ctx: PredictContext, body: unknown): Shaped {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badShape([], `the request body must be a JSON object: ${SHAPES}`, 'object');
  const names = ctx.predictor.model.featureNames;
  const b = body as Body;
  if (wrapper(b, 'instances', names)) {
    const instances = b.instances;
    if (!Array.isArray(instances))
      throw badShape(['instances'], '"instances" must be an array of records', 'array');
    if (instances.length > ctx.maxInstances)
      throw badShape(
        ['instances'],
        `"instances" has ${instances.length} records, at most ${ctx.maxInstances} are allowed per request`,
      );
    return { kind: 'many', instances: instances as PredictRecord[] };
  }
  if (!wrapper(b, 'features', names)) return { kind: 'one', record: b, prefix: null };
  if (typeof b.features !== 'object' || b.features === null)
    throw badShape(
      ['features'],
      `"features" must be an array in schema order (${names.length} values) or a record`,
      'array',
    );
  return { kind: 'one', record: b.features, prefix: 'features' };
}

/** Points the issues of a validation error into the request body, as the client wrote it. */
function intoBody(ctx: PredictContext, shaped: Shaped, e: unknown): unknown {
  const names = ctx.predictor.model.featureNames;
  if (shaped.kind === 'many')
    return mapIssuePaths(e, (p) => ['instances', ...arrayIndexPath(p, shaped.instances, names)]);
  if (shaped.prefix === null) return e;
  // Arrays are positional: point at the index, which is what the client wrote.
  const { record } = shaped;
  return mapIssuePaths(e, (p) => ['features', ...(Array.isArray(record) ? toIndex(p, names) : p)]);
}

/**
 * Scores the body of a POST /predict. Throws MlinferError (400) with issue paths into the body:
 * `["age"]` for a record, `["features", 3]` for the seed's array, `["instances", 2, "age"]` in a batch.
 *
 * @example
 * await predictBody(ctx, { features: [42, 'pro', 3] }); // { prediction: 'yes', probabilities: {...}, modelVersion }
 */
export async function predictBody(ctx: PredictContext, body: unknown): Promise<unknown> {
  const { predictor } = ctx;
  const shaped = shapeOf(ctx, body);
  if (shaped.kind === 'many') {
    let predictions: ReturnType<Predictor['predictMany']>;
    try {
      predictions = predictor.predictMany(shaped.instances);
    } catch (e) {
      throw intoBody(ctx, shaped, e);
    }
    ctx.count(predictions.map((p) => p.prediction));
    return {
      predictions: predictions.map((p) =>
        p.probabilities
          ? { prediction: p.prediction, probabilities: p.probabilities }
          : { prediction: p.prediction },
      ),
      modelVersion: predictions[0]?.modelVersion ?? predictor.modelVersion,
    };
  }
  try {
    const p = await predictor.predictAsync(shaped.record as Body);
    ctx.count([p.prediction]);
    return p;
  } catch (e) {
    return Promise.reject(intoBody(ctx, shaped, e));
  }
}

/**
 * The explain options of a POST /explain, from its query string (`?method=shap&top=3`): the body keeps the
 * shapes of /predict. Every parameter is passed on, so an unknown one is reported, not ignored.
 */
export function explainQuery(query: URLSearchParams): ExplainOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of query)
    options[key] = key === 'top' && /^\d+$/.test(value) ? Number(value) : value;
  return options as ExplainOptions;
}

/**
 * Explains the body of a POST /explain: the same shapes and validation as /predict; the answer is the
 * explanation (or `{ explanations, modelVersion }` for "instances").
 *
 * @example
 * explainBody(ctx, { features: [42, 'pro', 3] }, { method: 'shap' }); // { prediction, baseValue, contributions, ... }
 */
export function explainBody(ctx: PredictContext, body: unknown, options: ExplainOptions): unknown {
  const { predictor } = ctx;
  const shaped = shapeOf(ctx, body);
  try {
    if (shaped.kind === 'one') {
      const e = predictor.explain(shaped.record as Body, options);
      ctx.count([e.prediction]);
      return e;
    }
    const explanations = predictor.explainMany(shaped.instances, options);
    ctx.count(explanations.map((e) => e.prediction));
    return { explanations, modelVersion: explanations[0]?.modelVersion ?? predictor.modelVersion };
  } catch (e) {
    throw intoBody(ctx, shaped, e);
  }
}

/** For records sent as arrays, the feature name in a path becomes its index. */
function toIndex(path: readonly (string | number)[], names: readonly string[]): (string | number)[] {
  return path.map((s) => (typeof s === 'string' && names.includes(s) ? names.indexOf(s) : s));
}

/** `[row, name]` from predictMany: keep the row, map the name to an index when that record is an array. */
function arrayIndexPath(
  path: readonly (string | number)[],
  records: readonly unknown[],
  names: readonly string[],
): (string | number)[] {
  const row = path[0];
  if (typeof row === 'number' && Array.isArray(records[row])) return [row, ...toIndex(path.slice(1), names)];
  return [...path];
}
