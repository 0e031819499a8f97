import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFile, saveModelFile } from '../../src/model/file.js';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { randomForest } from './forest-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlinfer-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveModelFile / readModelFile', () => {
  it('writes atomically and reads back the same model, leaving no temporary file', async () => {
    const forest = randomForest(3, { task: 'regression', nTrees: 2, nFeatures: 3, nOutputs: 1, maxDepth: 5 });
    const path = join(dir, 'model.mlinfer');
    await writeFile(path, 'old contents');
    await saveModelFile(path, encodeModel({ metadata: { v: 1 }, forest }));
    expect(decodeModel(await readModelFile(path))).toEqual({ metadata: { v: 1 }, forest });
    expect(await readdir(dir)).toEqual(['model.mlinfer']);
  });

  it('a missing file is MLI_NOT_FOUND', async () => {
    await expect(readModelFile(join(dir, 'nope.mlinfer'))).rejects.toMatchObject({
      code: 'MLI_NOT_FOUND',
      message: expect.stringContaining('nope.mlinfer'),
    });
  });

  it('reading a folder is MLI_IO', async () => {
    await expect(readModelFile(dir)).rejects.toMatchObject({ code: 'MLI_IO' });
  });

  it('writing into a missing folder fails cleanly and leaves nothing behind', async () => {
    await expect(saveModelFile(join(dir, 'missing', 'm.mlinfer'), new Uint8Array(4))).rejects.toMatchObject({
      code: 'MLI_NOT_FOUND',
    });
  });

  it('writing over a folder is MLI_IO and removes the temporary file', async () => {
    const target = join(dir, 'taken');
    await mkdir(join(target, 'inside'), { recursive: true });
    await expect(saveModelFile(target, new Uint8Array(4))).rejects.toMatchObject({ code: 'MLI_IO' });
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
