/**
 * Sharded training: what a partial model records about the part of the forest (and of the data) it holds,
 * so that `mergeModels` can check the parts belong together and put their trees back in order. It lives in
 * the model card (metadata JSON): the model file format does not change, and a partial model loads, predicts
 * and explains like any other.
 *
 * Two modes share one rule, tree k belongs to shard k mod n with the seed it has in the whole forest:
 * - 'trees': every shard reads all the data; the merged forest is the unsharded one, tree for tree.
 * - 'files': shard i also reads only the files k mod n = i of a sorted file list (as `mlinfer batch --shard`);
 *   bin edges, categories and classes then differ per shard and the merge re-expresses them on common ones.
 */

import type { Cell, Table } from '../data/table.js';
import { MlinferError } from '../errors.js';
import { type ForestShard, shardTreeIndices } from '../forest/fit.js';
import { hashArrays } from './hash.js';

export type { ForestShard };

/** What a partial model's card says about its shard (`metadata.shard`). */
export interface ShardInfo {
  index: number;
  count: number;
  /** Trees in the whole forest (nEstimators). */
  totalTrees: number;
  /** The trees of the whole forest this part holds, ascending (k with k mod count = index). */
  treeIndices: number[];
  /** 'trees': every shard saw all the data; 'files': this shard saw only `files`. */
  data: 'trees' | 'files';
  /** Mode 'files': the files this shard read, in the order read. */
  files?: string[];
  /** Mode 'files': how many files the whole list has, and a hash of it (every shard must share it). */
  filesTotal?: number;
  fileListHash?: string;
}

/** What a merged model's card says about its parts (`metadata.merged`). */
export interface MergedInfo {
  /** The number of shards joined. */
  count: number;
  data: 'trees' | 'files';
  /** Per shard, in shard order: what its own card said (its metrics are those of its trees alone). */
  parts: {
    index: number;
    modelVersion: string;
    createdAt: string;
    trainingRows: number;
    dataHash: string;
    metrics: Record<string, unknown>;
    files?: string[];
  }[];
}

/**
 * The model card's `shard` for shard `shard` of a forest of `totalTrees`; `fileList` (the whole sorted
 * list) when each shard reads its own files.
 *
 * @example
 * shardInfo({ index: 1, count: 4 }, 10); // { index: 1, count: 4, totalTrees: 10, treeIndices: [1, 5, 9], data: 'trees' }
 */
export function shardInfo(shard: ForestShard, totalTrees: number, fileList?: readonly string[]): ShardInfo {
  const info: ShardInfo = {
    index: shard.index,
    count: shard.count,
    totalTrees,
    treeIndices: shardTreeIndices(totalTrees, shard),
    data: fileList ? 'files' : 'trees',
  };
  if (fileList) {
    info.files = shardFileList(fileList, shard);
    info.filesTotal = fileList.length;
    info.fileListHash = hashArrays([new TextEncoder().encode(JSON.stringify(fileList))]);
  }
  return info;
}

/** File k of the list belongs to shard k mod n (the list is used as given: pass it sorted). */
export function shardFileList(files: readonly string[], shard: ForestShard | undefined): string[] {
  return shard ? files.filter((_, k) => k % shard.count === shard.index) : [...files];
}

/**
 * Reads several files into one table (rows in file order); every file must have the same columns. Used for
 * a list of training files, and for a shard's own files.
 */
export async function readTables(
  files: readonly string[],
  read: (path: string) => Promise<Table>,
): Promise<Table> {
  if (files.length === 0)
    throw new MlinferError('MLI_INVALID_OPTION', 'no training file: the list (or this shard of it) is empty');
  const first = await read(files[0]);
  const rows: Cell[][] = [...first.rows];
  for (const path of files.slice(1)) {
    const t = await read(path);
    if (t.columns.join('\u0000') !== first.columns.join('\u0000'))
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `${path} has the columns ${t.columns.join(', ')}, but ${files[0]} has ${first.columns.join(', ')}`,
        { issues: [{ path: [path, 'columns'], message: 'columns differ from the first file' }] },
      );
    for (const r of t.rows) rows.push(r);
  }
  return { columns: first.columns, rows };
}
