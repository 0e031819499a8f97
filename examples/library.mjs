// Library use, end to end: train on a CSV, save the model file, load it once, predict records.
// Run: npm run build && node examples/library.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPredictor, saveModel, train } from '../dist/index.js';

const here = new URL('.', import.meta.url).pathname;
const model = await train(join(here, '../fixtures/customers.csv'), {
  target: 'churned',
  exclude: ['customer_id'],
  nEstimators: 50,
  testSize: 0.2,
  seed: 1,
});
console.log('holdout', model.metadata.metrics.holdout);

const path = join(mkdtempSync(join(tmpdir(), 'mlinfer-example-')), 'churn.mlinfer');
await saveModel(model, path);

const predictor = createPredictor(path);
const result = predictor.predict({
  age: 39,
  tenure_months: 2,
  monthly_charges: 54.61,
  contract: 'month-to-month',
  plan: 'Standard',
  has_partner: 'no',
  paperless_billing: true,
  support_calls: 7,
  city: 'Springfield, IL',
});
console.log(JSON.stringify(result));
