import { type Command, Option } from 'commander';
import { MlinferError } from '../../errors.js';
import { DEFAULT_MODEL_FILE, saveModel } from '../../model/io.js';
import type { Model } from '../../model/model.js';
import { type TrainOptions, train } from '../../model/train.js';
import { parseInteger, parseList, parseNumber, parseNumberOrWord } from '../options.js';
import { createProgress, type Progress } from '../progress.js';
import { parseShard, type Shard } from '../shard.js';
import { trainingInput } from '../train-input.js';

interface TrainFlags {
  target?: string;
  output: string;
  task?: 'classification' | 'regression';
  exclude: string[];
  keepIdColumns: boolean;
  numeric: string[];
  categorical: string[];
  boolean: string[];
  testSize: number;
  seed: number;
  nEstimators: number;
  criterion?: string;
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures?: number | string | null;
  bootstrap: boolean;
  maxSamples?: number | null;
  classWeight?: string;
  maxBins: number;
  maxCategories: number;
  threads?: number;
  delimiter?: string;
  tune: boolean;
  skipInvalidRows: boolean;
  json: boolean;
  quiet: boolean;
  shard?: Shard;
  streaming?: boolean;
}

function classWeightOf(v: string | undefined): TrainOptions['classWeight'] {
  if (v === undefined || v === 'none') return null;
  if (v === 'balanced' || v === 'balanced_subsample') return v;
  // label=weight,label=weight
  const out: Record<string, number> = {};
  for (const part of v.split(',')) {
    const [label, w] = part.split('=');
    const n = Number(w);
    if (!label || w === undefined || !Number.isFinite(n))
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `--class-weight must be none, balanced, balanced_subsample or label=weight,..., got ${v}`,
      );
    out[label.trim()] = n;
  }
  return out;
}

interface TuningTry {
  minSamplesLeaf: number;
  maxFeatures: string | number;
  score: number;
  metric: string;
}

function fmt(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? '-' : n.toFixed(4);
}

/** The --numeric, --categorical and --boolean lists as one map; a column given two types is refused. */
function typesOf(f: TrainFlags): Record<string, 'numeric' | 'categorical' | 'boolean'> {
  const types: Record<string, 'numeric' | 'categorical' | 'boolean'> = {};
  for (const [type, cols] of [
    ['numeric', f.numeric],
    ['categorical', f.categorical],
    ['boolean', f.boolean],
  ] as const)
    for (const c of cols) {
      if (types[c] && types[c] !== type)
        throw new MlinferError(
          'MLI_INVALID_OPTION',
          `column ${JSON.stringify(c)} is given two types: --${types[c]} and --${type}`,
        );
      types[c] = type;
    }
  return types;
}

/** train()'s options from the flags. */
function trainOptionsOf(f: TrainFlags, onProgress: TrainOptions['onProgress']): TrainOptions {
  const types = typesOf(f);
  if (f.delimiter !== undefined && f.delimiter.length !== 1)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `--delimiter must be one character, got ${JSON.stringify(f.delimiter)}`,
    );
  return {
    target: f.target,
    task: f.task,
    exclude: f.exclude,
    keepIdColumns: f.keepIdColumns,
    types,
    testSize: f.testSize,
    seed: f.seed,
    nEstimators: f.nEstimators,
    criterion: f.criterion as never,
    maxDepth: f.maxDepth,
    minSamplesSplit: f.minSamplesSplit,
    minSamplesLeaf: f.minSamplesLeaf,
    maxFeatures: f.maxFeatures as never,
    bootstrap: f.bootstrap,
    maxSamples: f.maxSamples ?? null,
    classWeight: classWeightOf(f.classWeight),
    maxBins: f.maxBins,
    maxCategories: f.maxCategories,
    nThreads: f.threads,
    delimiter: f.delimiter,
    tune: f.tune,
    skipInvalidRows: f.skipInvalidRows,
    streaming: f.streaming,
    onProgress,
    shard: f.shard,
  };
}

/** `mlinfer train`: trains, writes the model, and prints the summary (or JSON) with the notes on stderr. */
async function runTrain(data: string[], f: TrainFlags): Promise<void> {
  // The flags are checked before the progress bar starts.
  const show = !f.quiet && !f.json;
  const passes = passProgress(show);
  const options = trainOptionsOf(f, (done, total) => {
    passes.end();
    progress.update(done, total, `${done}/${total} trees`);
  });
  options.onPassProgress = passes.update;
  const progress = createProgress(f.tune ? 'tuning' : 'training', show);
  const started = Date.now();
  const model = await train(await trainingInput(data), options);
  passes.end();
  progress.done();
  await saveModel(model, f.output);
  const m = model.metadata;
  const seconds = (Date.now() - started) / 1000;
  if (f.json) {
    process.stdout.write(
      `${JSON.stringify({ model: f.output, seconds, task: m.task, target: m.target, classes: m.classes, trainingRows: m.trainingRows, features: model.featureNames, params: m.params, metrics: m.metrics, featureImportances: m.featureImportances, notes: m.notes, modelVersion: m.modelVersion }, null, 2)}\n`,
    );
    return;
  }
  // notes are warnings (stderr); the summary is the command's result (stdout)
  for (const n of m.notes) process.stderr.write(`note: ${n}\n`);
  process.stdout.write(formatSummary(model, f.output, seconds));
}

/** One progress bar per streaming pass (bytes, or rows for Parquet), closed when the next starts. */
function passProgress(show: boolean): {
  update: (pass: 1 | 2, done: number, total: number) => void;
  end: () => void;
} {
  let pass = 0;
  let bar: Progress | null = null;
  const end = (): void => {
    bar?.done();
    bar = null;
  };
  return {
    update(p, done, total) {
      if (p !== pass) {
        end();
        pass = p;
        bar = createProgress(p === 1 ? 'pass 1/2 (schema, sketches)' : 'pass 2/2 (binning)', show);
      }
      bar?.update(done, total);
    },
    end,
  };
}

/** Declares `mlinfer train`. Long because it is the flag list, one declaration per flag; the work is in runTrain. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a random forest on CSV, JSON Lines or Parquet files and write one model file')
    .argument(
      '<data...>',
      'training data: .csv, .jsonl or .parquet file(s), or a glob such as "data/part-*.csv"; large files, several files and Parquet train in two streaming passes',
    )
    .option(
      '-t, --target <column>',
      'the column to predict (default: a column named target, label or y, else the last column)',
    )
    .option('-o, --output <file>', 'where to write the model', DEFAULT_MODEL_FILE)
    .addOption(
      new Option(
        '--task <task>',
        'what to predict (default: classification for text, boolean, or integer targets with at most 20 distinct values; regression for other numbers)',
      ).choices(['classification', 'regression']),
    )
    .option('--exclude <columns>', 'columns to leave out, comma-separated (ids, timestamps)', parseList, [])
    .option(
      '--keep-id-columns',
      'train on columns that identify rows (distinct strings, increasing integer keys), left out by default',
      false,
    )
    .option('--numeric <columns>', 'force these columns to numeric', parseList, [])
    .option('--categorical <columns>', 'force these columns to categorical', parseList, [])
    .option('--boolean <columns>', 'force these columns to boolean', parseList, [])
    .option(
      '--test-size <fraction>',
      'fraction of rows held out for holdout metrics',
      parseNumber('--test-size'),
      0,
    )
    .option(
      '--seed <n>',
      'random seed: the same seed and data give the same model',
      parseInteger('--seed'),
      0,
    )
    .option('--n-estimators <n>', 'number of trees', parseInteger('--n-estimators', 1), 100)
    .addOption(
      new Option(
        '--criterion <name>',
        'split quality (default: gini for classification, squared_error for regression)',
      ).choices(['gini', 'entropy', 'log_loss', 'squared_error']),
    )
    .addOption(
      new Option('--max-depth <n>', "maximum tree depth, or 'none' to grow until leaves are pure")
        .argParser(parseNumberOrWord('--max-depth', ['none']))
        .default(null, 'none'),
    )
    .option(
      '--min-samples-split <n>',
      'minimum rows to split a node: an integer >= 2 or a fraction of the rows in (0, 1)',
      parseNumber('--min-samples-split'),
      2,
    )
    .option(
      '--min-samples-leaf <n>',
      'minimum rows in a leaf: an integer >= 1 or a fraction of the rows in (0, 1)',
      parseNumber('--min-samples-leaf'),
      1,
    )
    .option(
      '--max-features <v>',
      'features tried per split: sqrt, log2, all, an integer >= 2 (a count) or a fraction in (0, 1); 1 is refused as ambiguous (default: sqrt for classification, all for regression)',
      parseNumberOrWord('--max-features', ['sqrt', 'log2', 'all', 'none'], { of: 'features', all: 'all' }),
    )
    .option('--no-bootstrap', 'grow every tree on all rows (default: a bootstrap sample per tree)')
    .option(
      '--max-samples <v>',
      'rows drawn per tree: an integer >= 2 (a count), a fraction in (0, 1) or none; 1 is refused as ambiguous (default: none, as many as there are rows)',
      parseNumberOrWord('--max-samples', ['none'], { of: 'rows', all: 'none' }),
    )
    .option(
      '--class-weight <v>',
      'none, balanced, balanced_subsample or label=weight,... such as yes=5,no=1 (default: none)',
    )
    .option('--max-bins <n>', 'bins per numeric feature (2-255)', parseInteger('--max-bins', 2), 255)
    .option(
      '--max-categories <n>',
      'categories kept per column; the rest share one code',
      parseInteger('--max-categories', 1),
      100,
    )
    .option('--threads <n>', 'worker threads (default: all cores)', parseInteger('--threads', 1))
    .option('--delimiter <char>', 'CSV delimiter', ',')
    .option(
      '--tune',
      'search min-samples-leaf and max-features and keep the best by out-of-bag score (log loss or R2)',
      false,
    )
    .option('--skip-invalid-rows', 'leave out rows with invalid values instead of failing', false)
    .option(
      '--shard <i/n>',
      'grow only the trees k with k mod n = i and write a partial model for mlinfer merge; with several files, read only the files k mod n = i',
      parseShard,
    )
    .option(
      '--streaming',
      'train in two streaming passes over the files, in memory of about the binned data (default: for files of 64 MiB or more, several files, or Parquet)',
    )
    .option('--no-streaming', 'read CSV or JSON Lines files into memory, whatever their size')
    .option('--json', 'print a JSON summary on stdout', false)
    .option('-q, --quiet', 'no progress bar', false)
    .action(runTrain);
}

/** The text summary of a trained model: size, metrics, what tuning tried, the top features. */
export function formatSummary(model: Model, file: string, seconds: number): string {
  const m = model.metadata;
  const part = m.shard
    ? ` (shard ${m.shard.index}/${m.shard.count}: ${m.shard.treeIndices.length} trees)`
    : '';
  const lines = [
    `trained a ${m.task} forest of ${m.params.nEstimators} trees${part} on ${m.trainingRows} rows x ${model.featureNames.length} features in ${seconds.toFixed(1)}s`,
  ];
  for (const [name, set] of Object.entries(m.metrics)) {
    if (!set || name === 'tuning') continue;
    const s = set as Record<string, number>;
    const rows = s.rows === undefined ? '' : ` (${s.rows} rows)`;
    lines.push(
      m.task === 'classification'
        ? `  ${name}${rows}: accuracy ${fmt(s.accuracy)}, log loss ${fmt(s.logLoss)}, ROC AUC ${fmt(s.rocAuc)}`
        : `  ${name}${rows}: R2 ${fmt(s.r2)}, MAE ${fmt(s.mae)}, RMSE ${fmt(s.rmse)}`,
    );
  }
  const tried = (m.metrics as { tuning?: { tried?: TuningTry[] } }).tuning?.tried;
  if (tried?.length) {
    lines.push(`  tuning tried (${tried[0].metric}):`);
    for (const t of tried) {
      const kept = t.minSamplesLeaf === m.params.minSamplesLeaf && t.maxFeatures === m.params.maxFeatures;
      lines.push(
        `    min-samples-leaf ${String(t.minSamplesLeaf).padEnd(4)} max-features ${String(t.maxFeatures).padEnd(5)} ${fmt(t.score)}${kept ? '  <- kept' : ''}`,
      );
    }
  }
  const top = Object.entries(m.featureImportances)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ');
  lines.push(`  top features: ${top}`, `wrote ${file} (model version ${m.modelVersion})`);
  return `${lines.join('\n')}\n`;
}
