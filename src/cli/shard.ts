// Node only, for `mlinfer batch --shard`: splitting a list of input files among n independent workers,
// with no coordination. File k of the sorted list belongs to shard k mod n, so every shard computes the
// same assignment from the same listing, each file is scored exactly once, and the union of the shards'
// outputs is the whole data set.
import { MlinferError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` (0 <= i < n), as given by `--shard`. Kubernetes Indexed Jobs can pass
 * `--shard $(JOB_COMPLETION_INDEX)/4`.
 *
 * @example
 * parseShard('2/8'); // { index: 2, count: 8 }
 */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index < count))
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `--shard must be i/n with 0 <= i < n (for example 0/4 or $(JOB_COMPLETION_INDEX)/4), got ${JSON.stringify(spec)}`,
    );
  return { index, count };
}

// expandInputs moved to src/node/expand-inputs.ts: training from files expands globs too.
export { expandInputs } from '../node/expand-inputs.js';

/** The files of one shard: file k of the sorted list when k mod n = i. */
export function shardFiles(files: readonly string[], shard: Shard | null): string[] {
  if (!shard) return [...files];
  return files.filter((_, k) => k % shard.count === shard.index);
}
