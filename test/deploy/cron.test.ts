// examples/cron/nightly-batch.mjs run as a process on a every-second schedule. Its input is a FIFO that the
// test fills only after a few ticks, so the first run is held open: the ticks that come due meanwhile must be
// skipped (overlap prevention), then the run completes and writes its output; SIGTERM stops the scheduler.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { describeNeeding, mkfifo } from '../helpers/requirements.js';
import { CUSTOMERS, customersModel } from '../serve/helpers.js';
import { ROOT } from './helpers.js';

let root: string;
let kill: (() => void) | null = null;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-cron-'));
  copyFileSync((await customersModel()).path, join(root, 'model.mlinfer'));
});
afterAll(() => kill?.());

const waitFor = async (what: () => boolean, ms: number, label: string) => {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describeNeeding([mkfifo], 'examples/cron/nightly-batch.mjs', () => {
  beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS);
  it('skips ticks while a run is going, then writes the output atomically; SIGTERM stops it', async () => {
    const fifo = join(root, 'in.csv');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const child = spawn(process.execPath, [join(ROOT, 'examples', 'cron', 'nightly-batch.mjs')], {
      env: {
        ...process.env,
        SCHEDULE: '* * * * * *',
        RUN_NOW: '1',
        MODEL: join(root, 'model.mlinfer'),
        INPUT: fifo,
        OUTPUT: join(root, 'scored-{date}.csv'),
        REPORT: join(root, 'report-{date}.json'),
        THREADS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    kill = () => child.kill('SIGKILL');
    let log = '';
    child.stdout.on('data', (c) => {
      log += c;
    });
    child.stderr.on('data', (c) => {
      log += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

    // The first run is blocked on the empty FIFO: the next due ticks are skipped, not stacked.
    await waitFor(
      () => (log.match(/skipped: the previous run is still going/g) ?? []).length >= 2,
      8000,
      'skips',
    );
    expect(log.match(/scoring /g)).toHaveLength(1);
    const date = new Date().toISOString().slice(0, 10);
    const output = join(root, `scored-${date}.csv`);
    expect(existsSync(output)).toBe(false); // nothing half-written while the run is going

    // Feed the input: the run completes.
    await new Promise<void>((resolve, reject) => {
      const w = createWriteStream(fifo);
      w.on('error', reject);
      w.end(readFileSync(CUSTOMERS), () => resolve());
    });
    await waitFor(() => log.includes('done: '), 10_000, 'the run to finish');
    const rows = readFileSync(CUSTOMERS, 'utf8').trimEnd().split('\n').length - 1;
    expect(log).toContain(`done: ${rows} rows in, ${rows} predicted, 0 rejected`);
    expect(readFileSync(output, 'utf8').trimEnd().split('\n')).toHaveLength(rows + 1);
    expect(JSON.parse(readFileSync(join(root, `report-${date}.json`), 'utf8')).reconciled).toBe(true);

    // A later tick may be blocked on the FIFO again: SIGTERM aborts it, and an EOF on the FIFO lets the
    // pending open return so the process can exit.
    child.kill('SIGTERM');
    await waitFor(() => log.includes('SIGTERM: stopping'), 5000, 'SIGTERM');
    const eof = createWriteStream(fifo);
    eof.on('error', () => {});
    eof.end();
    expect(await exited).toBe(0);
    kill = null;
  });
});
