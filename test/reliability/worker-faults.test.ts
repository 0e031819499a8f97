// Faults, worker threads: a worker that dies in the middle of a batch run or of training fails the run
// with MLI_WORKER_FAILED, promptly, instead of hanging. No production hook is needed: the test wraps
// startWorker (the one place workers are created) to keep a handle on each real worker, then terminates
// one mid-run (a real 'exit') or makes one emit 'error' (what an uncaught exception in a worker does).

import type { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { batchPredict } from '../../src/predict/batch.js';
import { started } from '../helpers/started-workers.js';
import { customersModel } from '../serve/helpers.js';
import { ROOT, within } from './helpers.js';

vi.mock('../../src/node/workers.js', async (original) =>
  (await import('../helpers/started-workers.js')).recordWorkers(original),
);

let model: Model;
let csv: Uint8Array;

beforeAll(async () => {
  ({ model } = await customersModel(6));
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(`${ROOT}/fixtures/customers.csv`, 'utf8').trimEnd();
  const [header, ...lines] = text.split('\n');
  // 60k rows in small pieces, so the run is still going when a worker is killed.
  csv = new TextEncoder().encode(`${header}\n${Array(20).fill(lines.join('\n')).join('\n')}\n`);
}, 60_000);

/** Feeds the input slowly enough that the run lasts a while, in 64 KiB chunks. */
async function* slowly(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 65_536) {
    yield bytes.slice(i, i + 65_536);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function runAndKill(kill: (w: Worker) => void): Promise<unknown> {
  started.length = 0;
  const run = batchPredict(slowly(csv), { model, threads: 2, chunkBytes: 32_768 });
  let n = 0;
  let error: unknown = null;
  try {
    for await (const _ of run) {
      n++;
      // Once results flow, every worker has started and is busy: kill one.
      if (n === 2_000) kill(started[0]);
    }
  } catch (e) {
    error = e;
  }
  return error;
}

describe('a worker thread that dies', () => {
  it('batch: a terminated worker fails the run with MLI_WORKER_FAILED, not a hang', async () => {
    const error = await within(30_000, () => runAndKill((w) => void w.terminate()));
    expect(error).toMatchObject({
      code: 'MLI_WORKER_FAILED',
      message: expect.stringMatching(/batch worker exited/),
    });
  });

  it("batch: a worker 'error' (an uncaught exception there) fails the run with MLI_WORKER_FAILED", async () => {
    const error = await within(30_000, () => runAndKill((w) => w.emit('error', new Error('boom in worker'))));
    expect(error).toMatchObject({
      code: 'MLI_WORKER_FAILED',
      message: expect.stringMatching(/batch worker crashed: boom in worker/),
    });
  });

  it('batch: the workers of a failed run are all gone afterwards (no leaked threads keeping the process up)', async () => {
    await within(30_000, () => runAndKill((w) => void w.terminate()));
    const workers = [...started];
    expect(workers.length).toBe(2);
    // A terminated worker's threadId becomes -1.
    await within(5_000, async () => {
      while (workers.some((w) => w.threadId !== -1)) await new Promise((r) => setTimeout(r, 20));
    });
  });

  it('training: a terminated worker fails train() with MLI_WORKER_FAILED, not a hang', async () => {
    started.length = 0;
    const t = train(`${ROOT}/fixtures/customers.csv`, {
      target: 'churned',
      exclude: ['customer_id'],
      nEstimators: 200,
      nThreads: 2,
      onProgress: () => {
        // After the first trees are done, kill a worker.
        if (started.length > 0 && started[0].threadId !== -1) void started[0].terminate();
      },
    });
    await expect(within(60_000, () => t)).rejects.toMatchObject({
      code: 'MLI_WORKER_FAILED',
      message: expect.stringMatching(/training worker exited with code \d+ before the forest was done/),
    });
  });
});
