/**
 * mergeModels: partial models (trained with `shard`) in, the whole forest out. The parts are checked
 * first, every problem listed with its path (`[file, 'params', 'maxDepth']`); then their trees are joined in
 * the order of the unsharded forest (merge-forest.ts). What is checked depends on how the shards read data:
 *
 * - 'trees' (every shard read all the data): the same schema, parameters, task, classes, bin edges and data
 *   hash. The merged forest is then the unsharded one, tree for tree and bit for bit.
 * - 'files' (each shard read its own files): the data hashes differ by design; instead, the same file list
 *   (its hash and length), parameters, task, target, feature names and types, and missing-value strings.
 *   Categories and classes are joined (first seen, shard by shard; classes sorted as training sorts them) and
 *   thresholds re-expressed on the union of the bin edges, so that the merged model scores exactly like the
 *   parts averaged, weighted by their tree counts.
 *
 * Out-of-bag and holdout metrics describe a part's trees only: they are kept per part in `merged.parts`,
 * and the merged card has none (evaluate the merged model on held-out data: `mlinfer evaluate`).
 */

import type { FeatureSpec, Schema } from '../data/schema.js';
import { type Issue, MlinferError } from '../errors.js';
import { createFittedForest, type FittedForest } from '../forest/fit.js';
import { isLeaf } from '../forest/node-step.js';
import type { ForestArrays } from '../forest/types.js';
import { hashArrays } from './hash.js';
import { identityMapping, joinForests, type PartMapping } from './merge-forest.js';
import {
  createModel,
  type Model,
  type ModelFromForestOptions,
  type ModelMetadata,
  modelFromForest,
  modelWithCard,
} from './model.js';
import type { TrainingProfile } from './profile.js';
import { categoryCounts } from './schema-forest.js';
import { type MergedInfo, type ShardInfo, shardInfo } from './shard.js';

/** Options of `mergeModels`. */
export interface MergeOptions {
  /** A name per model for messages (the CLI passes the file paths); default `models[i]`. */
  names?: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The problems that keep the parts from being one forest's shards, every one with its path. */
function partIssues(models: readonly Model[], names: readonly string[]): Issue[] {
  const issues: Issue[] = [];
  const add = (i: number, path: (string | number)[], message: string) =>
    issues.push({ path: [names[i], ...path], message: `${names[i]}: ${message}` });
  const shards = models.map((m) => m.metadata.shard);
  shards.forEach((s, i) => {
    if (!s) add(i, ['shard'], 'is not a partial model (train it with --shard i/n)');
  });
  if (issues.length) return issues;
  const s0 = shards[0] as ShardInfo;
  const m0 = models[0].metadata;
  const differs = (i: number, path: string[], a: unknown, b: unknown) => {
    if (!same(a, b))
      add(i, path, `${path.join('.')} is ${JSON.stringify(b)}, but ${JSON.stringify(a)} in ${names[0]}`);
  };
  models.forEach((m, i) => {
    const s = shards[i] as ShardInfo;
    const md = m.metadata;
    for (const key of ['count', 'totalTrees', 'data'] as const) differs(i, ['shard', key], s0[key], s[key]);
    for (const key of ['task', 'target'] as const) differs(i, [key], m0[key], md[key]);
    for (const key of Object.keys({ ...m0.params, ...md.params }))
      differs(i, ['params', key], (m0.params as never)[key], (md.params as never)[key]);
    if (m.forest.arrays.treeOffsets.length - 1 !== s.treeIndices.length)
      add(
        i,
        ['shard', 'treeIndices'],
        `lists ${s.treeIndices.length} trees but the forest has ${m.forest.arrays.treeOffsets.length - 1}`,
      );
    if (s0.data === 'trees') {
      differs(i, ['dataHash'], m0.dataHash, md.dataHash);
      differs(i, ['classes'], m0.classes, md.classes);
      differs(i, ['schema'], m0.schema, md.schema);
    } else {
      for (const key of ['fileListHash', 'filesTotal'] as const) differs(i, ['shard', key], s0[key], s[key]);
      const shape = (x: ModelMetadata) => x.schema.features.map((f) => `${f.name}:${f.type}`);
      differs(i, ['schema', 'features'], shape(m0), shape(md));
      differs(i, ['schema', 'missingValues'], m0.schema.missingValues, md.schema.missingValues);
    }
  });
  shardCoverage(shards as ShardInfo[], names, issues);
  return issues;
}

/** Every shard index 0..count-1 exactly once. */
function shardCoverage(shards: ShardInfo[], names: readonly string[], issues: Issue[]): void {
  const count = shards[0].count;
  const seen = new Map<number, number>();
  shards.forEach((s, i) => {
    const prev = seen.get(s.index);
    if (prev !== undefined)
      issues.push({
        path: [names[i], 'shard', 'index'],
        message: `${names[i]} and ${names[prev]} are both shard ${s.index}/${count}`,
      });
    seen.set(s.index, i);
  });
  const missing = Array.from({ length: count }, (_, k) => k).filter((k) => !seen.has(k));
  if (missing.length)
    issues.push({
      path: ['shard'],
      message: `shard(s) ${missing.map((k) => `${k}/${count}`).join(', ')} missing: ${shards.length} of ${count} given`,
    });
}

/** The joined class list: numbers ascending when every part's are numbers, else strings by code unit. */
function joinClasses(models: readonly Model[]): (string | number)[] | null {
  if (models[0].metadata.task !== 'classification') return null;
  const all = models.flatMap((m) => m.metadata.classes ?? []);
  if (all.every((c) => typeof c === 'number')) return [...new Set(all as number[])].sort((a, b) => a - b);
  return [...new Set(all.map(String))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Categorical features: the categories of every part, first seen first; "other" when any part had it. */
function joinFeatures(models: readonly Model[]): FeatureSpec[] {
  return models[0].schema.features.map((f, j) => {
    if (f.type !== 'categorical') return { ...f };
    const categories = [...new Set(models.flatMap((m) => m.schema.features[j].categories ?? []))];
    const hasOther = models.some((m) => m.schema.features[j].hasOther);
    return { ...f, categories, hasOther };
  });
}

/** How a part's codes and classes read in the joined schema (see PartMapping). */
function mappingOf(part: Model, schema: Schema): PartMapping {
  const codes = schema.features.map((f, j) => {
    if (f.type !== 'categorical') return null;
    const own = part.schema.features[j];
    const index = new Map((own.categories ?? []).map((c, k) => [c, k]));
    const otherCode = own.hasOther ? (own.categories ?? []).length : -1;
    const joined = [...(f.categories ?? []).map((c) => index.get(c) ?? otherCode)];
    if (f.hasOther) joined.push(otherCode);
    return Int32Array.from(joined);
  });
  const classes = schema.target.classes ?? [];
  const asKey = (c: string | number) => (classes.every((k) => typeof k === 'number') ? c : String(c));
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const partClasses = part.metadata.classes ?? [0];
  return {
    codes,
    classes: Uint32Array.from(partClasses, (c) => (schema.target.classes ? classIndex.get(asKey(c))! : 0)),
  };
}

/** Importances of the joined forest: each part's, weighted by its trees that split at all (exact for sklearn's mean). */
function joinImportances(models: readonly Model[], forests: ForestArrays[]): Float64Array {
  const d = models[0].forest.nFeatures;
  const out = new Float64Array(d);
  let total = 0;
  models.forEach((m, i) => {
    const a = forests[i];
    let splitting = 0;
    for (let t = 0; t + 1 < a.treeOffsets.length; t++) if (!isLeaf(a.nodes, a.treeOffsets[t])) splitting++;
    total += splitting;
    for (let f = 0; f < d; f++) out[f] += splitting * m.forest.featureImportances[f];
  });
  if (total > 0) for (let f = 0; f < d; f++) out[f] /= total;
  return out;
}

/** The merged card's own fields: rows, data hash, notes and what each part was. */
function mergedCard(models: Model[], data: ShardInfo['data']) {
  const metas = models.map((m) => m.metadata);
  const merged: MergedInfo = {
    count: models.length,
    data,
    parts: metas.map((md) => ({
      index: md.shard!.index,
      modelVersion: md.modelVersion,
      createdAt: md.createdAt,
      trainingRows: md.trainingRows,
      dataHash: md.dataHash,
      metrics: md.metrics as Record<string, unknown>,
      ...(md.shard!.files ? { files: md.shard!.files } : {}),
    })),
  };
  const byTrees = data === 'trees';
  const notes = byTrees
    ? [...metas[0].notes]
    : metas.flatMap((md) => md.notes.map((n) => `shard ${md.shard!.index}: ${n}`));
  notes.push(
    `merged from ${models.length} shards (${byTrees ? 'every shard read all the data' : 'each shard read its own part of the data'}); out-of-bag and holdout metrics are per shard, in merged.parts`,
  );
  return {
    trainingRows: byTrees ? metas[0].trainingRows : metas.reduce((s, m) => s + m.trainingRows, 0),
    dataHash: byTrees
      ? metas[0].dataHash
      : hashArrays([new TextEncoder().encode(metas.map((m) => m.dataHash).join(','))]),
    notes,
    merged,
    identity: [new TextEncoder().encode(metas.map((m) => m.modelVersion).join(','))],
    ...(metas[0].source && metas.every((m) => m.source === metas[0].source)
      ? { source: metas[0].source }
      : {}),
  };
}

/**
 * Joins the partial models of a sharded training (`train(data, { shard: { index, count } })` or
 * `mlinfer train --shard i/n`) into the whole model, trees in the order of the unsharded forest. Throws
 * MLI_INVALID_DATA listing every problem (which field differs, in which model; missing or duplicate shards).
 *
 * @example
 * const parts = await Promise.all([0, 1, 2, 3].map((i) => train('train.csv', { seed: 7, shard: { index: i, count: 4 } })));
 * const model = mergeModels(parts); // predicts exactly like train('train.csv', { seed: 7 })
 */
export function mergeModels(models: Model[], options: MergeOptions = {}): Model {
  if (!Array.isArray(models) || models.length === 0)
    throw new MlinferError('MLI_INVALID_OPTION', 'mergeModels needs at least one partial model');
  const names = options.names ?? models.map((_, i) => `models[${i}]`);
  if (names.length !== models.length)
    throw new MlinferError('MLI_INVALID_OPTION', `names must give one name per model (${models.length})`);
  const issues = partIssues(models, names);
  if (issues.length)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `the models are not the shards of one training: ${issues.map((i) => i.message).join('; ')}`,
      { issues },
    );
  const sorted = [...models].sort((a, b) => a.metadata.shard!.index - b.metadata.shard!.index);
  const { data, totalTrees } = sorted[0].metadata.shard!;
  const first = sorted[0];
  const schema: Schema =
    data === 'trees'
      ? first.schema
      : {
          ...first.schema,
          features: joinFeatures(sorted),
          target: {
            ...first.schema.target,
            ...(first.schema.target.classes ? { classes: joinClasses(sorted)! } : {}),
          },
          excluded: [...new Set(sorted.flatMap((m) => m.schema.excluded))],
        };
  const nOutputs = schema.target.classes?.length ?? 1;
  const arrays = joinForests(
    sorted.map((m) => ({
      arrays: m.forest.arrays,
      trees: m.metadata.shard!.treeIndices,
      mapping: data === 'trees' ? identityMapping(m.forest.arrays) : mappingOf(m, schema),
    })),
    totalTrees,
    { nOutputs, categoryCounts: categoryCounts(schema) },
  );
  const importances = joinImportances(
    sorted,
    sorted.map((m) => m.forest.arrays),
  );
  const forest = createFittedForest(arrays, first.forest.params, importances);
  const card = mergedCard(sorted, data);
  const profile = mergedProfile(sorted, data);
  if (!profile && sorted.some((m) => m.profile))
    card.notes.push(
      'no training profile: each shard binned its own part of the data, so their profiles do not add up; drift needs a model trained with every shard reading all the data',
    );
  return modelWithCard(forest, schema, { ...card, metrics: {}, ...(profile ? { profile } : {}) });
}

/**
 * The merged model's training profile. When every shard read all the data, their feature and target counts are
 * the same (same rows, same bins) and only the predictions differ (each from its own trees): predicted class
 * counts are averaged over the shards (rounded); a regression histogram is shard 0's (each shard has its own deciles).
 * Shards that read their own files binned on their own edges, so their counts do not add up: no profile.
 */
function mergedProfile(models: Model[], data: ShardInfo['data']): TrainingProfile | undefined {
  const profiles = models.map((m) => m.profile);
  if (data !== 'trees' || profiles.some((p) => p === null)) return undefined;
  const [first] = profiles as TrainingProfile[];
  if (first.prediction.edges) return first;
  const counts = new Float64Array(first.prediction.counts.length);
  for (const p of profiles as TrainingProfile[])
    p.prediction.counts.forEach((c, i) => {
      counts[i] += c;
    });
  // The file stores whole counts: round here so the model in memory is the one that is saved.
  for (let i = 0; i < counts.length; i++) counts[i] = Math.round(counts[i] / profiles.length);
  return { ...first, prediction: { counts, edges: null } };
}

/**
 * Joins forests fitted with `fitForest(X, y, { shard: { index: i, count: n } })`, given in shard order
 * (forests[i] is shard i of n = forests.length), into one model, as `modelFromForest` wraps one forest. The
 * forests must come from the same parameters; they may have seen different rows: thresholds are then
 * re-expressed on the union of the bin edges, codes a forest never saw read as missing for its trees, and
 * classes it never saw get 0.
 *
 * @example
 * const parts = [0, 1].map((i) => fitForestSync(X, y, { task: 'classification', seed: 1, shard: { index: i, count: 2 } }));
 * const model = modelFromForests(parts, { featureNames: ['age', 'income'], classes: ['no', 'yes'] });
 */
export function modelFromForests(forests: FittedForest[], options: ModelFromForestOptions = {}): Model {
  if (!Array.isArray(forests) || forests.length === 0)
    throw new MlinferError('MLI_INVALID_OPTION', 'modelFromForests needs at least one forest');
  const parts = forests.map((forest, index) => {
    const model = modelFromForest(forest, {
      ...options,
      // class indices are labels' positions: a forest that never saw the last classes has fewer outputs
      classes: (options.classes ?? Array.from({ length: forest.nClasses }, (_, c) => c)).slice(
        0,
        forest.nClasses,
      ),
    });
    const shard: ShardInfo = {
      ...shardInfo({ index, count: forests.length }, forest.params.nEstimators),
      // Each forest may have binned its own rows: merge as parts that saw their own data.
      data: 'files',
    };
    return createModel({ ...model.metadata, shard }, forest);
  });
  return mergeModels(parts, { names: forests.map((_, i) => `forests[${i}]`) });
}
