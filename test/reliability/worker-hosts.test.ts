// Defect 1 of issue 11: training and batch workers inherited the host's `process.execArgv`, so a host started
// with `node --input-type=module -e` failed with MLI_WORKER_FAILED, and a package bundled into one file
// (esbuild, webpack) crashed looking for its worker file. Each way of starting Node below runs the built
// package (dist/) as a user would, on data big enough that training and scoring really use worker threads
// (3,000 rows x 100 trees is above the 200,000 rows x trees of fit-node.ts; any `threads >= 1` starts a pool).
// A `--require` preload writes a line from every worker thread it runs in: it proves the workers started and
// that they kept the host's loaders.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { train } from '../../src/model/train.js';
import { batchPredict } from '../../src/predict/batch.js';
import { describeBuilt } from '../helpers/dist.js';
import { started } from '../helpers/started-workers.js';
import { ROOT } from './helpers.js';

vi.mock('../../src/node/workers.js', async (original) =>
  (await import('../helpers/started-workers.js')).recordWorkers(original),
);

const DATA = join(ROOT, 'fixtures', 'customers.csv');

/** The host program: train on two threads, score the training file on two threads, print a summary. */
const BODY = `
const model = await train(process.env.MLI_DATA, { target: 'churned', nEstimators: 100, nThreads: 2, seed: 7 });
let rows = 0;
let yes = 0;
for await (const r of batchPredict([readFileSync(process.env.MLI_DATA)], { model, threads: 2 })) {
  rows++;
  if (r.prediction === 'yes') yes++;
}
console.log(JSON.stringify({ rows, yes }));
`;
const ESM = `import { readFileSync } from 'node:fs';\nimport { batchPredict, train } from 'mlinfer';\n${BODY}`;
const CJS_EVAL = `const { readFileSync } = require('node:fs');
import('mlinfer').then(async ({ batchPredict, train }) => {${BODY}});`;

const MARK = `const { isMainThread } = require('node:worker_threads');
if (!isMainThread) require('node:fs').appendFileSync(process.env.MLI_MARK, JSON.stringify(process.execArgv) + '\\n');
`;

let dir = '';
let expected = '';

interface Host {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The execArgv of each worker thread the preload ran in. */
  workers: string[][];
}

function run(args: string[]): Host {
  const mark = join(dir, `mark-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(mark, '');
  const r = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, MLI_DATA: DATA, MLI_MARK: mark, NODE_OPTIONS: '' },
  });
  const workers = readFileSync(mark, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr, workers };
}

function expectWorked(h: Host): void {
  expect(h.stderr).not.toMatch(/MLI_WORKER_FAILED|Error/);
  expect(h.code).toBe(0);
  expect(h.stdout).toBe(expected);
  // 2 training workers and 2 batch workers, each with the preload (tsx adds Node's module hooks thread)
  expect(h.workers.length).toBeGreaterThanOrEqual(4);
}

describeBuilt('worker threads under the ways Node is started', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlinfer-hosts-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'mlinfer'), 'dir');
    symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'), 'dir');
    writeFileSync(join(dir, 'mark.cjs'), MARK);
    writeFileSync(join(dir, 'host.mjs'), ESM);
    writeFileSync(join(dir, 'host.mts'), `const n: number = 1;\n${ESM}`);
    // The same program on the calling thread only: what every host must print.
    const model = await train(DATA, { target: 'churned', nEstimators: 100, nThreads: 1, seed: 7 });
    let rows = 0;
    let yes = 0;
    for await (const r of batchPredict([readFileSync(DATA)], { model, threads: 0 })) {
      rows++;
      if (r.prediction === 'yes') yes++;
    }
    expected = JSON.stringify({ rows, yes });
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('node -e (CommonJS eval)', () => {
    expectWorked(run(['--require', './mark.cjs', '-e', CJS_EVAL]));
  });

  it('node --input-type=module -e (failed: --input-type can only be used with string input)', () => {
    expectWorked(run(['--require', './mark.cjs', '--input-type=module', '-e', ESM]));
  });

  it('node --input-type module --eval (flags written as two arguments)', () => {
    expectWorked(run(['--require', './mark.cjs', '--input-type', 'module', '--eval', ESM]));
  });

  it('node --import tsx host.mts: the loader runs in the workers too', () => {
    const h = run(['--require', './mark.cjs', '--import', 'tsx', 'host.mts']);
    expectWorked(h);
    for (const argv of h.workers) expect(argv).toEqual(['--require', './mark.cjs', '--import', 'tsx']);
  });

  it('--experimental-* flags are kept, V8 and process-wide flags (refused by workers) are left to the process', () => {
    const h = run([
      '--require',
      './mark.cjs',
      '--experimental-vm-modules',
      '--max-old-space-size=512',
      '--stack-trace-limit=30',
      '--title=mlinfer-host',
      '--no-warnings',
      'host.mjs',
    ]);
    expectWorked(h);
    for (const argv of h.workers)
      expect(argv).toEqual(['--require', './mark.cjs', '--experimental-vm-modules', '--no-warnings']);
  });

  it('a flag Node refuses in workers that no list names (--no-opt) leaves the workers the loaders only', () => {
    const h = run(['--require', './mark.cjs', '--no-opt', '--experimental-vm-modules', 'host.mjs']);
    expectWorked(h);
    for (const argv of h.workers) expect(argv).toEqual(['--require', './mark.cjs']);
  });

  for (const format of ['esm', 'cjs'] as const)
    it(`an esbuild bundle (${format}) without the worker files runs on the calling thread, with one warning`, async () => {
      const { build } = await import('esbuild');
      const out = join(dir, `bundle-${format}`, format === 'esm' ? 'app.mjs' : 'app.cjs');
      // CommonJS has no top-level await: there the program runs in an async function.
      const program = format === 'esm' ? ESM : ESM.replace(BODY, `(async () => {${BODY}})();`);
      writeFileSync(join(dir, `entry-${format}.mjs`), program);
      await build({
        entryPoints: [join(dir, `entry-${format}.mjs`)],
        bundle: true,
        platform: 'node',
        format,
        target: 'node20',
        outfile: out,
        logLevel: 'error',
        // the usual banner of ESM bundles for Node: bundled CommonJS dependencies call require
        banner:
          format === 'esm'
            ? {
                js: "import { createRequire as mliRequire } from 'node:module'; const require = mliRequire(import.meta.url);",
              }
            : {},
      });
      const h = run(['--require', './mark.cjs', out]);
      expect(h.code, h.stderr).toBe(0);
      expect(h.stdout).toBe(expected);
      expect(h.workers).toEqual([]);
      const warnings = h.stderr.match(/MLINFER_NO_WORKERS/g) ?? [];
      expect(warnings.length, h.stderr).toBe(1);
      expect(h.stderr).toMatch(
        /worker files \(forest-worker\.js, batch-worker\.js, score-worker\.js\) are not found/,
      );
    });

  it('vitest (this process, TypeScript sources): training and batch start their workers', async () => {
    started.length = 0;
    const model = await train(DATA, { target: 'churned', nEstimators: 100, nThreads: 2, seed: 7 });
    let rows = 0;
    let yes = 0;
    for await (const r of batchPredict([readFileSync(DATA)], { model, threads: 2 })) {
      rows++;
      if (r.prediction === 'yes') yes++;
    }
    expect(JSON.stringify({ rows, yes })).toBe(expected);
    expect(started.length).toBe(4);
  });
});

describe('workerExecArgv', () => {
  it('drops the flags naming the main script, with their values in either form', async () => {
    const { workerExecArgv } = await import('../../src/node/workers.js');
    expect(workerExecArgv(['--input-type=module', '-e', 'code', '--import', 'tsx'])).toEqual([
      '--import',
      'tsx',
    ]);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x', '-r', 'p.cjs'])).toEqual(['-r', 'p.cjs']);
    expect(workerExecArgv(['-p', '1+1', '--conditions=dev'])).toEqual(['--conditions=dev']);
    expect(workerExecArgv(['--print', '--no-warnings'])).toEqual(['--no-warnings']);
    expect(workerExecArgv(['--watch', '--test', '--test-only'])).toEqual(['--test-only']);
  });

  it('drops V8 and whole-process flags, also written with underscores or a separate value', async () => {
    const { workerExecArgv } = await import('../../src/node/workers.js');
    expect(
      workerExecArgv([
        '--max_old_space_size=300',
        '--stack-size',
        '2000',
        '--title=x',
        '--expose-gc',
        '--experimental-vm-modules',
        '--loader',
        'tsx',
      ]),
    ).toEqual(['--experimental-vm-modules', '--loader', 'tsx']);
  });

  it('keeps only loaders and conditions when asked (the fallback when Node refuses an unlisted flag)', async () => {
    const { workerExecArgv } = await import('../../src/node/workers.js');
    expect(
      workerExecArgv(
        ['--experimental-shadow-realm', '--import=tsx', '-C', 'dev', '--enable-source-maps'],
        true,
      ),
    ).toEqual(['--import=tsx', '-C', 'dev']);
  });
});
