// Runs examples/node-http.mjs, express.mjs and fastify.mjs against the built package and calls them.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { describeBuilt } from '../helpers/dist.js';
import { customersModel, get, post, RECORD, ROOT } from './helpers.js';

let fixture: Awaited<ReturnType<typeof customersModel>>;
const children: ChildProcess[] = [];
beforeAll(async () => {
  fixture = await customersModel();
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function start(file: string): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'examples', file)], {
    env: { ...process.env, MODEL: fixture.path, PORT: '0' },
    stdio: 'pipe',
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const t0 = Date.now();
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) return m[1];
    if (Date.now() - t0 > 20_000 || child.exitCode !== null)
      throw new Error(`${file} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeBuilt('examples', () => {
  for (const [file, base] of [
    ['node-http.mjs', ''],
    ['express.mjs', '/ml'],
    ['fastify.mjs', '/ml'],
  ] as const) {
    it(`${file}: the handler serves next to the app's own routes`, async () => {
      const url = await start(file);
      const want = createPredictor(fixture.path).predict(RECORD);
      const r = await post(`${url}${base}/predict`, RECORD);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(JSON.parse(JSON.stringify(want)));
      expect((await post(`${url}${base}/predict`, { ...RECORD, age: 'x' })).body.issues[0].path).toEqual([
        'age',
      ]);
      expect((await get(`${url}${base}/v2/models/churn`)).body.versions).toEqual([want.modelVersion]);
      expect((await get(`${url}${base}/predict`)).status).toBe(405);
      expect((await post(`${url}${base}/predict`, 'a=1', { 'content-type': 'text/plain' })).status).toBe(415);
      const res = await fetch(`${url}/hello`);
      expect(await res.text()).toBe('hello from my app\n');
    });
  }
});
