// What a batch run holds in memory: the model bytes it sends to workers, and the bound on pieces in flight.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, loadModelSync, saveModel } from '../../src/model/io.js';
import { type Model, modelFileBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { FIXTURES, tempDir } from '../cli/helpers.js';

let model: Model;
let path: string;
beforeAll(async () => {
  model = await train(join(FIXTURES, 'customers.csv'), {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 3,
    seed: 2,
    nThreads: 1,
  });
  path = join(tempDir(), 'm.mlinfer');
  await saveModel(model, path);
});

describe('modelFileBytes', () => {
  it('is the file a model was loaded from, not a new encoding of it', async () => {
    const file = readFileSync(path);
    for (const loaded of [await loadModel(path), loadModelSync(path)]) {
      const bytes = modelFileBytes(loaded);
      expect(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(file)).toBe(true);
      expect(modelFileBytes(loaded)).toBe(bytes); // the same bytes each time: nothing encoded
    }
  });

  it('encodes a model that was not loaded from a file', () => {
    expect(modelFileBytes(model)).toEqual(modelToBytes(model));
  });
});
