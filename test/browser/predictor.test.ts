// The built browser bundle (dist/browser.js) in headless Chromium: a page served from 127.0.0.1 fetches a
// model file, creates the predictor and writes its predictions into the DOM; they must equal Node's, number
// for number. Builds nothing: `npm test` builds first (pretest). Skips only outside CI when dist or
// Chromium is missing.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelToBytes } from '../../src/model/model.js';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { chromiumRequired, dumpDom } from '../helpers/chromium.js';
import { customersModel, RECORD, ROOT } from '../serve/helpers.js';

const DIST = join(ROOT, 'dist');
const ci = process.env.CI === 'true';
const runnable = ci || (existsSync(join(DIST, 'browser.js')) && chromiumRequired());
const suite = runnable ? describe : describe.skip;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>mlinfer browser test</title></head>
<body><pre id="out">pending</pre>
<script type="module">
  const out = document.getElementById('out');
  try {
    const { createPredictor } = await import('/dist/browser.js');
    const bytes = new Uint8Array(await (await fetch('/model.mlinfer')).arrayBuffer());
    const rows = await (await fetch('/rows.json')).json();
    const predictor = createPredictor(bytes);
    out.textContent = JSON.stringify({ version: predictor.modelVersion, predictions: rows.map((r) => predictor.predict(r)) });
  } catch (e) {
    out.textContent = 'ERROR ' + (e && e.stack || e);
  }
</script></body></html>`;

/** Rows covering numbers, strings for numbers, missing values, unknown categories and arrays. */
const ROWS: unknown[] = [
  RECORD,
  { ...RECORD, age: 71, tenure_months: 60, contract: 'two year', plan: 'Premium' },
  { ...RECORD, monthly_charges: null, city: 'Atlantis', has_partner: 'yes' },
  { ...RECORD, age: '23', support_calls: '0', paperless_billing: 'FALSE' },
  Object.values({ ...RECORD, tenure_months: 12.5 }),
];

let server: Server;
let base: string;
let expected: unknown;

beforeAll(async () => {
  if (!runnable) return;
  const { model } = await customersModel();
  const bytes = modelToBytes(model);
  const p = createPredictor(model);
  expected = JSON.parse(
    JSON.stringify({ version: p.modelVersion, predictions: ROWS.map((r) => p.predict(r as never)) }),
  );
  server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (type: string, body: string | Uint8Array) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url === '/' || url === '/index.html') return send('text/html; charset=utf-8', PAGE);
    if (url === '/model.mlinfer') return send('application/octet-stream', bytes);
    if (url === '/rows.json') return send('application/json', JSON.stringify(ROWS));
    // Only .js files directly in dist/ (the entry and its chunks).
    const file = normalize(join(ROOT, url));
    if (/^\/dist\/[\w.-]+\.js$/.test(url) && file.startsWith(DIST) && existsSync(file))
      return send('text/javascript', readFileSync(file));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

suite('browser bundle in headless Chromium', () => {
  it('predicts exactly what Node predicts for the same model file and rows', async () => {
    if (!existsSync(join(DIST, 'browser.js')))
      throw new Error('dist/browser.js is missing: run npm run build');
    const dom = await dumpDom(`${base}/`, 20_000);
    const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(dom);
    expect(m, dom.slice(0, 2000)).not.toBeNull();
    const text = decode(m![1]);
    expect(text.startsWith('ERROR'), text).toBe(false);
    expect(JSON.parse(text)).toEqual(expected);
  });
});
