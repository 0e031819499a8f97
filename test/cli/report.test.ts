// The HTML report: self-contained (no external requests), XSS-safe, and its charts render in a real browser.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/cli/report/report.js';
import { createFittedForest } from '../../src/forest/fit.js';
import { evaluate } from '../../src/model/evaluate.js';
import { saveModel } from '../../src/model/io.js';
import { createModel } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { dumpDom, screenshot } from '../helpers/chromium.js';
import { chromium, itNeeding } from '../helpers/requirements.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

let dir: string;
let classReport: string;
let regReport: string;

beforeAll(async () => {
  dir = tempDir();
  const churn = join(dir, 'churn.mlinfer');
  const price = join(dir, 'price.mlinfer');
  classReport = join(dir, 'churn.html');
  regReport = join(dir, 'price.html');
  const steps = [
    [
      'train',
      join(FIXTURES, 'customers.csv'),
      '-t',
      'churned',
      '--exclude',
      'customer_id',
      '--n-estimators',
      '15',
      '--test-size',
      '0.2',
      '-q',
      '-o',
      churn,
    ],
    ['evaluate', churn, join(FIXTURES, 'customers.csv'), '--report', classReport],
    [
      'train',
      join(FIXTURES, 'housing.csv'),
      '-t',
      'price',
      '--exclude',
      'house_id',
      '--n-estimators',
      '15',
      '-q',
      '-o',
      price,
    ],
    ['evaluate', price, join(FIXTURES, 'housing.csv'), '--report', regReport],
  ];
  for (const s of steps) {
    const r = await cli(...s);
    expect(r.code, r.stderr).toBe(0);
  }
});

/** Every reference a page could fetch: src/href attributes inside tags, url(), @import. */
function externalRefs(html: string): string[] {
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  const attrs = tags.flatMap((t) => t.match(/\s(?:src|href|xlink:href)\s*=/gi) ?? []);
  return [...attrs, ...(html.match(/url\(|@import/gi) ?? [])];
}

describe('the HTML report', () => {
  it('is one self-contained file with inline SVG charts and the model card', () => {
    const html = readFileSync(classReport, 'utf8');
    expect(externalRefs(html)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('id="training-data-warning"');
    for (const id of ['chart-confusion', 'chart-roc', 'chart-pr', 'chart-calibration', 'chart-importances'])
      expect(html).toContain(`<svg id="${id}"`);
    for (const s of [
      'Model card',
      'data hash',
      'Parameters',
      'Schema (9 features)',
      'Training metrics',
      'holdout',
    ])
      expect(html).toContain(s);
    const reg = readFileSync(regReport, 'utf8');
    for (const id of ['chart-scatter', 'chart-residuals', 'chart-importances'])
      expect(reg).toContain(`<svg id="${id}"`);
    expect(externalRefs(reg)).toEqual([]);
  });

  it('shows global importance from mean absolute contributions beside the impurity importances', () => {
    for (const file of [classReport, regReport]) {
      const html = readFileSync(file, 'utf8');
      const section = html.match(/<section id="importances">[\s\S]*?<\/section>/)![0];
      expect(section).toContain('<svg id="chart-importances"');
      expect(section).toContain('<svg id="chart-contribution-importances"');
      expect(section).toContain('biased toward high-cardinality features');
      const swarm = section.match(/<svg id="chart-beeswarm"[\s\S]*?<\/svg>/)![0];
      // one dot per explained row and feature lane (the fixtures are under the 600-dot thinning)
      expect(swarm.match(/<circle /g)!.length).toBeGreaterThan(100);
      expect(section).not.toContain('id="contributions-omitted"');
    }
    const cls = readFileSync(classReport, 'utf8');
    const bars = cls.match(/<svg id="chart-contribution-importances"[\s\S]*?<\/svg>/)![0];
    for (const f of ['tenure_months', 'monthly_charges', 'contract', 'support_calls'])
      expect(bars).toContain(f);
    expect(cls).toContain('contribution to the probability of yes');
    const reg = readFileSync(regReport, 'utf8');
    expect(reg.match(/<svg id="chart-beeswarm"[\s\S]*?<\/svg>/)![0]).toContain('sqft');
    expect(reg).toContain('contribution to the predicted value');
  });

  it('--json with --report carries the contribution importances, not the per-row points', async () => {
    const r = await cli(
      'evaluate',
      join(dir, 'price.mlinfer'),
      join(FIXTURES, 'housing.csv'),
      '--json',
      '--report',
      join(dir, 'again.html'),
    );
    expect(r.code, r.stderr).toBe(0);
    const g = JSON.parse(r.stdout).contributionImportance;
    expect(g.method).toBe('path');
    expect(g.rows).toBe(2000);
    expect(g.features.map((f: { feature: string }) => f.feature)).toContain('sqft');
    expect(Object.keys(g.features[0]).sort()).toEqual(['feature', 'meanAbs']);
  });

  it('omits the contribution section with a note for a model without node statistics (format 1.0)', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => ({
      a: i % 7,
      b: (i * 13) % 11,
      y: i % 7 > 3 ? 'p' : 'q',
    }));
    const model = await train(rows, { target: 'y', nEstimators: 4 });
    const { nodeStats, ...arrays } = model.forest.arrays;
    expect(nodeStats).toBeDefined();
    const f = model.forest;
    const old = createModel(model.metadata, createFittedForest(arrays, f.params, f.featureImportances));
    const withStats = buildReport({
      model,
      evaluation: await evaluate(model, rows, { maxExplainedRows: 2000 }),
    });
    expect(withStats).toContain('<svg id="chart-beeswarm"');
    const ev = await evaluate(old, rows, { maxExplainedRows: 2000 });
    expect(ev.contributionImportance).toBeNull();
    const html = buildReport({ model: old, evaluation: ev });
    expect(html).toContain('<svg id="chart-importances"');
    expect(html).not.toContain('chart-beeswarm');
    expect(html).not.toContain('chart-contribution-importances');
    expect(html).toMatch(/<p class="muted" id="contributions-omitted">[^<]*no node statistics/);
    // not asked for: neither the section nor the note
    const quiet = buildReport({ model, evaluation: await evaluate(model, rows) });
    expect(quiet).not.toContain('chart-beeswarm');
    expect(quiet).not.toContain('contributions-omitted');
  });

  let evilHtml = '';
  it('escapes every string that comes from the data or the model', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const rows = Array.from({ length: 60 }, (_, i) => ({
      '<script>alert("col")</script>': i,
      "cat' onmouseover='alert(2)": i % 2 ? evil : '"><svg onload=alert(3)>',
      target: i % 3 ? '</title><script>alert(4)</script>' : 'fine & dandy',
    }));
    const model = await train(rows, { target: 'target', nEstimators: 3 });
    const path = join(dir, 'evil.mlinfer');
    await saveModel(model, path);
    const ev = await evaluate(model, rows);
    const html = buildReport({ model, evaluation: ev, modelFile: `${dir}/<b>evil</b>.mlinfer` });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/onmouseover='/);
    expect(html).not.toContain('<b>evil</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;col&quot;)&lt;/script&gt;');
    expect(html).toContain('fine &amp; dandy');
    expect(externalRefs(html)).toEqual([]);
    evilHtml = html;
  });

  itNeeding([chromium], 'the escaped report stays inert in headless Chromium', async () => {
    expect(evilHtml, 'the escaping test runs first').not.toBe('');
    const file = join(dir, 'evil.html');
    writeFileSync(file, evilHtml);
    const dom = await dumpDom(pathToFileURL(file).href);
    expect(dom).not.toMatch(/<script/i);
    expect(dom).not.toMatch(/<img/i);
    expect(dom).toContain('&lt;script&gt;');
  });

  itNeeding([chromium], 'renders its charts in headless Chromium, and a screenshot is saved', async () => {
    const dom = await dumpDom(pathToFileURL(classReport).href);
    for (const id of ['chart-confusion', 'chart-roc', 'chart-pr', 'chart-calibration', 'chart-importances']) {
      const svg = dom.match(new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`))?.[0];
      expect(svg, id).toBeDefined();
      // drawn marks: curves as non-empty paths, bars and heatmap cells as closed paths
      const paths = [...svg!.matchAll(/<path [^>]*\bd="([^"]+)"/g)].map((m) => m[1]);
      expect(paths.length, id).toBeGreaterThan(0);
      expect(
        paths.every((d) => /^M[\d.]+ [\d.]+/.test(d)),
        id,
      ).toBe(true);
    }
    const roc = dom.match(/<svg id="chart-roc"[\s\S]*?<path class="series" d="([^"]+)"/)?.[1] ?? '';
    expect(roc.split('L').length).toBeGreaterThan(5);
    const cells = dom.match(/<svg id="chart-confusion"[\s\S]*?<\/svg>/)![0].match(/class="cell"/g) ?? [];
    expect(cells).toHaveLength(4);
    const png = join(dir, 'report.png');
    await screenshot(pathToFileURL(classReport).href, png, '1280,2400');
    expect(existsSync(png)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(20_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const regDom = await dumpDom(pathToFileURL(regReport).href);
    expect(
      regDom.match(/<svg id="chart-scatter"[\s\S]*?<\/svg>/)![0].match(/<circle /g)!.length,
    ).toBeGreaterThan(500);
    expect(regDom).toMatch(/<svg id="chart-residuals"[\s\S]*?<path class="bar" d="M/);
    const regPng = join(dir, 'report-regression.png');
    await screenshot(pathToFileURL(regReport).href, regPng, '1280,1400');
    expect(statSync(regPng).size).toBeGreaterThan(20_000);
    process.stderr.write(`report screenshots: ${png} ${regPng}\n`);
  });
});
