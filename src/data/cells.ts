/**
 * Cell-level rules shared by schema inference and encoding, so that training and prediction read a
 * value the same way: what counts as missing, as a number, as a boolean.
 */

import type { Issue } from '../errors.js';

/** The default spellings of a missing value (matched case-sensitively, after trimming). */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'NaN', 'null', '?'];

/** Plain decimal numbers only: `1e3`, `-2.5`, `.5`, `5.`; not `0x1A`, `1,5`, `Infinity` or `1_000`. */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a trimmed cell string as a finite plain decimal number; NaN when it is not one. Stricter than
 * `Number()` (no hex, no `Infinity`, no empty string), so that a column reads the same in every layer.
 */
export function parseDecimal(s: string): number {
  if (!NUMBER_RE.test(s)) return Number.NaN;
  const v = Number(s);
  // '1e400' matches the pattern but overflows: not a usable feature value.
  return Number.isFinite(v) ? v : Number.NaN;
}

// The common spellings are looked up without allocating; other casings fall back to toLowerCase.
const BOOLEAN_WORDS = new Map<string, number>();
for (const [word, v] of [
  ['true', 1],
  ['yes', 1],
  ['false', 0],
  ['no', 0],
] as const) {
  BOOLEAN_WORDS.set(word, v);
  BOOLEAN_WORDS.set(word.toUpperCase(), v);
  BOOLEAN_WORDS.set(word[0].toUpperCase() + word.slice(1), v);
}

/** 1 for true/yes, 0 for false/no (any case), NaN otherwise. `s` must be trimmed. */
export function parseBoolean(s: string): number {
  const v = BOOLEAN_WORDS.get(s);
  if (v !== undefined) return v;
  if (s.length > 5) return Number.NaN;
  const w = BOOLEAN_WORDS.get(s.toLowerCase());
  return w === undefined ? Number.NaN : w;
}

/** True when `v` is a missing value: null, undefined, NaN, or a string in `missing` after trimming. */
export function isMissing(v: unknown, missing: ReadonlySet<string>): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'string') return missing.has(v.trim());
  return false;
}

/** Shortens a received value for an issue message. */
export function describeValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v === undefined) s = 'undefined';
  else if (typeof v === 'number' || typeof v === 'boolean' || v === null) s = String(v);
  else if (Array.isArray(v)) s = 'an array';
  else s = typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Validates a `missingValues` option; returns the set, or pushes an issue. */
export function missingSet(
  value: unknown,
  issues: Issue[],
  option = 'missingValues',
): { list: string[]; set: Set<string> } {
  if (value === undefined) return { list: [...DEFAULT_MISSING_VALUES], set: new Set(DEFAULT_MISSING_VALUES) };
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    issues.push({
      path: [option],
      message: `${option} must be an array of strings, got ${describeValue(value)}`,
      kind: 'invalid_option',
    });
    return { list: [...DEFAULT_MISSING_VALUES], set: new Set(DEFAULT_MISSING_VALUES) };
  }
  // Stored trimmed, because cells are compared after trimming.
  const list = [...new Set((value as string[]).map((s) => s.trim()))];
  return { list, set: new Set(list) };
}

/** Where problems go: an `Issue[]` or an `IssueList`. */
export interface IssueSink {
  push(issue: Issue): unknown;
}

/** Keeps the first `cap` issues and counts them all, so that a file full of errors stays cheap to report. */
export class IssueList implements IssueSink {
  readonly items: Issue[] = [];
  count = 0;
  constructor(readonly cap: number) {}

  push(issue: Issue): void {
    this.count++;
    if (this.items.length < this.cap) this.items.push(issue);
  }
}

/** The issue of a CSV row whose field count differs from the header's (one wording wherever rows are read). */
export function raggedRowIssue(row: number, fields: number, width: number): Issue {
  return {
    path: [row],
    kind: 'ragged_row',
    message: `row ${row} has ${fields} fields, the header has ${width}`,
    expected: `${width} fields`,
    received: `${fields} fields`,
  };
}
