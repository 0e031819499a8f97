import { join } from 'node:path';
import type fc from 'fast-check';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'mlinfer.js');

/**
 * A new seed each run, so CI keeps exploring; fast-check prints the seed and the shrunk counterexample
 * on failure, and FC_SEED=<seed> replays it. numRuns is kept small per property so the suite stays fast.
 */
export const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));

export function fcParams<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, seed: SEED };
}

/** Runs `fn`, failing if it takes longer than `ms`: a hang shows up as a failure, not a stuck suite. */
export async function within<T>(ms: number, fn: () => Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stack trace line as V8 prints it; no client-facing body may contain one. */
export const STACK_LINE = /\n\s+at \S|at (?:async )?\S+ \(.*:\d+:\d+\)|node:internal|\/src\/|\.ts:\d+/;
