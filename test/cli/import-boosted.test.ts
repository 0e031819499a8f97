// `mlinfer import` of LightGBM and XGBoost files, then the imported models through batch, inspect, types and
// serve (the built CLI), as a team moving its models over would run them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureDist } from '../helpers/dist.js';
import { get, post } from '../serve/helpers.js';
import { cli, FIXTURES, ROOT, tempDir } from './helpers.js';

const BOOSTED = join(FIXTURES, 'boosted');
const tmp = tempDir();

interface Fixture {
  rows: (number | null)[][];
  expected: (number | number[])[];
  labels: number[];
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(join(BOOSTED, `${name}.expected.json`), 'utf8'));

/** The held-out rows as a CSV with the given header (an empty cell is a missing value). */
function csv(rows: (number | null)[][], names: string[]): string {
  return `${names.join(',')}\n${rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join('\n')}\n`;
}

describe('mlinfer import (LightGBM, XGBoost)', () => {
  it('imports a LightGBM model (format detected), and batch scores like LightGBM', async () => {
    const out = join(tmp, 'lgb.mlinfer');
    const r = await cli(
      'import',
      join(BOOSTED, 'lgb_binary.txt'),
      '-o',
      out,
      '--feature-names',
      'a,b,c,d,e',
      '--classes',
      'no,yes',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /imported a classification boosted ensemble of 30 trees \(lightgbm\) over 5 features/,
    );
    const fx = fixture('lgb_binary');
    const input = join(tmp, 'lgb.csv');
    writeFileSync(input, csv(fx.rows, ['a', 'b', 'c', 'd', 'e']));
    const scored = join(tmp, 'lgb.scored.csv');
    const b = await cli('batch', input, scored, '-m', out, '--proba', '-q');
    expect(b.code).toBe(0);
    const lines = readFileSync(scored, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const yes = header.indexOf('proba_yes');
    const prediction = header.indexOf('prediction');
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      expect(Math.abs(Number(cells[yes]) - (fx.expected[i] as number[])[1]), `row ${i}`).toBeLessThan(1e-6);
      expect(cells[prediction]).toBe(['no', 'yes'][fx.labels[i]]);
    });
  });

  it('imports an XGBoost model, and inspect and types describe it', async () => {
    const out = join(tmp, 'xgb.mlinfer');
    expect(
      (await cli('import', join(BOOSTED, 'xgb_regression.json'), '-o', out, '--from', 'xgboost')).code,
    ).toBe(0);
    const inspect = await cli('inspect', out, '--json');
    const facts = JSON.parse(inspect.stdout);
    expect(facts.importedFrom).toEqual({
      format: 'xgboost',
      source: 'xgboost JSON model (save_model)',
      objective: 'reg:squarederror',
      trees: 30,
    });
    expect(facts.scoring).toEqual({ aggregate: 'sum', link: 'none' });
    expect(facts.explanations).toBe(false);
    expect((await cli('inspect', out)).stdout).toMatch(
      /imported from xgboost JSON model.*\n.*\n\s+explanations\s+no: an imported additive ensemble/,
    );
    const types = await cli('types', out);
    expect(types.code).toBe(0);
    expect(types.stdout).toContain('f0');
  });

  it('refuses input it does not know, naming the formats it reads', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await cli('import', bad, '-o', join(tmp, 'bad.mlinfer'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /not a model mlinfer can import: expected an ONNX tree ensemble .*a LightGBM text model .*--from/,
    );
    const poisson = join(tmp, 'poisson.txt');
    writeFileSync(
      poisson,
      readFileSync(join(BOOSTED, 'lgb_regression.txt'), 'utf8').replace(
        'objective=regression',
        'objective=poisson',
      ),
    );
    const u = await cli('import', poisson, '-o', join(tmp, 'poisson.mlinfer'));
    expect(u.code).toBe(1);
    expect(u.stderr).toContain('MLI_MODEL_UNSUPPORTED');
  });
});

describe('mlinfer serve with an imported model', () => {
  beforeAll(() => void ensureDist(), BUILD_TIMEOUT_MS);

  it('serves the LightGBM categorical model over HTTP like LightGBM predicts', async () => {
    const out = join(tmp, 'cat.mlinfer');
    expect((await cli('import', join(BOOSTED, 'lgb_categorical.txt'), '-o', out)).code).toBe(0);
    const child: ChildProcess = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'mlinfer.js'), 'serve', '--model', out, '--port', '0'],
      {
        stdio: 'pipe',
      },
    );
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
    });
    try {
      const t0 = Date.now();
      let m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      while (m === null) {
        if (Date.now() - t0 > 15_000) throw new Error(`serve did not start:\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
        m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      }
      const url = m[1];
      const fx = fixture('lgb_categorical');
      const names = ['Column_0', 'Column_1', 'Column_2', 'Column_3', 'Column_4'];
      for (const i of [0, 1, 2, 3, 4, 5]) {
        const record = Object.fromEntries(names.map((n, f) => [n, fx.rows[i][f]]));
        const res = await post(`${url}/predict`, record);
        expect(res.status).toBe(200);
        expect(Math.abs(res.body.probabilities['1'] - (fx.expected[i] as number[])[1])).toBeLessThan(1e-6);
        expect(res.body.prediction).toBe(fx.labels[i]);
      }
      expect((await get(`${url}/v2/models/cat`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
