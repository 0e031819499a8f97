// `mlinfer evaluate` compares the rows it scores with the training profile: the same report as `driftOf` on
// those rows, a line in the text output, `drift` in --json, and the drift section in the --report page.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsvFile } from '../../src/data/node-io.js';
import { driftOf } from '../../src/model/drift-of.js';
import { evaluate } from '../../src/model/evaluate.js';
import { loadModel, saveModel } from '../../src/model/io.js';
import { createModel, type Model } from '../../src/model/model.js';
import { cli, FIXTURES } from '../cli/helpers.js';
import { customersModel } from '../serve/helpers.js';

const fresh = join(FIXTURES, 'customers_new.csv');
let dir: string;
let path: string;
let model: Model;
let shifted: string;

beforeAll(async () => {
  ({ model, path, dir } = await customersModel());
  // monthly charges up 80%: the one feature that moved (written back as CSV, quoting every cell)
  const { header, rows } = await readCsvFile(fresh);
  const col = header.indexOf('monthly_charges');
  const quote = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  shifted = join(dir, 'shifted.csv');
  const lines = rows.map((r) => r.map((v, i) => quote(i === col ? Number(v) * 1.8 : v)).join(','));
  writeFileSync(shifted, `${[header.map(quote).join(','), ...lines].join('\n')}\n`);
}, 120_000);

describe('evaluate and drift', () => {
  it('reports the scored rows against the training profile, as driftOf does on the same rows', async () => {
    const ev = await evaluate(model, fresh);
    expect(ev.drift).not.toBeNull();
    expect(ev.drift!.rows).toBe(ev.rows);
    expect(ev.drift!.level).toBe('ok');
    const { header, rows } = await readCsvFile(fresh);
    const { rejectedRows, ...direct } = driftOf(model, { columns: header, rows });
    expect(rejectedRows).toBe(0);
    expect(ev.drift).toEqual(direct);

    const moved = await evaluate(model, shifted);
    expect(moved.drift!.drifted).toEqual(['monthly_charges']);
    expect(moved.drift!.level).toBe('act');
  });

  it('says so in the text, in --json and in the --report page', async () => {
    const ok = await cli('evaluate', path, fresh);
    expect(ok.stdout).toMatch(/drift ok: no feature or prediction at the watch level \(PSI 0\.1\)/);
    const r = await cli('evaluate', path, shifted, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).drift.drifted).toEqual(['monthly_charges']);
    const text = await cli('evaluate', path, shifted);
    expect(text.stdout).toMatch(/drift act: monthly_charges \(PSI \d+\.\d+, act\)/);
    const page = join(dir, 'ev.html');
    const withPage = await cli('evaluate', path, shifted, '--report', page);
    expect(withPage.code, withPage.stderr).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<section id="drift">');
    expect(html).toMatch(/Drifted: <b>monthly_charges<\/b>/);
  });

  it('leaves drift out for a model without a profile', async () => {
    const old = join(dir, 'old.mlinfer');
    await saveModel(createModel(model.metadata, model.forest, null), old);
    const ev = await evaluate(await loadModel(old), fresh);
    expect(ev.drift).toBeNull();
    const page = join(dir, 'old.html');
    const r = await cli('evaluate', old, fresh, '--report', page);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/drift/);
    expect(readFileSync(page, 'utf8')).not.toContain('<section id="drift">');
  });
});
