// The Dockerfile, checked where no Docker engine runs: its instructions parsed, its COPY sources present and
// allowed by .dockerignore, its build steps being docker/build-steps.sh (which build-steps.test.ts runs), and
// its ENTRYPOINT + CMD and HEALTHCHECK run for real against the built CLI.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersModel, get } from '../serve/helpers.js';
import {
  builtSuite,
  cli,
  flagsOf,
  flagsUsed,
  flagValue,
  localServe,
  ROOT,
  run,
  type Served,
  startServe,
  TOKEN,
} from './helpers.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1].toUpperCase(), args: m[2] };
    });
}

const all = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const args = Object.fromEntries(
  all.filter((i) => i.op === 'ARG' && i.args.includes('=')).map((i) => i.args.split('=')),
);
const stages = new Map<string, Instruction[]>();
let current: Instruction[] = [];
for (const i of all) {
  if (i.op === 'FROM') {
    const [image, , name] = i.args.replace(/\$\{(\w+)\}/g, (_, k) => args[k]).split(/\s+/);
    current = [{ op: 'FROM', args: image }];
    stages.set(name, current);
  } else current.push(i);
}
const build = stages.get('build')!;
const runtime = stages.get('runtime')!;
const json = (stage: Instruction[], op: string): string[] => JSON.parse(stage.find((i) => i.op === op)!.args);

describe('Dockerfile', () => {
  it('is two stages on node:20-slim', () => {
    expect([...stages.keys()]).toEqual(['build', 'runtime']);
    expect(build[0].args).toBe('node:20-slim');
    expect(runtime[0].args).toBe('node:20-slim');
  });

  it('builds with docker/build-steps.sh: deps (npm ci), build, stage (production deps only)', () => {
    const steps = build
      .filter((i) => i.op === 'RUN')
      .map((i) => /sh docker\/build-steps\.sh (\w+)$/.exec(i.args)?.[1]);
    expect(steps).toEqual(['deps', 'build', 'stage']);
    const script = readFileSync(join(ROOT, 'docker', 'build-steps.sh'), 'utf8');
    expect(script).toMatch(/npm ci \$NPM_FLAGS/);
    expect(script).toContain('npm ci --omit=dev');
    // The runtime stage gets the staging dir and nothing else from the builder.
    const copies = runtime.filter((i) => i.op === 'COPY');
    expect(copies.map((c) => c.args)).toEqual(['--from=build /staging /app']);
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*'); // an allow-list
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = build
      .filter((i) => i.op === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((s) => !s.startsWith('--'));
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) {
      expect(existsSync(join(ROOT, s)), s).toBe(true);
      expect(allowed, `${s} is ignored by .dockerignore`).toContain(s);
    }
    // Everything the build needs is copied: the files tsup and tsc read.
    for (const need of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsup.config.ts',
      'src/',
      'bin/',
    ])
      expect(sources).toContain(need);
  });

  it('runs as a non-root user, with mlinfer as ENTRYPOINT, serve as CMD and a node HEALTHCHECK', () => {
    const user = runtime.find((i) => i.op === 'USER')!.args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(json(runtime, 'ENTRYPOINT')).toEqual(['node', '/app/bin/mlinfer.js']);
    const cmd = json(runtime, 'CMD');
    expect(cmd[0]).toBe('serve');
    expect(flagValue(cmd, '--host')).toBe('0.0.0.0');
    expect(runtime.find((i) => i.op === 'EXPOSE')!.args).toBe(flagValue(cmd, '--port'));
    const hc = runtime.find((i) => i.op === 'HEALTHCHECK')!.args;
    expect(JSON.parse(hc.slice(hc.indexOf('CMD ') + 4))).toEqual(['node', '/app/docker/healthcheck.mjs']);
    // The healthcheck's default URL is the CMD's port and the liveness route.
    const script = readFileSync(join(ROOT, 'docker', 'healthcheck.mjs'), 'utf8');
    expect(script).toContain(`'http://127.0.0.1:${flagValue(cmd, '--port')}/healthz'`);
    // docker stop waits 10 s before SIGKILL: drain + shutdown must fit.
    expect(
      Number(flagValue(cmd, '--drain-delay')) + Number(flagValue(cmd, '--shutdown-timeout')),
    ).toBeLessThan(10_000);
  });
});

builtSuite('Dockerfile CMD and HEALTHCHECK, run for real', () => {
  const cmd = json(runtime, 'CMD');
  let root: string;
  const started: Served[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mlinfer-deploy-docker-'));
    mkdirSync(join(root, 'models'));
    copyFileSync((await customersModel()).path, join(root, 'models', 'model.mlinfer'));
  });
  afterAll(() => {
    for (const s of started) s.child.kill('SIGKILL');
  });

  it('the CMD flags exist; without MLINFER_TOKEN the container refuses to listen on 0.0.0.0 (exit 2)', async () => {
    const known = await flagsOf(cmd[0]);
    for (const f of flagsUsed(cmd)) expect(known).toContain(f);
    // Refused before it binds anything, so this is safe to run here.
    const r = await cli(cmd, { env: { MLINFER_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MLINFER_TOKEN');
  });

  it('with the token the CMD serves, and the HEALTHCHECK script passes, then fails once it stops', async () => {
    const s = await startServe(localServe(cmd, root), { MLINFER_TOKEN: TOKEN });
    started.push(s);
    const url = `${s.url}/healthz`;
    expect((await get(url)).status).toBe(200);
    const hc = join(ROOT, 'docker', 'healthcheck.mjs');
    const ok = await run(process.execPath, [hc], { env: { MLINFER_HEALTHCHECK_URL: url } });
    expect(ok.code, ok.stderr).toBe(0);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const down = await run(process.execPath, [hc], { env: { MLINFER_HEALTHCHECK_URL: url } });
    expect(down.code).toBe(1);
  });
});
