/**
 * Options declared once per function and checked by one validator, as scikit-learn's `_parameter_constraints`:
 * each option lists the forms it accepts, and `checkOptions` reports every problem as an Issue with its path,
 * in one message format: `maxDepth must be an integer >= 1 or null, got -1`. Unknown keys are problems too.
 * Browser-safe: no `node:` import.
 */
import { type Issue, MlinferError } from './errors.js';

/** One accepted form of a value: how it reads in a message, and the test. */
export interface Constraint {
  /** For example `an integer >= 1`, `null`, `one of 'sqrt', 'log2'`. */
  readonly expected: string;
  readonly test: (v: unknown) => boolean;
  /** Containers: the form of every element, so that a bad element is reported at its own path. */
  readonly items?: Constraint;
  readonly container?: 'array' | 'record';
}

/** An option: the forms it accepts, whether it must be given, and an optional better message for a known trap. */
export interface Rule {
  readonly anyOf: readonly Constraint[];
  readonly required?: boolean;
  /** A message (after the option's name) for a value worth explaining, such as an ambiguous `1`. */
  readonly explain?: (v: unknown) => string | undefined;
}

/** The options of one function: a rule, or simply the accepted forms, per option name. */
export type Spec = Readonly<Record<string, Rule | readonly Constraint[]>>;

/** Which side of an interval is closed, as scikit-learn's `Interval(closed=...)`. */
export type Closed = 'both' | 'left' | 'right' | 'neither';

interface Bounds {
  min?: number;
  max?: number;
  /** Default 'both'. */
  closed?: Closed;
}

function inBounds(v: number, { min, max, closed = 'both' }: Bounds): boolean {
  const left = closed === 'both' || closed === 'left';
  const right = closed === 'both' || closed === 'right';
  if (min !== undefined && (left ? v < min : v <= min)) return false;
  if (max !== undefined && (right ? v > max : v >= max)) return false;
  return true;
}

function describeBounds({ min, max, closed = 'both' }: Bounds, integer: boolean): string {
  const left = closed === 'both' || closed === 'left';
  const right = closed === 'both' || closed === 'right';
  if (min !== undefined && max !== undefined) {
    if (integer && left && right) return ` from ${min} to ${max}`;
    return ` in ${left ? '[' : '('}${min}, ${max}${right ? ']' : ')'}`;
  }
  if (min !== undefined) return ` ${left ? '>=' : '>'} ${min}`;
  if (max !== undefined) return ` ${right ? '<=' : '<'} ${max}`;
  return '';
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** The forms an option may take. Combine them in a list: the value is valid when any one accepts it. */
export const c = {
  /** A safe integer, optionally bounded: `c.integer({ min: 1 })` reads `an integer >= 1`. */
  integer(bounds: Bounds = {}): Constraint {
    return {
      expected: `an integer${describeBounds(bounds, true)}`,
      test: (v) => Number.isSafeInteger(v) && inBounds(v as number, bounds),
    };
  },
  /** A finite number, optionally bounded: `c.number({ min: 0 })` reads `a number >= 0`. */
  number(bounds: Bounds = {}, noun = 'a number'): Constraint {
    return {
      expected: `${noun}${describeBounds(bounds, false)}`,
      test: (v) => typeof v === 'number' && Number.isFinite(v) && inBounds(v, bounds),
    };
  },
  /** A number between 0 and 1: `c.fraction('neither')` reads `a fraction in (0, 1)`. */
  fraction(closed: Closed): Constraint {
    return c.number({ min: 0, max: 1, closed }, 'a fraction');
  },
  /** One of the given strings. */
  oneOf(...values: string[]): Constraint {
    const quoted = values.map((s) => `'${s}'`);
    return {
      expected: values.length === 1 ? quoted[0] : `one of ${quoted.join(', ')}`,
      test: (v) => typeof v === 'string' && values.includes(v),
    };
  },
  null: { expected: 'null', test: (v) => v === null } as Constraint,
  boolean: { expected: 'a boolean', test: (v) => typeof v === 'boolean' } as Constraint,
  function: { expected: 'a function', test: (v) => typeof v === 'function' } as Constraint,
  signal: {
    expected: 'an AbortSignal',
    test: (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal,
  } as Constraint,
  /** A string; `nonEmpty` rejects ''. Use `c.custom` for strings with a shape (a pattern, a length). */
  string(opts: { nonEmpty?: boolean } = {}): Constraint {
    return {
      expected: opts.nonEmpty ? 'a non-empty string' : 'a string',
      test: (v) => typeof v === 'string' && (!opts.nonEmpty || v !== ''),
    };
  },
  /** An array whose every element takes the form `items`; a bad element is reported at `[name, index]`. */
  array(items: Constraint, expected: string): Constraint {
    return {
      expected,
      container: 'array',
      items,
      test: (v) => Array.isArray(v) && v.every((x) => items.test(x)),
    };
  },
  /** An object whose every value takes the form `items`; a bad value is reported at `[name, key]`. */
  record(items: Constraint, expected: string): Constraint {
    return {
      expected,
      container: 'record',
      items,
      test: (v) => isPlainObject(v) && Object.values(v).every((x) => items.test(x)),
    };
  },
  /** Any other form, with its own wording. */
  custom(expected: string, test: (v: unknown) => boolean): Constraint {
    return { expected, test };
  },
};

/** A value shortened for a message: strings quoted, objects as JSON. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'function') s = 'a function';
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (ArrayBuffer.isView(v)) s = `a ${v.constructor.name}`;
  else if (typeof v === 'object' && v !== null) s = JSON.stringify(v) ?? String(v);
  else s = String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `maxFeatures`, `classWeight.yes`, `exclude[2]`: how a path reads in a message. */
export function pathName(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function joinAlternatives(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** One problem with an option, in the one message format: `<path> must be <expected>, got <value>`. */
export function optionIssue(path: (string | number)[], expected: string, got: unknown): Issue {
  return {
    path,
    message: `${pathName(path)} must be ${expected}, got ${show(got)}`,
    expected,
    received: show(got),
    kind: 'invalid_option',
  };
}

function checkValue(path: (string | number)[], v: unknown, rule: Rule, issues: Issue[]): void {
  if (rule.anyOf.some((k) => k.test(v))) return;
  const explained = rule.explain?.(v);
  if (explained !== undefined) {
    const expected = joinAlternatives(rule.anyOf.map((k) => k.expected));
    issues.push({
      path,
      message: `${pathName(path)} ${explained}`,
      expected,
      received: show(v),
      kind: 'invalid_option',
    });
    return;
  }
  // A container of the right shape with bad elements: report each element where it is.
  const box = rule.anyOf.find(
    (k) => (k.container === 'array' && Array.isArray(v)) || (k.container === 'record' && isPlainObject(v)),
  );
  if (box?.items) {
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v as object);
    for (const [key, x] of entries)
      if (!box.items.test(x)) issues.push(optionIssue([...path, key], box.items.expected, x));
    return;
  }
  issues.push(optionIssue(path, joinAlternatives(rule.anyOf.map((k) => k.expected)), v));
}

export interface CheckOptions {
  /** What the options are, for the message when they are not an object: `handler options`. */
  what?: string;
  /** Keys the caller handles itself; they are neither checked nor unknown. */
  extraKeys?: Iterable<string>;
  /** Report keys the spec does not name (default true). */
  rejectUnknown?: boolean;
  /** A prefix for every path, for options nested in a larger object. */
  path?: (string | number)[];
}

/**
 * Checks an options object against its spec and returns every problem (an empty list when all is well).
 * `undefined` values count as not given. `undefined` options count as `{}`.
 *
 * @example
 * const issues = checkOptions({ maxDepth: -1 }, { maxDepth: [c.integer({ min: 1 }), c.null] });
 * // [{ path: ['maxDepth'], message: 'maxDepth must be an integer >= 1 or null, got -1', ... }]
 */
export function checkOptions(options: unknown, spec: Spec, opts: CheckOptions = {}): Issue[] {
  const prefix = opts.path ?? [];
  if (options === undefined) options = {};
  if (!isPlainObject(options)) {
    const issue = optionIssue(prefix, 'an object', options);
    if (prefix.length === 0)
      issue.message = `${opts.what ?? 'options'} must be an object, got ${show(options)}`;
    return [issue];
  }
  const issues: Issue[] = [];
  const extra = new Set(opts.extraKeys ?? []);
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || Object.hasOwn(spec, k) || extra.has(k)) continue;
    if (opts.rejectUnknown !== false)
      issues.push({
        path: [...prefix, k],
        message: `unknown option ${pathName([...prefix, k])}`,
        received: show(v),
        kind: 'unknown_option',
      });
  }
  for (const [k, r] of Object.entries(spec)) {
    const rule: Rule = 'anyOf' in r ? r : { anyOf: r };
    const v = options[k];
    if (v === undefined) {
      if (rule.required)
        issues.push({
          path: [...prefix, k],
          message: `${pathName([...prefix, k])} is required`,
          expected: joinAlternatives(rule.anyOf.map((x) => x.expected)),
          kind: 'missing_option',
        });
      continue;
    }
    checkValue([...prefix, k], v, rule, issues);
  }
  return issues;
}

/**
 * Throws MLI_INVALID_OPTION listing every problem `checkOptions` finds.
 *
 * @example
 * assertOptions({ batchRows: 0 }, { batchRows: [c.integer({ min: 1 })] }, 'CSV options');
 * // MlinferError MLI_INVALID_OPTION: invalid CSV options: batchRows must be an integer >= 1, got 0
 */
export function assertOptions(options: unknown, spec: Spec, what: string, opts: CheckOptions = {}): void {
  const issues = checkOptions(options, spec, { what, ...opts });
  if (issues.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `invalid ${what}: ${issues.map((i) => i.message).join('; ')}`,
      {
        issues,
      },
    );
}
