// Shared by the serve tests: a small model trained once per file, and a handler on an ephemeral port.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../../src/model/io.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import type { Predictor } from '../../src/predict/predictor.js';
import { createHandler, type HandlerOptions, type MlinferHandler } from '../../src/serve/handler.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CUSTOMERS = join(ROOT, 'fixtures', 'customers.csv');

/** Trains the customers model (10 trees) and writes it to a temp dir: { model, path, dir }. */
export async function customersModel(seed = 0): Promise<{ model: Model; path: string; dir: string }> {
  const model = await train(CUSTOMERS, {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 10,
    nThreads: 1,
    seed,
  });
  const dir = mkdtempSync(join(tmpdir(), 'mlinfer-serve-'));
  const path = join(dir, 'churn.mlinfer');
  await saveModel(model, path);
  return { model, path, dir };
}

export function writeBad(dir: string): string {
  const p = join(dir, 'bad.mlinfer');
  writeFileSync(p, 'not a model');
  return p;
}

/** A record of the customers schema. */
export const RECORD = {
  age: 39,
  tenure_months: 2,
  monthly_charges: 54.61,
  contract: 'one year',
  plan: 'Standard',
  has_partner: 'no',
  paperless_billing: true,
  support_calls: 7,
  city: 'Springfield, IL',
};
export const ROW = Object.values(RECORD);

export interface Served {
  url: string;
  server: Server;
  handler: MlinferHandler;
  close(): Promise<void>;
}

/** Serves `createHandler(predictor, options)` on 127.0.0.1 with a free port. */
export async function serve(predictor: Predictor, options: HandlerOptions = {}): Promise<Served> {
  const handler = createHandler(predictor, { onError: () => {}, ...options });
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    handler,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** POSTs JSON (a string is sent as is) and returns status, headers and the parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parse(text) };
}

export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parse(text) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const CLI = join(ROOT, 'bin', 'mlinfer.js');
/** `mlinfer` run from the built bin, its stderr collected. */
export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Spawns the built CLI (call ensureDist first). */
export function run(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exit };
}

/** Resolves with the first match of `re` in the process's stderr. */
export async function waitFor(p: Proc, re: RegExp, ms = 15_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(p.stderr());
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} in:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
