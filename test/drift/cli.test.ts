// The acceptance test of issue 15 through the built CLI: `mlinfer batch --report` (in worker threads, and
// on the main thread) and `mlinfer drift` (text, JSON, HTML checked in headless Chromium) find exactly the two
// shifted features above "act" and nothing above "watch" on a fresh sample; --fail-on-drift exits 4.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { loadModelSync } from '../../src/model/io.js';
import { createModel, modelToBytes } from '../../src/model/model.js';
import { spawnCli, tempDir } from '../cli/helpers.js';
import { dumpDom } from '../helpers/chromium.js';
import { describeBuilt } from '../helpers/dist.js';
import { DRIFT_TRAIN, driftRows, NEW_ROWS, TRAINING_ROWS, writeDriftCsv } from '../helpers/drift-data.js';
import { chromium, itNeeding } from '../helpers/requirements.js';

interface Feature {
  feature: string;
  psi: number;
  level: string;
}

let dir: string;
const at = (f: string) => join(dir, f);

function levels(features: Feature[]): { act: string[]; rest: Feature[] } {
  return {
    act: features
      .filter((f) => f.level === 'act')
      .map((f) => f.feature)
      .sort(),
    rest: features.filter((f) => f.level !== 'act'),
  };
}

describeBuilt('drift through the CLI', () => {
  beforeAll(() => {
    dir = tempDir();
    writeDriftCsv(at('train.csv'), driftRows(1, TRAINING_ROWS));
    writeDriftCsv(at('shifted.csv'), driftRows(3, NEW_ROWS, true));
    writeDriftCsv(at('fresh.csv'), driftRows(4, NEW_ROWS));
    const t = spawnCli([
      'train',
      at('train.csv'),
      '-t',
      DRIFT_TRAIN.target,
      '--n-estimators',
      String(DRIFT_TRAIN.nEstimators),
      '--max-depth',
      String(DRIFT_TRAIN.maxDepth),
      '-q',
      '-o',
      at('m.mlinfer'),
    ]);
    expect(t.code, t.stderr).toBe(0);
    // a model as a file before format 1.2 holds it: no profile
    const m = loadModelSync(at('m.mlinfer'));
    writeFileSync(at('old.mlinfer'), modelToBytes(createModel(m.metadata, m.forest, null)));
  }, 120_000);

  for (const threads of ['2', '0'])
    it(`batch --report (--threads ${threads}): the drift section, a warning line, --fail-on-drift exits 4`, () => {
      const b = spawnCli([
        'batch',
        at('shifted.csv'),
        at(`out${threads}.csv`),
        '-m',
        at('m.mlinfer'),
        '--threads',
        threads,
        '--report',
        at(`rep${threads}.json`),
      ]);
      expect(b.code, b.stderr).toBe(0);
      const warning = b.stderr.split('\n').filter((l) => l.includes('warning'));
      expect(warning).toHaveLength(1);
      expect(warning[0]).toMatch(
        /^mlinfer: warning: shifted\.csv: drift act: (color|income) \(PSI [\d.]+, act\), (color|income)/,
      );
      const report = JSON.parse(readFileSync(at(`rep${threads}.json`), 'utf8'));
      expect(report.drift.rows).toBe(NEW_ROWS);
      const { act, rest } = levels(report.drift.features);
      expect(act).toEqual(['color', 'income']);
      for (const f of rest) expect(f.psi, f.feature).toBeLessThan(0.1);
      // sorted by severity
      const psis = report.drift.features.map((f: Feature) => f.psi);
      expect(psis).toEqual([...psis].sort((a, b) => b - a));
      expect(report.drift.prediction.psi).toBeGreaterThan(0);

      const fail = spawnCli([
        'batch',
        at('shifted.csv'),
        at('never.csv'),
        '-m',
        at('m.mlinfer'),
        '--threads',
        threads,
        '--fail-on-drift',
        '--report',
        at('failed.json'),
      ]);
      expect(fail.code).toBe(ERROR_CODES.MLI_DRIFT.exit);
      expect(fail.code).toBe(4);
      expect(fail.stderr).toMatch(
        /the data drifted past the act level \(PSI >= 0\.25\): (color|income).*\[MLI_DRIFT\]/,
      );
      expect(existsSync(at('never.csv'))).toBe(false);
      const failed = JSON.parse(readFileSync(at('failed.json'), 'utf8'));
      expect(failed.status).toBe('drifted');
      expect(failed.error.code).toBe('MLI_DRIFT');

      const fresh = spawnCli([
        'batch',
        at('fresh.csv'),
        at(`fresh${threads}.csv`),
        '-m',
        at('m.mlinfer'),
        '--threads',
        threads,
        '--fail-on-drift',
        '--report',
        at(`fresh${threads}.json`),
      ]);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(fresh.stderr).not.toContain('warning');
      const ok = JSON.parse(readFileSync(at(`fresh${threads}.json`), 'utf8')).drift;
      expect(ok.level).toBe('ok');
      for (const f of ok.features) expect(f.psi, f.feature).toBeLessThan(0.1);
    });

  it('batch --no-drift leaves the section out; a model without a profile scores without one', () => {
    const b = spawnCli([
      'batch',
      at('shifted.csv'),
      at('nodrift.csv'),
      '-m',
      at('m.mlinfer'),
      '--no-drift',
      '--report',
      at('nodrift.json'),
    ]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).not.toContain('warning');
    expect(JSON.parse(readFileSync(at('nodrift.json'), 'utf8')).drift).toBeUndefined();
    const old = spawnCli([
      'batch',
      at('shifted.csv'),
      at('old.csv'),
      '-m',
      at('old.mlinfer'),
      '--report',
      at('old.json'),
    ]);
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(readFileSync(at('old.json'), 'utf8')).drift).toBeUndefined();
    const demand = spawnCli([
      'batch',
      at('shifted.csv'),
      at('old2.csv'),
      '-m',
      at('old.mlinfer'),
      '--fail-on-drift',
    ]);
    expect(demand.code).toBe(1);
    expect(demand.stderr).toContain('[MLI_NO_PROFILE]');
  });

  it('mlinfer drift: text, JSON, and exit 4 with --fail-on-drift', () => {
    const text = spawnCli(['drift', at('m.mlinfer'), at('shifted.csv')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `${NEW_ROWS} rows against ${TRAINING_ROWS} training rows; PSI watch 0.1, act 0.25`,
    );
    expect(text.stdout).toMatch(/drift: act; drifted: (color, income|income, color)\n/);
    const json = spawnCli(['drift', at('m.mlinfer'), at('shifted.csv'), '--json']);
    const { act, rest } = levels(JSON.parse(json.stdout).features);
    expect(act).toEqual(['color', 'income']);
    for (const f of rest) expect(f.psi, f.feature).toBeLessThan(0.1);
    const fresh = spawnCli(['drift', at('m.mlinfer'), at('fresh.csv'), '--json', '--fail-on-drift']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout).drifted).toEqual([]);
    expect(spawnCli(['drift', at('m.mlinfer'), at('shifted.csv'), '--fail-on-drift']).code).toBe(4);
    const bad = spawnCli(['drift', at('m.mlinfer'), at('fresh.csv'), '--psi-watch', '0.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('psiWatch must not be above psiAct, got psiWatch 0.5 and psiAct 0.25');
  });

  it('inspect says whether the file holds a training profile', () => {
    const withProfile = spawnCli(['inspect', at('m.mlinfer'), '--json']);
    expect(withProfile.code, withProfile.stderr).toBe(0);
    expect(JSON.parse(withProfile.stdout).driftProfile).toEqual({
      rows: TRAINING_ROWS,
      predictionSource: 'oob',
    });
    expect(spawnCli(['inspect', at('m.mlinfer')]).stdout).toMatch(
      new RegExp(
        `drift profile +yes: a training profile of ${TRAINING_ROWS} rows \\(predictions out-of-bag\\)`,
      ),
    );
    expect(JSON.parse(spawnCli(['inspect', at('old.mlinfer'), '--json']).stdout).driftProfile).toBeNull();
    expect(spawnCli(['inspect', at('old.mlinfer')]).stdout).toMatch(
      /drift profile +no: no training profile in the file \(before format 1\.2/,
    );
  });

  it('mlinfer drift on a model without a profile fails with MLI_NO_PROFILE', () => {
    const r = spawnCli(['drift', at('old.mlinfer'), at('fresh.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /has no training profile: it was written before format 1\.2 or imported.*\[MLI_NO_PROFILE\]/,
    );
  });

  let page = '';
  it('mlinfer drift --report writes a self-contained page with bars for the worst features', () => {
    const r = spawnCli(['drift', at('m.mlinfer'), at('shifted.csv'), '--report', at('drift.html')]);
    expect(r.code, r.stderr).toBe(0);
    page = readFileSync(at('drift.html'), 'utf8');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\s(src|href)\s*=|url\(|@import/i);
    expect(page).toContain("default-src 'none'");
    for (const id of ['drift-1', 'drift-2', 'drift-predictions']) expect(page).toContain(`<svg id="${id}"`);
    const first = page.match(/<svg id="drift-1"[\s\S]*?<\/svg>/)![0];
    expect(first).toMatch(/color|income/);
    const color = page.match(/<svg id="drift-\d"[^>]*aria-label="color[\s\S]*?<\/svg>/)![0];
    expect(color).toContain('(unseen)');
  });

  itNeeding([chromium], 'the drift page renders its bars in headless Chromium', async () => {
    expect(page, 'the --report test runs first').not.toBe('');
    const dom = await dumpDom(pathToFileURL(at('drift.html')).href);
    const svg = dom.match(/<svg id="drift-1"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(svg.match(/<rect /g)?.length ?? 0).toBeGreaterThan(4);
    expect(dom).toContain('Drifted: <b>');
  });
});
