// The worker threads mlinfer starts, recorded for the tests that count or kill them. A test file routes
// src/node/workers.js through `recordWorkers` (vi.mock must sit in the test file itself; its factory may import):
//   vi.mock('../../src/node/workers.js', async (original) =>
//     (await import('../helpers/started-workers.js')).recordWorkers(original));
// and reads `started` from this module.
import type { Worker } from 'node:worker_threads';
import type * as Workers from '../../src/node/workers.js';

/** Every worker started since the test last emptied the list, in order. */
export const started: Worker[] = [];

/** The real src/node/workers.js, with startWorker recording each worker in `started`. */
export async function recordWorkers(importOriginal: () => Promise<unknown>): Promise<typeof Workers> {
  const real = (await importOriginal()) as typeof Workers;
  return {
    ...real,
    startWorker: (...args: Parameters<typeof real.startWorker>) => {
      const w = real.startWorker(...args);
      started.push(w);
      return w;
    },
  };
}
