// Node only: input file lists with wildcards, as `mlinfer batch` and streaming training take them.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MlinferError } from '../errors.js';

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
