/**
 * Node only: starting the package's worker threads (training in src/forest, batch scoring in src/predict).
 *
 * A worker script sits next to the module that starts it: in the built package (dist/<name>.js), or, when
 * the TypeScript sources run directly (tests), the .ts file loaded through tsx. When neither is there (the
 * package was bundled into one file by esbuild or webpack), `findWorker` says so and the caller works on
 * its own thread instead.
 *
 * Workers get the host's flags filtered (`workerExecArgv`): by default Node hands them the parent's, and
 * `node --input-type=module -e ...` then kills every worker with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** A worker script that exists: a file to run, or code (for the .ts sources, registering tsx first). */
export type WorkerEntry = { kind: 'file'; url: URL } | { kind: 'eval'; code: string };

/**
 * Finds the worker script `builtName` (the tsup entry, dist/<builtName>.js) or `sourceName` (the .ts file
 * next to the caller, when the caller is TypeScript); null when it is not there.
 *
 * @example
 * const entry = findWorker(import.meta.url, 'batch-worker', 'batch-worker.ts');
 * if (entry) startWorker(entry, { workerData });
 */
export function findWorker(
  callerUrl: string | undefined,
  builtName: string,
  sourceName: string,
): WorkerEntry | null {
  // A bundler may leave import.meta.url empty or not a file URL: then there is no file to look next to.
  if (typeof callerUrl !== 'string' || !callerUrl.startsWith('file:')) return null;
  if (callerUrl.endsWith('.ts')) return sourceEntry(callerUrl, sourceName);
  // Built: the caller may sit in dist/ or in a chunk inside dist/.
  for (const rel of [`./${builtName}.js`, `../${builtName}.js`]) {
    const url = new URL(rel, callerUrl);
    if (existsSync(fileURLToPath(url))) return { kind: 'file', url };
  }
  return null;
}

function sourceEntry(callerUrl: string, sourceName: string): WorkerEntry | null {
  const target = new URL(`./${sourceName}`, callerUrl);
  let tsxApi: string;
  try {
    // tsx's ESM API, through its package.json (require.resolve would give the CommonJS build)
    const tsxDir = dirname(createRequire(callerUrl).resolve('tsx/package.json'));
    tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  } catch {
    return null;
  }
  if (!existsSync(fileURLToPath(target))) return null;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target.href)}); });`;
  return { kind: 'eval', code };
}

/** Flags naming what the main thread runs: a worker runs its own script, and `--input-type` alone kills it. */
const ENTRY_FLAGS = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '--input-type',
  '-c',
  '--check',
  '-i',
  '--interactive',
  '--watch',
  '--watch-path',
  '--watch-preserve-output',
  '--test',
]);

/**
 * V8 and whole-process flags that a Worker refuses in `execArgv` (ERR_WORKER_INVALID_EXEC_ARGV). Dropping them
 * loses nothing: V8 flags (heap size, stack trace limit) already apply to every thread of the process.
 */
const PROCESS_FLAGS = new Set([
  '--max-old-space-size',
  '--max-semi-space-size',
  '--max-young-generation-size',
  '--huge-max-old-generation-size',
  '--stack-size',
  '--stack-trace-limit',
  '--expose-gc',
  '--jitless',
  '--abort-on-uncaught-exception',
  '--disallow-code-generation-from-strings',
  '--interpreted-frames-native-stack',
  '--title',
  '--v8-pool-size',
  '--zero-fill-buffers',
  '--icu-data-dir',
  '--secure-heap',
  '--secure-heap-min',
  '--use-openssl-ca',
  '--use-bundled-ca',
  '--openssl-config',
  '--openssl-legacy-provider',
  '--openssl-shared-config',
  '--perf-basic-prof',
  '--perf-basic-prof-only-functions',
  '--perf-prof',
  '--perf-prof-unwinding-info',
  '--experimental-shadow-realm',
]);

/** Flags a worker cannot load its code without: module hooks, preloads and export conditions. */
const LOADER_FLAGS = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);

/** Flags whose value may be the next argument (`--import tsx`); the others are `--flag` or `--flag=value`. */
const TAKES_VALUE = new Set([
  ...LOADER_FLAGS,
  '-e',
  '--eval',
  '-p',
  '--print',
  '--input-type',
  '--watch-path',
  '--title',
  '--max-old-space-size',
  '--max-semi-space-size',
  '--stack-size',
  '--stack-trace-limit',
  '--icu-data-dir',
  '--secure-heap',
  '--secure-heap-min',
  '--openssl-config',
  '--v8-pool-size',
]);

/** The host's flags as groups: a flag with its value (`['--import', 'tsx']` or `['--import=tsx']`). */
function flagGroups(execArgv: readonly string[]): { name: string; args: string[] }[] {
  const groups: { name: string; args: string[] }[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const eq = arg.indexOf('=');
    // Node and V8 read --max_old_space_size as --max-old-space-size
    const name = (eq === -1 ? arg : arg.slice(0, eq)).replace(/_/g, '-');
    const args = [arg];
    // -p and --print may stand alone (the script then comes from stdin); the others always take the next.
    const optional = name === '-p' || name === '--print';
    const next = execArgv[i + 1];
    if (eq === -1 && TAKES_VALUE.has(name) && next !== undefined && !(optional && next.startsWith('-')))
      args.push(execArgv[++i]);
    groups.push({ name, args });
  }
  return groups;
}

/**
 * The flags a worker thread gets: the host's `execArgv` without the flags naming the main script
 * (`-e`, `-p`, `--input-type`, `--watch`, `--test`, ...) and without the V8 and whole-process flags a worker
 * refuses; loaders (`--import`, `--require`, `--loader`), `--conditions`, `--experimental-*` and the other
 * Node options stay. With `loadersOnly`, only the loaders and conditions stay: the fallback when Node
 * refuses a flag not listed here.
 *
 * @example
 * workerExecArgv(['--input-type=module', '-e', 'code', '--import', 'tsx']); // ['--import', 'tsx']
 */
export function workerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  loadersOnly = false,
): string[] {
  return flagGroups(execArgv)
    .filter((g) =>
      loadersOnly ? LOADER_FLAGS.has(g.name) : !ENTRY_FLAGS.has(g.name) && !PROCESS_FLAGS.has(g.name),
    )
    .flatMap((g) => g.args);
}

/**
 * Starts a worker on `entry` with the host's flags filtered by `workerExecArgv` (unless `options.execArgv`
 * says otherwise). Should Node still refuse a flag, the worker starts with the loaders only.
 *
 * @example
 * const w = startWorker(entry, { workerData: { modelBytes } });
 */
export function startWorker(entry: WorkerEntry, options: WorkerOptions): Worker {
  const start = (execArgv: string[] | undefined): Worker =>
    entry.kind === 'file'
      ? new Worker(entry.url, { execArgv, ...options })
      : new Worker(entry.code, { execArgv, ...options, eval: true });
  if (options.execArgv) return start(options.execArgv);
  try {
    return start(workerExecArgv());
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return start(workerExecArgv(process.execArgv, true));
  }
}

let warned = false;

/**
 * Says once per process (a Node warning, code MLINFER_NO_WORKERS) that training and batch scoring run on the
 * calling thread because the worker files are missing: the package was bundled into one file.
 */
export function warnNoWorkers(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    'mlinfer: the worker files (forest-worker.js, batch-worker.js, score-worker.js) are not found next to the code, so training and scoring run on the calling thread (was the package bundled into one file?). Keep mlinfer out of the bundle (esbuild --external:mlinfer, webpack externals) to use every core.',
    { code: 'MLINFER_NO_WORKERS' },
  );
}
