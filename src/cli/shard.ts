// Node only, for `mlinfer batch --shard`: splitting a list of input files among n independent workers,
// with no coordination. File k of the sorted list belongs to shard k mod n, so every shard computes the
// same assignment from the same listing, each file is scored exactly once, and the union of the shards'
// outputs is the whole data set.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

function globToRegExp(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/**
 * Expands inputs: plain paths are kept, a `*` or `?` in the file name part is matched against its folder
 * (hidden files excluded). The result is sorted and has no duplicates, so every shard sees the same list.
 *
 * @example
 * await expandInputs(['data/part-*.csv']); // ['data/part-0000.csv', 'data/part-0001.csv', ...]
 */
export async function expandInputs(patterns: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const p of patterns) {
    if (!/[*?]/.test(basename(p))) {
      out.add(p);
      continue;
    }
    if (/[*?]/.test(dirname(p)))
      throw new MlinferError('MLI_INVALID_OPTION', `wildcards are supported in the file name only, got ${p}`);
    const dir = dirname(p);
    const re = globToRegExp(basename(p));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      throw new MlinferError('MLI_NOT_FOUND', `cannot list ${dir} for ${p}`, { cause: e });
    }
    for (const n of names) {
      if (n.startsWith('.') || !re.test(n)) continue;
      const full = join(dir, n);
      if ((await stat(full)).isFile()) out.add(dir === '.' && !p.startsWith('./') ? n : full);
    }
  }
  return [...out].sort();
}

/** The files of one shard: file k of the sorted list when k mod n = i. */
export function shardFiles(files: readonly string[], shard: Shard | null): string[] {
  if (!shard) return [...files];
  return files.filter((_, k) => k % shard.count === shard.index);
}
