// startServer's graceful shutdown, and `mlinfer serve` end to end (the built CLI): SIGHUP reload, SIGTERM, flags.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Predictor } from '../../src/predict/predictor.js';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { createHandler } from '../../src/serve/handler.js';
import { startServer } from '../../src/serve/server.js';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { customersModel, get, post, RECORD, run, waitFor, writeBad } from './helpers.js';

let fixture: Awaited<ReturnType<typeof customersModel>>;
let other: Awaited<ReturnType<typeof customersModel>>;
beforeAll(async () => {
  fixture = await customersModel(0);
  other = await customersModel(1);
});

/** A predictor whose async predictions wait until `release()`: requests stay in flight as long as we want. */
function gated(p: Predictor): { predictor: Predictor; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const predictor = Object.create(p) as Predictor;
  predictor.predictAsync = async (r) => {
    await gate;
    return p.predictAsync(r);
  };
  return { predictor, release };
}

describe('startServer', () => {
  it('on shutdown: readiness false first, requests in flight finish, then the server closes', async () => {
    const { predictor, release } = gated(createPredictor(fixture.path));
    const handler = createHandler(predictor);
    const s = await startServer(handler, { port: 0, drainDelayMs: 300, shutdownTimeoutMs: 5000 });
    const inFlight = [1, 2, 3].map(() => post(`${s.url}/predict`, RECORD));
    while (handler.inFlight < 3) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const done = s.shutdown().then(() => {
      closed = true;
    });
    expect(handler.ready).toBe(false);
    // During the drain delay the listener is open and says "not ready".
    const ready = await get(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe('MLI_NOT_READY');
    expect(closed).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(closed).toBe(false);
    release();
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await done;
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('cuts requests still in flight after shutdownTimeoutMs', async () => {
    const { predictor, release } = gated(createPredictor(fixture.path));
    const handler = createHandler(predictor);
    const s = await startServer(handler, { port: 0, shutdownTimeoutMs: 100 });
    const stuck = post(`${s.url}/predict`, RECORD).catch((e) => e);
    while (handler.inFlight < 1) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await s.shutdown();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await stuck).toBeInstanceOf(Error);
    release();
  });

  it('validates its options', async () => {
    const handler = createHandler(createPredictor(fixture.path));
    await expect(startServer(handler, { port: 70000 })).rejects.toThrow(
      'port must be an integer from 0 to 65535, got 70000',
    );
    await expect(startServer(handler, { headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).rejects.toThrow(
      'headersTimeoutMs must be at most requestTimeoutMs (1000), got 5000',
    );
    await expect(startServer(handler, { host: '' })).rejects.toThrow(
      'host must be a non-empty string, got ""',
    );
    await expect(startServer(handler, { maxHeaderBytes: 512, drainDelayMs: -1 })).rejects.toThrow(
      'maxHeaderBytes must be an integer >= 1024, got 512; drainDelayMs must be an integer >= 0, got -1',
    );
    await expect(startServer(handler, { timeout: 5 } as never)).rejects.toThrow('unknown option timeout');
  });
});

beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS); // these tests spawn the built CLI

describe('mlinfer serve', () => {
  it('serves, reloads on SIGHUP (a bad file keeps the old model) and stops on SIGTERM', async () => {
    const path = join(fixture.dir, 'served.mlinfer');
    copyFileSync(fixture.path, path);
    const p = run(['serve', '--model', path, '--port', '0']);
    try {
      const url = (await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+)/))[1];
      expect(p.stderr()).toContain('as served (version');
      const v1 = (await post(`${url}/predict`, RECORD)).body.modelVersion;
      expect((await get(`${url}/v2/models/served`)).status).toBe(200);

      copyFileSync(other.path, path);
      p.child.kill('SIGHUP');
      await waitFor(p, /reloaded .*version (\w+)/);
      const v2 = (await post(`${url}/predict`, RECORD)).body.modelVersion;
      expect(v2).not.toBe(v1);

      copyFileSync(writeBad(fixture.dir), path);
      p.child.kill('SIGHUP');
      await waitFor(p, /reload of .* failed, still serving version/);
      expect((await post(`${url}/predict`, RECORD)).body.modelVersion).toBe(v2);

      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
      expect(p.stderr()).toMatch(/SIGTERM: draining[\s\S]*stopped/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('needs a token on a non-loopback host, and checks it when given (flag or MLINFER_TOKEN)', async () => {
    const open = run(['serve', '--model', fixture.path, '--host', '0.0.0.0', '--port', '0']);
    expect(await open.exit).toBe(2);
    expect(open.stderr()).toMatch(/--token or MLINFER_TOKEN, or pass --no-auth/);

    const token = 'token-for-the-cli-test-123';
    const p = run(['serve', '--model', fixture.path, '--port', '0'], { MLINFER_TOKEN: token });
    try {
      const url = (await waitFor(p, /on (http:\/\/127\.0\.0\.1:\d+) \(bearer token required\)/))[1];
      expect((await post(`${url}/predict`, RECORD)).status).toBe(401);
      const ok = await post(`${url}/predict`, RECORD, {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      });
      expect(ok.status).toBe(200);
      expect((await get(`${url}/healthz`)).status).toBe(200);
    } finally {
      p.child.kill('SIGTERM');
      await p.exit;
    }
  });

  it('rejects bad flags with exit 2 and a missing model with exit 1', async () => {
    const port = run(['serve', '--model', fixture.path, '--port', 'http']);
    expect(await port.exit).toBe(2);
    expect(port.stderr()).toMatch(/--port must be an integer >= 0, got http/);
    const body = run(['serve', '--model', fixture.path, '--max-body', '1gb']);
    expect(await body.exit).toBe(2);
    expect(body.stderr()).toMatch(/--max-body must be a size/);
    const batch = run(['serve', '--model', fixture.path, '--max-batch-size', '0']);
    expect(await batch.exit).toBe(2);
    const missing = run(['serve', '--model', join(fixture.dir, 'nope.mlinfer'), '--port', '0']);
    expect(await missing.exit).toBe(1);
    expect(missing.stderr()).toMatch(/no such file.*MLI_NOT_FOUND/);
  });
});
