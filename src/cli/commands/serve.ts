// `mlinfer serve`: the HTTP adapter standalone, with SIGHUP hot reload and SIGTERM/SIGINT graceful shutdown, in
// one process or, with --workers, in several sharing the port (serve/cluster-primary.ts).
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { basename, extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { MlinferError } from '../../errors.js';
import { DEFAULT_MODEL_FILE } from '../../model/io.js';
import { DEFAULT_WINDOW_ROWS, type DriftWindowOptions } from '../../predict/drift-window.js';
import { createPredictor, type NodePredictor } from '../../predict/predictor-node.js';
import { isLoopback } from '../../serve/auth.js';
import { MSG } from '../../serve/cluster-messages.js';
import { runPrimary, WORKER_ENV } from '../../serve/cluster-primary.js';
import { type ClusterLink, joinCluster } from '../../serve/cluster-worker.js';
import { createHandler, type MlinferHandler } from '../../serve/handler.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { ReportedFailure } from '../errors.js';
import { parseInteger } from '../options.js';

interface ServeFlags {
  model: string;
  port: number;
  host: string;
  name?: string;
  token?: string;
  auth: boolean;
  maxBody: number;
  maxInstances: number;
  maxBatchSize: number;
  maxWaitMs: number;
  maxQueue: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  drainDelay: number;
  shutdownTimeout: number;
  processMetrics: boolean;
  driftWindow?: DriftWindowOptions | false;
  workers: number;
  quiet: boolean;
}

/** `--workers 4`, or `auto`: one per core the process may use. */
function parseWorkers(v: string): number {
  if (v.trim() === 'auto') return availableParallelism();
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`--workers must be an integer >= 1 or auto, got ${v}`);
  return n;
}

/** `--drift-window 5000` (rows) or `300s` (seconds). */
function parseDriftWindow(v: string): DriftWindowOptions {
  const m = /^(\d+)(s?)$/.exec(v.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`--drift-window must be a row count or seconds such as 300s, got ${v}`);
  return m[2] ? { seconds: n } : { rows: n };
}

/** The model name from the file name: `models/churn-v3.mlinfer` serves as `churn-v3`. */
export function modelNameFromPath(path: string): string {
  const n = basename(path, extname(path))
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 128);
  return n || 'model';
}

function parseSize(v: string): number {
  const m = /^(\d+)\s*(b|kb|kib|mb|mib)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`--max-body must be a size such as 1048576, 512kb or 4mb, got ${v}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const n = Number(m[1]) * (unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024);
  if (n < 1) throw new InvalidArgumentError(`--max-body must be at least 1 byte, got ${v}`);
  return n;
}

/** True in a process forked by `serve --workers` (not in any node:cluster worker). */
const isServeWorker = () => cluster.isWorker && process.env[WORKER_ENV] === '1';

const log = (quiet: boolean, s: string) => {
  if (quiet) return;
  const who = isServeWorker() ? `worker ${process.pid}: ` : '';
  process.stderr.write(`${new Date().toISOString()} ${who}${s}\n`);
};

/** Declares `mlinfer serve`. Long because it is the flag list, one declaration per flag; the work is in runServe. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a model over HTTP: POST /predict, the KServe V2 routes, /metrics, /openapi.json')
    .option('-m, --model <file>', 'the model file', DEFAULT_MODEL_FILE)
    .option('-p, --port <n>', 'port (0: any free port)', parseInteger('--port', 0), 8000)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--name <name>', 'model name in /v2/models/{name} (default: the file name without extension)')
    .option('--token <token>', 'require Authorization: Bearer <token> (default: env MLINFER_TOKEN)')
    .option('--no-auth', 'allow a non-loopback --host without a token (auth is done in front of this server)')
    .option('--max-body <size>', 'largest request body: bytes, or with kb/mb', parseSize, 1 << 20)
    .option('--max-instances <n>', 'most records in one request', parseInteger('--max-instances', 1), 10_000)
    .option(
      '--max-batch-size <n>',
      'micro-batching: largest batch (1: off)',
      parseInteger('--max-batch-size', 1),
      1,
    )
    .option(
      '--max-wait-ms <n>',
      'micro-batching: longest wait for a batch to fill',
      parseInteger('--max-wait-ms', 0),
      1,
    )
    .option(
      '--max-queue <n>',
      'micro-batching: most waiting requests before 503',
      parseInteger('--max-queue', 1),
      1000,
    )
    .option(
      '--keep-alive-timeout <ms>',
      'idle keep-alive connections close after',
      parseInteger('--keep-alive-timeout', 1),
      5000,
    )
    .option(
      '--headers-timeout <ms>',
      'time allowed to send the headers',
      parseInteger('--headers-timeout', 1),
      10_000,
    )
    .option(
      '--request-timeout <ms>',
      'time allowed to send a whole request (0: none)',
      parseInteger('--request-timeout', 0),
      30_000,
    )
    .option(
      '--drain-delay <ms>',
      'on SIGTERM, readiness is false this long before the listener closes',
      parseInteger('--drain-delay', 0),
      0,
    )
    .option(
      '--shutdown-timeout <ms>',
      'on SIGTERM, longest wait for requests in flight',
      parseInteger('--shutdown-timeout', 0),
      10_000,
    )
    .option(
      '--drift-window <rows|Ns>',
      'drift gauges and GET /drift over the last rows (or seconds: 300s) scored (default 10000 rows)',
      parseDriftWindow,
    )
    .option('--no-drift-window', 'count no drift (no drift gauges, GET /drift answers 400)')
    .option('--no-process-metrics', 'leave process metrics (CPU, memory, event loop) out of /metrics')
    .option(
      '--workers <n|auto>',
      'processes sharing the port, each with the model (auto: one per core); /metrics and /drift add them up',
      parseWorkers,
      1,
    )
    .option('-q, --quiet', 'no log lines on stderr', false)
    .action(runServe);
}

/**
 * `mlinfer serve`: checks the exposure, then serves until SIGTERM or SIGINT: in this process, or with --workers as
 * the primary of that many worker processes (each of which runs this again).
 */
async function runServe(f: ServeFlags): Promise<void> {
  const token = f.token ?? (process.env.MLINFER_TOKEN || undefined);
  if (!token && f.auth && !isLoopback(f.host))
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `--host ${f.host} is reachable from other machines: set a token with --token or MLINFER_TOKEN, or pass --no-auth when a gateway in front authenticates`,
    );
  if (!isServeWorker()) {
    if (f.workers === 1) return serveHere(f, token, null);
    const code = await runPrimary({ workers: f.workers, log: (s) => log(f.quiet, s) });
    if (code !== 0) throw new ReportedFailure(code);
    return log(f.quiet, 'stopped');
  }
  try {
    await serveHere(f, token, joinCluster());
  } finally {
    // the IPC channel would keep a worker alive once its server has stopped, or failed to start
    process.channel?.unref();
  }
}

/**
 * The predictor's drift window. A row window is the server's: with --workers each worker keeps its share of the
 * rows (connections are spread evenly), so that /drift over all workers covers the last --drift-window rows, not
 * N times as many. A time window needs no share: the workers' windows cover the same seconds.
 */
function driftWindowOf(f: ServeFlags, worker: boolean): { driftWindow?: DriftWindowOptions | false } {
  const w = f.driftWindow;
  if (!worker || w === false || w?.seconds !== undefined) return w === undefined ? {} : { driftWindow: w };
  return { driftWindow: { rows: Math.max(1, Math.ceil((w?.rows ?? DEFAULT_WINDOW_ROWS) / f.workers)) } };
}

/** Loads the model, listens, and serves until stopped; `link` connects a worker to the others. */
async function serveHere(f: ServeFlags, token: string | undefined, link: ClusterLink | null): Promise<void> {
  const predictor = createPredictor(f.model, {
    maxBatchSize: f.maxBatchSize,
    maxWaitMs: f.maxWaitMs,
    maxQueue: f.maxQueue,
    ...driftWindowOf(f, link !== null),
  });
  const modelName = f.name ?? modelNameFromPath(f.model);
  const handler = createHandler(predictor, {
    modelName,
    token,
    maxBodyBytes: f.maxBody,
    maxInstances: f.maxInstances,
    defaultMetrics: f.processMetrics,
    ...(link ? { peers: link.peers } : {}),
  });
  link?.answer(() => handler.processState());
  const s = await startServer(handler, {
    port: f.port,
    host: f.host,
    keepAliveTimeoutMs: f.keepAliveTimeout,
    headersTimeoutMs: f.headersTimeout,
    requestTimeoutMs: f.requestTimeout,
    drainDelayMs: f.drainDelay,
    shutdownTimeoutMs: f.shutdownTimeout,
  });
  const line = `serving ${f.model} as ${modelName} (version ${predictor.modelVersion}) on ${s.url}${token ? ' (bearer token required)' : ''}`;
  // a worker's line is the primary's to print, once for all of them
  if (link) process.send?.({ type: MSG.serving, line });
  else log(f.quiet, line);
  await serveUntilStopped(f, predictor, handler, s, link);
}

/** SIGHUP reloads the model file (one reload at a time); SIGTERM and SIGINT drain and stop the server. */
async function serveUntilStopped(
  f: ServeFlags,
  predictor: NodePredictor,
  handler: MlinferHandler,
  s: RunningServer,
  link: ClusterLink | null,
): Promise<void> {
  let reloading = Promise.resolve();
  const onHup = () => {
    // Reloads run one at a time; a bad file leaves the old model serving.
    reloading = reloading.then(async () => {
      const r = await predictor.reload(f.model);
      if (r.ok) log(f.quiet, `reloaded ${f.model}: now serving version ${r.modelVersion}`);
      else
        log(
          false,
          `reload of ${f.model} failed, still serving version ${r.modelVersion}: ${r.error?.message}`,
        );
    });
  };
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // a worker gets Ctrl-C's SIGINT from the terminal and SIGTERM from the primary: one drain
      if (stopping) return;
      stopping = true;
      log(f.quiet, `${signal}: draining (${handler.inFlight} requests in flight)`);
      process.off('SIGHUP', onHup);
      s.shutdown().then(() => {
        log(f.quiet, 'stopped');
        resolve();
      });
    };
    process.on('SIGHUP', onHup);
    // alone, a second SIGTERM or SIGINT kills at once (the default action, once the listener is gone)
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      if (link) process.on(signal, () => stop(signal));
      else process.once(signal, () => stop(signal));
  });
}
