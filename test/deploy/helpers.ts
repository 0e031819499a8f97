// Shared by the deployment tests: the built CLI as a child process, the example manifests parsed with a YAML
// library, and what a container would run (args with Kubernetes' $(VAR) expansion, paths mapped to a temp dir).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../serve/helpers.js';

export { ROOT };
export const BIN = join(ROOT, 'bin', 'mlinfer.js');
export const K8S = join(ROOT, 'examples', 'k8s');
/** A token long enough for serve (16+ characters). */
export const TOKEN = 'deploy-test-token-0123456789';

/** A suite that runs the built CLI: dist/ is built, or found up to date, first (test/helpers/dist.ts). */
export { describeBuilt as builtSuite } from '../helpers/dist.js';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after timeoutMs). */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The built CLI: `mlinfer <args>`. */
export function cli(args: string[], opts: Parameters<typeof run>[2] = {}): Promise<Run> {
  return run(process.execPath, [BIN, ...args], opts);
}

const helpCache = new Map<string, Promise<string>>();
/** `mlinfer <command> --help`, which must exit 0. */
export function helpOf(command: string): Promise<string> {
  let h = helpCache.get(command);
  if (!h) {
    h = cli([command, '--help']).then((r) => {
      if (r.code !== 0) throw new Error(`mlinfer ${command} --help exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    });
    helpCache.set(command, h);
  }
  return h;
}

/** The flags (`--x`, `-x`) a command's --help lists. */
export async function flagsOf(command: string): Promise<Set<string>> {
  const help = await helpOf(command);
  const options = help.slice(help.indexOf('Options:'));
  return new Set([...options.matchAll(/(?<![\w-])(--?[a-z][a-z0-9-]*)/gi)].map((m) => m[1]));
}

/** The flags an argv uses (after the command): `--x` and `--x=v` give `--x`. */
export function flagsUsed(argv: string[]): string[] {
  return argv
    .slice(1)
    .filter((a) => /^--?[a-z]/i.test(a))
    .map((a) => a.split('=')[0]);
}

// -- manifests ------------------------------------------------------------------------------------------

export interface Manifest {
  file: string;
  doc: any;
}

/** Every document of every examples/k8s/*.yaml, parsed strictly (a YAML error fails). */
export function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f))) {
    for (const d of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'), { prettyErrors: true })) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const doc = d.toJS();
      if (doc !== null) out.push({ file, doc });
    }
  }
  return out;
}

export function find(manifests: Manifest[], kind: string, name?: string): any {
  const m = manifests.find(
    (x) => x.doc.kind === kind && (name === undefined || x.doc.metadata?.name === name),
  );
  if (!m) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in examples/k8s`);
  return m.doc;
}

/** The pod spec of a workload, or the container holder of a KServe ServingRuntime. */
export function podSpecOf(doc: any): any {
  switch (doc.kind) {
    case 'Deployment':
    case 'Job':
      return doc.spec.template.spec;
    case 'CronJob':
      return doc.spec.jobTemplate.spec.template.spec;
    case 'ServingRuntime':
      return doc.spec;
    default:
      return null;
  }
}

/**
 * A container's argv as Kubernetes gives it to the image's ENTRYPOINT (mlinfer): args with `$(VAR)` expanded
 * from the container's env (`values` for those set from fieldRef or secrets).
 */
export function argvOf(container: any, values: Record<string, string> = {}): string[] {
  const env: Record<string, string> = { ...values };
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = String(e.value);
  return (container.args ?? []).map((a: unknown) =>
    String(a).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) => env[name] ?? whole),
  );
}

/** The value after a flag in an argv (`--x v` or `--x=v`). */
export function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

export function withFlag(argv: string[], flag: string, value: string): string[] {
  const out = [...argv];
  const i = out.indexOf(flag);
  if (i < 0) throw new Error(`${flag} is not in ${argv.join(' ')}`);
  out[i + 1] = value;
  return out;
}

/** Maps the container's volume paths (/data, /models, /mnt/models) into a local directory. */
export function mapPaths(argv: string[], root: string): string[] {
  return argv.map((a) => a.replace(/^\/(data|models|mnt\/models)(?=\/|$)/, `${root}/$1`));
}

// -- serving ------------------------------------------------------------------------------------------------

export interface Served {
  child: ChildProcess;
  url: string;
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts `mlinfer <argv>` (a serve command line) and waits for its "serving ... on http://..." line. */
export async function startServe(argv: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const t0 = Date.now();
  for (;;) {
    const m = / on (http:\/\/\S+)/.exec(out);
    if (m) return { child, url: m[1], log: () => out, exited };
    if (Date.now() - t0 > 20_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`mlinfer ${argv.join(' ')} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a local run needs from a serve command line: loopback host, a free port. */
export function localServe(argv: string[], root: string): string[] {
  return withFlag(withFlag(mapPaths(argv, root), '--host', '127.0.0.1'), '--port', '0');
}
