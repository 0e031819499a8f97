/**
 * Opt-in micro-batching: requests wait up to `maxWaitMs` to be scored together, up to `maxBatchSize` at once.
 * It trades latency for throughput (as Triton, MLServer and BentoML do), so it is off unless asked for.
 * The queue is bounded: past `maxQueue` waiting requests, new ones are rejected with MLI_OVERLOADED
 * instead of letting memory and latency grow without limit.
 */
import { assertOptions, c, type Spec } from '../constraints.js';
import { MlinferError } from '../errors.js';

export interface MicroBatchOptions {
  /** Largest batch; 1 (the default) turns micro-batching off. */
  maxBatchSize?: number;
  /** Longest time a request waits for others, in milliseconds; default 1. */
  maxWaitMs?: number;
  /** Most requests waiting at once; default 1000. */
  maxQueue?: number;
}

export interface MicroBatcher<I, O> {
  submit(input: I): Promise<O>;
  readonly queued: number;
  close(): Promise<void>;
}

/** The micro-batcher's options, declared once (createPredictor passes them on). */
export const MICRO_BATCH_SPEC: Spec = {
  maxBatchSize: [c.integer({ min: 1 })],
  maxWaitMs: [c.number({ min: 0 })],
  maxQueue: [c.integer({ min: 1 })],
};

export function validateMicroBatchOptions(o: MicroBatchOptions): void {
  assertOptions(o, MICRO_BATCH_SPEC, 'predictor options');
}

interface Pending<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/** `run` scores a batch and returns one result (or Error) per input, in order. */
export function createMicroBatcher<I, O>(
  options: MicroBatchOptions,
  run: (inputs: I[]) => (O | Error)[],
): MicroBatcher<I, O> {
  const maxBatch = options.maxBatchSize ?? 1;
  const maxWait = options.maxWaitMs ?? 1;
  const maxQueue = options.maxQueue ?? 1000;
  let queue: Pending<I, O>[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      let results: (O | Error)[];
      try {
        results = run(batch.map((p) => p.input));
      } catch (e) {
        for (const p of batch) p.reject(e);
        continue;
      }
      batch.forEach((p, i) => {
        const r = results[i];
        if (r instanceof Error) p.reject(r);
        else p.resolve(r);
      });
    }
  };

  return {
    get queued() {
      return queue.length;
    },
    submit(input) {
      if (closed) return Promise.reject(new MlinferError('MLI_NOT_READY', 'the predictor is closed'));
      if (queue.length >= maxQueue)
        return Promise.reject(
          new MlinferError(
            'MLI_OVERLOADED',
            `overloaded: ${queue.length} requests are already waiting (maxQueue)`,
          ),
        );
      return new Promise<O>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else if (!timer) timer = setTimeout(flush, maxWait);
      });
    },
    async close() {
      closed = true;
      flush();
    },
  };
}
