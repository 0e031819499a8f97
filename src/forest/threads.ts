// Node only: grows trees on worker threads. The training data is shared, never copied; each tree's
// result comes back as transferred buffers and is placed by its index, so the thread count never
// changes the forest.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MlinferError } from '../errors.js';
import { findWorker, startWorker, type WorkerEntry, warnNoWorkers } from '../node/workers.js';
import type { GrownTree, TrainingData, TreeConfig } from './grow-tree.js';

export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism());
}

/**
 * The training worker's script, or null (with a one-time warning) when the package was bundled without it:
 * training then stays on the calling thread.
 */
export function trainingWorker(): WorkerEntry | null {
  const entry = findWorker(import.meta.url, 'forest-worker', 'train-worker.ts');
  if (!entry) warnNoWorkers();
  return entry;
}

export async function growTreesOnThreads(
  entry: WorkerEntry,
  data: TrainingData,
  cfg: TreeConfig,
  seeds: number[],
  nThreads: number,
  /** After each tree: trees done, and the tree (streaming training folds its out-of-bag rows in and drops them). */
  onTree: (done: number, index: number, tree: GrownTree) => void,
): Promise<GrownTree[]> {
  const results: GrownTree[] = new Array(seeds.length);
  const nWorkers = Math.min(nThreads, seeds.length);
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      for (let i = 0; i < nWorkers; i++) {
        const worker = startWorker(entry, { workerData: { data, cfg } });
        workers.push(worker);
        const feed = (): void => {
          if (next < seeds.length) {
            const index = next++;
            worker.postMessage({ index, seed: seeds[index] });
          }
        };
        worker.on('message', (msg: { index: number; tree?: GrownTree; error?: string }) => {
          if (msg.error !== undefined || !msg.tree) {
            fail(
              new MlinferError(
                'MLI_WORKER_FAILED',
                `training worker failed on tree ${msg.index}: ${msg.error}`,
              ),
            );
            return;
          }
          results[msg.index] = msg.tree;
          done++;
          onTree(done, msg.index, msg.tree);
          if (done === seeds.length) resolve();
          else feed();
        });
        worker.on('error', (e) =>
          fail(new MlinferError('MLI_WORKER_FAILED', `training worker crashed: ${e.message}`, { cause: e })),
        );
        worker.on('exit', (code) => {
          if (done < seeds.length)
            fail(
              new MlinferError(
                'MLI_WORKER_FAILED',
                `training worker exited with code ${code} before the forest was done`,
              ),
            );
        });
        feed();
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
