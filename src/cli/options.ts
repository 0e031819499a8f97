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

/** An integer, a fraction, or one of the given words (maxFeatures, maxSamples, maxDepth 'none'). */
export function parseNumberOrWord(name: string, words: string[]) {
  return (v: string): number | string | null => {
    if (words.includes(v)) return v === 'none' ? null : v;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${name} must be a number or one of ${words.join(', ')}, got ${v}`);
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
