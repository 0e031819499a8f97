// Batch scoring, side by side: `mlinfer batch` against the seed's pandas + scikit-learn job (read_csv,
// predict, to_csv) on the same generated CSV, with forests of the same hyper-parameters trained on the same
// rows. Measures end-to-end wall time, rows/s and peak RSS (GNU time's %M) of each scoring process.
//
//   npm run build
//   node bench/batch.mjs                      # 1M rows x 20 features, 100 trees, both tools
//   node bench/batch.mjs --memory             # mlinfer peak RSS at 1M and 5M rows (flat: within 10%)
//   node bench/batch.mjs --rows 20000 --trees 20 --train-rows 5000   # a quick smoke run
//
// Options: --rows N, --features D, --trees T, --train-rows N, --threads N (mlinfer), --n-jobs N (sklearn,
// default 2), --skip-sklearn, --memory, --repeat R (rounds, medians reported), --drift-off (also run mlinfer
// --no-drift: the cost of the drift counts), --proba (probabilities too, both sides). Data and models are cached in bench/data/batch-*.
// scikit-learn's side needs Debian's python3-pandas and python3-sklearn
// (apt-get install -y python3-pandas python3-sklearn).
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DATA = join(HERE, 'data');
const OUT = join(HERE, 'out');

function args() {
  const a = process.argv.slice(2);
  const get = (name, dflt) => {
    const i = a.indexOf(`--${name}`);
    return i === -1 ? dflt : Number(a[i + 1]);
  };
  return {
    rows: get('rows', 1_000_000),
    features: get('features', 20),
    trees: get('trees', 100),
    trainRows: get('train-rows', 20_000),
    threads: get('threads', availableParallelism()),
    nJobs: get('n-jobs', 2),
    skipSklearn: a.includes('--skip-sklearn'),
    memory: a.includes('--memory'),
    repeat: get('repeat', 1),
    // Also run mlinfer with --no-drift, to measure what the drift counts (issue 15) cost.
    driftOff: a.includes('--drift-off'),
    // Probabilities too, on both sides (mlinfer batch --proba, predict_proba in the script).
    proba: a.includes('--proba'),
  };
}

/** mulberry32: the same data on every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes n rows of d features (and a 3-class label when `label`), a nonlinear rule with 10% noise. */
async function generate(path, n, d, seed, label) {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const rand = rng(seed);
  const tmp = `${path}.tmp`;
  const ws = createWriteStream(tmp);
  const header = Array.from({ length: d }, (_, j) => `x${j}`);
  ws.write(`${(label ? [...header, 'label'] : header).join(',')}\n`);
  let buf = '';
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => Math.round((rand() * 2 - 1) * 1e4) / 1e3);
    const score = x[0] * x[1] + Math.sin(x[2]) * 3 + x[3] - (x[4] > 2 ? 4 : 0) + x[5] * 0.5;
    let y = score < -1.5 ? 0 : score < 1.5 ? 1 : 2;
    if (rand() < 0.1) y = Math.floor(rand() * 3);
    buf += `${(label ? [...x, y] : x).join(',')}\n`;
    if (buf.length > 1 << 20) {
      if (!ws.write(buf)) await new Promise((r) => ws.once('drain', r));
      buf = '';
    }
  }
  ws.write(buf);
  await new Promise((r) => ws.end(r));
  const { renameSync } = await import('node:fs');
  renameSync(tmp, path);
}

/** Runs a command under GNU time; returns wall seconds, peak RSS in MB, and stdout. */
function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { seconds: Number(m[1]), peakRssMB: Math.round(Number(m[2]) / 1024), stdout: r.stdout };
}

async function mlinferModel(o, trainCsv) {
  const path = join(DATA, `batch-model-${o.features}f-${o.trees}t-${o.trainRows}.mlinfer`);
  if (existsSync(path)) return path;
  const { train, saveModel } = await import('../dist/index.js');
  const t0 = Date.now();
  const model = await train(trainCsv, {
    target: 'label',
    task: 'classification',
    nEstimators: o.trees,
    seed: 0,
  });
  await saveModel(model, path);
  console.error(`trained the mlinfer model in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return path;
}

function runMlinfer(o, model, input, output, extra = []) {
  const report = join(OUT, 'batch-report.json');
  const r = timed(process.execPath, [
    join(ROOT, 'bin', 'mlinfer.js'),
    'batch',
    input,
    output,
    '-m',
    model,
    '--threads',
    String(o.threads),
    '--report',
    report,
    '-q',
    ...(o.proba ? ['--proba'] : []),
    ...extra,
  ]);
  const rep = JSON.parse(readFileSync(report, 'utf8'));
  return {
    ...r,
    rows: rep.rowsIn,
    rowsPerSecond: Math.round(rep.rowsIn / r.seconds),
    reconciled: rep.reconciled,
  };
}

function agreement(a, b) {
  const x = readFileSync(a, 'utf8').split('\n');
  const y = readFileSync(b, 'utf8').split('\n');
  let same = 0;
  let n = 0;
  for (let i = 1; i < x.length; i++) {
    if (!x[i]) continue;
    n++;
    // sklearn writes 0/1/2 as ints, mlinfer writes the class label as read: both "0", "1", "2"
    if (Number(x[i].split(',')[0]) === Number(y[i].split(',')[0])) same++;
  }
  return n ? same / n : 0;
}

async function main() {
  const o = args();
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('run npm run build first');
  mkdirSync(OUT, { recursive: true });
  const trainCsv = join(DATA, `batch-train-${o.features}f-${o.trainRows}.csv`);
  await generate(trainCsv, o.trainRows, o.features, 1, true);
  const model = await mlinferModel(o, trainCsv);
  const results = { at: new Date().toISOString(), options: o, runs: [] };

  const sizes = o.memory ? [1_000_000, 5_000_000] : [o.rows];
  for (const rows of sizes) {
    const input = join(DATA, `batch-in-${o.features}f-${rows}.csv`);
    console.error(`generating ${input} if missing ...`);
    await generate(input, rows, o.features, 2, false);
    const mbytes = Math.round(statSync(input).size / 1e6);
    for (let rep = 0; rep < o.repeat; rep++) await oneRound(o, model, trainCsv, input, rows, mbytes, results);
  }
  summarize(o, results);
}

/** One side-by-side round at one input size: mlinfer (and with --drift-off, mlinfer --no-drift), then sklearn. */
async function oneRound(o, model, trainCsv, input, rows, mbytes, results) {
  {
    const mlOut = join(OUT, 'batch-mlinfer.csv');
    if (o.driftOff) {
      const off = runMlinfer(o, model, input, mlOut, ['--no-drift']);
      results.runs.push({
        tool: 'mlinfer --no-drift',
        rows,
        inputMB: mbytes,
        threads: o.threads,
        ...off,
        stdout: undefined,
      });
      console.error(`mlinfer --no-drift: ${rows} rows in ${off.seconds}s, peak RSS ${off.peakRssMB} MB`);
    }
    const ml = runMlinfer(o, model, input, mlOut);
    results.runs.push({
      tool: 'mlinfer',
      rows,
      inputMB: mbytes,
      threads: o.threads,
      ...ml,
      stdout: undefined,
    });
    console.error(
      `mlinfer: ${rows} rows in ${ml.seconds}s, ${ml.rowsPerSecond} rows/s, peak RSS ${ml.peakRssMB} MB`,
    );
    if (!o.memory && !o.skipSklearn) {
      const pyModel = join(DATA, `batch-sklearn-${o.features}f-${o.trees}t-${o.trainRows}.joblib`);
      const py = '/usr/bin/python3';
      const script = join(HERE, 'batch_sklearn.py');
      if (!existsSync(pyModel)) {
        const t = spawnSync(
          py,
          [
            script,
            'train',
            '--train',
            trainCsv,
            '--model',
            pyModel,
            '--trees',
            String(o.trees),
            '--n-jobs',
            String(o.nJobs),
          ],
          { encoding: 'utf8' },
        );
        const j = JSON.parse(t.stdout || '{}');
        if (j.skipped) {
          console.error(`scikit-learn skipped: ${j.skipped}`);
          results.runs.push({ tool: 'sklearn', skipped: j.skipped });
          return;
        }
      }
      const skOut = join(OUT, 'batch-sklearn.csv');
      const sk = timed(py, [
        script,
        'score',
        '--model',
        pyModel,
        '--input',
        input,
        '--output',
        skOut,
        '--n-jobs',
        String(o.nJobs),
        ...(o.proba ? ['--proba'] : []),
      ]);
      const inner = JSON.parse(sk.stdout);
      results.runs.push({
        tool: 'sklearn',
        rows,
        nJobs: o.nJobs,
        seconds: sk.seconds,
        peakRssMB: sk.peakRssMB,
        rowsPerSecond: Math.round(rows / sk.seconds),
        inner,
      });
      console.error(
        `sklearn: ${rows} rows in ${sk.seconds}s, ${Math.round(rows / sk.seconds)} rows/s, peak RSS ${sk.peakRssMB} MB`,
      );
      const mlPred = join(OUT, 'batch-mlinfer.csv');
      results.agreement = agreement(mlPred, skOut);
      rmSync(skOut, { force: true });
    }
    rmSync(mlOut, { force: true });
  }
}

function summarize(o, results) {
  const medianOf = (tool, key) => {
    const v = results.runs.filter((r) => r.tool === tool && r[key] !== undefined).map((r) => r[key]);
    v.sort((a, b) => a - b);
    return v.length ? v[(v.length - 1) >> 1] : undefined;
  };
  const mlS = medianOf('mlinfer', 'seconds');
  const skS = medianOf('sklearn', 'seconds');
  if (mlS && skS) results.speedup = skS / mlS;
  const offS = medianOf('mlinfer --no-drift', 'seconds');
  if (mlS && offS) results.driftCost = mlS / offS;
  const ml = results.runs.filter((r) => r.tool === 'mlinfer');
  if (o.memory && ml.length === 2) {
    results.rssRatio = ml[1].peakRssMB / ml[0].peakRssMB;
    console.error(`peak RSS 5M / 1M = ${results.rssRatio.toFixed(3)} (flat when within 1.10; budget 300 MB)`);
  }
  console.log('| tool | rows | threads / n_jobs | seconds | rows/s | peak RSS MB |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results.runs)
    if (!r.skipped)
      console.log(
        `| ${r.tool} | ${r.rows} | ${r.threads ?? r.nJobs} | ${r.seconds} | ${r.rowsPerSecond} | ${r.peakRssMB} |`,
      );
  if (results.driftCost) console.log(`\nmedian with drift counts / without: ${results.driftCost.toFixed(3)}`);
  if (results.speedup)
    console.log(
      `\nmedians of ${o.repeat} round(s): mlinfer is ${results.speedup.toFixed(2)}x faster end to end; predictions agree on ${(results.agreement * 100).toFixed(1)}% of rows (different forests, same data).`,
    );
  const file = join(OUT, `batch-${results.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.error(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
