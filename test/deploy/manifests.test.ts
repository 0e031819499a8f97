// The Kubernetes examples, checked without a cluster: every document parses, the core kinds pass the
// Kubernetes OpenAPI schemas (kubernetes-models' validators), the KServe kinds (CRDs, not in those schemas)
// are checked field by field, and every mlinfer command line uses a command and flags the real CLI has.
// The batch and serve tests then run those command lines for real.
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { expect, it } from 'vitest';
import {
  argvOf,
  builtSuite,
  find,
  flagsOf,
  flagsUsed,
  flagValue,
  helpOf,
  loadManifests,
  podSpecOf,
} from './helpers.js';

const manifests = loadManifests();

// kind -> apiVersion and the schema validator (null: a CRD, checked by hand below).
const KINDS: Record<string, { apiVersion: string; validate: ((doc: any) => void) | null }> = {
  CronJob: { apiVersion: 'batch/v1', validate: (d) => new CronJob(d).validate() },
  Job: { apiVersion: 'batch/v1', validate: (d) => new Job(d).validate() },
  Deployment: { apiVersion: 'apps/v1', validate: (d) => new Deployment(d).validate() },
  Service: { apiVersion: 'v1', validate: (d) => new Service(d).validate() },
  PersistentVolumeClaim: { apiVersion: 'v1', validate: (d) => new PersistentVolumeClaim(d).validate() },
  HorizontalPodAutoscaler: {
    apiVersion: 'autoscaling/v2',
    validate: (d) => new HorizontalPodAutoscaler(d).validate(),
  },
  PodDisruptionBudget: { apiVersion: 'policy/v1', validate: (d) => new PodDisruptionBudget(d).validate() },
  ServingRuntime: { apiVersion: 'serving.kserve.io/v1alpha1', validate: null },
  InferenceService: { apiVersion: 'serving.kserve.io/v1beta1', validate: null },
  // the drift alerts (a CRD too): checked in drift-alerts.test.ts against what serve exports
  PrometheusRule: { apiVersion: 'monitoring.coreos.com/v1', validate: null },
};

it('every manifest parses, has a known kind, its apiVersion and a name, and passes the Kubernetes schema', () => {
  expect(manifests.length).toBeGreaterThanOrEqual(9);
  for (const { file, doc } of manifests) {
    const where = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    const k = KINDS[doc.kind];
    expect(k, `${where}: unknown kind`).toBeDefined();
    expect(doc.apiVersion, where).toBe(k.apiVersion);
    expect(doc.metadata?.name, where).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(() => k.validate?.(doc), where).not.toThrow();
  }
});

it('the schema validator does catch a broken manifest', () => {
  const cron = structuredClone(find(manifests, 'CronJob'));
  cron.spec.jobTemplate.spec.backoffLimit = 'three';
  expect(() => new CronJob(cron).validate()).toThrow(/backoffLimit/);
});

it('every workload runs the same image, as non-root, with requests and limits', () => {
  const images = new Set<string>();
  for (const { file, doc } of manifests) {
    const pod = podSpecOf(doc);
    if (!pod) continue;
    for (const c of pod.containers) {
      const where = `${file}: ${doc.kind}/${c.name}`;
      images.add(c.image);
      // The image's ENTRYPOINT is mlinfer: a command would bypass it.
      expect(c.command, where).toBeUndefined();
      expect(c.resources?.requests?.cpu, where).toBeDefined();
      expect(c.resources?.requests?.memory, where).toBeDefined();
      expect(c.resources?.limits?.memory, where).toBeDefined();
      expect(pod.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot, where).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
    }
  }
  expect(images.size).toBe(1);
});

it('the CronJob: nightly, never overlapping, retried, but not on exit codes 2 and 3', () => {
  const cron = find(manifests, 'CronJob');
  expect(cron.spec.concurrencyPolicy).toBe('Forbid');
  expect(cron.spec.schedule.split(/\s+/)).toHaveLength(5);
  const job = cron.spec.jobTemplate.spec;
  expect(job.backoffLimit).toBeGreaterThan(0);
  expectNoRetryOn2And3(job);
});

it('the Indexed Job: completions = the N of --shard i/N, i from JOB_COMPLETION_INDEX', () => {
  const job = find(manifests, 'Job');
  expect(job.spec.completionMode).toBe('Indexed');
  const c = job.spec.template.spec.containers[0];
  const env = c.env.find((e: any) => e.name === 'JOB_COMPLETION_INDEX');
  expect(env.valueFrom.fieldRef.fieldPath).toBe(
    "metadata.annotations['batch.kubernetes.io/job-completion-index']",
  );
  expect(flagValue(c.args, '--shard')).toBe(`$(JOB_COMPLETION_INDEX)/${job.spec.completions}`);
  expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
  expectNoRetryOn2And3(job.spec);
});

function expectNoRetryOn2And3(jobSpec: any): void {
  const pod = jobSpec.template.spec;
  // podFailurePolicy only applies with restartPolicy Never (OnFailure would restart in place).
  expect(pod.restartPolicy).toBe('Never');
  const rule = jobSpec.podFailurePolicy.rules.find((r: any) => r.action === 'FailJob');
  expect(rule.onExitCodes).toMatchObject({ containerName: pod.containers[0].name, operator: 'In' });
  expect([...rule.onExitCodes.values].sort()).toEqual([2, 3]);
}

it('serve: Service, HPA and PDB point at the Deployment; grace period covers drain and shutdown', () => {
  const dep = find(manifests, 'Deployment');
  const labels = dep.spec.template.metadata.labels;
  expect(dep.spec.selector.matchLabels).toEqual(labels);
  const svc = find(manifests, 'Service');
  expect(svc.spec.selector).toEqual(labels);
  const c = dep.spec.template.spec.containers[0];
  const portNames = c.ports.map((p: any) => p.name);
  for (const p of svc.spec.ports) expect(portNames).toContain(p.targetPort);
  const hpa = find(manifests, 'HorizontalPodAutoscaler');
  expect(hpa.spec.scaleTargetRef).toEqual({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: dep.metadata.name,
  });
  expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  // HPA CPU utilisation is a percentage of the request: the request must be there.
  expect(c.resources.requests.cpu).toBeDefined();
  expect(find(manifests, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
  const argv = argvOf(c);
  const drain = Number(flagValue(argv, '--drain-delay'));
  const shutdown = Number(flagValue(argv, '--shutdown-timeout') ?? 10_000);
  expect(drain).toBeGreaterThan(0);
  expect(dep.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(drain + shutdown);
  // Auth: a non-loopback host needs the token (from a Secret) or --no-auth.
  expect(flagValue(argv, '--host')).toBe('0.0.0.0');
  const tokenEnv = c.env.find((e: any) => e.name === 'MLINFER_TOKEN');
  expect(tokenEnv?.valueFrom?.secretKeyRef || argv.includes('--no-auth')).toBeTruthy();
  const ann = dep.spec.template.metadata.annotations;
  expect(ann['prometheus.io/scrape']).toBe('true');
  expect(ann['prometheus.io/port']).toBe(flagValue(argv, '--port'));
  expect(ann['prometheus.io/path']).toBe('/metrics');
});

it('KServe: a ServingRuntime on the V2 protocol, and an InferenceService that uses it with protocolVersion v2', () => {
  const rt = find(manifests, 'ServingRuntime');
  const isvc = find(manifests, 'InferenceService');
  expect(rt.spec.protocolVersions).toContain('v2');
  const model = isvc.spec.predictor.model;
  expect(model.protocolVersion).toBe('v2');
  expect(model.runtime).toBe(rt.metadata.name);
  expect(rt.spec.supportedModelFormats.map((f: any) => f.name)).toContain(model.modelFormat.name);
  expect(model.storageUri).toMatch(/^[a-z0-9]+:\/\//);
  const c = rt.spec.containers[0];
  expect(c.name).toBe('kserve-container');
  const argv = argvOf(c);
  // KServe downloads storageUri into /mnt/models; its user container listens on 8080.
  expect(flagValue(argv, '--model')).toMatch(/^\/mnt\/models\//);
  expect(flagValue(argv, '--port')).toBe('8080');
  expect(c.ports[0].containerPort).toBe(8080);
  expect(flagValue(argv, '--name')).toBe('{{.Name}}');
});

builtSuite('every container command line is accepted by the real CLI', () => {
  for (const { file, doc } of manifests) {
    const pod = podSpecOf(doc);
    if (!pod) continue;
    for (const c of pod.containers) {
      it(`${file}: ${doc.kind} ${doc.metadata.name}`, async () => {
        const argv = argvOf(c, { JOB_COMPLETION_INDEX: '0' });
        const command = argv[0];
        const help = await helpOf(command); // exits 0: the command exists
        expect(help).toContain(`Usage: mlinfer ${command}`);
        const known = await flagsOf(command);
        for (const flag of flagsUsed(argv)) expect(known, `${flag} in mlinfer ${command}`).toContain(flag);
      });
    }
  }
});
