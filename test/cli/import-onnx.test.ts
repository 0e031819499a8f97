// `mlinfer import model.onnx`: ONNX detected by extension or by its bytes, the model written and served.
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadModel } from '../../src/model/io.js';
import { createPredictorFromModel } from '../../src/predict/predictor.js';
import { ONNX_FIXTURES, onnxExpected } from '../model/onnx/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'mlinfer-import-onnx-'));

describe('mlinfer import <model.onnx>', () => {
  it('imports a skl2onnx classifier with --feature-names and predicts as ONNX Runtime does', async () => {
    const out = join(tmp, 'rf.mlinfer');
    const names = 'a,b,c,d,e,f';
    const code = await runCli([
      'import',
      join(ONNX_FIXTURES, 'skl_random_forest_binary.onnx'),
      '-o',
      out,
      '--feature-names',
      names,
    ]);
    expect(code).toBe(0);
    const model = await loadModel(out);
    expect(model.featureNames).toEqual(names.split(','));
    expect(model.metadata.source).toContain('skl_random_forest_binary.onnx: written by skl2onnx 1.19.1');
    const expected = onnxExpected('skl_random_forest_binary');
    const p = createPredictorFromModel(model);
    expected.rows.forEach((row, i) => {
      expect(p.predict(row).prediction).toBe(expected.labels![i]);
    });
  });

  it('recognises ONNX by its bytes when the file has another name', async () => {
    const renamed = join(tmp, 'model.bin');
    copyFileSync(join(ONNX_FIXTURES, 'xgb_regression_nan.onnx'), renamed);
    const out = join(tmp, 'xgb.mlinfer');
    expect(await runCli(['import', renamed, '-o', out])).toBe(0);
    expect((await loadModel(out)).metadata.task).toBe('regression');
  });

  it('refuses the ml-random-forest options (--classes, --n-features, --leaves) for an ONNX file, exit 2', async () => {
    const file = join(ONNX_FIXTURES, 'skl_random_forest_binary.onnx');
    const out = join(tmp, 'y.mlinfer');
    expect(await runCli(['import', file, '-o', out, '--classes', 'no,yes'])).toBe(2);
    expect(await runCli(['import', file, '-o', out, '--n-features', '6', '--leaves', 'fractions'])).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 with MLI_MODEL_UNSUPPORTED for a graph it cannot score', async () => {
    const code = await runCli([
      'import',
      join(ONNX_FIXTURES, 'backend_aggregate_max.onnx'),
      '-o',
      join(tmp, 'x.mlinfer'),
    ]);
    expect(code).toBe(1);
  });
});
