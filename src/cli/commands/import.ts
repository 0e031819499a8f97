// `mlinfer import`: bring a model trained elsewhere over as an mlinfer model file: an ONNX tree ensemble, a
// LightGBM text model, an XGBoost JSON model, or an ml-random-forest toJSON() output. The format is detected
// from the content, or named with --from.
import { type Command, Option } from 'commander';
import { MlinferError } from '../../errors.js';
import { modelFromLightGBM, modelFromXGBoost } from '../../model/import/from-boosted.js';
import { isOnnxFile, modelFromOnnx } from '../../model/import/onnx.js';
import { DEFAULT_MODEL_FILE, saveModel } from '../../model/io.js';
import { type Model, modelFromMlRandomForest } from '../../model/model.js';
import { parseInteger, parseList } from '../options.js';
import { readBinaryFile } from '../read-text.js';

const FORMATS = ['onnx', 'lightgbm', 'xgboost', 'ml-random-forest'] as const;
type ImportFormat = (typeof FORMATS)[number];

interface ImportFlags {
  output: string;
  from?: ImportFormat;
  featureNames: string[];
  classes: string[];
  target?: string;
  nFeatures?: number;
  leaves: 'fractions' | 'votes';
}

/**
 * Which format `text` is in: LightGBM's text models start with "tree" then "version=", XGBoost's JSON has a
 * "learner", ml-random-forest's JSON a name RFClassifier or RFRegression.
 */
export function detectImportFormat(text: string, path: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (/^tree\r?\n/.test(start) && /\nversion=v\d/.test(start.slice(0, 200))) return 'lightgbm';
  if (start.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(start);
    } catch {
      json = undefined;
    }
    const o = (json ?? {}) as Record<string, unknown>;
    if (typeof o.learner === 'object' && o.learner !== null) return 'xgboost';
    if (o.name === 'RFClassifier' || o.name === 'RFRegression') return 'ml-random-forest';
  }
  const message =
    `${path} is not a model mlinfer can import: expected an ONNX tree ensemble (.onnx), a LightGBM text model (save_model), an XGBoost JSON ` +
    'model (save_model to a .json file) or an ml-random-forest toJSON() output; name the format with --from if it is one of them';
  throw new MlinferError('MLI_INVALID_DATA', message, { issues: [{ path: [path], message }] });
}

/** An ONNX file carries its classes and input width: these options would be silently ignored. */
function refuseStrayOnnxOptions(command: Command): void {
  const stray = ['classes', 'nFeatures', 'leaves'].filter((o) => command.getOptionValueSource(o) === 'cli');
  if (stray.length > 0)
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `${stray.map((o) => `--${o === 'nFeatures' ? 'n-features' : o}`).join(', ')} do not apply to ONNX files, which carry their classes and input width`,
      { issues: stray.map((o) => ({ path: [o], message: 'not for ONNX files' })) },
    );
}

function importModel(text: string, path: string, format: ImportFormat, f: ImportFlags): Model {
  const common = {
    featureNames: f.featureNames.length ? f.featureNames : undefined,
    classes: f.classes.length ? f.classes : undefined,
    target: f.target,
    source: `${format} (${path})`,
  };
  if (format === 'lightgbm') return modelFromLightGBM(text, common);
  if (format === 'xgboost') return modelFromXGBoost(text, common);
  return modelFromMlRandomForest(text, { ...common, nFeatures: f.nFeatures, leaves: f.leaves });
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'convert a model trained elsewhere into a model file: an ONNX tree ensemble (.onnx: skl2onnx, onnxmltools), LightGBM (model.txt), XGBoost (model.json) or ml-random-forest (toJSON() as .json)',
    )
    .argument('<model>', 'the model file: ONNX, LightGBM text, XGBoost JSON, or ml-random-forest JSON')
    .option('-o, --output <file>', 'where to write the model', DEFAULT_MODEL_FILE)
    .addOption(
      new Option('--from <format>', 'the input format (default: detected from the content)').choices([
        ...FORMATS,
      ]),
    )
    .option(
      '--feature-names <names>',
      'feature names in column order, comma-separated (default: the names in the file, else f0, f1, ...)',
      parseList,
      [],
    )
    .option(
      '--classes <labels>',
      'class labels in class-index order, comma-separated (default 0, 1, ...)',
      parseList,
      [],
    )
    .option('--target <name>', 'the target column name (default target)')
    .option(
      '--n-features <n>',
      'ml-random-forest only: number of features, when --feature-names is not given',
      parseInteger('--n-features', 1),
    )
    .addOption(
      new Option(
        '--leaves <mode>',
        "ml-random-forest only: votes reproduces ml-random-forest's predictions; fractions averages leaf class fractions",
      )
        .choices(['fractions', 'votes'])
        .default('votes'),
    )
    .action(async (path: string, f: ImportFlags, command: Command) => {
      const bytes = await readBinaryFile(path);
      let format: ImportFormat;
      let model: Model;
      if (f.from === 'onnx' || (f.from === undefined && isOnnxFile(path, bytes))) {
        refuseStrayOnnxOptions(command);
        format = 'onnx';
        model = modelFromOnnx(bytes, {
          featureNames: f.featureNames.length ? f.featureNames : undefined,
          target: f.target,
          source: path,
        });
      } else {
        const text = new TextDecoder().decode(bytes);
        format = f.from ?? detectImportFormat(text, path);
        model = importModel(text, path, format, f);
      }
      await saveModel(model, f.output);
      const m = model.metadata;
      const trees = model.forest.arrays.treeOffsets.length - 1;
      const kind = model.forest.arrays.additive ? 'boosted ensemble' : 'forest';
      process.stdout.write(
        `imported a ${m.task} ${kind} of ${trees} trees (${format}) over ${model.featureNames.length} features; wrote ${f.output} (model version ${m.modelVersion})\n`,
      );
    });
}
