// The built browser bundle (dist/browser.js) in headless Chromium: a page served from 127.0.0.1 fetches a
// model file, creates the predictor and writes its predictions into the DOM; they must equal Node's, number
// for number. It also trains a forest in the page (fitForestSync), turns it into a model (modelFromForest)
// and predicts with it: the same numbers as Node's for the same data and seed. dist/ is built when missing
// (test/helpers/dist.ts); without Chromium the suite fails in CI and is skipped elsewhere.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fitForestSync } from '../../src/forest/fit.js';
import { modelFromForest, modelToBytes } from '../../src/model/model.js';
import { createPredictor } from '../../src/predict/predictor-node.js';
import { makeClassification } from '../forest/helpers.js';
import { dumpDom } from '../helpers/chromium.js';
import { BUILD_TIMEOUT_MS, DIST, ensureDist } from '../helpers/dist.js';
import { chromium, describeNeeding } from '../helpers/requirements.js';
import { customersModel, RECORD, ROOT } from '../serve/helpers.js';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>mlinfer browser test</title></head>
<body><pre id="out">pending</pre>
<script type="module">
  const out = document.getElementById('out');
  try {
    const { createPredictor, fitForestSync, modelFromBytes, modelFromForest, modelToBytes } = await import('/dist/browser.js');
    const bytes = new Uint8Array(await (await fetch('/model.mlinfer')).arrayBuffer());
    const rows = await (await fetch('/rows.json')).json();
    const predictor = createPredictor(bytes);
    // a forest trained here, made a model, through its file bytes and back
    const t = await (await fetch('/train.json')).json();
    const X = { data: Float64Array.from(t.X), nRows: t.nRows, nFeatures: t.nFeatures };
    const forest = fitForestSync(X, Float64Array.from(t.y), t.options);
    const trained = createPredictor(modelFromBytes(modelToBytes(modelFromForest(forest, t.model))));
    out.textContent = JSON.stringify({
      version: predictor.modelVersion,
      predictions: rows.map((r) => predictor.predict(r)),
      trained: t.rows.map((r) => trained.predict(r).probabilities),
    });
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

/** The forest trained in the page: data, parameters and the rows it predicts, as JSON. */
function trainingJob() {
  const { X, y } = makeClassification(300, 4, 7);
  const rows = Array.from({ length: 10 }, (_, r) => Array.from(X.data.subarray(r * 4, r * 4 + 4)));
  return {
    X: Array.from(X.data),
    nRows: X.nRows,
    nFeatures: X.nFeatures,
    y: Array.from(y),
    options: { task: 'classification' as const, nEstimators: 8, seed: 3 },
    model: { featureNames: ['a', 'b', 'c', 'd'], classes: ['lo', 'mid', 'hi'] },
    rows,
  };
}

let server: Server;
let base: string;
let expected: unknown;

async function serve(): Promise<void> {
  ensureDist();
  const { model } = await customersModel();
  const bytes = modelToBytes(model);
  const p = createPredictor(model);
  const job = trainingJob();
  const forest = fitForestSync(
    { data: Float64Array.from(job.X), nRows: job.nRows, nFeatures: job.nFeatures },
    Float64Array.from(job.y),
    job.options,
  );
  const trained = createPredictor(modelFromForest(forest, job.model));
  expected = JSON.parse(
    JSON.stringify({
      version: p.modelVersion,
      predictions: ROWS.map((r) => p.predict(r as never)),
      trained: job.rows.map((r) => trained.predict(r).probabilities),
    }),
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
    if (url === '/train.json') return send('application/json', JSON.stringify(job));
    // Only .js files directly in dist/ (the entry and its chunks).
    const file = normalize(join(ROOT, url));
    if (/^\/dist\/[\w.-]+\.js$/.test(url) && file.startsWith(DIST) && existsSync(file))
      return send('text/javascript', readFileSync(file));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describeNeeding([chromium], 'browser bundle in headless Chromium', () => {
  beforeAll(serve, BUILD_TIMEOUT_MS);
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('predicts exactly what Node predicts for the same model file and rows, and for a forest trained in the page', async () => {
    const dom = await dumpDom(`${base}/`, 20_000);
    const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(dom);
    expect(m, dom.slice(0, 2000)).not.toBeNull();
    const text = decode(m![1]);
    expect(text.startsWith('ERROR'), text).toBe(false);
    expect(JSON.parse(text)).toEqual(expected);
  });
});
