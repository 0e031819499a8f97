// `mlinfer export`: write a model as ONNX, for ONNX Runtime, Triton and the other runtimes that read it.
import type { Command } from 'commander';
import { modelToOnnx } from '../../model/export/onnx-export.js';
import { DEFAULT_MODEL_FILE, loadModel } from '../../model/io.js';
import { writeFileAtomic } from '../../node/atomic-file.js';

interface ExportFlags {
  output: string;
  encoded?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write the model as ONNX (ai.onnx.ml TreeEnsemble, opset 5; needs ONNX Runtime 1.21 or later)',
    )
    .argument('[model]', 'the model file', DEFAULT_MODEL_FILE)
    .option('-o, --output <file>', 'where to write the ONNX model', 'model.onnx')
    .option(
      '--encoded',
      'one double [N, features] input "X" of encoded values (category codes, 0/1, NaN) instead of one input per feature',
    )
    .action(async (path: string, f: ExportFlags) => {
      const model = await loadModel(path);
      const bytes = modelToOnnx(model, { inputs: f.encoded ? 'encoded' : 'columns' });
      await writeFileAtomic(f.output, bytes, 'ONNX model');
      const outputs = model.classes === null ? 'variable' : 'label, probabilities';
      const inputs = f.encoded
        ? `X [N, ${model.featureNames.length}]`
        : `${model.featureNames.length} inputs, one per feature`;
      process.stdout.write(
        `wrote ${f.output} (${bytes.length} bytes): ${inputs}; outputs ${outputs}; model version ${model.metadata.modelVersion}\n`,
      );
    });
}
