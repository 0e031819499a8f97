#!/usr/bin/env node
// Real-time bench: (1) in-process latency of single-record predict (validation included) on a 100-tree,
// 20-feature forest trained on 120k rows; (2) HTTP on loopback, `mlinfer serve` and the seed's
// FastAPI+uvicorn app (bench/fastapi_app.py, scikit-learn, same hyper-parameters and rows) side by side,
// loaded by wrk at 1 and 16 connections. Prints Markdown tables; writes bench/out/http-<time>.json.
//   npm run build && node bench/http.mjs [--duration 15] [--connections 1,16] [--rows 120000] [--calls 200000]
//   [--only inprocess|http] [--batch] (also mlinfer serve with micro-batching --max-batch-size 16)
//   [--drift-off] (also mlinfer serve --no-drift-window: the cost of the drift window) [--skip-fastapi]
//   [--control] (in-process: also times, in the same loop, an arithmetic loop as long as a predict() that
//   allocates nothing and touches no memory: its p99/p50 is the machine's own tail, preemption and interrupts)
// Needs wrk and /usr/bin/python3 with python3-fastapi, python3-uvicorn, python3-sklearn (Debian packages).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_DIR, loadDataset, OUT_DIR, PYTHON } from './lib.mjs';

const { values: o } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '1,16' },
    rows: { type: 'string', default: '120000' },
    trees: { type: 'string', default: '100' },
    calls: { type: 'string', default: '200000' },
    only: { type: 'string' },
    batch: { type: 'boolean', default: false },
    'drift-off': { type: 'boolean', default: false },
    'skip-fastapi': { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
    set: { type: 'string', default: 'synthetic-150k' },
  },
});
const ROOT = join(BENCH_DIR, '..');
const dist = join(ROOT, 'dist', 'index.js');
if (!existsSync(dist)) {
  console.error('run npm run build first');
  process.exit(2);
}
const mlinfer = await import(pathToFileURL(dist).href);
mkdirSync(OUT_DIR, { recursive: true });
const rows = Number(o.rows);
const trees = Number(o.trees);
const ds = loadDataset(o.set);
const d = ds.header.nFeatures;
const names = Array.from({ length: d }, (_, k) => `f${k}`);
const results = { set: o.set, rows, trees, node: process.version };

// The model: trained once per (set, rows, trees) and cached in bench/out.
const modelPath = join(OUT_DIR, `http-${o.set}-${rows}-${trees}.mlinfer`);
if (!existsSync(modelPath)) {
  const cols = {};
  for (let k = 0; k < d; k++) {
    const c = new Float64Array(rows);
    for (let i = 0; i < rows; i++) c[i] = ds.train.X.data[i * d + k];
    cols[names[k]] = c;
  }
  cols.y = ds.train.y.slice(0, rows);
  const t0 = Date.now();
  const model = await mlinfer.train(cols, {
    target: 'y',
    task: 'classification',
    nEstimators: trees,
    seed: 0,
  });
  await mlinfer.saveModel(model, modelPath);
  console.error(
    `trained mlinfer on ${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)}s -> ${modelPath}`,
  );
}
const testRow = (i) => Array.from(ds.test.X.data.subarray(i * d, (i + 1) * d));
const md = (head, lines) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...lines.map((l) => `| ${l.join(' | ')} |`),
  ].join('\n');

if (o.only !== 'http') {
  const predictor = mlinfer.createPredictor(modelPath);
  const records = Array.from({ length: 1000 }, (_, i) =>
    Object.fromEntries(testRow(i).map((v, k) => [names[k], v])),
  );
  const calls = Number(o.calls);
  const predict = (i) => predictor.predict(records[i % 1000]);
  const times = timeCalls(predict, calls);
  const q = (p) => quantile(times, p);
  results.inProcess = { calls, p50us: q(50), p99us: q(99), p999us: q(99.9) };
  const lines = [['predict', ...[50, 99, 99.9].map((p) => `${q(p).toFixed(1)} µs`)]];
  if (o.control) {
    // as many steps of an LCG as take predict's median
    let steps = 1000;
    const lcg = () => {
      let x = 1;
      for (let k = 0; k < steps; k++) x = (x * 1103515245 + 12345) | 0;
      return x;
    };
    steps = Math.round(steps * (q(50) / quantile(timeCalls(lcg, 2000), 50)));
    const c = timeCalls(lcg, calls);
    results.inProcess.control = {
      steps,
      p50us: quantile(c, 50),
      p99us: quantile(c, 99),
      p999us: quantile(c, 99.9),
    };
    lines.push(['control loop', ...[50, 99, 99.9].map((p) => `${quantile(c, p).toFixed(1)} µs`)]);
  }
  console.log(`\n## In-process predict (record object, validation included), ${calls} calls\n`);
  console.log(
    md(
      o.control ? ['', 'p50', 'p99', 'p99.9'] : ['p50', 'p99', 'p99.9'],
      o.control ? lines : lines.map((l) => l.slice(1)),
    ),
  );
}

/** Wall-clock µs of each of `calls` calls of f(i), after 20,000 warm-up calls; sorted. */
function timeCalls(f, calls) {
  for (let i = 0; i < 20_000; i++) f(i);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    f(i);
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return times.sort();
}

function quantile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function parseWrk(text) {
  const unit = (v, u) => Number(v) * { us: 0.001, ms: 1, s: 1000 }[u];
  const lat = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    return m ? unit(m[1], m[2]) : Number.NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const errors = /Socket errors:[^\n]*/.exec(text)?.[0] ?? '';
  return { rps, p50ms: lat(50), p99ms: lat(99), non2xx, errors };
}

async function waitReady(url, child, ms = 600_000) {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ features: testRow(0) }),
      });
      if (r.ok) return;
    } catch {}
    if (Date.now() - t0 > ms) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (o.only !== 'inprocess') {
  if (spawnSync('wrk', ['--version']).error) {
    console.error('wrk is missing: apt-get install -y wrk');
    process.exit(2);
  }
  const lua = join(OUT_DIR, 'http-wrk.lua');
  const bodies = Array.from({ length: 256 }, (_, i) =>
    JSON.stringify(JSON.stringify({ features: testRow(i) })),
  );
  writeFileSync(
    lua,
    `local bodies = {${bodies.join(',\n')}}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"}, bodies[i])\nend\n`,
  );
  const servers = [
    {
      name: 'mlinfer serve',
      port: 18080,
      cmd: process.execPath,
      args: [join(ROOT, 'bin', 'mlinfer.js'), 'serve', '-m', modelPath, '--port', '18080', '-q'],
    },
    ...(o['drift-off']
      ? [
          {
            name: 'mlinfer serve --no-drift-window',
            port: 18083,
            cmd: process.execPath,
            args: [
              join(ROOT, 'bin', 'mlinfer.js'),
              'serve',
              '-m',
              modelPath,
              '--port',
              '18083',
              '-q',
              '--no-drift-window',
            ],
          },
        ]
      : []),
    ...(o.batch
      ? [
          {
            name: 'mlinfer serve --max-batch-size 16',
            port: 18082,
            cmd: process.execPath,
            args: [
              join(ROOT, 'bin', 'mlinfer.js'),
              'serve',
              '-m',
              modelPath,
              '--port',
              '18082',
              '-q',
              '--max-batch-size',
              '16',
              '--max-wait-ms',
              '1',
            ],
          },
        ]
      : []),
    ...(o['skip-fastapi']
      ? []
      : [
          {
            name: 'FastAPI + uvicorn (scikit-learn)',
            port: 18081,
            cmd: PYTHON,
            args: [
              join(BENCH_DIR, 'fastapi_app.py'),
              '--port',
              '18081',
              '--set',
              o.set,
              '--rows',
              String(rows),
              '--trees',
              String(trees),
            ],
          },
        ]),
  ];
  const children = servers.map((s) => spawn(s.cmd, s.args, { stdio: ['ignore', 'ignore', 'inherit'] }));
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    await Promise.all(servers.map((s, i) => waitReady(`http://127.0.0.1:${s.port}/predict`, children[i])));
    results.http = [];
    for (const c of o.connections.split(',').map(Number)) {
      for (const s of servers) {
        // Warm-up, then the measured run; one server at a time so they never compete for the 2 cores.
        spawnSync('wrk', ['-t1', `-c${c}`, '-d2s', '-s', lua, `http://127.0.0.1:${s.port}/predict`]);
        const r = spawnSync(
          'wrk',
          ['-t1', `-c${c}`, `-d${o.duration}s`, '--latency', '-s', lua, `http://127.0.0.1:${s.port}/predict`],
          { encoding: 'utf8' },
        );
        results.http.push({ server: s.name, connections: c, ...parseWrk(r.stdout) });
        console.error(`${s.name} c=${c}: ${parseWrk(r.stdout).rps} req/s`);
      }
    }
    console.log(
      `\n## HTTP on loopback, POST /predict {"features": [...]}, wrk -t1, ${o.duration}s per run\n`,
    );
    console.log(
      md(
        ['server', 'connections', 'req/s', 'p50', 'p99', 'non-2xx'],
        results.http.map((r) => [
          r.server,
          r.connections,
          r.rps.toFixed(0),
          `${r.p50ms.toFixed(2)} ms`,
          `${r.p99ms.toFixed(2)} ms`,
          r.non2xx,
        ]),
      ),
    );
  } finally {
    stop();
  }
}
const out = join(OUT_DIR, `http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.error(`wrote ${out}`);
