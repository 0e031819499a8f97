// `mlinfer import`: bring a model from ml-random-forest (its toJSON() output) over as an mlinfer model file.
import { type Command, Option } from 'commander';
import { DEFAULT_MODEL_FILE, saveModel } from '../../model/io.js';
import { modelFromMlRandomForest } from '../../model/model.js';
import { parseInteger, parseList } from '../options.js';
import { readTextFile } from '../read-text.js';

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
    .description('convert an ml-random-forest model (its toJSON() output, as a .json file) into a model file')
    .argument('<model.json>', 'the JSON that RandomForestClassifier/RandomForestRegression toJSON() returned')
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
    .action(async (path: string, f: ImportFlags) => {
      const text = await readTextFile(path);
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
