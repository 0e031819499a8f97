// POST /predict: the seed's `{"features": [...]}` (values in schema order), a record object keyed by
// feature name, or `{"instances": [...]}` (records or arrays) for several predictions in one request.
import type { Predictor } from '../predict/predictor.js';
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

/**
 * Scores the body of a POST /predict. Throws MlinferError (400) with issue paths into the body:
 * `["age"]` for a record, `["features", 3]` for the seed's array, `["instances", 2, "age"]` in a batch.
 *
 * @example
 * await predictBody(ctx, { features: [42, 'pro', 3] }); // { prediction: 'yes', probabilities: {...}, modelVersion }
 */
export async function predictBody(ctx: PredictContext, body: unknown): Promise<unknown> {
  const { predictor } = ctx;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badShape([], `the request body must be a JSON object: ${SHAPES}`, 'object');
  const names = predictor.model.featureNames;
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
    let predictions: ReturnType<Predictor['predictMany']>;
    try {
      predictions = predictor.predictMany(instances);
    } catch (e) {
      throw mapIssuePaths(e, (p) => ['instances', ...arrayIndexPath(p, instances, names)]);
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

  let record: unknown = b;
  let prefix: 'features' | null = null;
  if (wrapper(b, 'features', names)) {
    record = b.features;
    prefix = 'features';
    if (typeof record !== 'object' || record === null)
      throw badShape(
        ['features'],
        `"features" must be an array in schema order (${names.length} values) or a record`,
        'array',
      );
  }
  try {
    const p = await predictor.predictAsync(record as Body);
    ctx.count([p.prediction]);
    return p;
  } catch (e) {
    if (prefix === null) throw e;
    // Arrays are positional: point at the index, which is what the client wrote.
    return Promise.reject(
      mapIssuePaths(e, (p) => ['features', ...(Array.isArray(record) ? toIndex(p, names) : p)]),
    );
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
