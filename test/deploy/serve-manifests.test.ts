// The serving manifests, run for real: each serve command line starts the built server on 127.0.0.1 with a
// fixture model, and every probe path, the Prometheus path and the KServe V2 routes answer as the manifests
// expect. Then SIGTERM: readiness drops while the pod still serves, and it exits within the grace period.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { customersModel, get, RECORD } from '../serve/helpers.js';
import {
  argvOf,
  builtSuite,
  find,
  flagValue,
  loadManifests,
  localServe,
  type Served,
  startServe,
  TOKEN,
} from './helpers.js';

const manifests = loadManifests();
let root: string;
const started: Served[] = [];
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-serve-'));
  const { path } = await customersModel();
  for (const dir of ['models', 'mnt/models']) {
    mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(path, join(root, dir, 'model.mlinfer'));
  }
});
afterAll(() => {
  for (const s of started) s.child.kill('SIGKILL');
});

async function serve(argv: string[]): Promise<Served> {
  const s = await startServe(localServe(argv, root), { MLINFER_TOKEN: TOKEN });
  started.push(s);
  return s;
}

/** A probe's port, by name or number, must be the port serve listens on. */
function probePort(container: any, port: string | number): number {
  if (typeof port === 'number') return port;
  return container.ports.find((p: any) => p.name === port).containerPort;
}

builtSuite('examples/k8s serving, run for real', () => {
  it('Deployment: probes on real routes (no token needed), /metrics with the token, graceful drain', async () => {
    const dep = find(manifests, 'Deployment');
    const c = dep.spec.template.spec.containers[0];
    const argv = argvOf(c);
    const s = await serve(argv);
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].filter((p) => c[p]);
    expect(probes).toContain('livenessProbe');
    expect(probes).toContain('readinessProbe');
    for (const p of probes) {
      const { path, port } = c[p].httpGet;
      expect(probePort(c, port), p).toBe(Number(flagValue(argv, '--port')));
      // Kubelet probes send no Authorization header.
      expect((await get(`${s.url}${path}`)).status, `${p} ${path}`).toBe(200);
    }
    const ann = dep.spec.template.metadata.annotations;
    const metrics = await get(`${s.url}${ann['prometheus.io/path']}`, auth);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE mlinfer_');
    // Without the token /metrics is refused: the scrape job must send it (serve.yaml says so).
    expect((await get(`${s.url}${ann['prometheus.io/path']}`)).status).toBe(401);
    const name = flagValue(argv, '--name');
    expect((await get(`${s.url}/v2/models/${name}`, auth)).status).toBe(200);

    // SIGTERM as Kubernetes sends it: not ready at once, still serving during --drain-delay, then gone
    // well within terminationGracePeriodSeconds.
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(`${s.url}${c.readinessProbe.httpGet.path}`)).status).toBe(503);
    expect((await get(`${s.url}${c.livenessProbe.httpGet.path}`)).status).toBe(200);
    const res = await fetch(`${s.url}/predict`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(RECORD),
    });
    expect(res.status).toBe(200);
    expect(await s.exited).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(Number(flagValue(argv, '--drain-delay')) - 100);
    expect(took).toBeLessThan(dep.spec.template.spec.terminationGracePeriodSeconds * 1000);
  });

  it('KServe: the runtime serves the V2 protocol under the InferenceService name', async () => {
    const rt = find(manifests, 'ServingRuntime');
    const isvc = find(manifests, 'InferenceService');
    const c = rt.spec.containers[0];
    // KServe fills in {{.Name}} with the InferenceService's name.
    const argv = argvOf(c).map((a) => a.replaceAll('{{.Name}}', isvc.metadata.name));
    const s = await serve(argv);
    for (const p of ['livenessProbe', 'readinessProbe']) {
      expect(c[p].httpGet.port).toBe(c.ports[0].containerPort);
      expect((await get(`${s.url}${c[p].httpGet.path}`)).status, p).toBe(200);
    }
    const name = isvc.metadata.name;
    expect((await get(`${s.url}/v2/models/${name}/ready`, auth)).status).toBe(200);
    const inputs = Object.entries(RECORD).map(([n, v]) => ({
      name: n,
      shape: [1],
      datatype: typeof v === 'number' ? 'FP64' : typeof v === 'boolean' ? 'BOOL' : 'BYTES',
      data: [v],
    }));
    const res = await fetch(`${s.url}/v2/models/${name}/infer`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model_name).toBe(name);
    expect(body.outputs[0]).toMatchObject({ name: 'predict', shape: [1] });
  });
});
