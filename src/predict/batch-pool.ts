// Node only: runs a batch's pieces on worker threads, or inline. Each worker gets the model bytes once; a
// piece goes to the next idle worker, and its buffers are transferred, not copied. Ordering is the caller's
// job (it awaits results in submission order); the pool only bounds nothing and queues.
import type { Worker } from 'node:worker_threads';
import { type ErrorCode, MlinferError } from '../errors.js';

import { type Model, modelFileBytes } from '../model/model.js';
import { findWorker, startWorker, type WorkerEntry, warnNoWorkers } from '../node/workers.js';
import { type ChunkConfig, type ChunkResult, type ChunkTask, createChunkProcessor } from './batch-chunk.js';

export interface ChunkRunner {
  run(task: ChunkTask): Promise<ChunkResult>;
  close(): Promise<void>;
}

/** Runs pieces on the calling thread (`threads: 0`): no workers, for small inputs and debugging. */
export function createInlineRunner(model: Model, config: ChunkConfig): ChunkRunner {
  const process = createChunkProcessor(model, config);
  return {
    run: async (task) => process(task),
    close: async () => {},
  };
}

interface Pending {
  id: number;
  task: ChunkTask;
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
}

/**
 * The runner of a run: `threads` workers, or the calling thread with `threads: 0` or when the package was
 * bundled without its worker file (then with a one-time warning).
 *
 * @example
 * const runner = createRunner(model, config, 2);
 */
export function createRunner(model: Model, config: ChunkConfig, threads: number): ChunkRunner {
  const entry = threads === 0 ? null : findWorker(import.meta.url, 'batch-worker', 'batch-worker.ts');
  if (threads > 0 && !entry) warnNoWorkers();
  return entry
    ? createWorkerPool(entry, modelFileBytes(model), config, threads)
    : createInlineRunner(model, config);
}

/**
 * Starts `n` workers that score pieces with the model in `modelBytes`.
 *
 * @example
 * const pool = createWorkerPool(entry, modelToBytes(model), config, 2);
 * const result = await pool.run({ kind: 'text', bytes, firstRow: 1, records: 100 });
 * await pool.close();
 */
export function createWorkerPool(
  entry: WorkerEntry,
  modelBytes: Uint8Array,
  config: ChunkConfig,
  n: number,
): ChunkRunner {
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  const queue: Pending[] = [];
  let failure: Error | null = null;
  let closed = false;
  let nextId = 0;

  const failAll = (e: Error): void => {
    if (failure) return;
    failure = e;
    for (const p of busy.values()) p.reject(e);
    busy.clear();
    for (const p of queue.splice(0)) p.reject(e);
  };

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop()!;
      const p = queue.shift()!;
      busy.set(w, p);
      const t = p.task;
      const transfer = t.kind === 'text' ? [t.bytes.buffer as ArrayBuffer] : [t.data.buffer as ArrayBuffer];
      w.postMessage({ id: p.id, task: t }, transfer);
    }
  };

  for (let i = 0; i < n; i++) {
    const w = startWorker(entry, {
      workerData: { modelBytes, config },
      // A small young generation: each piece's garbage is short-lived, and V8's default lets every worker
      // grow tens of MB of semi-space, which is most of the peak RSS. Measured: no slower.
      resourceLimits: { maxYoungGenerationSizeMb: 12 },
    });
    workers.push(w);
    idle.push(w);
    w.on(
      'message',
      (msg: { id: number; result?: ChunkResult; error?: { code: ErrorCode; message: string } }) => {
        const p = busy.get(w);
        busy.delete(w);
        idle.push(w);
        if (p) {
          if (msg.error) p.reject(new MlinferError(msg.error.code, msg.error.message));
          else p.resolve(msg.result!);
        }
        dispatch();
      },
    );
    w.on('error', (e) =>
      failAll(new MlinferError('MLI_WORKER_FAILED', `batch worker crashed: ${e.message}`, { cause: e })),
    );
    w.on('exit', (code) => {
      if (!closed) failAll(new MlinferError('MLI_WORKER_FAILED', `batch worker exited with code ${code}`));
    });
  }

  return {
    run(task) {
      if (failure) return Promise.reject(failure);
      return new Promise<ChunkResult>((resolve, reject) => {
        queue.push({ id: nextId++, task, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
