import type { Command } from 'commander';
import { DEFAULT_MODEL_FILE, loadModel, saveModel } from '../../model/io.js';
import { mergeModels } from '../../model/merge.js';
import { expandInputs } from '../shard.js';

interface MergeFlags {
  output: string;
  json: boolean;
}

/** `mlinfer merge`: loads the partial models, joins them (every mismatch listed) and writes one model file. */
async function runMerge(parts: string[], f: MergeFlags): Promise<void> {
  const files = await expandInputs(parts);
  const models = await Promise.all(files.map((p) => loadModel(p)));
  const model = mergeModels(models, { names: files });
  await saveModel(model, f.output);
  const m = model.metadata;
  const trees = model.forest.arrays.treeOffsets.length - 1;
  if (f.json) {
    const summary = {
      model: f.output,
      shards: files.length,
      data: m.merged?.data,
      trees,
      trainingRows: m.trainingRows,
      classes: m.classes,
      modelVersion: m.modelVersion,
      parts: m.merged?.parts,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `merged ${files.length} shards (${m.merged?.data === 'files' ? 'each read its own files' : 'each read all the data'}) into a ${m.task} forest of ${trees} trees on ${m.trainingRows} rows\n` +
      `wrote ${f.output} (model version ${m.modelVersion})\n`,
  );
}

/** Declares `mlinfer merge`. */
export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description(
      'join the partial models of a sharded training (mlinfer train --shard i/n) into one model file',
    )
    .argument('<parts...>', 'the partial model files, or a pattern such as parts/part-*.mlinfer')
    .option('-o, --output <file>', 'where to write the merged model', DEFAULT_MODEL_FILE)
    .option('--json', 'print a JSON summary on stdout', false)
    .action(runMerge);
}
