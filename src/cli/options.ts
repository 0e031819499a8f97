// Parsers for CLI option values: each rejects a bad value with a precise message (a usage error, exit 2).
import { InvalidArgumentError } from 'commander';

export function parseInteger(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
}

export function parseNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number, got ${v}`);
    return n;
  };
}

/**
 * A number or one of the given words (maxFeatures 'sqrt', maxDepth 'none'); 'none' becomes null. With `count`
 * the flag takes a count (an integer >= 2) or a fraction in (0, 1), and `1` is refused as ambiguous: scikit-learn
 * reads it as one, the fraction 1.0 as all.
 */
export function parseNumberOrWord(name: string, words: string[], count?: { of: string; all: string }) {
  return (v: string): number | string | null => {
    if (words.includes(v)) return v === 'none' ? null : v;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number or one of ${words.join(', ')}, got ${v}`);
    if (count !== undefined && n === 1)
      throw new InvalidArgumentError(
        `${name} 1 is ambiguous (one in scikit-learn, all as the fraction 1.0): write ${count.all} for all ${count.of}, an integer >= 2 to count ${count.of}, or a fraction in (0, 1)`,
      );
    return n;
  };
}

export function parseList(v: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}
