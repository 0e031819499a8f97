// Headless Chromium for tests (Debian's `chromium`, which .ci/run installs when missing). Started with no
// network beyond loopback and a fresh profile each time. Whether tests that need it run is decided by
// requirements.ts (`chromium`): in CI a missing browser is a failure, not a skip.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath } from './requirements.js';

function baseFlags(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
  ];
}

function run(args: string[], timeoutMs: number): Promise<string> {
  const bin = chromiumPath;
  if (!bin) return Promise.reject(new Error('chromium is not installed (apt-get install -y chromium)'));
  const profile = mkdtempSync(join(tmpdir(), 'mlinfer-chromium-'));
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      [...baseFlags(profile), ...args],
      { timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        rmSync(profile, { recursive: true, force: true });
        if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** The DOM after the page's scripts ran (virtual time lets pending fetches and timers finish). */
export function dumpDom(url: string, budgetMs = 10_000): Promise<string> {
  return run([`--virtual-time-budget=${budgetMs}`, '--dump-dom', url], 60_000);
}

/** Saves a PNG screenshot of the page. */
export async function screenshot(url: string, outPng: string, size = '1280,2000'): Promise<void> {
  await run(
    [
      `--screenshot=${outPng}`,
      `--window-size=${size}`,
      '--hide-scrollbars',
      '--virtual-time-budget=5000',
      url,
    ],
    60_000,
  );
}
