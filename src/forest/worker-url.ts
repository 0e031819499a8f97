// Node only. Starts a worker script that sits next to the calling module: in the built package (dist/*.js),
// or, when the TypeScript sources run directly (tests), the .ts file loaded through tsx.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `builtName` is the tsup entry name (dist/<builtName>.js); `sourceName` is the .ts file next to the caller. */
export function startWorker(
  callerUrl: string,
  builtName: string,
  sourceName: string,
  options: WorkerOptions,
): Worker {
  if (callerUrl.endsWith('.ts')) {
    // resolve tsx's ESM API through its package.json (require.resolve would give the CommonJS build)
    const tsxDir = dirname(createRequire(callerUrl).resolve('tsx/package.json'));
    const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const target = new URL(`./${sourceName}`, callerUrl).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    return new Worker(boot, { ...options, eval: true });
  }
  // Built: the caller may sit in dist/ or in a chunk inside dist/.
  for (const rel of [`./${builtName}.js`, `../${builtName}.js`]) {
    const url = new URL(rel, callerUrl);
    if (existsSync(fileURLToPath(url))) return new Worker(url, options);
  }
  return new Worker(new URL(`./${builtName}.js`, callerUrl), options);
}
