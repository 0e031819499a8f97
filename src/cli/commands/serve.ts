// `mlinfer serve`: the HTTP adapter standalone, with SIGHUP hot reload and SIGTERM/SIGINT graceful shutdown.
import { basename, extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { MlinferError } from '../../errors.js';
import { DEFAULT_MODEL_FILE } from '../../model/io.js';
import type { DriftWindowOptions } from '../../predict/drift-window.js';
import { createPredictor, type NodePredictor } from '../../predict/predictor-node.js';
import { isLoopback } from '../../serve/auth.js';
import { createHandler, type MlinferHandler } from '../../serve/handler.js';
import { type RunningServer, startServer } from '../../serve/server.js';
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
  quiet: boolean;
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

const log = (quiet: boolean, s: string) => {
  if (!quiet) process.stderr.write(`${new Date().toISOString()} ${s}\n`);
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
    .option('-q, --quiet', 'no log lines on stderr', false)
    .action(runServe);
}

/** `mlinfer serve`: checks the exposure, starts the server, and serves until SIGTERM or SIGINT. */
async function runServe(f: ServeFlags): Promise<void> {
  const token = f.token ?? (process.env.MLINFER_TOKEN || undefined);
  if (!token && f.auth && !isLoopback(f.host))
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `--host ${f.host} is reachable from other machines: set a token with --token or MLINFER_TOKEN, or pass --no-auth when a gateway in front authenticates`,
    );
  const predictor = createPredictor(f.model, {
    maxBatchSize: f.maxBatchSize,
    maxWaitMs: f.maxWaitMs,
    maxQueue: f.maxQueue,
    ...(f.driftWindow === undefined ? {} : { driftWindow: f.driftWindow }),
  });
  const modelName = f.name ?? modelNameFromPath(f.model);
  const handler = createHandler(predictor, {
    modelName,
    token,
    maxBodyBytes: f.maxBody,
    maxInstances: f.maxInstances,
    defaultMetrics: f.processMetrics,
  });
  const s = await startServer(handler, {
    port: f.port,
    host: f.host,
    keepAliveTimeoutMs: f.keepAliveTimeout,
    headersTimeoutMs: f.headersTimeout,
    requestTimeoutMs: f.requestTimeout,
    drainDelayMs: f.drainDelay,
    shutdownTimeoutMs: f.shutdownTimeout,
  });
  log(
    f.quiet,
    `serving ${f.model} as ${modelName} (version ${predictor.modelVersion}) on ${s.url}${token ? ' (bearer token required)' : ''}`,
  );
  await serveUntilStopped(f, predictor, handler, s);
}

/** SIGHUP reloads the model file (one reload at a time); SIGTERM and SIGINT drain and stop the server. */
async function serveUntilStopped(
  f: ServeFlags,
  predictor: NodePredictor,
  handler: MlinferHandler,
  s: RunningServer,
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
    const stop = (signal: string) => {
      log(f.quiet, `${signal}: draining (${handler.inFlight} requests in flight)`);
      process.off('SIGHUP', onHup);
      s.shutdown().then(() => {
        log(f.quiet, 'stopped');
        resolve();
      });
    };
    process.on('SIGHUP', onHup);
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
