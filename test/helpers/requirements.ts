// What some suites need from the machine besides Node (Debian's python3 with scikit-learn, Chromium, mkfifo),
// decided in one place. A suite whose need is met runs. When it is not: in CI (CI=true) the suite fails
// with the reason (.ci/run installs every one of these, so a missing one is a CI bug); elsewhere it is
// skipped, and the reason printed, so that a developer without Chromium can still run the rest.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export interface Requirement {
  /** What is needed, as a person would say it. */
  what: string;
  present: boolean;
  /** How to get it (the Debian package .ci/run installs). */
  install: string;
}

const CI = process.env.CI === 'true';

/** Debian's Python (not a virtualenv's): the one `apt-get install python3-sklearn` extends. */
export const PYTHON = '/usr/bin/python3';

const pythonHas = (module: string) =>
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${module}`], { timeout: 60_000 }).status === 0;

export const python3: Requirement = {
  what: PYTHON,
  present: existsSync(PYTHON),
  install: 'apt-get install -y python3',
};

/** Checked when first asked (importing scikit-learn takes a second). */
export function sklearn(): Requirement {
  return {
    what: `scikit-learn for ${PYTHON}`,
    present: pythonHas('sklearn'),
    install: 'apt-get install -y python3-sklearn',
  };
}

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
/** The headless browser, if one is installed. */
export const chromiumPath: string | null = CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;

export const chromium: Requirement = {
  what: 'Chromium',
  present: chromiumPath !== null,
  install: 'apt-get install -y chromium',
};

export const mkfifo: Requirement = {
  what: 'mkfifo',
  present: spawnSync('mkfifo', ['--version']).status === 0,
  install: 'apt-get install -y coreutils',
};

/** Why the needs are not met, or null when they are. */
function unmet(needs: Requirement[]): string | null {
  const missing = needs.filter((n) => !n.present);
  if (!missing.length) return null;
  return `needs ${missing.map((n) => `${n.what} (${n.install})`).join(' and ')}`;
}

const warned = new Set<string>();
function warnSkip(name: string, why: string): void {
  if (warned.has(name)) return;
  warned.add(name);
  console.warn(`skipped "${name}": it ${why}; in CI this is a failure`);
}

/** `describe` for a suite that needs things from the machine; see the module comment for what happens without them. */
export function describeNeeding(needs: Requirement[], name: string, fn: () => void): void {
  const why = unmet(needs);
  if (!why) {
    describe(name, fn);
  } else if (CI) {
    describe(name, () => {
      it(`has what it needs: it ${why}`, () => {
        throw new Error(`"${name}" ${why}: .ci/run should install it`);
      });
    });
  } else {
    warnSkip(name, why);
    describe.skip(name, fn);
  }
}

/** `it` for one test that needs things from the machine; like describeNeeding. */
export function itNeeding(needs: Requirement[], name: string, fn: () => unknown, timeoutMs?: number): void {
  const why = unmet(needs);
  if (!why) {
    it(name, fn, timeoutMs);
  } else if (CI) {
    it(name, () => {
      throw new Error(`"${name}" ${why}: .ci/run should install it`);
    });
  } else {
    warnSkip(name, why);
    it.skip(name, fn, timeoutMs);
  }
}
