// The one place that decides whether dist/ (the built package: CLI, workers, browser bundle) is usable by the
// tests that spawn or serve it. dist/ is usable when every entry exists and none is older than the sources; if
// not, it is built here (tsup, as `npm test`'s pretest does), once, whichever test file asks first: the others
// wait on a lock directory. A failed build fails the asking test files with tsup's output; nothing is skipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe } from 'vitest';

export const ROOT = resolve(__dirname, '../..');
export const DIST = join(ROOT, 'dist');
/** What tsup writes (tsup.config.ts) and the tests use. */
const ENTRIES = [
  'index.js',
  'index.cjs',
  'browser.js',
  'cli.js',
  'forest-worker.js',
  'batch-worker.js',
  'score-worker.js',
];
const INPUTS = ['src', 'tsup.config.ts', 'package.json'];
const LOCK = join(ROOT, '.dist-build.lock');
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 10 * 60_000;

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/** Why dist/ cannot be used as it is (missing or older than the sources), or null when it can. */
export function distProblem(): string | null {
  let oldest = Number.POSITIVE_INFINITY;
  for (const e of ENTRIES) {
    try {
      oldest = Math.min(oldest, statSync(join(DIST, e)).mtimeMs);
    } catch {
      return `dist/${e} is missing`;
    }
  }
  const newest = Math.max(...INPUTS.map((p) => newestMtime(join(ROOT, p))));
  return newest > oldest ? 'dist/ is older than the sources' : null;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmdirSync(LOCK);
    } catch {}
    return false;
  }
}

/**
 * Returns the path of dist/ once it is built and up to date, building it first when needed. Throws with the
 * build's output when tsup fails. Call it at the top of a test file (or in beforeAll) that uses dist/.
 *
 * @example
 * const DIST = ensureDist();
 */
export function ensureDist(): string {
  let why = distProblem();
  while (why) {
    if (tryLock()) {
      try {
        why = distProblem();
        if (!why) break;
        console.warn(`${why}: building it (npx tsup)`);
        execFileSync(
          process.execPath,
          [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--silent'],
          {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: 300_000,
          },
        );
      } catch (e) {
        const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
        throw new Error(
          `${why}, and building it failed (npx tsup): ${err.message}\n${err.stderr ?? ''}${err.stdout ?? ''}`,
        );
      } finally {
        rmdirSync(LOCK);
      }
      why = distProblem();
      if (why) throw new Error(`${why} after building it (npx tsup): did a source change meanwhile?`);
    } else {
      sleep(200);
      why = distProblem();
    }
  }
  return DIST;
}

/** How long a test file may wait for dist/ to be built (tsup takes about a minute on a busy 2-core machine). */
export const BUILD_TIMEOUT_MS = 300_000;

/** A describe whose tests use dist/: it is built, or found up to date, before they run. */
export function describeBuilt(name: string, fn: () => void): void {
  describe(name, () => {
    beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS);
    fn();
  });
}
