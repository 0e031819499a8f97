// `mlinfer import`: bring a model from ml-random-forest (its toJSON() output) or an ONNX tree ensemble (.onnx)
// over as an mlinfer model file.
import { type Command, Option } from 'commander';
import { MlinferError } from '../../errors.js';
import { isOnnxFile, modelFromOnnx } from '../../model/import/onnx.js';
import { DEFAULT_MODEL_FILE, saveModel } from '../../model/io.js';
import { modelFromMlRandomForest } from '../../model/model.js';
import { parseInteger, parseList } from '../options.js';
import { readBinaryFile } from '../read-text.js';

interface ImportFlags {
  output: string;
  featureNames: string[];
  classes: string[];
  target?: string;
  nFeatures?: number;
  leaves: 'fractions' | 'votes';
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'convert a model into a model file: an ONNX tree ensemble (.onnx: skl2onnx, onnxmltools) or an ml-random-forest toJSON() (.json)',
    )
    .argument(
      '<model>',
      'a .onnx file, or the JSON that RandomForestClassifier/RandomForestRegression toJSON() returned',
    )
    .option('-o, --output <file>', 'where to write the model', DEFAULT_MODEL_FILE)
    .option(
      '--feature-names <names>',
      'feature names in column order, comma-separated (default f0, f1, ...)',
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
      'number of features, when --feature-names is not given',
      parseInteger('--n-features', 1),
    )
    .addOption(
      new Option(
        '--leaves <mode>',
        "votes reproduces ml-random-forest's predictions; fractions averages leaf class fractions",
      )
        .choices(['fractions', 'votes'])
        .default('votes'),
    )
    .action(async (path: string, f: ImportFlags, command: Command) => {
      const bytes = await readBinaryFile(path);
      if (isOnnxFile(path, bytes)) {
        // an ONNX file carries its classes and width; these options would be silently ignored
        const stray = ['classes', 'nFeatures', 'leaves'].filter(
          (o) => command.getOptionValueSource(o) === 'cli',
        );
        if (stray.length > 0)
          throw new MlinferError(
            'MLI_INVALID_OPTION',
            `${stray.map((o) => `--${o === 'nFeatures' ? 'n-features' : o}`).join(', ')} apply to ml-random-forest JSON; an ONNX file carries its classes and input width`,
            { issues: stray.map((o) => ({ path: [o], message: 'not for ONNX files' })) },
          );
        const model = modelFromOnnx(bytes, {
          featureNames: f.featureNames.length ? f.featureNames : undefined,
          target: f.target,
          source: path,
        });
        await saveModel(model, f.output);
        process.stdout.write(
          `imported ${model.metadata.source}; wrote ${f.output} (model version ${model.metadata.modelVersion})\n`,
        );
        return;
      }
      const text = new TextDecoder().decode(bytes);
      const model = modelFromMlRandomForest(text, {
        featureNames: f.featureNames.length ? f.featureNames : undefined,
        classes: f.classes.length ? f.classes : undefined,
        target: f.target,
        nFeatures: f.nFeatures,
        leaves: f.leaves,
        source: `ml-random-forest (${path})`,
      });
      await saveModel(model, f.output);
      const m = model.metadata;
      process.stdout.write(
        `imported a ${m.task} forest of ${m.params.nEstimators} trees over ${model.featureNames.length} features; wrote ${f.output} (model version ${m.modelVersion})\n`,
      );
    });
}
