// docker/build-steps.sh, the Dockerfile's build, run directly in a temp copy of what the Dockerfile copies:
// npm ci, build, then a staging dir with production dependencies only, from which the CLI must work.
// It takes ~25 s of both cores (npm ci from the local cache, tsup with types), so it runs in CI
// (CI=true) or when MLINFER_TEST_BUILD_STEPS=1 asks.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOMERS } from '../serve/helpers.js';
import { ROOT, run } from './helpers.js';

const wanted = process.env.CI === 'true' || process.env.MLINFER_TEST_BUILD_STEPS === '1';
const suite = wanted ? describe : describe.skip;

// What the Dockerfile's build stage copies (dockerfile.test.ts checks the COPY lines name these).
const CONTEXT = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsup.config.ts',
  'README.md',
  'src',
  'bin',
  'docker/build-steps.sh',
  'docker/healthcheck.mjs',
];

suite('docker/build-steps.sh', () => {
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds and stages a production-only install whose CLI trains and scores on its own', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mlinfer-build-steps-'));
    const staging = join(dir, 'staging');
    const src = join(dir, 'src-copy');
    for (const p of CONTEXT) {
      mkdirSync(dirname(join(src, p)), { recursive: true });
      cpSync(join(ROOT, p), join(src, p), { recursive: true });
    }
    const t0 = Date.now();
    const r = await run('sh', ['docker/build-steps.sh', 'all'], {
      cwd: src,
      env: { STAGING: staging, npm_config_prefer_offline: 'true' },
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('build-steps: staged mlinfer');
    console.log(`build-steps.sh all: ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    // Production deps only: no compiler, bundler or test runner in the image.
    const modules = readdirSync(join(staging, 'node_modules'));
    for (const dev of ['typescript', 'tsup', 'vitest', '@biomejs', 'esbuild'])
      expect(modules).not.toContain(dev);
    for (const dep of ['commander', 'prom-client', 'papaparse']) expect(modules).toContain(dep);
    expect(existsSync(join(staging, 'src'))).toBe(false);
    expect(existsSync(join(staging, 'docker', 'healthcheck.mjs'))).toBe(true);

    // The staged CLI, on its own: train a small model, score with it.
    const bin = join(staging, 'bin', 'mlinfer.js');
    const model = join(dir, 'm.mlinfer');
    const train = await run(process.execPath, [
      bin,
      'train',
      CUSTOMERS,
      '--target',
      'churned',
      '--exclude',
      'customer_id',
      '--n-estimators',
      '5',
      '-o',
      model,
      '-q',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const batch = await run(process.execPath, [
      bin,
      'batch',
      CUSTOMERS,
      join(dir, 'out.csv'),
      '-m',
      model,
      '-q',
    ]);
    expect(batch.code, batch.stderr).toBe(0);
  });
});
