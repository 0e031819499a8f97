// The built package's scoring pool in a process of its own: its workers start from dist/score-worker.js
// (ESM and CommonJS), keep the process alive while a call runs (or the awaited result would be lost), and
// let it exit once idle, without close().
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { DIST, describeBuilt } from '../helpers/dist.js';

const BODY = `
const X = { data: Float64Array.from({ length: 4000 * 4 }, (_, i) => Math.sin(i * 1.7)), nRows: 4000, nFeatures: 4 };
const y = Float64Array.from({ length: 4000 }, (_, r) => (X.data[r * 4] + X.data[r * 4 + 1] > 0 ? 1 : 0));
const forest = m.fitForestSync(X, y, { task: 'classification', nEstimators: 30, seed: 1 });
const pool = m.createScoringPool(forest, { threads: 2, chunkRows: 100 });
// nothing but the busy workers keeps the event loop alive here
const proba = await pool.predictProba(X);
const expected = forest.predictProba(X);
console.log(JSON.stringify({ threads: pool.threads, same: proba.every((v, i) => Object.is(v, expected[i])) }));
`;

function run(args: string[]) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env } });
}

describeBuilt('the scoring pool of the built package, in a process of its own', () => {
  it('ESM: the call finishes, and the process exits without close()', () => {
    const program = `const m = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});\n${BODY}`;
    const r = run(['--input-type=module', '-e', program]);
    expect(r.stderr).not.toMatch(/Error|MLINFER_NO_WORKERS/);
    expect(r.signal).toBe(null);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('{"threads":2,"same":true}');
  }, 60_000);

  it('CommonJS: the same', () => {
    const program = `const m = require(${JSON.stringify(join(DIST, 'index.cjs'))});\n(async () => {${BODY}})();`;
    const r = run(['-e', program]);
    expect(r.stderr).not.toMatch(/Error|MLINFER_NO_WORKERS/);
    expect(r.signal).toBe(null);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('{"threads":2,"same":true}');
  }, 60_000);
});
