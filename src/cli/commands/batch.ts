// `mlinfer batch`: score files with a model, for schedulers and pipes. Data goes to stdout only when the
// output is `-`; messages, the progress bar and the summary go to stderr.
import { mkdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { type FileFormat, formatOfPath } from '../../data/file-format.js';
import { MlinferError } from '../../errors.js';
import { driftWarning } from '../../model/drift.js';
import { DEFAULT_MODEL_FILE, loadModel } from '../../model/io.js';
import { writeFileAtomic } from '../../node/atomic-file.js';
import { type BatchFileOptions, type BatchReport, batchPredictFile } from '../../predict/batch-file.js';
import { parseInteger, parseList } from '../options.js';
import { createProgress } from '../progress.js';
import { expandInputs, parseShard, shardFiles } from '../shard.js';

interface BatchFlags {
  model: string;
  format?: FileFormat;
  outputFormat?: FileFormat;
  delimiter?: string;
  proba: boolean;
  explain?: number;
  explainMethod: 'path' | 'shap';
  keep: string[];
  joinInput: boolean;
  rejects?: string;
  report?: string;
  maxErrors?: number;
  threads?: number;
  shard?: string;
  quiet: boolean;
  drift: boolean;
  failOnDrift: boolean;
}

const EXT: Record<FileFormat, string> = { csv: '.csv', jsonl: '.jsonl', parquet: '.parquet' };

function summary(r: BatchReport): string {
  return (
    `scored ${r.rowsIn} rows: ${r.rowsOut} predicted, ${r.rowsRejected} rejected, ` +
    `${(r.durationsMs.total / 1000).toFixed(2)}s, ${r.rowsPerSecond} rows/s -> ${r.output}\n`
  );
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description(
      'score CSV, JSON Lines or Parquet files with a model: one output row or one rejected row per input row',
    )
    .argument(
      '<paths...>',
      'input file(s) (or a glob such as "data/part-*.csv", or - for stdin), then the output file (- for stdout) or folder',
    )
    .option('-m, --model <file>', 'the model file', DEFAULT_MODEL_FILE)
    .addOption(
      new Option('--format <format>', 'input format (default: by extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .addOption(
      new Option(
        '--output-format <format>',
        'output format (default: by extension, else the input format)',
      ).choices(['csv', 'jsonl', 'parquet']),
    )
    .option('--delimiter <char>', 'CSV input delimiter (default , or tab for .tsv)')
    .option('--proba', 'add one probability column per class: proba_<label>', false)
    .option(
      '--explain <n>',
      'add n reason columns per row: reason_k, reason_k_value, reason_k_contribution (largest effect first)',
      parseInteger('--explain', 1),
    )
    .addOption(
      new Option(
        '--explain-method <method>',
        'how --explain finds reasons: path (fast) or shap (exact TreeSHAP)',
      )
        .choices(['path', 'shap'])
        .default('path'),
    )
    .option('--keep <columns>', 'input columns to carry into the output, comma-separated', parseList, [])
    .option('--join-input', 'carry every input column into the output', false)
    .option(
      '--rejects <file>',
      'write rejected rows as JSON Lines (row, raw, reasons); a folder with several inputs',
    )
    .option('--report <file>', 'write the run report (counts, durations, rows/s) as JSON')
    .option(
      '--max-errors <n>',
      'fail with exit code 3 when more rows are rejected',
      parseInteger('--max-errors', 0),
    )
    .option(
      '--threads <n>',
      'worker threads (default: all cores; 0: the main thread)',
      parseInteger('--threads', 0),
    )
    .option('--shard <i/n>', 'score only input file k where k mod n = i (several inputs, output folder)')
    .option(
      '--no-drift',
      "do not compare the input with the model's training profile (on by default when it has one)",
    )
    .option(
      '--fail-on-drift',
      'exit 4 (MLI_DRIFT), writing the report but not the output, when a feature or the predictions drift past PSI 0.25',
      false,
    )
    .option('-q, --quiet', 'no progress bar and no summary', false)
    .action(async (paths: string[], f: BatchFlags) => {
      if (paths.length < 2)
        throw new MlinferError(
          'MLI_INVALID_OPTION',
          'batch needs an input and an output: mlinfer batch <input> <output>',
        );
      const output = paths[paths.length - 1];
      const patterns = paths.slice(0, -1);
      const shard = f.shard === undefined ? null : parseShard(f.shard);
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const model = await loadModel(f.model);
        const base: Omit<BatchFileOptions, 'rejectsPath' | 'reportPath'> = {
          model,
          modelPath: f.model,
          inputFormat: f.format,
          outputFormat: f.outputFormat,
          delimiter: f.delimiter,
          proba: f.proba,
          explain: f.explain,
          explainMethod: f.explainMethod,
          keep: f.keep,
          joinInput: f.joinInput,
          maxErrors: f.maxErrors,
          threads: f.threads,
          signal: controller.signal,
          ...(f.drift ? {} : { drift: false }),
          failOnDrift: f.failOnDrift,
        };
        const single = patterns.length === 1 && !/[*?]/.test(patterns[0]) && shard === null;
        if (single) {
          const r = await runOne(
            patterns[0],
            output,
            { ...base, rejectsPath: f.rejects, reportPath: f.report },
            f,
          );
          if (!f.quiet) process.stderr.write(summary(r));
          return;
        }
        await runMany(patterns, output, base, f, shard);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

async function runOne(
  input: string,
  output: string,
  o: BatchFileOptions,
  f: BatchFlags,
): Promise<BatchReport> {
  const total =
    input === '-'
      ? 0
      : await stat(input).then(
          (s) => s.size,
          () => 0,
        );
  const progress = createProgress(`scoring ${basename(input)}`, !f.quiet && total > 0);
  const started = Date.now();
  let report: BatchReport;
  try {
    report = await batchPredictFile(input, output, {
      ...o,
      onProgress: (s) => {
        const secs = (Date.now() - started) / 1000;
        const rps = secs > 0 ? Math.round(s.rowsIn / secs) : 0;
        progress.update(s.bytesRead, total, `${s.rowsIn} rows ${rps} rows/s`);
      },
    });
  } finally {
    progress.done();
  }
  // a warning even with --quiet: it is the one line that says the scores may not be trusted
  const warning = report.drift ? driftWarning(report.drift) : null;
  if (warning) process.stderr.write(`mlinfer: warning: ${basename(input)}: ${warning}\n`);
  return report;
}

/** Several inputs (or a shard of them) into an output folder: one output file per input file. */
async function runMany(
  patterns: string[],
  outDir: string,
  base: Omit<BatchFileOptions, 'rejectsPath' | 'reportPath'>,
  f: BatchFlags,
  shard: ReturnType<typeof parseShard> | null,
): Promise<void> {
  if (patterns.includes('-') || outDir === '-')
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      'with several inputs or --shard, use files and an output folder, not -',
    );
  const all = await expandInputs(patterns);
  if (all.length === 0)
    throw new MlinferError('MLI_NOT_FOUND', `no input file matches ${patterns.join(' ')}`);
  const mine = shardFiles(all, shard);
  const names = new Map<string, string>();
  for (const file of all) {
    const stem = basename(file, extname(file));
    const other = names.get(stem);
    if (other !== undefined)
      throw new MlinferError('MLI_INVALID_OPTION', `${other} and ${file} would write the same output file`);
    names.set(stem, file);
  }
  if ((await stat(outDir).catch(() => null))?.isFile())
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `with several inputs or --shard the output must be a folder: ${outDir}`,
    );
  await mkdir(outDir, { recursive: true });
  if (f.rejects) await mkdir(f.rejects, { recursive: true });
  const reports: BatchReport[] = [];
  let failure: unknown = null;
  for (const file of mine) {
    const inFormat = f.format ?? formatOfPath(file) ?? 'csv';
    const outFormat = f.outputFormat ?? inFormat;
    const stem = basename(file, extname(file));
    const out = join(outDir, stem + EXT[outFormat]);
    try {
      const r = await runOne(
        file,
        out,
        { ...base, rejectsPath: f.rejects ? join(f.rejects, `${stem}.rejects.jsonl`) : undefined },
        f,
      );
      reports.push(r);
      if (!f.quiet) process.stderr.write(summary(r));
    } catch (e) {
      const r = (e as { report?: BatchReport }).report;
      if (r) reports.push(r);
      failure = e;
      break;
    }
  }
  const totals = {
    shard: shard ? `${shard.index}/${shard.count}` : null,
    filesMatched: all.length,
    files: mine.length,
    rowsIn: reports.reduce((s, r) => s + r.rowsIn, 0),
    rowsOut: reports.reduce((s, r) => s + r.rowsOut, 0),
    rowsRejected: reports.reduce((s, r) => s + r.rowsRejected, 0),
  };
  if (f.report) {
    const text = `${JSON.stringify({ ...totals, status: failure ? 'failed' : 'ok', reports }, null, 2)}\n`;
    await writeFileAtomic(f.report, new TextEncoder().encode(text), 'report file');
  }
  if (!f.quiet && !failure)
    process.stderr.write(
      `shard ${totals.shard ?? 'all'}: ${totals.files} of ${totals.filesMatched} files, ${totals.rowsIn} rows in, ${totals.rowsOut} out, ${totals.rowsRejected} rejected\n`,
    );
  if (failure) throw failure;
}
