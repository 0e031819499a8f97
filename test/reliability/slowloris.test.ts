// Slow clients (slowloris), fast and in CI: clients that send their headers a byte at a time, or a body
// that never finishes, are cut off by startServer's timeouts close to the configured time, while normal
// requests keep succeeding meanwhile. The long version (many connections, during load) is in the soak.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { createHandler } from '../../src/serve/handler.js';
import { type RunningServer, startServer } from '../../src/serve/server.js';
import { customersModel, RECORD } from '../serve/helpers.js';
import { within } from './helpers.js';

let s: RunningServer;
const HEADERS_TIMEOUT = 600;
const REQUEST_TIMEOUT = 1200;

beforeAll(async () => {
  const { model } = await customersModel(8);
  s = await startServer(createHandler(createPredictor(model), { onError: () => {} }), {
    port: 0,
    headersTimeoutMs: HEADERS_TIMEOUT,
    requestTimeoutMs: REQUEST_TIMEOUT,
  });
}, 60_000);

afterAll(() => s.shutdown());

/** Opens a connection that dribbles `text` one byte every `everyMs`; resolves with how long it lived. */
function dribble(
  text: string,
  everyMs: number,
): { socket: Socket; closed: Promise<{ ms: number; got: string }> } {
  const t0 = Date.now();
  const socket = connect(s.port, '127.0.0.1');
  let i = 0;
  let got = '';
  const timer = setInterval(() => {
    if (i < text.length && !socket.destroyed) socket.write(text[i++]);
  }, everyMs);
  socket.on('data', (d) => {
    got += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<{ ms: number; got: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - t0, got });
    }),
  );
  return { socket, closed };
}

describe('slow clients', () => {
  it('headers sent a byte at a time are cut near headersTimeout (not ~30 s later), with 408', async () => {
    const slow = Array.from({ length: 20 }, () =>
      dribble(`POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(500)}\r\n\r\n`, 50),
    );
    // Normal requests keep succeeding while the slow ones hold their sockets.
    const ok: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < HEADERS_TIMEOUT) {
      const res = await fetch(`${s.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(RECORD),
      });
      ok.push(res.status);
      await res.text();
    }
    const results = await within(10_000, () => Promise.all(slow.map((c) => c.closed)));
    for (const r of results) {
      expect(r.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT - 50);
      // The server checks connections at a quarter of the timeout: cut within 1.25x, plus scheduling slack.
      expect(r.ms).toBeLessThan(HEADERS_TIMEOUT * 1.25 + 2000);
      expect(r.got).toMatch(/^HTTP\/1\.1 408 /);
    }
    expect(ok.length).toBeGreaterThan(5);
    expect(ok.every((st) => st === 200)).toBe(true);
  });

  it('a body that never finishes is cut near requestTimeout', async () => {
    const head =
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const c = dribble(`${head}${'['.repeat(10_000)}`, 0);
    const r = await within(10_000, () => c.closed);
    expect(r.ms).toBeLessThan(REQUEST_TIMEOUT * 1.25 + 2000);
  });
});
