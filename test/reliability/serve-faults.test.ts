// Faults, serving (the built `mlinfer serve` as a child process, loopback only):
// - SIGHUP to a model file damaged at random (truncated as by a copy still in progress, bytes flipped)
//   keeps the old model serving, while requests keep flowing through the reloads;
// - SIGTERM while requests are in flight drops none of them: 64 requests whose bodies are still arriving
//   when the signal lands all answer 200, and the process then exits 0; the same with --workers 2.
// - With --workers, a killed worker is replaced, and a crash loop stops the server (exit 1).
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { customersModel, RECORD } from '../serve/helpers.js';
import { BIN, ROOT, within } from './helpers.js';

beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS); // these tests spawn the built CLI

let fixture: Awaited<ReturnType<typeof customersModel>>;
beforeAll(async () => {
  fixture = await customersModel(7);
}, 60_000);

interface Proc {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serveCli(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exit };
}

async function waitFor(p: Proc, re: RegExp, from = 0, ms = 15_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(p.stderr().slice(from));
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} in:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function predict(url: string): Promise<{ status: number; version: string }> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(RECORD),
  });
  const body = (await res.json()) as { modelVersion: string };
  return { status: res.status, version: body.modelVersion };
}

describe('mlinfer serve under faults', () => {
  it('SIGHUP to a damaged file keeps the old model serving, with requests flowing through the reloads', async () => {
    const path = join(fixture.dir, 'hup.mlinfer');
    copyFileSync(fixture.path, path);
    const good = readFileSync(fixture.path);
    const p = serveCli(['--model', path]);
    try {
      const url = (await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+)/))[1];
      const { version } = await predict(url);
      // Background traffic during all the reloads: every answer must be 200 from the old model.
      let stop = false;
      const answers: { status: number; version: string }[] = [];
      const traffic = (async () => {
        while (!stop) answers.push(await predict(url));
      })();
      const damaged: Buffer[] = [
        good.subarray(0, Math.floor(good.length / 2)), // a copy still in progress
        good.subarray(0, 20), // cut inside the header
        Buffer.alloc(0), // truncated to nothing (`> file` before writing)
      ];
      for (let k = 0; k < 5; k++) {
        const b = Buffer.from(good);
        b[Math.floor(Math.random() * b.length)] ^= 1 + Math.floor(Math.random() * 255);
        damaged.push(b);
      }
      for (const b of damaged) {
        const from = p.stderr().length;
        writeFileSync(path, b);
        p.child.kill('SIGHUP');
        await waitFor(p, /reload of .* failed, still serving version/, from);
        expect(p.stderr().slice(from)).toContain(`still serving version ${version}`);
      }
      stop = true;
      await traffic;
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.every((a) => a.status === 200 && a.version === version)).toBe(true);
      // The server is still healthy and ready.
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      p.child.kill('SIGKILL');
      await p.exit;
    }
  }, 60_000);

  it('SIGTERM with 64 requests in flight (bodies still arriving): every one answers 200, then exit 0', async () => {
    await drainInFlight([], 1);
  }, 60_000);

  it('serve --workers 2: the same drain across the workers, then exit 0', async () => {
    await drainInFlight(['--workers', '2'], 2);
  }, 60_000);

  it('serve --workers: a dead worker is replaced; more than 5 deaths in a minute stop the server with exit 1', async () => {
    const p = serveCli(['--model', fixture.path, '--workers', '2']);
    try {
      const url = (await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+) with 2 workers/))[1];
      let workers = childPids(p.child.pid!);
      expect(workers).toHaveLength(2);
      for (let kill = 1; kill <= 6; kill++) {
        const [dead, alive] = workers;
        process.kill(dead, 'SIGKILL');
        await waitFor(p, new RegExp(`worker ${dead} exited \\(signal SIGKILL\\)`));
        if (kill === 6) break;
        // the other worker answers while the replacement starts
        expect((await predict(url)).status).toBe(200);
        const next = await waitFor(p, new RegExp(`worker (\\d+) serving, in place of ${dead}`));
        workers = [alive, Number(next[1])];
        expect(childPids(p.child.pid!).sort()).toEqual([...workers].sort());
      }
      expect(await within(15_000, () => p.exit)).toBe(1);
      expect(p.stderr()).toMatch(/6 exits within a minute, stopping/);
      expect(childPids(p.child.pid!)).toEqual([]);
    } finally {
      p.child.kill('SIGKILL');
    }
  }, 60_000);
});

/** The pids of a process's children, from /proc (Linux). */
function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * SIGTERM with 64 requests in flight, bodies still arriving: every one answers 200, then exit 0. `extra` adds
 * serve flags; with --workers the requests spread over the workers, whose drain lines add up to 64.
 */
async function drainInFlight(extra: string[], processes: number): Promise<void> {
  const p = serveCli(['--model', fixture.path, '--max-batch-size', '8', '--max-wait-ms', '2', ...extra]);
  try {
    const url = new URL((await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+)/))[1]);
    const body = Buffer.from(JSON.stringify({ instances: Array(200).fill(RECORD) }));
    const half = Math.floor(body.length / 2);
    const N = 64;
    // Expect: 100-continue makes the server answer "100 Continue" when it has parsed the headers and
    // handed the request to the handler: proof that each request was accepted before the signal.
    let accepted = 0;
    const requests = Array.from({ length: N }, () => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: '/predict',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          expect: '100-continue',
        },
      });
      const done = new Promise<{ status: number; n: number }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, n: JSON.parse(text).predictions?.length }),
          );
        });
        req.on('error', reject);
      });
      req.on('continue', () => {
        accepted++;
        req.write(body.subarray(0, half));
      });
      req.flushHeaders();
      return { req, done };
    });
    await within(10_000, async () => {
      while (accepted < N) await new Promise((r) => setTimeout(r, 10));
    });
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill('SIGTERM');
    const draining = /SIGTERM: draining \((\d+) requests in flight\)/g;
    await within(10_000, async () => {
      while ((p.stderr().match(draining) ?? []).length < processes)
        await new Promise((r) => setTimeout(r, 20));
    });
    const inFlight = [...p.stderr().matchAll(draining)].map((m) => Number(m[1]));
    expect(inFlight).toHaveLength(processes);
    expect(inFlight.reduce((a, b) => a + b, 0)).toBe(N);
    if (processes > 1) expect(inFlight.every((n) => n > 0)).toBe(true);
    // The rest of each body arrives after the signal.
    await new Promise((r) => setTimeout(r, 100));
    for (const r of requests) r.req.end(body.subarray(half));
    const results = await within(20_000, () => Promise.all(requests.map((r) => r.done)));
    expect(results.every((r) => r.status === 200 && r.n === 200)).toBe(true);
    expect(await within(15_000, () => p.exit)).toBe(0);
    // And no new connection is accepted after the drain.
    await expect(fetch(`${url.origin}/healthz`)).rejects.toThrow();
  } finally {
    p.child.kill('SIGKILL');
  }
}
