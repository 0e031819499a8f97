// The batch manifests' command lines, run for real with the built CLI: the container's /data and /models
// are a temp dir holding the fixture data and a small model. This is what keeps the examples honest: the
// CronJob scores, a bad night exits 3 and leaves the previous output whole (the atomic output its retries
// rely on), and the Indexed Job's shards together score every file exactly once.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { CUSTOMERS, customersModel } from '../serve/helpers.js';
import { argvOf, builtSuite, cli, find, flagValue, loadManifests, mapPaths } from './helpers.js';

const manifests = loadManifests();
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-batch-'));
  const { path } = await customersModel();
  mkdirSync(join(root, 'models'));
  copyFileSync(path, join(root, 'models', 'model.mlinfer'));
});

const lines = (p: string) => readFileSync(p, 'utf8').trimEnd().split('\n');

builtSuite('examples/k8s batch jobs, run for real', () => {
  it('CronJob: scores the night file; too many rejects exit 3 and keep the last good output', async () => {
    const c = find(manifests, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0];
    const argv = mapPaths(argvOf(c), root);
    const [input, output] = [argv[1], argv[2]];
    mkdirSync(join(root, 'data', 'incoming'), { recursive: true });
    mkdirSync(join(root, 'data', 'scored'), { recursive: true });
    copyFileSync(CUSTOMERS, input);

    const ok = await cli(argv);
    expect(ok.code, ok.stderr).toBe(0);
    const rows = lines(output);
    expect(rows).toHaveLength(lines(CUSTOMERS).length);
    const report = JSON.parse(readFileSync(flagValue(argv, '--report')!, 'utf8'));
    expect(report).toMatchObject({ status: 'ok', reconciled: true, rowsRejected: 0 });

    // A bad night: more rows than --max-errors have a non-numeric age. Exit 3 is what podFailurePolicy
    // matches to fail the Job without retrying.
    const maxErrors = Number(flagValue(argv, '--max-errors'));
    const [header, ...data] = lines(CUSTOMERS);
    const age = header.split(',').indexOf('age');
    const bad = data.map((l, i) => {
      if (i > maxErrors + 1) return l;
      const f = l.split(',');
      f[age] = 'unknown';
      return f.join(',');
    });
    writeFileSync(input, `${[header, ...bad].join('\n')}\n`);
    const rejected = await cli(argv);
    expect(rejected.code, rejected.stderr).toBe(3);
    expect(rejected.stderr).toContain('MLI_TOO_MANY_REJECTS');
    // Atomic output: the last good predictions are still there, whole.
    expect(lines(output)).toEqual(rows);

    // A usage error (a flag this mlinfer does not know) is exit 2, the other code that is never retried.
    const usage = await cli([...argv, '--no-such-flag']);
    expect(usage.code).toBe(2);
  });

  it('Indexed Job: the shards 0..N-1 together score every part file exactly once', async () => {
    const job = find(manifests, 'Job');
    const c = job.spec.template.spec.containers[0];
    const n = job.spec.completions;
    const pattern = mapPaths(argvOf(c), root)[1];
    const partsDir = join(pattern, '..');
    mkdirSync(partsDir, { recursive: true });
    const [header, ...data] = lines(CUSTOMERS);
    const files = 10;
    for (let k = 0; k < files; k++) {
      const part = data.filter((_, i) => i % files === k);
      writeFileSync(
        join(partsDir, `part-${String(k).padStart(3, '0')}.csv`),
        `${[header, ...part].join('\n')}\n`,
      );
    }
    let rowsIn = 0;
    for (let i = 0; i < n; i++) {
      const argv = mapPaths(argvOf(c, { JOB_COMPLETION_INDEX: String(i) }), root);
      const r = await cli(argv);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(flagValue(argv, '--report')!, 'utf8'));
      expect(report).toMatchObject({ shard: `${i}/${n}`, status: 'ok', filesMatched: files });
      rowsIn += report.rowsIn;
    }
    const outDir = mapPaths(argvOf(c), root)[2];
    const scored = readdirSync(outDir).filter((f) => /^part-\d+\.csv$/.test(f));
    expect(scored.sort()).toEqual(readdirSync(partsDir).sort());
    expect(rowsIn).toBe(data.length);
  });
});
