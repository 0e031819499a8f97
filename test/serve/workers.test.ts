// `mlinfer serve --workers`: the handler adding up its peers' states (in-process, two real handlers), and the
// built CLI in several processes (one port, the sums, SIGHUP, a killed worker replaced, SIGTERM, failures).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPredictor } from '../../src/predict/predictor-node.js';
import type { ProcessState } from '../../src/serve/peers.js';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { customersModel, get, post, RECORD, run, serve, waitFor, writeBad } from './helpers.js';

let fixture: Awaited<ReturnType<typeof customersModel>>;
let other: Awaited<ReturnType<typeof customersModel>>;
beforeAll(async () => {
  fixture = await customersModel(0);
  other = await customersModel(1);
  ensureDist();
}, BUILD_TIMEOUT_MS);

const OLDER = { ...RECORD, age: 80, contract: 'two year' };

/** The value of a metric line, e.g. `mlinfer_predictions_total{class="yes"}`; 0 when absent. */
function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && /[ {]/.test(line[name.length])) sum += Number(line.split(' ').pop());
  return sum;
}

describe('a handler with peers', () => {
  it('adds up its peers in /metrics and /drift, and leaves out windows of another model version', async () => {
    const here = createPredictor(fixture.path);
    const peer = createPredictor(fixture.path);
    const stranger = createPredictor(other.path);
    // every process of a cluster has peers (these answer only for themselves here)
    const peerServed = await serve(peer, { peers: async () => [] });
    const strangerServed = await serve(stranger, { peers: async () => [] });
    let states: () => Promise<ProcessState[]> = async () => [await peerServed.handler.processState()];
    const s = await serve(here, { peers: () => states() });
    try {
      const send = async (url: string, record: object, n: number) => {
        for (let i = 0; i < n; i++) expect((await post(`${url}/predict`, record)).status).toBe(200);
      };
      await send(s.url, RECORD, 3);
      await send(peerServed.url, OLDER, 5);
      await send(strangerServed.url, OLDER, 7);
      states = async () => [
        await peerServed.handler.processState(),
        await strangerServed.handler.processState(),
      ];

      const text = (await get(`${s.url}/metrics`)).body as string;
      expect(metric(text, 'mlinfer_predictions_total')).toBe(3 + 5 + 7);
      expect(metric(text, 'mlinfer_serve_processes')).toBe(3);
      // one model_info line per version served, each 1 (not one per process)
      expect(text).toMatch(new RegExp(`model_info\\{[^}]*model_version="${here.modelVersion}"[^}]*\\} 1\\n`));
      expect(text).toMatch(new RegExp(`model_info\\{[^}]*model_version="${stranger.modelVersion}"`));
      // the drift gauges: this window and the peer's of the same version, once
      expect(metric(text, 'mlinfer_drift_window_rows')).toBe(3 + 5);

      const drift = (await get(`${s.url}/drift`)).body;
      const both = here.drift({}, [peer.driftCounts()]);
      expect(drift.rows).toBe(8);
      expect(drift.features).toEqual(JSON.parse(JSON.stringify(both.features)));
      // the same rows counted in one window give the same report
      const one = createPredictor(fixture.path);
      for (const r of [...Array(3).fill(RECORD), ...Array(5).fill(OLDER)]) one.predict(r);
      expect(one.drift().features).toEqual(both.features);
      expect(here.drift().rows).toBe(3);

      states = () => Promise.reject(new Error('primary gone'));
      const failed = await get(`${s.url}/metrics`);
      expect(failed.status).toBe(500);
    } finally {
      await Promise.all([s.close(), peerServed.close(), strangerServed.close()]);
    }
  });
});

describe('mlinfer serve --workers', () => {
  it('shares one port, adds the workers up, reloads them all, replaces a dead one, stops them all', async () => {
    const path = join(fixture.dir, 'workers.mlinfer');
    copyFileSync(fixture.path, path);
    const p = run(['serve', '--model', path, '--port', '0', '--workers', '2']);
    try {
      const m = await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+) with 2 workers \(pids (\d+), (\d+)\)/);
      const [url, pid1, pid2] = [m[1], Number(m[2]), Number(m[3])];
      expect(p.stderr().match(/serving /g)).toHaveLength(1);
      // a new connection each time: the primary hands connections to the workers in turn
      const fresh = { 'content-type': 'application/json', connection: 'close' };
      for (let i = 0; i < 10; i++) expect((await post(`${url}/predict`, RECORD, fresh)).status).toBe(200);
      const metrics = async () => (await get(`${url}/metrics`, { connection: 'close' })).body as string;
      let text = await metrics();
      expect(metric(text, 'mlinfer_serve_processes')).toBe(2);
      expect(metric(text, 'mlinfer_predictions_total')).toBe(10);
      expect((await get(`${url}/drift`, { connection: 'close' })).body.rows).toBe(10);

      copyFileSync(other.path, path);
      p.child.kill('SIGHUP');
      await waitFor(p, new RegExp(`worker ${pid1}: reloaded .*version (\\w+)`));
      await waitFor(p, new RegExp(`worker ${pid2}: reloaded .*version (\\w+)`));
      const versions = new Set<string>();
      for (let i = 0; i < 4; i++)
        versions.add((await post(`${url}/predict`, RECORD, fresh)).body.modelVersion);
      expect([...versions]).toEqual([createPredictor(other.path).modelVersion]);

      // a worker killed: its counts go with it, another takes its place
      process.kill(pid1, 'SIGKILL');
      await waitFor(p, new RegExp(`worker ${pid1} exited \\(signal SIGKILL\\); starting another`));
      const t0 = Date.now();
      do text = await metrics();
      while (metric(text, 'mlinfer_serve_processes') < 2 && Date.now() - t0 < 10_000);
      expect(metric(text, 'mlinfer_serve_processes')).toBe(2);
      expect(metric(text, 'mlinfer_predictions_total')).toBeLessThan(14);
      expect(metric(text, 'mlinfer_predictions_total')).toBeGreaterThan(0);

      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
      expect(p.stderr()).toMatch(
        /SIGTERM: stopping 2 workers[\s\S]*draining[\s\S]*draining[\s\S]*\dZ stopped/,
      );
      expect(() => process.kill(pid2, 0)).toThrow();
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('splits a row drift window between the workers: /drift covers the last --drift-window rows in all', async () => {
    const p = run([
      'serve',
      '--model',
      fixture.path,
      '--port',
      '0',
      '--workers',
      '2',
      '--drift-window',
      '40',
    ]);
    try {
      const url = (await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+) with 2 workers/))[1];
      const fresh = { 'content-type': 'application/json', connection: 'close' };
      for (let i = 0; i < 60; i++) expect((await post(`${url}/predict`, RECORD, fresh)).status).toBe(200);
      // 20 rows a worker (buckets of 2: 18-20 held); a window of 40 each would still hold all 60
      const rows = (await get(`${url}/drift`, { connection: 'close' })).body.rows;
      expect(rows).toBeGreaterThanOrEqual(36);
      expect(rows).toBeLessThanOrEqual(40);
    } finally {
      p.child.kill('SIGTERM');
      await p.exit;
    }
  });

  it('fails once with the worker error and its exit code: a bad model, a taken port, a bad --workers', async () => {
    const bad = run(['serve', '--model', writeBad(fixture.dir), '--port', '0', '--workers', '3']);
    expect(await bad.exit).toBe(1);
    expect(bad.stderr().match(/MLI_MODEL_FOREIGN/g)).toHaveLength(1);

    const first = run(['serve', '--model', fixture.path, '--port', '0']);
    try {
      const port = (await waitFor(first, /on http:\/\/127\.0\.0\.1:(\d+)/))[1];
      const taken = run(['serve', '--model', fixture.path, '--port', port, '--workers', '2']);
      expect(await taken.exit).toBe(2);
      expect(taken.stderr()).toMatch(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use .*MLI_INVALID_OPTION`),
      );
      expect(taken.stderr().match(/cannot listen/g)).toHaveLength(1);
    } finally {
      first.child.kill('SIGTERM');
      await first.exit;
    }

    for (const n of ['0', 'two', '1.5']) {
      const r = run(['serve', '--model', fixture.path, '--workers', n]);
      expect(await r.exit).toBe(2);
      expect(r.stderr()).toContain(`--workers must be an integer >= 1 or auto, got ${n}`);
    }
  });
});
