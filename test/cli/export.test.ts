// `mlinfer export` with the built CLI: the ONNX file it writes gives, in ONNX Runtime, the probabilities
// mlinfer gives on new customers, per-column and encoded.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { createRowEncoder } from '../../src/data/encode.js';
import { loadModel } from '../../src/model/io.js';
import { decodeOnnxModel } from '../../src/model/onnx/onnx-proto.js';
import { describeBuilt } from '../helpers/dist.js';
import { columnFeeds, csvRecords, expectSameAsMlinfer, runOnnx } from '../model/onnx-export-helpers.js';
import { FIXTURES, spawnCli, tempDir } from './helpers.js';

describeBuilt('mlinfer export', () => {
  it('writes an ONNX model that ONNX Runtime scores as mlinfer does, per column and --encoded', async () => {
    const dir = tempDir();
    const t = spawnCli(
      [
        'train',
        join(FIXTURES, 'customers.csv'),
        '--target',
        'churned',
        '--n-estimators',
        '25',
        '-o',
        'churn.mlinfer',
      ],
      dir,
    );
    expect(t.code, t.stderr).toBe(0);
    const e = spawnCli(['export', 'churn.mlinfer', '-o', 'churn.onnx'], dir);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(
      /^wrote churn\.onnx \(\d+ bytes\): 9 inputs, one per feature; outputs label, probabilities; model version \w+\n$/,
    );
    const model = await loadModel(join(dir, 'churn.mlinfer'));
    const records = csvRecords(join(FIXTURES, 'customers_new.csv')).slice(0, 300);
    const bytes = new Uint8Array(readFileSync(join(dir, 'churn.onnx')));
    expect(decodeOnnxModel(bytes).producerName).toBe('mlinfer');
    expectSameAsMlinfer(model, records, await runOnnx(bytes, columnFeeds(model, records)));

    const enc = spawnCli(['export', 'churn.mlinfer', '-o', 'churn-encoded.onnx', '--encoded'], dir);
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toContain('X [N, 9]');
    const { X } = createRowEncoder(model.schema).encodeRows(records);
    const encoded = await runOnnx(new Uint8Array(readFileSync(join(dir, 'churn-encoded.onnx'))), {
      X: new ort.Tensor('float64', X.data, [X.nRows, X.nFeatures]),
    });
    expectSameAsMlinfer(model, records, encoded);
  });

  it('fails with the not-found exit code and writes nothing for a missing model', () => {
    const dir = tempDir();
    const r = spawnCli(['export', 'nope.mlinfer', '-o', 'out.onnx'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read model file nope\.mlinfer: no such file \[MLI_NOT_FOUND\]/);
    expect(existsSync(join(dir, 'out.onnx'))).toBe(false);
  });
});
