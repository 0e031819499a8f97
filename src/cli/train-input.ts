// Node only, for `mlinfer train <data...> [--shard i/n]`: one plain file is read whole (with --shard, every
// shard reads it and grows its own trees); several files or a pattern are a file list, sorted as
// `mlinfer batch` sorts it, of which shard i reads the files k mod n = i.
import { basename } from 'node:path';
import { expandInputs } from './shard.js';

/**
 * The training input of the train command's arguments: a path, or the sorted file list.
 *
 * @example
 * await trainingInput(['data/part-*.csv']); // ['data/part-000.csv', 'data/part-001.csv', ...]
 */
export async function trainingInput(args: string[]): Promise<string | string[]> {
  if (args.length === 1 && !/[*?]/.test(basename(args[0]))) return args[0];
  return expandInputs(args);
}
