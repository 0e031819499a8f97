// Faults, batch: the built `mlinfer batch` killed with SIGKILL at random points of a 200k-row run never
// leaves a partial file at the destination (it is absent, or complete and identical to a full run), and
// full runs give identical bytes. A full disk (a 1 MiB tmpfs) fails cleanly: exit 1, MLI_IO, nothing at
// the destination and no temporary file left behind.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/model/io.js';
import { train } from '../../src/model/train.js';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { BIN, ROOT } from './helpers.js';

beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS); // these tests spawn the built CLI

const ROWS = 200_000;
let dir: string;
let input: string;
let modelPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlinfer-faults-'));
  const text = readFileSync(join(ROOT, 'fixtures', 'customers.csv'), 'utf8').trimEnd();
  const [header, ...lines] = text.split('\n');
  const body: string[] = [];
  for (let i = 0; i < ROWS; i++) body.push(lines[i % lines.length]);
  input = join(dir, 'in.csv');
  writeFileSync(input, `${header}\n${body.join('\n')}\n`);
  const model = await train(join(ROOT, 'fixtures', 'customers.csv'), {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 10,
    nThreads: 1,
    seed: 5,
  });
  modelPath = join(dir, 'model.mlinfer');
  await saveModel(model, modelPath);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function runBatch(out: string, extra: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [BIN, 'batch', input, out, '-m', modelPath, '--quiet', '--proba', ...extra],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

function finish(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
}

describe('mlinfer batch under faults', () => {
  it('kill -9 at random points: the destination is absent or complete; full runs are byte-identical', async () => {
    const outDir = join(dir, 'kill');
    mkdirSync(outDir);
    // Two full runs: the reference bytes, and the proof that a rerun gives the same ones.
    const ref = join(outDir, 'ref.csv');
    const t0 = Date.now();
    const full = await finish(runBatch(ref));
    const fullMs = Date.now() - t0;
    expect(full.code, full.stderr).toBe(0);
    const again = join(outDir, 'again.csv');
    expect((await finish(runBatch(again))).code).toBe(0);
    expect(sha(again)).toBe(sha(ref));
    expect(readFileSync(ref, 'utf8').split('\n').length).toBe(ROWS + 2); // header, rows, final newline

    // Kills spread over the whole run (start-up, reading, writing, the rename), each at a random point.
    const kills = 6;
    const leftovers: string[] = [];
    for (let k = 0; k < kills; k++) {
      const out = join(outDir, `killed-${k}.csv`);
      const child = runBatch(out);
      const done = finish(child);
      const delay = Math.floor(((k + Math.random()) / kills) * fullMs * 1.1);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      const r = await done;
      if (existsSync(out)) expect(sha(out), `killed after ${delay} ms`).toBe(sha(ref));
      else expect(r.signal).toBe('SIGKILL');
      leftovers.push(...readdirSync(outDir).filter((n) => n.startsWith(`.killed-${k}.csv.`)));
    }
    // A SIGKILL cannot be caught, so the temporary file of a killed run stays behind (named
    // .<name>.<pid>.<random>.tmp next to the destination); it is never the destination itself.
    for (const n of leftovers) expect(n).toMatch(/^\.killed-\d\.csv\.\d+\.[0-9a-f]+\.tmp$/);

    // After the kills, a full run to the same destination as a killed one still gives the reference bytes.
    const rerun = join(outDir, 'killed-0.csv');
    rmSync(rerun, { force: true });
    expect((await finish(runBatch(rerun))).code).toBe(0);
    expect(sha(rerun)).toBe(sha(ref));
  }, 120_000);

  it('a full disk (1 MiB tmpfs): exit 1 with MLI_IO, no destination, no temporary file left', async (ctx) => {
    const mnt = join(dir, 'full-disk');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
    if (m.status !== 0) {
      // Mounting needs root (or CAP_SYS_ADMIN). CI runs as root on this machine kind, so there it must work.
      if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs in CI: ${m.stderr || m.error}`);
      ctx.skip(
        `cannot mount a tmpfs here (${(m.stderr || String(m.error)).trim()}); run as root to test a full disk`,
      );
      return;
    }
    try {
      for (const threads of ['0', '2']) {
        const out = join(mnt, `out-${threads}.csv`);
        const r = await finish(runBatch(out, ['--threads', threads]));
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/MLI_IO/);
        expect(r.stderr).toMatch(/ENOSPC|no space/i);
        expect(r.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
        expect(readdirSync(mnt)).toEqual([]);
      }
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 120_000);
});
