// examples/k8s/train-sharded-job.yaml, run for real with the built CLI: the Indexed Job's 4 training command
// lines (JOB_COMPLETION_INDEX 0..3) write the partial models, the merge Job's command line joins them, and
// the result is the model the same training command without --shard writes.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadModel } from '../../src/model/io.js';
import { CUSTOMERS } from '../serve/helpers.js';
import { argvOf, builtSuite, cli, find, flagValue, loadManifests, mapPaths, withFlag } from './helpers.js';

const manifests = loadManifests();
const trainJob = find(manifests, 'Job', 'mlinfer-sharded-train');
const mergeJob = find(manifests, 'Job', 'mlinfer-merge');

it('the training Job: Indexed, completions = the N of --shard, no retry on a usage error', () => {
  expect(trainJob.spec.completionMode).toBe('Indexed');
  const c = trainJob.spec.template.spec.containers[0];
  expect(flagValue(c.args, '--shard')).toBe(`$(JOB_COMPLETION_INDEX)/${trainJob.spec.completions}`);
  expect(c.env.find((e: any) => e.name === 'JOB_COMPLETION_INDEX').valueFrom.fieldRef.fieldPath).toBe(
    "metadata.annotations['batch.kubernetes.io/job-completion-index']",
  );
  // each shard writes its own file, and the merge's pattern finds them all
  expect(flagValue(c.args, '--output')).toContain('$(JOB_COMPLETION_INDEX)');
  for (const job of [trainJob, mergeJob]) {
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const rule = job.spec.podFailurePolicy.rules.find((r: any) => r.action === 'FailJob');
    expect(rule.onExitCodes.values).toContain(2);
  }
});

builtSuite('examples/k8s sharded training, run for real', () => {
  it('the 4 shards and the merge write the model one unsharded training writes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-train-'));
    mkdirSync(join(root, 'data', 'train'), { recursive: true });
    mkdirSync(join(root, 'models'));
    const train = trainJob.spec.template.spec.containers[0];
    copyFileSync(CUSTOMERS, mapPaths(argvOf(train), root)[1]);
    const n = trainJob.spec.completions;
    for (let i = 0; i < n; i++) {
      const r = await cli(mapPaths(argvOf(train, { JOB_COMPLETION_INDEX: String(i) }), root), {
        timeoutMs: 120_000,
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const merge = mapPaths(argvOf(mergeJob.spec.template.spec.containers[0]), root);
    const m = await cli(merge);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain(`merged ${n} shards`);

    // the same training without --shard
    const argv = mapPaths(argvOf(train, { JOB_COMPLETION_INDEX: '0' }), root);
    const i = argv.indexOf('--shard');
    const whole = withFlag(
      [...argv.slice(0, i), ...argv.slice(i + 2)],
      '--output',
      join(root, 'whole.mlinfer'),
    );
    const w = await cli(whole, { timeoutMs: 120_000 });
    expect(w.code, w.stderr).toBe(0);
    const [merged, single] = await Promise.all([
      loadModel(flagValue(merge, '--output')!),
      loadModel(join(root, 'whole.mlinfer')),
    ]);
    expect(merged.forest.arrays.nodes).toEqual(single.forest.arrays.nodes);
    expect(merged.forest.arrays.leafValues).toEqual(single.forest.arrays.leafValues);
    expect(merged.metadata.dataHash).toBe(single.metadata.dataHash);
  });
});
