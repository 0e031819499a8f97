// `mlinfer explain <model> <row.json>`: why the model predicts what it does for one record, for people
// debugging one case.
import { type Command, Option } from 'commander';
import { MlinferError } from '../../errors.js';
import { loadModel } from '../../model/io.js';
import type { Explanation } from '../../predict/explanation.js';
import type { PredictRecord } from '../../predict/predictor.js';
import { createPredictorFromModel } from '../../predict/predictor.js';
import { parseInteger } from '../options.js';
import { readTextFile } from '../read-text.js';

/** Reads one record from a JSON file: an object keyed by feature name, or an array in schema order. */
export async function readRecord(path: string): Promise<PredictRecord> {
  const text = await readTextFile(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MlinferError('MLI_INVALID_DATA', `${path} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null)
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `${path} must hold one record: a JSON object keyed by feature name, or an array in schema order`,
    );
  return value as PredictRecord;
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}

/** The explanation as text for a terminal: the prediction, the base value, then one line per feature. */
export function formatExplanation(e: Explanation, target: string): string {
  const what =
    e.output.class === undefined
      ? `${target} = ${e.output.value.toPrecision(6)}`
      : `${target} = ${JSON.stringify(e.prediction)} (probability ${e.output.value.toFixed(4)})`;
  const output = e.output.class === undefined ? 'value' : `probability of ${JSON.stringify(e.output.class)}`;
  const width = Math.max(8, ...e.contributions.map((c) => c.feature.length + 2));
  const shown = e.contributions.map((c) => (c.value === null ? 'missing' : JSON.stringify(c.value)));
  const valueWidth = Math.max(6, ...shown.map((s) => Math.min(s.length, 30)));
  const lines = [
    `${what}; model ${e.modelVersion}, method ${e.method}`,
    `base value ${e.baseValue.toFixed(4)}: the mean ${output} over the training data`,
    `  ${'feature'.padEnd(width)} ${'value'.padEnd(valueWidth)} contribution`,
  ];
  e.contributions.forEach((c, i) => {
    const value = shown[i].length > 30 ? `${shown[i].slice(0, 29)}…` : shown[i];
    lines.push(
      `  ${JSON.stringify(c.feature).padEnd(width)} ${value.padEnd(valueWidth)} ${signed(c.contribution)}`,
    );
  });
  const total = e.contributions.reduce((s, c) => s + c.contribution, e.baseValue);
  const rest =
    Math.abs(total - e.output.value) > 1e-9 ? ' (shown features only; the others make up the rest)' : '';
  lines.push(`base value + contributions = ${total.toFixed(4)}${rest}`);
  return `${lines.join('\n')}\n`;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('explain one prediction: the contribution of each feature (path or exact TreeSHAP)')
    .argument('<model>', 'the model file')
    .argument('<record>', 'a JSON file holding one record (an object keyed by feature name, or an array)')
    .addOption(
      new Option('--method <method>', 'path (Saabas, fast) or shap (exact TreeSHAP)')
        .choices(['path', 'shap'])
        .default('path'),
    )
    .option('--top <n>', 'show only the n largest contributions', parseInteger('--top', 1))
    .option('--json', 'print JSON on stdout', false)
    .action(
      async (
        file: string,
        recordFile: string,
        f: { method: 'path' | 'shap'; top?: number; json: boolean },
      ) => {
        const model = await loadModel(file);
        const record = await readRecord(recordFile);
        const e = createPredictorFromModel(model).explain(record, { method: f.method, top: f.top });
        process.stdout.write(
          f.json ? `${JSON.stringify(e, null, 2)}\n` : formatExplanation(e, model.metadata.target),
        );
      },
    );
}
