// The published package: it says MIT in package.json, so it must ship the license text (npm adds a file named
// LICENSE to every tarball, whatever `files` says: this checks it is there and says the same thing).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

describe('package', () => {
  it('ships a LICENSE file with the license package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toMatch(/^Copyright \(c\) 2026 mlinfer contributors$/m);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [packed] = JSON.parse(
      execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
    );
    expect(packed.files.map((f: { path: string }) => f.path)).toContain('LICENSE');
  });
});
