#!/usr/bin/env node
// Streaming-training benchmark (issue 16): a file larger than memory would allow in-memory training, trained
// in two streaming passes, against the in-memory path on a sample and scikit-learn (pandas read_csv, then fit)
// on the whole file. Each run is its own process, so peak RSS (getrusage maxrss, worker threads included) is
// that run's alone. Data: node bench/make-large.mjs first. Then
//   npm run build && node bench/train-large.mjs [--dir bench/data/large] [--trees 100] [--max-depth 12]
//     [--threads 2] [--skip exact,sklearn] [--sklearn-mem-gb 8] [--sklearn-max-seconds 600]
// The scikit-learn side needs scikit-learn >= 1.4 (missing values in forests): set BENCH_PYTHON to such a python.
// Prints a Markdown table (paste it into bench/RESULTS.md) and writes bench/out/train-large-<time>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, OUT_DIR, PYTHON } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    dir: { type: 'string', default: join(BENCH_DIR, 'data', 'large') },
    trees: { type: 'string', default: '100' },
    'max-depth': { type: 'string', default: '12' },
    threads: { type: 'string', default: '2' },
    skip: { type: 'string', default: '' },
    'sklearn-mem-gb': { type: 'string', default: '8' },
    'sklearn-max-seconds': { type: 'string', default: '600' },
    child: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(`usage: node bench/train-large.mjs [options]
  --dir DIR           train.csv, sample.csv and test.csv from bench/make-large.mjs (default ${join(BENCH_DIR, 'data', 'large')})
  --trees N           trees per forest (default 100)
  --max-depth N       tree depth for every implementation (default 12: the forest itself stays small)
  --threads N         worker threads / n_jobs (default 2)
  --skip list         leave out runs: streaming, exact, sklearn
  --sklearn-mem-gb G  address-space limit for the scikit-learn run, so that it fails cleanly (default 8)
  --sklearn-max-seconds S  cap on scikit-learn's fit (default 600; 0: none): a capped run reports the trees
                      it finished and an extrapolated fit time (a full fit on 10M rows takes about an hour)`);
  process.exit(0);
}

const common = {
  target: 'label',
  nEstimators: Number(opts.trees),
  maxDepth: Number(opts['max-depth']),
  nThreads: Number(opts.threads),
  seed: 0,
};

/** A child run: trains, notes when each pass starts, then scores the held-out file. One JSON line out. */
async function child(mode) {
  const { train, evaluate } = await import('../dist/index.js');
  const t0 = performance.now();
  const marks = { pass2: null, trees: null };
  const model = await train(join(opts.dir, mode === 'exact' ? 'sample.csv' : 'train.csv'), {
    ...common,
    streaming: mode !== 'exact',
    onPassProgress: (pass) => {
      if (pass === 2 && marks.pass2 === null) marks.pass2 = performance.now();
    },
    onProgress: () => {
      marks.trees ??= performance.now();
    },
  });
  const t1 = performance.now();
  const peakTrainMb = process.resourceUsage().maxRSS / 1024;
  const ev = await evaluate(model, join(opts.dir, 'test.csv'));
  const s = (a, b) => (a === null || b === null ? null : (b - a) / 1000);
  console.log(
    JSON.stringify({
      mode,
      rows: model.metadata.trainingRows,
      seconds: {
        total: s(t0, t1),
        pass1: s(t0, marks.pass2),
        pass2: s(marks.pass2, marks.trees),
        trees: s(marks.trees, t1),
      },
      peakRssMb: Math.round(peakTrainMb),
      accuracy: ev.accuracy,
      notes: model.metadata.notes.slice(-1),
    }),
  );
}

function run(cmd, args) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout.trim().split('\n').at(-1);
  try {
    return JSON.parse(line);
  } catch {
    return { failed: true, status: r.status, signal: r.signal, output: r.stdout.slice(-500) };
  }
}

if (opts.child) {
  await child(opts.child);
} else {
  for (const f of ['train.csv', 'sample.csv', 'test.csv'])
    if (!existsSync(join(opts.dir, f)))
      throw new Error(`missing ${join(opts.dir, f)}: run node bench/make-large.mjs`);
  const skip = new Set(opts.skip.split(',').filter(Boolean));
  const passOn = [
    '--dir',
    opts.dir,
    '--trees',
    opts.trees,
    '--max-depth',
    opts['max-depth'],
    '--threads',
    opts.threads,
  ];
  const self = join(BENCH_DIR, 'train-large.mjs');
  const results = {
    file: { path: join(opts.dir, 'train.csv'), bytes: statSync(join(opts.dir, 'train.csv')).size },
    params: common,
  };
  if (!skip.has('streaming'))
    results.streaming = run(process.execPath, [self, '--child', 'streaming', ...passOn]);
  // The in-memory path holds the sample's rows as JavaScript values: 2M rows peaked at 2.0 GB RSS (4 trees),
  // within Node's default heap limit here (about 4 GB), but without much margin; 8 GB keeps a 100-tree run safe.
  if (!skip.has('exact'))
    results.exact = run(process.execPath, ['--max-old-space-size=8192', self, '--child', 'exact', ...passOn]);
  if (!skip.has('sklearn'))
    // scikit-learn >= 1.4 (its forests take NaN); Debian's 1.2 does not: BENCH_PYTHON=/opt/fixenv/bin/python
    results.sklearn = run(PYTHON, [
      join(BENCH_DIR, 'train_large_sklearn.py'),
      '--dir',
      opts.dir,
      '--trees',
      opts.trees,
      '--max-depth',
      opts['max-depth'],
      '--jobs',
      opts.threads,
      '--mem-gb',
      opts['sklearn-mem-gb'],
      '--max-seconds',
      opts['sklearn-max-seconds'],
    ]);
  mkdirSync(OUT_DIR, { recursive: true });
  const out = join(OUT_DIR, `train-large-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(results, null, 2));
  const fmt = (v, d = 1) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
  const lines = [
    `${(results.file.bytes / 2 ** 30).toFixed(2)} GiB, ${opts.trees} trees, max depth ${opts['max-depth']}, ${opts.threads} threads`,
    '',
    '| run | rows | pass 1 s | pass 2 s | trees s | total s | peak RSS MB | held-out accuracy |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const k of ['streaming', 'exact']) {
    const r = results[k];
    if (!r) continue;
    if (r.failed) lines.push(`| mlinfer ${k} | failed (${r.signal ?? r.status}) | | | | | | |`);
    else
      lines.push(
        `| mlinfer ${k === 'exact' ? 'in memory (sample)' : 'streaming'} | ${r.rows} | ${fmt(r.seconds.pass1)} | ${fmt(r.seconds.pass2)} | ${fmt(r.seconds.trees)} | ${fmt(r.seconds.total)} | ${r.peakRssMb} | ${fmt(r.accuracy, 4)} |`,
      );
  }
  const sk = results.sklearn;
  if (sk) {
    const capped = sk.capped
      ? ` (capped at ${opts['sklearn-max-seconds']} s: ${sk.trees} of ${opts.trees} trees in ${fmt(sk.seconds.fit)} s; extrapolated)`
      : '';
    const fit = sk.capped ? sk.seconds?.fitExtrapolated : sk.seconds?.fit;
    lines.push(
      sk.failed || sk.error
        ? `| scikit-learn | failed at ${sk.stage ?? '?'}: ${sk.error ?? sk.signal ?? sk.status} | | | | | ${sk.peakRssMb ?? '-'} | |`
        : `| scikit-learn (read_csv, fit)${capped} | ${sk.rows} | read ${fmt(sk.seconds.read)} | | fit ${fmt(fit)}${sk.capped ? ' (extrapolated)' : ''} | ${sk.capped ? '-' : fmt(sk.seconds.total)} | ${sk.peakRssMb} | ${fmt(sk.accuracy, 4)}${sk.capped ? ` (${sk.trees} trees)` : ''} |`,
    );
  }
  console.log(lines.join('\n'));
  process.stderr.write(`raw: ${out}\n`);
}
