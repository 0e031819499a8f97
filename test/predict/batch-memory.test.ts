// What a batch run holds in memory: the model bytes it sends to workers, and the bound on pieces in flight.
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileChunksReused } from '../../src/data/node-io.js';
import { loadModel, loadModelSync, saveModel } from '../../src/model/io.js';
import { type Model, modelFileBytes, modelToBytes } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { batchPredictFile } from '../../src/predict/batch-file.js';
import { RecordSplitter } from '../../src/predict/batch-split.js';
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

describe('input buffers', () => {
  it('fileChunksReused reads the whole file, in order, into one buffer', async () => {
    const file = join(FIXTURES, 'customers.csv');
    const parts: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of fileChunksReused(file, 1000)) {
      parts.push(Buffer.from(chunk)); // a copy: the chunk is read into again
      buffers.add(chunk.buffer);
    }
    expect(Buffer.concat(parts).equals(readFileSync(file))).toBe(true);
    expect(parts.length).toBeGreaterThan(3);
    expect(buffers.size).toBe(1);
    await expect(fileChunksReused(join(FIXTURES, 'nope.csv')).next()).rejects.toMatchObject({
      code: 'MLI_NOT_FOUND',
    });
  });

  it('the splitter fills a recycled piece buffer again instead of allocating one', () => {
    const s = new RecordSplitter({ format: 'csv', header: true, targetBytes: 100, maxRecordBytes: 1 << 20 });
    const text = `a,b\n${'1,2\n'.repeat(200)}`;
    const bytes = new TextEncoder().encode(text);
    const pieces = [];
    for (let i = 0; i < bytes.length; i += 50) {
      for (const p of s.push(bytes.subarray(i, i + 50))) {
        pieces.push(p);
        // The piece is done with (as when a worker transfers it back): its buffer is filled again.
        if (pieces.length === 2) s.recycle(p.bytes);
      }
    }
    pieces.push(...s.end());
    const decoded = pieces.map((p) => new TextDecoder().decode(p.bytes)).join('');
    expect(decoded).toBe(text.slice(4));
    expect(pieces.reduce((n, p) => n + p.records, 0)).toBe(200);
    expect(pieces[3].bytes.buffer).toBe(pieces[1].bytes.buffer);
  });
});

describe('a run that fails while opening', () => {
  const openFds = (file: string): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;

  it.skipIf(!existsSync('/proc/self/fd'))('closes its input file at once, not when collected', async () => {
    const dir = tempDir();
    const input = join(dir, 'lacking.csv');
    writeFileSync(input, 'age,plan\n1,Basic\n');
    await expect(
      batchPredictFile(input, join(dir, 'out.csv'), { model: path, threads: 0 }),
    ).rejects.toMatchObject({ code: 'MLI_SCHEMA_MISMATCH' });
    expect(openFds(input)).toBe(0);
  });
});
