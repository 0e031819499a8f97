/**
 * The primary of `mlinfer serve --workers N`: N processes, each a whole `mlinfer serve` sharing one port through
 * node:cluster (the primary hands each new connection to the next worker). The primary loads no model. It
 * starts one worker, then the others together (so a bad model file or a taken port fails once, with the first
 * worker's own error), replaces a worker that dies, passes SIGHUP on (every worker reloads) and SIGTERM or
 * SIGINT (every worker drains), and relays the workers' states to the one answering `/metrics` or `/drift`.
 */
import cluster, { type Worker } from 'node:cluster';
import { type ClusterMessage, isClusterMessage, MSG } from './cluster-messages.js';
import type { ProcessState } from './peers.js';

/** The environment variable that tells a forked process it is a serve worker (not any cluster's worker). */
export const WORKER_ENV = 'MLINFER_SERVE_WORKER';

export interface PrimaryOptions {
  workers: number;
  /** One log line (the caller timestamps it, or drops it when quiet). */
  log: (line: string) => void;
  /** How long the primary waits for a worker's state before answering without it; default 2,000 ms. */
  stateTimeoutMs?: number;
}

/** More than this many workers dying within RESTART_WINDOW_MS stops the server instead of starting more. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

type Started = { ok: true; worker: Worker; line: string } | { ok: false; code: number };

/** Forks a worker and resolves once it serves (its `serving` message), or with its exit code if it dies first. */
function startWorker(): Promise<Started> {
  return new Promise((resolve) => {
    const worker = cluster.fork({ [WORKER_ENV]: '1' });
    // A message to a worker that is exiting fails with EPIPE; its 'exit' tells the rest, so no crash.
    worker.on('error', () => {});
    const onMessage = (m: unknown) => {
      if (!isClusterMessage(m) || m.type !== MSG.serving) return;
      worker.off('exit', onExit);
      worker.off('message', onMessage);
      resolve({ ok: true, worker, line: m.line });
    };
    const onExit = (code: number | null) => {
      worker.off('message', onMessage);
      resolve({ ok: false, code: code || 1 });
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

/**
 * Runs the primary until the workers have stopped; resolves to the exit code (0 after SIGTERM or SIGINT, a
 * worker's code when one could not start).
 *
 * @example
 * if (cluster.isPrimary) process.exitCode = await runPrimary({ workers: 4, log: console.error });
 */
export function runPrimary(o: PrimaryOptions): Promise<number> {
  cluster.setupPrimary({ serialization: 'advanced' });
  const serving = new Set<Worker>();
  const relay = createRelay(serving, o.stateTimeoutMs ?? 2_000);
  const restarts: number[] = [];
  let stopping: { code: number } | null = null;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    finish = r;
  });

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const stop = (code: number) => {
    if (stopping) {
      // a second signal: stop now
      for (const w of live()) w.process.kill('SIGKILL');
      return;
    }
    stopping = { code };
    // SIGTERM whatever the primary got: a worker drains once (serve.ts), even when Ctrl-C reached it too
    for (const w of live()) w.process.kill('SIGTERM');
    if (live().length === 0) finish(code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    o.log(`${signal}: stopping ${live().length} workers`);
    stop(0);
  };
  const onHup = () => {
    o.log(`SIGHUP: ${serving.size} workers reload the model`);
    for (const w of serving) w.process.kill('SIGHUP');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHup);
  cluster.on('message', relay);

  const replace = (w: Worker, code: number | null, signal: string | null) => {
    const now = Date.now();
    restarts.push(now);
    while (restarts[0] < now - RESTART_WINDOW_MS) restarts.shift();
    const why = signal ? `signal ${signal}` : `code ${code}`;
    if (restarts.length > MAX_RESTARTS) {
      o.log(`worker ${w.process.pid} exited (${why}): ${restarts.length} exits within a minute, stopping`);
      return stop(1);
    }
    o.log(`worker ${w.process.pid} exited (${why}); starting another`);
    void startWorker().then((r) => {
      if (stopping) return r.ok && r.worker.process.kill('SIGTERM');
      if (!r.ok) return stop(r.code);
      serving.add(r.worker);
      o.log(`worker ${r.worker.process.pid} serving, in place of ${w.process.pid}`);
    });
  };
  cluster.on('exit', (w, code, signal) => {
    const wasServing = serving.delete(w);
    if (stopping) {
      if (live().length === 0) finish(stopping.code);
    } else if (wasServing) replace(w, code, signal);
  });

  void (async () => {
    // The first worker alone: what fails (a bad model file, a taken port) fails once. Then the others together:
    // --workers auto on a large machine should not wait for one model load per core in turn.
    const first = await startWorker();
    if (stopping) return;
    if (!first.ok) return stop(first.code);
    serving.add(first.worker);
    const rest = await Promise.all(Array.from({ length: o.workers - 1 }, startWorker));
    if (stopping) return;
    for (const r of rest) if (r.ok) serving.add(r.worker);
    const failed = rest.find((r) => !r.ok);
    if (failed && !failed.ok) return stop(failed.code);
    const pids = [...serving].map((w) => w.process.pid).join(', ');
    o.log(`${first.line} with ${serving.size} workers (pids ${pids})`);
  })();

  return done.then((code) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHup);
    cluster.off('message', relay);
    return code;
  });
}

/**
 * The primary's half of `peers()`: when a worker asks, every other serving worker is asked for its state, and
 * the asker gets the states that came back within `timeoutMs` (a stuck worker costs a scrape that long, never
 * forever).
 */
function createRelay(serving: ReadonlySet<Worker>, timeoutMs: number) {
  let next = 0;
  const pending = new Map<number, (state: ProcessState | null) => void>();
  const gather = (asker: Worker, askId: number) => {
    const others = [...serving].filter((w) => w !== asker && w.isConnected());
    const states: ProcessState[] = [];
    const id = next++;
    let left = others.length;
    let timer: NodeJS.Timeout | undefined;
    const answer = () => {
      pending.delete(id);
      clearTimeout(timer);
      if (asker.isConnected()) asker.send({ type: MSG.peers, id: askId, states } satisfies ClusterMessage);
    };
    if (left === 0) return answer();
    timer = setTimeout(answer, timeoutMs);
    pending.set(id, (state) => {
      if (state) states.push(state);
      if (--left === 0) answer();
    });
    for (const w of others) w.send({ type: MSG.stateRequest, id } satisfies ClusterMessage);
  };
  return (worker: Worker, m: unknown) => {
    if (!isClusterMessage(m)) return;
    if (m.type === MSG.ask) gather(worker, m.id);
    else if (m.type === MSG.state) pending.get(m.id)?.(m.state);
  };
}
