// The main job on the bundled fixtures, with the real CLI: train, evaluate (with the HTML report) on customers
// the model never saw, and batch-score them.
// Run from the repository root: npm run demo   (it builds first). Outputs go to demo-out/.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'demo-out');
mkdirSync(out, { recursive: true });
const cli = join(root, 'bin', 'mlinfer.js');
const data = join(root, 'fixtures', 'customers.csv');
// 1,000 customers the model never saw (same generator, another seed): an honest evaluation, and the "new data"
const fresh = join(root, 'fixtures', 'customers_new.csv');
const model = join(out, 'customers.mlinfer');

function step(title, args) {
  process.stderr.write(`\n$ mlinfer ${args.join(' ').replaceAll(root, '')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`demo: "${title}" failed with exit code ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
}

step('train', [
  'train',
  data,
  '--target',
  'churned',
  // customer_id, a different string on every row, is left out by itself (a note says so)
  '--test-size',
  '0.2',
  '-o',
  model,
]);
step('evaluate', ['evaluate', model, fresh, '--report', join(out, 'report.html')]);
step('batch', [
  'batch',
  fresh,
  join(out, 'predictions.csv'),
  '--model',
  model,
  '--proba',
  '--keep',
  'customer_id',
  '--report',
  join(out, 'batch-report.json'),
]);
process.stderr.write(
  `\ndemo: done. See ${join('demo-out', 'report.html')} and ${join('demo-out', 'predictions.csv')}\n`,
);
