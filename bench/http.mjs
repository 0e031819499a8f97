#!/usr/bin/env node
// Real-time bench: (1) in-process latency of single-record predict (validation included) on a 100-tree,
// 20-feature forest trained on 120k rows; (2) HTTP on loopback, `mlinfer serve` and the seed's
// FastAPI+uvicorn app (bench/fastapi_app.py, scikit-learn, same hyper-parameters and rows) side by side,
// loaded by wrk at 1 and 16 connections. Prints Markdown tables; writes bench/out/http-<time>.json.
//   npm run build && node bench/http.mjs [--duration 15] [--connections 1,16] [--rows 120000] [--calls 200000]
//   [--only inprocess|http] [--batch] (also mlinfer serve with micro-batching --max-batch-size 16)
//   [--drift-off] (also mlinfer serve --no-drift-window: the cost of the drift window) [--skip-fastapi]
//   [--workers N] (also mlinfer serve --workers N)
//   [--tail] (in-process: the same arithmetic loop at several lengths, 2.5 to 20 µs: the call length from which
//   this machine's p99 passes 20 µs, whatever the call does)
//   [--control] (in-process: also times, in the same loop, an arithmetic loop as long as a predict() that
//   allocates nothing and touches no memory: its p99/p50 is the machine's own tail, preemption and interrupts)
// A/B mode (HTTP only, mlinfer only): two servers measured in turn over several rounds (the order flips every
// round), reporting medians and B/A ratios; for short comparisons on a noisy machine.
//   node bench/http.mjs --ab-drift [--rounds 5] [--duration 4] [--connections 16]
//     A = mlinfer serve --no-drift-window, B = mlinfer serve (window on, the default)
//   node bench/http.mjs --ab-baseline /path/to/other/checkout [--rounds 5] [--duration 4] [--connections 16]
//     A = the other checkout's bin/mlinfer.js serve (built there), B = this checkout's
//   node bench/http.mjs --ab-workers 2 [--rounds 5] [--duration 4] [--connections 16]
//     A = mlinfer serve, B = mlinfer serve --workers 2
// Needs wrk and /usr/bin/python3 with python3-fastapi, python3-uvicorn, python3-sklearn (Debian packages).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_DIR, loadDataset, OUT_DIR, PYTHON } from './lib.mjs';

const { values: o } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    'ab-drift': { type: 'boolean', default: false },
    'ab-baseline': { type: 'string' },
    'ab-workers': { type: 'string' },
    workers: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '120000' },
    trees: { type: 'string', default: '100' },
    calls: { type: 'string', default: '200000' },
    only: { type: 'string' },
    batch: { type: 'boolean', default: false },
    'drift-off': { type: 'boolean', default: false },
    'skip-fastapi': { type: 'boolean', default: false },
    control: { type: 'boolean', default: false },
    tail: { type: 'boolean', default: false },
    set: { type: 'string', default: 'synthetic-150k' },
  },
});
const abModes = ['ab-drift', 'ab-baseline', 'ab-workers'].filter((k) => o[k] !== undefined && o[k] !== false);
const AB = abModes.length > 0;
if (abModes.length > 1) {
  console.error(`${abModes.map((k) => `--${k}`).join(' and ')} compare different things: pass one`);
  process.exit(2);
}
o.duration ??= AB ? '4' : '15';
o.connections ??= AB ? '16' : '1,16';
if (AB) o.only = 'http';
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

// The model: trained once per (set, rows, trees) and cached in bench/out. A cached file from before training
// profiles (model format 1.2) is trained again: without a profile the drift window is off whatever the flags
// say, and a window on/off comparison would compare two identical servers.
const modelPath = join(OUT_DIR, `http-${o.set}-${rows}-${trees}.mlinfer`);
if (existsSync(modelPath) && !(await mlinfer.loadModel(modelPath)).profile) {
  console.error(`${modelPath} has no training profile (an older format): training it again`);
  unlinkSync(modelPath);
}
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
    const c = timeCalls(controlLoop(q(50)), calls);
    results.inProcess.control = {
      p50us: quantile(c, 50),
      p99us: quantile(c, 99),
      p999us: quantile(c, 99.9),
    };
    lines.push(['control loop', ...[50, 99, 99.9].map((p) => `${quantile(c, p).toFixed(1)} µs`)]);
  }
  if (o.tail) results.inProcess.tail = machineTail(calls, lines);
  console.log(`\n## In-process predict (record object, validation included), ${calls} calls\n`);
  console.log(
    md(
      o.control || o.tail ? ['', 'p50', 'p99', 'p99.9'] : ['p50', 'p99', 'p99.9'],
      o.control || o.tail ? lines : lines.map((l) => l.slice(1)),
    ),
  );
}

/**
 * A call that allocates nothing and touches no memory: steps of an LCG, as many as take `us` µs (median). Its
 * p99/p50 is the machine's own tail (preemption, interrupts).
 */
function controlLoop(us) {
  let steps = 1000;
  const lcg = () => {
    let x = 1;
    for (let k = 0; k < steps; k++) x = (x * 1103515245 + 12345) | 0;
    return x;
  };
  steps = Math.max(1, Math.round(steps * (us / quantile(timeCalls(lcg, 2000), 50))));
  return lcg;
}

/** The control loop at several lengths; adds a line each to `lines` and returns the figures. */
function machineTail(calls, lines) {
  return [2.5, 5, 7.5, 10, 15, 20].map((us) => {
    const t = timeCalls(controlLoop(us), calls);
    const p50 = quantile(t, 50);
    let late = 0;
    for (const v of t) if (v > p50 + 15) late++;
    lines.push([
      `control loop of ${us} µs (${((100 * late) / calls).toFixed(2)}% of calls delayed > 15 µs)`,
      ...[50, 99, 99.9].map((p) => `${quantile(t, p).toFixed(1)} µs`),
    ]);
    return { us, p50us: p50, p99us: quantile(t, 99), p999us: quantile(t, 99.9), lateShare: late / calls };
  });
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
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  return { rps, p50ms: lat(50), p99ms: lat(99), non2xx, errors, requests };
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

/** An `mlinfer serve` of the bench model, from `bin` (this checkout's by default), on `port`. */
const serve = (name, port, extra = [], bin = join(ROOT, 'bin', 'mlinfer.js')) => ({
  name,
  port,
  cmd: process.execPath,
  args: [bin, 'serve', '-m', modelPath, '--port', String(port), '-q', ...extra],
});

/** The servers of a plain run: mlinfer serve and the optional others. */
function plainServers() {
  return [
    serve('mlinfer serve', 18080),
    ...(o.workers ? [serve(`mlinfer serve --workers ${o.workers}`, 18086, ['--workers', o.workers])] : []),
    ...(o['drift-off'] ? [serve('mlinfer serve --no-drift-window', 18083, ['--no-drift-window'])] : []),
    ...(o.batch
      ? [serve('mlinfer serve --max-batch-size 16', 18082, ['--max-batch-size', '16', '--max-wait-ms', '1'])]
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
}

/** The two servers of an A/B run, A first (the reference of the ratios). */
function abServers() {
  if (o['ab-drift'])
    return [serve('A: --no-drift-window', 18084, ['--no-drift-window']), serve('B: drift window on', 18085)];
  if (o['ab-workers'] !== undefined)
    return [
      serve('A: mlinfer serve', 18084),
      serve(`B: --workers ${o['ab-workers']}`, 18085, ['--workers', o['ab-workers']]),
    ];
  const other = join(o['ab-baseline'], 'bin', 'mlinfer.js');
  if (!existsSync(join(o['ab-baseline'], 'dist', 'index.js'))) {
    console.error(`${o['ab-baseline']}: no dist/ (run npm run build there first)`);
    process.exit(2);
  }
  return [serve(`A: ${o['ab-baseline']}`, 18084, [], other), serve('B: this checkout', 18085)];
}

/** user + system clock ticks and the parent pid of a process, from /proc/<pid>/stat. */
function procStat(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(fields[11]) + Number(fields[12]), ppid: Number(fields[1]) };
}

/**
 * CPU seconds (user + system) used by a process and its children (the workers of serve --workers), from
 * /proc (Linux); NaN elsewhere. Clock ticks are taken as 1/100 s, the value on every Linux Node supports.
 */
function cpuSeconds(pid) {
  try {
    let ticks = procStat(pid).ticks;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
      try {
        const s = procStat(entry);
        if (s.ppid === pid) ticks += s.ticks;
      } catch {}
    }
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * One wrk run: a short warm-up, then the measured run. With the server's pid, also the server's CPU time per
 * request (µs): unlike req/s and p99, it barely moves when other processes take the cores.
 */
function wrk(lua, port, c, seconds, warmup, pid) {
  const url = `http://127.0.0.1:${port}/predict`;
  spawnSync('wrk', ['-t1', `-c${c}`, `-d${warmup}s`, '-s', lua, url]);
  const cpu0 = cpuSeconds(pid);
  const r = spawnSync('wrk', ['-t1', `-c${c}`, `-d${seconds}s`, '--latency', '-s', lua, url], {
    encoding: 'utf8',
  });
  const m = parseWrk(r.stdout);
  return { ...m, cpuUsPerRequest: ((cpuSeconds(pid) - cpu0) / m.requests) * 1e6 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Plain run: every server once per connection count, one at a time so they never share the 2 cores. */
function runPlain(lua, servers) {
  results.http = [];
  for (const c of o.connections.split(',').map(Number)) {
    for (const s of servers) {
      const r = wrk(lua, s.port, c, o.duration, 2);
      results.http.push({ server: s.name, connections: c, ...r });
      console.error(`${s.name} c=${c}: ${r.rps} req/s`);
    }
  }
  console.log(`\n## HTTP on loopback, POST /predict {"features": [...]}, wrk -t1, ${o.duration}s per run\n`);
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
}

/**
 * A/B run: per round and connection count, A and B measured back to back (A first in even rounds, B first in
 * odd ones, so a drifting machine favours neither). Reports each side's medians and two B/A ratios: of the
 * medians, and the median of the per-round ratios (pairs measured seconds apart: the steadier of the two).
 */
function runAb(lua, [a, b], [pa, pb]) {
  const rounds = Number(o.rounds);
  results.ab = { a: a.name, b: b.name, rounds, duration: Number(o.duration), runs: [], ratios: [] };
  const lines = [];
  for (const c of o.connections.split(',').map(Number)) {
    const runs = { a: [], b: [] };
    for (let r = 0; r < rounds; r++) {
      const order = [
        ['a', a, pa],
        ['b', b, pb],
      ];
      for (const [key, s, pid] of r % 2 === 0 ? order : order.reverse()) {
        const m = wrk(lua, s.port, c, o.duration, 1, pid);
        if (m.non2xx || m.errors) console.error(`${s.name}: ${m.non2xx} non-2xx ${m.errors}`);
        runs[key].push(m);
        results.ab.runs.push({ server: s.name, connections: c, round: r, ...m });
      }
      const [ra, rb] = [runs.a[r], runs.b[r]];
      console.error(
        `round ${r + 1}/${rounds} c=${c}: A ${ra.rps.toFixed(0)} req/s p99 ${ra.p99ms} ms ${ra.cpuUsPerRequest.toFixed(1)} cpu-µs/req | B ${rb.rps.toFixed(0)} req/s p99 ${rb.p99ms} ms ${rb.cpuUsPerRequest.toFixed(1)} cpu-µs/req`,
      );
    }
    const med = (side, k) => median(runs[side].map((m) => m[k]));
    const paired = (k) => median(runs.a.map((m, r) => runs.b[r][k] / m[k]));
    const range = (side, k) =>
      `${Math.min(...runs[side].map((m) => m[k]))}-${Math.max(...runs[side].map((m) => m[k]))}`;
    for (const side of ['a', 'b'])
      lines.push([
        side === 'a' ? a.name : b.name,
        c,
        `${med(side, 'rps').toFixed(0)} (${range(side, 'rps')})`,
        `${med(side, 'p50ms').toFixed(2)} ms`,
        `${med(side, 'p99ms').toFixed(2)} ms (${range(side, 'p99ms')})`,
        med(side, 'cpuUsPerRequest').toFixed(1),
      ]);
    const ratios = {
      connections: c,
      rpsRatioOfMedians: med('b', 'rps') / med('a', 'rps'),
      rpsMedianPairedRatio: paired('rps'),
      p99RatioOfMedians: med('b', 'p99ms') / med('a', 'p99ms'),
      p99MedianPairedRatio: paired('p99ms'),
      cpuRatioOfMedians: med('b', 'cpuUsPerRequest') / med('a', 'cpuUsPerRequest'),
      cpuMedianPairedRatio: paired('cpuUsPerRequest'),
    };
    results.ab.ratios.push(ratios);
    lines.push([
      '**B/A** (of medians; median of paired)',
      c,
      `${ratios.rpsRatioOfMedians.toFixed(3)}; ${ratios.rpsMedianPairedRatio.toFixed(3)}`,
      '',
      `${ratios.p99RatioOfMedians.toFixed(3)}; ${ratios.p99MedianPairedRatio.toFixed(3)}`,
      `${ratios.cpuRatioOfMedians.toFixed(3)}; ${ratios.cpuMedianPairedRatio.toFixed(3)}`,
    ]);
  }
  console.log(
    `\n## A/B, HTTP on loopback, POST /predict, wrk -t1, ${rounds} rounds of ${o.duration}s per server (order alternated)\n`,
  );
  console.log(
    md(
      ['server', 'connections', 'req/s median (range)', 'p50', 'p99 median (range)', 'server CPU µs/request'],
      lines,
    ),
  );
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
  const servers = AB ? abServers() : plainServers();
  const children = servers.map((s) => spawn(s.cmd, s.args, { stdio: ['ignore', 'ignore', 'inherit'] }));
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    await Promise.all(servers.map((s, i) => waitReady(`http://127.0.0.1:${s.port}/predict`, children[i])));
    if (AB)
      runAb(
        lua,
        servers,
        children.map((ch) => ch.pid),
      );
    else runPlain(lua, servers);
  } finally {
    stop();
  }
}
const out = join(OUT_DIR, `http-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.error(`wrote ${out}`);
