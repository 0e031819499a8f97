// The README's TypeScript examples run as written (with `mlinfer` resolved to src/index.ts and the fixture
// paths made absolute), so the documented API and the code cannot drift apart: each block must exit 0 and
// print what its comments say.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** The ```ts blocks, unindented (some sit in a list item). */
const BLOCKS = [...README.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
  body.replace(new RegExp(`^${indent}`, 'gm'), ''),
);

function runBlock(code: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlinfer-readme-'));
  try {
    const file = join(dir, 'example.mts');
    const source = code
      .replaceAll("from 'mlinfer'", `from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))}`)
      .replaceAll("'fixtures/", `'${join(ROOT, 'fixtures')}/`);
    writeFileSync(file, source);
    // tsx's loader by path: the temporary folder has no node_modules to find it in
    const tsx = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, file], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README examples', () => {
  it('has the library and fitForest examples', () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(2);
  });

  it('the library example trains, saves, loads and predicts as shown', () => {
    const block = BLOCKS.find((b) => b.includes('createPredictor('))!;
    const r = runBlock(
      `${block}\nconsole.log(JSON.stringify(predictor.predict(${/predictor\.predict\(([\s\S]*?)\);/.exec(block)![1]})));\n`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/oob: \{\s+accuracy: [\d.]+,\s+logLoss: [\d.]+,\s+rocAuc: [\d.]+\s+\}/);
    expect(r.stdout).toMatch(/holdout: \{[^}]*rows: 600/);
    const prediction = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(prediction)).toEqual(['prediction', 'probabilities', 'modelVersion']);
    expect(Object.keys(prediction.probabilities)).toEqual(['no', 'yes']);
  });

  it('the fitForest example takes a { data, nRows, nFeatures } matrix and makes a savable model', () => {
    const block = BLOCKS.find((b) => b.includes('fitForest('))!;
    const r = runBlock(block);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Float64Array\(8\) \[/);
  });

  it('the sharded-training example merges 4 shards into the unsharded forest', () => {
    const r = runBlock(BLOCKS.find((b) => b.includes('mergeModels('))!);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('true');
  });
});
