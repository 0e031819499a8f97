// `mlinfer drift <model> <data>`: compares a file of new data with the training profile stored in the model:
// text (or --json) on stdout, an HTML page with --report, exit 4 (MLI_DRIFT) with --fail-on-drift.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MlinferError } from '../../errors.js';
import { type DriftOptions, type DriftReport, driftError, resolveDriftOptions } from '../../model/drift.js';
import { driftOf } from '../../model/drift-of.js';
import { loadModel } from '../../model/io.js';
import { readTableFile } from '../../model/train.js';
import { parseInteger, parseNumber } from '../options.js';
import { buildDriftPage } from '../report/drift-report.js';

interface DriftFlags {
  json: boolean;
  report?: string;
  delimiter?: string;
  psiWatch?: number;
  psiAct?: number;
  bins?: number;
  failOnDrift: boolean;
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

/** The drift report as text for a terminal: one line per feature, the most drifted first, then the predictions. */
export function formatDrift(r: DriftReport & { rejectedRows?: number }, source: string): string {
  const t = r.thresholds;
  const w = Math.max(12, ...r.features.map((f) => f.feature.length + 2));
  const lines = [
    `${source}: ${r.rows} rows${r.rejectedRows ? ` (${r.rejectedRows} rejected)` : ''} against ${r.trainingRows} training rows; PSI watch ${t.psiWatch}, act ${t.psiAct}`,
    `drift: ${r.level}${r.drifted.length ? `; drifted: ${r.drifted.join(', ')}` : ''}`,
    `  ${'feature'.padEnd(w)} ${'type'.padEnd(12)} ${'PSI'.padStart(8)} ${'JS'.padStart(7)}  ${'missing train -> new'.padEnd(21)} ${'unseen'.padStart(7)}  level`,
  ];
  for (const f of r.features)
    lines.push(
      `  ${f.feature.padEnd(w)} ${f.type.padEnd(12)} ${f.psi.toFixed(4).padStart(8)} ${f.jsDistance.toFixed(4).padStart(7)}  ${`${pct(f.missingRate.training)} -> ${pct(f.missingRate.current)}`.padEnd(21)} ${pct(f.unseenRate).padStart(7)}  ${f.level}`,
    );
  const p = r.prediction;
  lines.push(
    `  ${'(predictions)'.padEnd(w)} ${''.padEnd(12)} ${p.psi.toFixed(4).padStart(8)} ${p.jsDistance.toFixed(4).padStart(7)}  ${''.padEnd(21)} ${''.padStart(7)}  ${p.level}`,
  );
  return `${lines.join('\n')}\n`;
}

export function registerDrift(program: Command): void {
  program
    .command('drift')
    .description(
      "compare a data file with the model's training profile: PSI per feature and for the predictions",
    )
    .argument('<model>', 'the model file (trained by mlinfer 0.1 with format 1.2 or later)')
    .argument(
      '<data>',
      'new data: a .csv or .jsonl file with the model features (a target column is ignored)',
    )
    .option('--json', 'print the drift report as JSON on stdout', false)
    .option(
      '--report <file>',
      'write a self-contained HTML page: training vs new distributions of the worst features',
    )
    .option('--delimiter <char>', 'CSV delimiter')
    .option(
      '--psi-watch <x>',
      'PSI from which a feature is worth watching (default 0.1)',
      parseNumber('--psi-watch'),
    )
    .option('--psi-act <x>', 'PSI from which a feature has drifted (default 0.25)', parseNumber('--psi-act'))
    .option('--bins <n>', 'groups of a numeric feature compared (default 10)', parseInteger('--bins'))
    .option(
      '--fail-on-drift',
      'exit 4 (MLI_DRIFT) when a feature or the predictions reach the act level',
      false,
    )
    .action(async (modelPath: string, data: string, f: DriftFlags) => {
      const options: DriftOptions = {};
      if (f.psiWatch !== undefined) options.psiWatch = f.psiWatch;
      if (f.psiAct !== undefined) options.psiAct = f.psiAct;
      if (f.bins !== undefined) options.bins = f.bins;
      resolveDriftOptions(options);
      const model = await loadModel(modelPath);
      const report = driftOf(model, await readTableFile(data, f.delimiter), options);
      if (f.report) {
        try {
          await writeFile(f.report, buildDriftPage({ model, report, source: data }));
        } catch (cause) {
          throw new MlinferError(
            'MLI_IO',
            `cannot write the report ${f.report}: ${(cause as Error).message}`,
            {
              cause,
            },
          );
        }
      }
      process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : formatDrift(report, data));
      if (f.report) process.stderr.write(`wrote ${f.report}\n`);
      if (f.failOnDrift && report.level === 'act') throw driftError(report);
    });
}
