// `mlinfer evaluate <model> <data>`: scores a labelled file and prints the metrics (text or --json), and
// writes the HTML report with --report.
import { stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MlinferError } from '../../errors.js';
import { driftWarning } from '../../model/drift.js';
import { type Evaluation, evaluate } from '../../model/evaluate.js';
import { loadModel } from '../../model/io.js';
import { parseInteger } from '../options.js';
import { metric } from '../report/html.js';
import { buildReport } from '../report/report.js';

/** Rows explained for the report's global importance from contributions. */
const REPORT_EXPLAINED_ROWS = 2000;

interface EvaluateFlags {
  json: boolean;
  report?: string;
  delimiter?: string;
  showRejected: number;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The evaluation as text for a terminal. */
export function formatEvaluation(e: Evaluation, showRejected: number): string {
  const lines = [
    `model ${e.modelVersion} on ${e.source}: ${e.rows} rows scored, ${e.rejectedCount} rejected (target ${JSON.stringify(e.target)})`,
  ];
  if (e.task === 'classification') {
    lines.push(
      `  accuracy ${metric(e.accuracy)}   ROC AUC ${metric(e.rocAuc)}${e.classes.length > 2 ? ' (macro one-vs-rest)' : ''}   log loss ${metric(e.logLoss)}   macro F1 ${metric(e.macroF1)}`,
      '',
    );
    const w = Math.min(24, Math.max(5, ...e.classes.map((c) => c.length)));
    lines.push(`  ${pad('class', w)}  precision  recall     F1         support`);
    for (const c of e.perClass)
      lines.push(
        `  ${pad(c.label, w)}  ${pad(metric(c.precision), 9)}  ${pad(metric(c.recall), 9)}  ${pad(metric(c.f1), 9)}  ${c.support}`,
      );
    lines.push('', '  confusion matrix (rows: actual, columns: predicted)');
    const cw = Math.max(6, ...e.confusion.flat().map((v) => String(v).length + 1));
    lines.push(`  ${pad('', w)}  ${e.classes.map((c) => pad(c.slice(0, cw - 1), cw)).join('')}`);
    e.confusion.forEach((row, a) => {
      lines.push(`  ${pad(e.classes[a], w)}  ${row.map((v) => pad(String(v), cw)).join('')}`);
    });
  } else {
    lines.push(`  R2 ${metric(e.r2)}   MAE ${metric(e.mae)}   RMSE ${metric(e.rmse)}`);
  }
  if (e.isTrainingData)
    lines.push(
      '  warning: these are the rows the model was trained on, so the scores are optimistic; evaluate on rows held out from training',
    );
  if (e.unknownCategories > 0)
    lines.push(`  ${e.unknownCategories} unknown category value(s) were treated as missing`);
  if (e.drift)
    lines.push(
      `  ${driftWarning(e.drift) ?? `drift ok: no feature or prediction at the watch level (PSI ${e.drift.thresholds.psiWatch})`}`,
    );
  if (e.rejectedCount > 0) {
    lines.push('', `  rejected rows (${e.rejectedCount}; not scored):`);
    for (const r of e.rejected.slice(0, showRejected))
      lines.push(`    row ${r.row}: ${r.reasons.join('; ')}`);
    if (e.rejectedCount > Math.min(showRejected, e.rejected.length))
      lines.push(
        `    ... and ${e.rejectedCount - Math.min(showRejected, e.rejected.length)} more (--json lists up to 100)`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'score a model on a labelled CSV or JSON Lines file: metrics, and an HTML report with --report',
    )
    .argument('<model>', 'the model file')
    .argument('<data>', 'labelled data: a .csv or .jsonl file with the model features and its target column')
    .option('--json', 'print the whole evaluation as JSON on stdout', false)
    .option('--report <file>', 'write a self-contained HTML report (charts and the model card)')
    .option('--delimiter <char>', 'CSV delimiter', ',')
    .option(
      '--show-rejected <n>',
      'rejected rows listed in the text output',
      parseInteger('--show-rejected'),
      10,
    )
    .action(async (modelPath: string, data: string, f: EvaluateFlags) => {
      if (f.delimiter !== undefined && f.delimiter.length !== 1)
        throw new MlinferError(
          'MLI_INVALID_OPTION',
          `--delimiter must be one character, got ${JSON.stringify(f.delimiter)}`,
        );
      const model = await loadModel(modelPath);
      // the report's global importance explains an even sample of at most 2000 rows: about 2000 predictions
      const ev = await evaluate(model, data, {
        delimiter: f.delimiter,
        maxExplainedRows: f.report ? REPORT_EXPLAINED_ROWS : 0,
      });
      if (f.report) {
        const size = await stat(modelPath).then((s) => s.size);
        const html = buildReport({ model, evaluation: ev, modelFile: modelPath, modelBytes: size });
        try {
          await writeFile(f.report, html);
        } catch (cause) {
          throw new MlinferError(
            'MLI_IO',
            `cannot write the report ${f.report}: ${(cause as Error).message}`,
            { cause },
          );
        }
      }
      // JSON has no NaN: JSON.stringify writes undefined metrics (no positives, an empty bin) as null
      // the per-row contributions are the report's beeswarm: JSON keeps the importances only
      const g = ev.contributionImportance;
      const forJson = g
        ? {
            ...ev,
            contributionImportance: {
              ...g,
              features: g.features.map((x) => ({ feature: x.feature, meanAbs: x.meanAbs })),
            },
          }
        : ev;
      if (f.json) process.stdout.write(`${JSON.stringify(forJson, null, 2)}\n`);
      else process.stdout.write(formatEvaluation(ev, f.showRejected));
      if (f.report) process.stderr.write(`wrote ${f.report}\n`);
    });
}
