/**
 * A standalone node:http server around a handler, with the limits a public server needs (header and
 * request timeouts, keep-alive, header size) and a graceful shutdown: readiness goes false first (so a
 * load balancer stops sending), then the listener closes, requests in flight finish, idle keep-alive
 * connections close, and after `shutdownTimeoutMs` whatever is left is cut.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { c, checkOptions, optionIssue, type Spec } from '../constraints.js';
import { MlinferError, throwIfIssues } from '../errors.js';
import type { MlinferHandler } from './handler.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Idle keep-alive connections close after this many ms; default 5,000. */
  keepAliveTimeoutMs?: number;
  /** A client must send its headers within this many ms; default 10,000 (slowloris). */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this many ms; default 30,000. */
  requestTimeoutMs?: number;
  /** Largest request headers in bytes; default 16 KiB. */
  maxHeaderBytes?: number;
  /** On shutdown, how long readiness is false before the listener closes, for load balancers to notice; default 0. */
  drainDelayMs?: number;
  /** On shutdown, the longest wait for requests in flight before connections are cut; default 10,000. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Graceful shutdown (idempotent): resolves once the server is closed. */
  shutdown(): Promise<void>;
}

/** startServer's options, declared once. */
const SERVER_SPEC: Spec = {
  port: [c.integer({ min: 0, max: 65535 })],
  host: [c.string({ nonEmpty: true })],
  keepAliveTimeoutMs: [c.integer({ min: 1 })],
  headersTimeoutMs: [c.integer({ min: 1 })],
  requestTimeoutMs: [c.integer({ min: 0 })],
  maxHeaderBytes: [c.integer({ min: 1024 })],
  drainDelayMs: [c.integer({ min: 0 })],
  shutdownTimeoutMs: [c.integer({ min: 0 })],
};

function validate(o: ServerOptions): void {
  const issues = checkOptions(o, SERVER_SPEC, { what: 'server options' });
  if (
    issues.length === 0 &&
    o.requestTimeoutMs !== undefined &&
    o.headersTimeoutMs !== undefined &&
    o.requestTimeoutMs > 0 &&
    o.headersTimeoutMs > o.requestTimeoutMs
  )
    issues.push(
      optionIssue(
        ['headersTimeoutMs'],
        `at most requestTimeoutMs (${o.requestTimeoutMs})`,
        o.headersTimeoutMs,
      ),
    );
  throwIfIssues('MLI_INVALID_OPTION', issues, 'server options');
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the port is in use (another server?): choose another port',
  EACCES: 'permission denied (ports below 1024 need privileges): choose a port from 1024',
  EADDRNOTAVAIL: 'this machine has no such address: choose another host',
};

/** What a user can act on when the server cannot listen (MLI_INVALID_OPTION); other errors as they are. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): unknown {
  const problem = e.code ? LISTEN_PROBLEMS[e.code] : undefined;
  if (!problem) return e;
  return new MlinferError('MLI_INVALID_OPTION', `cannot listen on ${host}:${port}: ${problem} (${e.code})`, {
    cause: e,
  });
}

/**
 * Starts a server for a handler and resolves once it listens.
 *
 * @example
 * const s = await startServer(createHandler(predictor), { port: 8000, host: '127.0.0.1' });
 * process.once('SIGTERM', () => s.shutdown());
 */
export async function startServer(
  handler: MlinferHandler,
  options: ServerOptions = {},
): Promise<RunningServer> {
  validate(options);
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // Node enforces the two timeouts above only when it checks connections, every 30 s by default: a
      // slowloris client kept its socket ~30 s whatever headersTimeout said. Check at a quarter of the
      // shortest timeout, so a slow client is cut within 1.25x the timeout.
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(30_000, Math.floor(Math.min(headersTimeout, requestTimeout || headersTimeout) / 4)),
      ),
    },
    (req, res) => handler(req, res),
  );
  // Malformed requests, header overflows and timeouts: answer 400/408/431 on the socket, never crash.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    const body = JSON.stringify({ error: status.slice(4), code: 'MLI_INVALID_DATA', issues: [] });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 8000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(listenError(e, host, wanted)));
    server.listen(wanted, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  const shutdown = (): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      handler.ready = false;
      if (options.drainDelayMs) await new Promise((r) => setTimeout(r, options.drainDelayMs));
      handler.draining = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const cut = new Promise<void>((r) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          r();
        }, timeout);
      });
      // Requests in flight finish; their responses carry Connection: close, so those sockets end too.
      await Promise.race([handler.idle().then(() => server.closeIdleConnections()), cut]);
      await Promise.race([closed, cut]);
      clearTimeout(timer);
      await handler.predictor.close();
    })();
    return closing;
  };

  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, shutdown };
}
