/**
 * Checks a schema read back from a model file: the file may be corrupt or hand-edited, and a bad schema
 * would otherwise surface later as wrong predictions rather than an error.
 */

import { type Issue, MlinferError } from '../errors.js';
import { describeValue } from './cells.js';
import type { FeatureSpec, FeatureType, Schema, TargetSpec } from './schema.js';

const FEATURE_TYPES: readonly string[] = ['numeric', 'boolean', 'categorical'];

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function checkFeature(f: unknown, i: number, issues: Issue[]): FeatureSpec | null {
  const at = (msg: string, ...path: (string | number)[]) =>
    issues.push({
      path: ['features', i, ...path],
      message: `features[${i}]${path.length ? '.' : ''}${path.join('.')} ${msg}`,
    });
  if (typeof f !== 'object' || f === null) {
    at(`must be an object, got ${describeValue(f)}`);
    return null;
  }
  const o = f as Record<string, unknown>;
  if (typeof o.name !== 'string') at(`must be a string, got ${describeValue(o.name)}`, 'name');
  if (typeof o.type !== 'string' || !FEATURE_TYPES.includes(o.type)) {
    at(`must be numeric, boolean or categorical, got ${describeValue(o.type)}`, 'type');
    return null;
  }
  const spec: FeatureSpec = { name: o.name as string, type: o.type as FeatureType };
  if (o.type === 'categorical') {
    if (!isStringArray(o.categories))
      at(`must be an array of strings, got ${describeValue(o.categories)}`, 'categories');
    else if (new Set(o.categories).size !== o.categories.length)
      at('must not repeat a category', 'categories');
    if (o.hasOther !== undefined && typeof o.hasOther !== 'boolean') {
      at(`must be a boolean, got ${describeValue(o.hasOther)}`, 'hasOther');
    }
    spec.categories = isStringArray(o.categories) ? [...o.categories] : [];
    spec.hasOther = o.hasOther === true;
  }
  return spec;
}

function checkTarget(t: unknown, issues: Issue[]): TargetSpec | null {
  if (typeof t !== 'object' || t === null) {
    issues.push({ path: ['target'], message: `target must be an object, got ${describeValue(t)}` });
    return null;
  }
  const o = t as Record<string, unknown>;
  if (typeof o.name !== 'string') {
    issues.push({
      path: ['target', 'name'],
      message: `target.name must be a string, got ${describeValue(o.name)}`,
    });
  }
  if (o.task !== 'classification' && o.task !== 'regression') {
    issues.push({
      path: ['target', 'task'],
      message: `target.task must be classification or regression, got ${describeValue(o.task)}`,
    });
    return null;
  }
  if (o.task === 'regression') return { name: o.name as string, task: 'regression' };
  const classes = o.classes;
  const ok =
    Array.isArray(classes) &&
    classes.length > 0 &&
    (classes.every((c) => typeof c === 'string') ||
      classes.every((c) => typeof c === 'number' && Number.isFinite(c)));
  if (!ok) {
    issues.push({
      path: ['target', 'classes'],
      message: `target.classes must be a non-empty array of strings or of numbers, got ${describeValue(classes)}`,
    });
    return null;
  }
  return { name: o.name as string, task: 'classification', classes: [...(classes as (string | number)[])] };
}

/**
 * Validates a schema read from a model file and returns a clean copy.
 * Throws MLI_MODEL_VERSION for a newer schema version, MLI_MODEL_CORRUPT listing every problem otherwise.
 *
 * @example
 * const schema = parseSchema(JSON.parse(schemaJson));
 */
export function parseSchema(value: unknown): Schema {
  if (typeof value !== 'object' || value === null) {
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the stored schema must be an object, got ${describeValue(value)}`,
    );
  }
  const o = value as Record<string, unknown>;
  if (typeof o.version === 'number' && o.version > 1) {
    throw new MlinferError(
      'MLI_MODEL_VERSION',
      `the stored schema has version ${o.version}; this mlinfer reads version 1`,
    );
  }
  const issues: Issue[] = [];
  if (o.version !== 1)
    issues.push({ path: ['version'], message: `version must be 1, got ${describeValue(o.version)}` });
  const features: FeatureSpec[] = [];
  if (!Array.isArray(o.features)) {
    issues.push({
      path: ['features'],
      message: `features must be an array, got ${describeValue(o.features)}`,
    });
  } else {
    o.features.forEach((f, i) => {
      const spec = checkFeature(f, i, issues);
      if (spec) features.push(spec);
    });
    const names = features.map((f) => f.name);
    if (new Set(names).size !== names.length)
      issues.push({ path: ['features'], message: 'feature names must be unique' });
  }
  const target = checkTarget(o.target, issues);
  if (!isStringArray(o.missingValues)) {
    issues.push({ path: ['missingValues'], message: `missingValues must be an array of strings` });
  }
  if (!isStringArray(o.excluded))
    issues.push({ path: ['excluded'], message: `excluded must be an array of strings` });
  if (issues.length > 0 || target === null) {
    throw new MlinferError(
      'MLI_MODEL_CORRUPT',
      `the stored schema is invalid: ${issues.map((i) => i.message).join('; ')}`,
      {
        issues,
      },
    );
  }
  return {
    version: 1,
    features,
    target,
    missingValues: [...(o.missingValues as string[])],
    excluded: [...(o.excluded as string[])],
  };
}
