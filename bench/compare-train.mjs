#!/usr/bin/env node
// Side-by-side training benchmark: scikit-learn (n_jobs 1 and 2), mlinfer (nThreads 1 and 2) and
// ml-random-forest (where feasible), one run at a time, each run in its own process.
//   npm run build && node bench/compare-train.mjs [--sets breast_cancer,digits,synthetic-120k] [--repeat 3] [--quick]
// Prints a Markdown table on stdout (paste it into bench/RESULTS.md), progress on stderr, and writes the
// raw numbers to bench/out/compare-train-<time>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, DATA_DIR, MLRF_FEASIBLE, median, OUT_DIR, PYTHON, SKLEARN_HINT } from './lib.mjs';

const DEFAULT_SETS = [
  'breast_cancer',
  'digits',
  'synthetic-1k',
  'synthetic-2k',
  'synthetic-30k',
  'synthetic-120k',
  'regression-60k',
];
const QUICK_SETS = ['breast_cancer', 'synthetic-1k', 'synthetic-2k'];

const { values: opts } = parseArgs({
  options: {
    sets: { type: 'string' },
    repeat: { type: 'string' },
    'vary-seed': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    trees: { type: 'string', default: '100' },
    impls: { type: 'string', default: 'sklearn,mlinfer,ml-random-forest' },
    'mlrf-cap': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(`usage: node bench/compare-train.mjs [options]
  --sets a,b,c      data sets (default ${DEFAULT_SETS.join(',')}; --quick: ${QUICK_SETS.join(',')})
  --repeat N        runs per configuration, medians reported (default 3; --quick: 1)
  --vary-seed       repeat r uses seed r in every implementation; scores are then means over seeds
  --quick           small sets, 1 repeat, ml-random-forest capped at 30 s
  --trees N         trees per forest (default 100; use 5 for a smoke test)
  --impls list      subset of sklearn,mlinfer,ml-random-forest (default all)
  --mlrf-cap SEC    kill an ml-random-forest run after SEC seconds (default 600; --quick: 30)
  --out FILE        raw JSON path (default bench/out/compare-train-<time>.json)
Data comes from bench/datasets.py (missing sets are generated with ${PYTHON}); mlinfer needs npm run build.`);
  process.exit(0);
}

const sets = (opts.sets ?? (opts.quick ? QUICK_SETS : DEFAULT_SETS).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const repeat = Math.max(1, Number(opts.repeat ?? (opts.quick ? 1 : 3)));
const trees = Number(opts.trees);
const mlrfCapSeconds = Number(opts['mlrf-cap'] ?? (opts.quick ? 30 : 600));
const impls = new Set(opts.impls.split(',').map((s) => s.trim()));
const log = (msg) => process.stderr.write(`${msg}\n`);

// --- what can run -------------------------------------------------------------------------------------
const probe = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
const sklearnVersion = probe.status === 0 ? probe.stdout.trim() : null;
if (!sklearnVersion) {
  log(`scikit-learn not found for ${PYTHON}: the sklearn columns are skipped. Install: ${SKLEARN_HINT}`);
}
const mlinferBuilt = existsSync(process.env.MLINFER_ENTRY ?? join(BENCH_DIR, '..', 'dist', 'index.js'));
if (impls.has('mlinfer') && !mlinferBuilt) {
  log(
    'mlinfer is not built (dist/index.js missing): run  npm run build  first; the mlinfer rows are skipped.',
  );
}

const missing = sets.filter((s) => !existsSync(join(DATA_DIR, `${s}.json`)));
if (missing.length > 0) {
  if (!sklearnVersion) {
    log(`data sets ${missing.join(', ')} are missing and need scikit-learn to generate: ${SKLEARN_HINT}`);
    process.exit(1);
  }
  log(`generating ${missing.join(', ')} ...`);
  const gen = spawnSync(PYTHON, [join(BENCH_DIR, 'datasets.py'), '--sets', missing.join(',')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (gen.status !== 0) process.exit(1);
}

// --- configurations -------------------------------------------------------------------------------------
/** Each configuration runs as one child process per repeat; the child prints one JSON object. */
function configsFor(set) {
  const t = String(trees);
  const list = [];
  if (impls.has('sklearn')) {
    for (const nj of [1, 2]) {
      list.push({
        key: `sklearn-${nj}`,
        label: `scikit-learn ${sklearnVersion ?? ''} n_jobs=${nj}`.replace('  ', ' '),
        cmd: PYTHON,
        args: [join(BENCH_DIR, 'sklearn_rf.py'), '--set', set, '--n-jobs', String(nj), '--trees', t],
        skip: sklearnVersion ? null : `not installed (${SKLEARN_HINT})`,
      });
    }
  }
  if (impls.has('mlinfer')) {
    for (const nt of [1, 2]) {
      list.push({
        key: `mlinfer-${nt}`,
        label: `mlinfer nThreads=${nt}`,
        cmd: process.execPath,
        args: [join(BENCH_DIR, 'mlinfer-rf.mjs'), '--set', set, '--threads', String(nt), '--trees', t],
        skip: mlinferBuilt ? null : 'not built (npm run build)',
      });
    }
  }
  if (impls.has('ml-random-forest')) {
    list.push({
      key: 'ml-random-forest',
      label: 'ml-random-forest 2.1.0',
      cmd: process.execPath,
      args: [join(BENCH_DIR, 'ml-random-forest.mjs'), '--set', set, '--trees', t],
      skip: MLRF_FEASIBLE.includes(set) ? null : 'not feasible',
      timeoutMs: mlrfCapSeconds * 1000,
    });
  }
  return list;
}

function runOnce(cfg) {
  const r = spawnSync(cfg.cmd, cfg.args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: cfg.timeoutMs ?? 3 * 3600 * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.error?.code === 'ETIMEDOUT' || (r.signal === 'SIGKILL' && cfg.timeoutMs)) {
    return { timeout: true, skipped: `> ${Math.round((cfg.timeoutMs ?? 0) / 1000)} s (time cap)` };
  }
  const line = r.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line) {
    return {
      error: `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  try {
    return JSON.parse(line);
  } catch {
    return { error: `unparsable output: ${line.slice(0, 200)}` };
  }
}

// --- run: round-robin over the configurations within each repeat, one process at a time -----------------
const startedAt = new Date();
const results = [];
for (const set of sets) {
  const cfgs = configsFor(set).map((cfg) => ({ ...cfg, runs: [], status: cfg.skip }));
  for (let rep = 0; rep < repeat; rep++) {
    for (const cfg of cfgs) {
      if (cfg.status) continue; // skipped, timed out or failed: do not try again
      log(`[${set}] ${cfg.label}  run ${rep + 1}/${repeat} ...`);
      const res = runOnce(opts['vary-seed'] ? { ...cfg, args: [...cfg.args, '--seed', String(rep)] } : cfg);
      if (res.skipped || res.error) {
        cfg.status = res.skipped ?? `error: ${res.error}`;
        log(`[${set}] ${cfg.label}: ${cfg.status}`);
        continue;
      }
      cfg.runs.push(res);
      log(
        `[${set}] ${cfg.label}: fit ${res.fitSeconds.toFixed(3)} s, ` +
          (res.task === 'classification' ? `acc ${res.accuracy.toFixed(4)}` : `R2 ${res.r2.toFixed(4)}`),
      );
    }
  }
  const summary = (runs, key) => median(runs.map((r) => r[key]));
  // With --vary-seed the score differences between seeds are noise to average out, not outliers to skip.
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const score = (runs, key) =>
    opts['vary-seed']
      ? mean(runs.map((r) => r[key]).filter((v) => typeof v === 'number'))
      : summary(runs, key);
  const rows = cfgs.map((cfg) => {
    const { runs } = cfg;
    const scores = runs.map((r) => r.accuracy ?? r.r2);
    return {
      key: cfg.key,
      label: cfg.label,
      status: runs.length === repeat ? null : (cfg.status ?? null),
      runs,
      fitSeconds: summary(runs, 'fitSeconds'),
      predictSeconds: summary(runs, 'predictSeconds'),
      accuracy: score(runs, 'accuracy'),
      r2: score(runs, 'r2'),
      logLoss: score(runs, 'logLoss'),
      peakRssKB: summary(runs, 'peakRssKB'),
      scoreVaries: scores.length > 1 && Math.max(...scores) - Math.min(...scores) > 1e-12,
    };
  });
  const first = cfgs.flatMap((c) => c.runs)[0];
  results.push({ set, task: first?.task, nTrain: first?.nTrain, nFeatures: first?.nFeatures, rows });
}

// --- report ---------------------------------------------------------------------------------------------
const fmt = (v, digits) => (v === null || v === undefined ? '' : v.toFixed(digits));
const fmtTime = (s) => (s === null ? '' : s < 10 ? s.toFixed(3) : s.toFixed(1));
const lines = [];
const cpu = cpus()[0]?.model ?? 'unknown CPU';
lines.push(
  `Training, ${trees} trees, max_features sqrt (classification) / 1.0 (regression), unlimited depth; ` +
    `median of ${repeat} run(s)${opts['vary-seed'] ? ` (seeds 0-${repeat - 1}; scores are means over the seeds)` : ''}, one process per run, runs one at a time.`,
);
lines.push(
  `${startedAt.toISOString().slice(0, 10)}, ${cpus().length} cores (${cpu}), Node ${process.versions.node}, ` +
    `scikit-learn ${sklearnVersion ?? 'not installed'}, ml-random-forest 2.1.0.`,
);
lines.push('');
lines.push(
  '| data (train rows x features) | implementation | fit s | vs sklearn n_jobs=2 | accuracy / R2 | log loss | predict s (test, 1 thread) | peak RSS MB |',
);
lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  const dataLabel = r.nTrain ? `${r.set} (${r.nTrain.toLocaleString('en-US')} x ${r.nFeatures})` : r.set;
  const ref = r.rows.find((x) => x.key === 'sklearn-2')?.fitSeconds ?? null;
  for (const row of r.rows) {
    if (row.fitSeconds === null) {
      lines.push(`| ${dataLabel} | ${row.label} | ${row.status ?? 'no result'} | | | | | |`);
      continue;
    }
    const score =
      r.task === 'regression'
        ? `R2 ${fmt(row.r2, 4)}`
        : `acc ${fmt(row.accuracy, 4)}${row.scoreVaries ? ' *' : ''}`;
    const ratio = ref ? `${(row.fitSeconds / ref).toFixed(2)}x` : 'n/a';
    const partial = row.status ? ` (${row.runs.length}/${repeat} runs; ${row.status})` : '';
    lines.push(
      `| ${dataLabel} | ${row.label} | ${fmtTime(row.fitSeconds)}${partial} | ${ratio} | ${score} | ` +
        `${fmt(row.logLoss, 4)} | ${fmtTime(row.predictSeconds)} | ${fmt(row.peakRssKB === null ? null : row.peakRssKB / 1024, 0)} |`,
    );
  }
}
lines.push('');
lines.push(
  '"vs sklearn n_jobs=2" is fit time divided by scikit-learn n_jobs=2 fit time (below 1 is faster). ' +
    'Peak RSS is the whole process (ru_maxrss / process.resourceUsage().maxRSS), data loading included; ' +
    'Python starts at about 110 MB with numpy and scikit-learn imported. ' +
    'ml-random-forest samples features once per tree, not per split; its log loss uses the vote fractions of all trees. ' +
    '* = the score differed between runs (median shown).',
);
const table = lines.join('\n');
process.stdout.write(`${table}\n`);

mkdirSync(OUT_DIR, { recursive: true });
const outPath =
  opts.out ?? join(OUT_DIR, `compare-train-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  outPath,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cores: cpus().length, cpu, node: process.versions.node, sklearn: sklearnVersion },
      options: { sets, repeat, trees, impls: [...impls], mlrfCapSeconds },
      results,
      markdown: table,
    },
    null,
    2,
  )}\n`,
);
log(`raw numbers: ${outPath}`);
