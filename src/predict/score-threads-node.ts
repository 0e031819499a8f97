// Node only: the worker threads behind a ScoringPool. The forest's arrays go to the workers once, in shared
// memory; each worker owns SLOTS slots of shared memory (a piece's rows in, its outputs out). A call's rows are
// split into pieces; a piece is copied into a free slot of the least busy worker, and only the slot number and
// the row count cross threads, both ways. While a worker scores one piece, its next piece already waits in its
// other slot. Workers keep the process alive only while they have work (ref when busy, unref when idle).
import type { Worker } from 'node:worker_threads';
import { type ErrorCode, MlinferError } from '../errors.js';
import type { ForestArrays, Matrix } from '../forest/types.js';
import { startWorker, type WorkerEntry } from '../node/workers.js';
import type { ScorePiece, ScoreReply, ScoreWorkerInit } from './score-worker.js';

/** Slots per worker: two, so that a worker never waits for the main thread to copy its next piece. */
const SLOTS = 2;

/** Scores whole matrices somewhere: on worker threads, or on the calling thread. */
export interface MatrixRunner {
  /** Fills out[0 .. nRows * nOutputs) as `createScorer(arrays).scoreMatrix(X, out)` does, bit for bit. */
  score(X: Matrix, out: Float64Array): Promise<void>;
  /** Lets the running calls finish, then stops the workers. */
  close(): Promise<void>;
}

interface Call {
  X: Matrix;
  out: Float64Array;
  /** Pieces not yet scored. */
  left: number;
  settled: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Piece {
  call: Call;
  start: number;
  rows: number;
}

interface Thread {
  worker: Worker;
  inputs: Float64Array[];
  outputs: Float64Array[];
  /** Slots without a piece. */
  free: number[];
  /** Pieces sent, by message id, with their slot. */
  running: Map<number, { piece: Piece; slot: number }>;
}

type Typed = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** A copy of `a` on a SharedArrayBuffer: every worker reads the same memory. */
function shared<T extends Typed>(a: T): T {
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(a.byteLength));
  copy.set(a as never);
  return copy;
}

/** The arrays that scoring reads, in shared memory (node statistics, for explanations only, stay behind). */
function shareArrays(a: ForestArrays): ForestArrays {
  return {
    task: a.task,
    nFeatures: a.nFeatures,
    nOutputs: a.nOutputs,
    featureKinds: shared(a.featureKinds),
    categoryCounts: shared(a.categoryCounts),
    binEdges: shared(a.binEdges),
    binEdgeOffsets: shared(a.binEdgeOffsets),
    treeOffsets: shared(a.treeOffsets),
    nodes: shared(a.nodes),
    leafValues: shared(a.leafValues),
    ...(a.additive ? { additive: a.additive } : {}),
  };
}

/** Splits nRows into pieces of at most chunkRows rows, at least one per thread, of even sizes. */
export function pieceRows(nRows: number, chunkRows: number, threads: number): number {
  const pieces = Math.min(nRows, Math.max(Math.ceil(nRows / chunkRows), threads));
  return Math.ceil(nRows / pieces);
}

/**
 * Starts `threads` scoring workers on `entry` for the forest in `arrays`, with slots of `chunkRows` rows.
 *
 * @example
 * const runner = startScoreThreads(entry, forest.arrays, 2, 16384);
 * const out = new Float64Array(X.nRows * forest.arrays.nOutputs);
 * await runner.score(X, out);
 * await runner.close();
 */
export function startScoreThreads(
  entry: WorkerEntry,
  arrays: ForestArrays,
  threads: number,
  chunkRows: number,
): MatrixRunner {
  const d = arrays.nFeatures;
  const C = arrays.nOutputs;
  const sharedArrays = shareArrays(arrays);
  const pool: Thread[] = [];
  const queue: Piece[] = [];
  const calls = new Set<Call>();
  const drained: (() => void)[] = [];
  let failure: Error | null = null;
  let closing: Promise<void> | null = null;
  let nextId = 0;

  const settle = (call: Call, error?: Error): void => {
    if (call.settled) return;
    call.settled = true;
    calls.delete(call);
    if (error) call.reject(error);
    else call.resolve();
    if (calls.size === 0) for (const done of drained.splice(0)) done();
  };

  // A worker that dies takes its pieces with it, and a pool with fewer workers than asked for would be a
  // silent slowdown: the pool fails as a whole, and says so to every call, now and later.
  const fail = (e: Error): void => {
    if (failure) return;
    failure = e;
    queue.length = 0;
    for (const call of [...calls]) settle(call, e);
    for (const t of pool) void t.worker.terminate();
  };

  const send = (t: Thread, piece: Piece): void => {
    const slot = t.free.pop()!;
    const { data } = piece.call.X;
    t.inputs[slot].set(data.subarray(piece.start * d, (piece.start + piece.rows) * d));
    if (t.running.size === 0) t.worker.ref();
    const id = nextId++;
    t.running.set(id, { piece, slot });
    t.worker.postMessage({ id, slot, rows: piece.rows } satisfies ScorePiece);
  };

  const dispatch = (): void => {
    while (queue.length > 0) {
      let best: Thread | null = null;
      for (const t of pool) if (t.free.length > (best?.free.length ?? 0)) best = t;
      if (!best) return;
      const piece = queue.shift()!;
      if (!piece.call.settled) send(best, piece);
    }
  };

  const onReply = (t: Thread, msg: ScoreReply): void => {
    const run = t.running.get(msg.id);
    if (!run) return;
    t.running.delete(msg.id);
    const { piece, slot } = run;
    if ('error' in msg) settle(piece.call, new MlinferError(msg.error.code as ErrorCode, msg.error.message));
    else if (!piece.call.settled) {
      piece.call.out.set(t.outputs[slot].subarray(0, piece.rows * C), piece.start * C);
      if (--piece.call.left === 0) settle(piece.call);
    }
    t.free.push(slot);
    if (t.running.size === 0) t.worker.unref();
    dispatch();
  };

  for (let i = 0; i < threads; i++) {
    const room = (width: number) =>
      Array.from({ length: SLOTS }, () => new Float64Array(new SharedArrayBuffer(chunkRows * width * 8)));
    const init: ScoreWorkerInit = { arrays: sharedArrays, inputs: room(d), outputs: room(C) };
    const worker = startWorker(entry, { workerData: init });
    const t: Thread = {
      worker,
      inputs: init.inputs,
      outputs: init.outputs,
      free: Array.from({ length: SLOTS }, (_, k) => SLOTS - 1 - k),
      running: new Map(),
    };
    pool.push(t);
    worker.unref();
    worker.on('message', (msg: ScoreReply) => onReply(t, msg));
    worker.on('error', (e) =>
      fail(new MlinferError('MLI_WORKER_FAILED', `scoring worker crashed: ${e.message}`, { cause: e })),
    );
    worker.on('exit', (code) => {
      if (!closing) fail(new MlinferError('MLI_WORKER_FAILED', `scoring worker exited with code ${code}`));
    });
  }

  return {
    score(X, out) {
      if (failure) return Promise.reject(failure);
      if (closing) return Promise.reject(new MlinferError('MLI_ABORTED', 'the scoring pool is closed'));
      if (X.nRows === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const rows = pieceRows(X.nRows, chunkRows, threads);
        const call: Call = { X, out, left: Math.ceil(X.nRows / rows), settled: false, resolve, reject };
        calls.add(call);
        for (let start = 0; start < X.nRows; start += rows)
          queue.push({ call, start, rows: Math.min(rows, X.nRows - start) });
        dispatch();
      });
    },
    close() {
      closing ??= (async () => {
        if (calls.size > 0) await new Promise<void>((resolve) => drained.push(resolve));
        await Promise.all(pool.map((t) => t.worker.terminate()));
      })();
      return closing;
    },
  };
}
