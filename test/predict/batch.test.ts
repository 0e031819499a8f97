// Batch scoring: the API, the file helper and the CLI. One small model trained once; inputs generated here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/model/io.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { batchPredict } from '../../src/predict/batch.js';
import { batchPredictFile } from '../../src/predict/batch-file.js';
import { RecordSplitter } from '../../src/predict/batch-split.js';
import { BIN, cli, FIXTURES, ROOT, tempDir } from '../cli/helpers.js';
import { describeBuilt } from '../helpers/dist.js';

const CUSTOMERS = join(FIXTURES, 'customers.csv');
const customersText = readFileSync(CUSTOMERS, 'utf8');
const [HEADER, ...LINES] = customersText.trimEnd().split('\n');
let model: Model;
let modelPath: string;
let dir: string;

beforeAll(async () => {
  model = await train(CUSTOMERS, {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 10,
    seed: 1,
    nThreads: 1,
  });
  dir = tempDir();
  modelPath = join(dir, 'm.mlinfer');
  await saveModel(model, modelPath);
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function rows(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

describe('batchPredictFile', () => {
  it('reconciles the counts and rejects bad rows with every reason', async () => {
    const bad = [
      HEADER,
      LINES[0],
      'C9,1,2,3', // ragged
      LINES[1].replace(/^C00002,36,/, 'C00002,abc,'), // age not a number
      '',
      LINES[2],
    ].join('\n');
    const input = write('bad.csv', `${bad}\n`);
    const out = join(dir, 'bad.out.csv');
    const rejects = join(dir, 'bad.rejects.jsonl');
    const reportPath = join(dir, 'bad.report.json');
    const report = await batchPredictFile(input, out, {
      model,
      threads: 0,
      rejectsPath: rejects,
      reportPath,
    });
    expect(report).toMatchObject({ status: 'ok', rowsIn: 4, rowsOut: 2, rowsRejected: 2, reconciled: true });
    expect(JSON.parse(readFileSync(reportPath, 'utf8')).rowsIn).toBe(4);
    expect(rows(readFileSync(out, 'utf8'))).toHaveLength(3);
    const rej = rows(readFileSync(rejects, 'utf8')).map((l) => JSON.parse(l));
    expect(rej.map((r) => r.row)).toEqual([2, 3]);
    expect(rej[0].raw).toBe('C9,1,2,3');
    expect(rej[0].reasons[0].kind).toBe('ragged_row');
    expect(rej[1].reasons[0]).toMatchObject({ kind: 'invalid_type', path: [3, 'age'] });
  });

  it('keeps the input order with several threads and small pieces, and reruns give the same bytes', async () => {
    const input = write('many.csv', `${HEADER}\n${[...LINES, ...LINES].join('\n')}\n`);
    const outs: string[] = [];
    for (const threads of [0, 2, 2]) {
      const out = join(dir, `many.${outs.length}.csv`);
      await batchPredictFile(input, out, {
        model,
        threads,
        chunkBytes: 3000,
        keep: ['customer_id'],
        proba: true,
      });
      outs.push(readFileSync(out, 'utf8'));
    }
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
    const ids = rows(outs[0])
      .slice(1)
      .map((l) => l.split(',')[0]);
    expect(ids).toEqual([...LINES, ...LINES].map((l) => l.split(',')[0]));
    const [h, first] = rows(outs[0]);
    expect(h).toBe('customer_id,prediction,proba_no,proba_yes');
    const [, , pNo, pYes] = first.split(',');
    expect(Number(pNo) + Number(pYes)).toBeCloseTo(1, 10);
  });

  it('validates its own options and those of batchPredict up front', async () => {
    const input = write('opts.csv', `${HEADER}\n${LINES[0]}\n`);
    const out = join(dir, 'opts.out.csv');
    await expect(
      batchPredictFile(input, out, { model, inputFormat: 'xml', threads: -1, format: 'csv' } as never),
    ).rejects.toThrow(
      `invalid batch options: unknown option format; threads must be an integer >= 0, got -1; inputFormat must be one of 'csv', 'jsonl', 'parquet', got "xml"`,
    );
    await expect(batchPredictFile(input, out, {} as never)).rejects.toMatchObject({
      code: 'MLI_INVALID_OPTION',
      message: 'invalid batch options: model is required',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('handles CSV edge cases: quoted line breaks, CRLF, a BOM, quotes, blank lines, pieces split anywhere', async () => {
    const body = [
      HEADER,
      LINES[0],
      LINES[1].replace('"Springfield, IL"', '"Spring\nfield, IL"'),
      '',
      LINES[2],
      LINES[3],
    ].join('\r\n');
    const input = write('edge.csv', `\ufeff${body}`); // no final line break
    const ref = join(dir, 'edge.ref.jsonl');
    const r1 = await batchPredictFile(input, ref, { model, threads: 0, joinInput: true });
    expect(r1).toMatchObject({ rowsIn: 4, rowsOut: 4, rowsRejected: 0 });
    const got = rows(readFileSync(ref, 'utf8')).map((l) => JSON.parse(l));
    expect(got[1].city).toBe('Spring\nfield, IL');
    expect(got[0].city).toBe('The "Big" Apple');
    expect(Object.keys(got[0])[0]).toBe('customer_id');
    for (const chunkBytes of [1, 7, 64]) {
      const out = join(dir, `edge.${chunkBytes}.jsonl`);
      await batchPredictFile(input, out, { model, threads: 2, chunkBytes, joinInput: true });
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(ref, 'utf8'));
    }
  });

  it('writes a header only for an empty or a header-only input', async () => {
    for (const [name, text] of [
      ['empty.csv', ''],
      ['header.csv', `${HEADER}\n`],
    ]) {
      const out = join(dir, `${name}.out.csv`);
      const r = await batchPredictFile(write(name, text), out, { model, threads: 1, keep: ['customer_id'] });
      expect(r).toMatchObject({ rowsIn: 0, rowsOut: 0, rowsRejected: 0, reconciled: true });
      expect(readFileSync(out, 'utf8')).toBe('customer_id,prediction\n');
    }
    const jl = join(dir, 'empty.jsonl');
    writeFileSync(jl, '\n\n');
    const r = await batchPredictFile(jl, join(dir, 'empty.out.jsonl'), { model, threads: 0 });
    expect(r.rowsIn).toBe(0);
    expect(readFileSync(join(dir, 'empty.out.jsonl'), 'utf8')).toBe('');
  });

  it('round-trips Parquet: CSV to Parquet to CSV gives the same predictions', async () => {
    const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
    const csvOut = join(dir, 'pq.ref.csv');
    await batchPredictFile(CUSTOMERS, csvOut, { model, threads: 2, keep: ['customer_id'], proba: true });
    const pq = join(dir, 'scored.parquet');
    const r = await batchPredictFile(CUSTOMERS, pq, { model, threads: 2, joinInput: true, proba: true });
    expect(r.rowsOut).toBe(LINES.length);
    const objs = await parquetReadObjects({ file: await asyncBufferFromFile(pq) });
    expect(objs).toHaveLength(LINES.length);
    const ref = rows(readFileSync(csvOut, 'utf8')).slice(1);
    expect(objs.map((o) => `${o.customer_id},${o.prediction},${o.proba_no},${o.proba_yes}`)).toEqual(ref);
    // and Parquet as input: the kept columns come back, and the predictions agree
    const back = join(dir, 'pq.back.csv');
    const inPq = join(dir, 'in.parquet');
    await batchPredictFile(CUSTOMERS, inPq, { model, threads: 0, joinInput: true }); // any Parquet with the features
    await batchPredictFile(inPq, back, { model, threads: 2, keep: ['customer_id'], proba: true });
    expect(rows(readFileSync(back, 'utf8')).slice(1)).toEqual(ref);
  });

  it('fails with MLI_TOO_MANY_REJECTS above maxErrors, still writing the report and rejects, not the output', async () => {
    const input = write('rej.csv', `${HEADER}\n${LINES[0]}\nx\ny\n`);
    const out = join(dir, 'rej.out.csv');
    const reportPath = join(dir, 'rej.report.json');
    await expect(
      batchPredictFile(input, out, {
        model,
        threads: 0,
        maxErrors: 1,
        reportPath,
        rejectsPath: join(dir, 'rej.jsonl'),
      }),
    ).rejects.toMatchObject({ code: 'MLI_TOO_MANY_REJECTS' });
    expect(existsSync(out)).toBe(false);
    expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toMatchObject({
      status: 'too_many_rejects',
      rowsIn: 3,
      rowsRejected: 2,
      reconciled: true,
    });
    expect(rows(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))).toHaveLength(2);
  });

  it('leaves an existing destination untouched when a run fails', async () => {
    const out = write('keep.out.csv', 'old\n');
    const input = write('nofeatures.csv', 'a,b\n1,2\n');
    await expect(batchPredictFile(input, out, { model, threads: 0 })).rejects.toMatchObject({
      code: 'MLI_SCHEMA_MISMATCH',
    });
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((n) => n.includes('keep.out.csv') && n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('batchPredict', () => {
  it('scores row objects and a web ReadableStream, in order', async () => {
    const recs = [
      {
        customer_id: 'a',
        age: 30,
        tenure_months: 2,
        monthly_charges: 50,
        contract: 'one year',
        plan: 'Basic',
      },
      { customer_id: 'b', age: 'old' },
    ].map((r) => ({ has_partner: 'no', paperless_billing: 'true', support_calls: 1, city: 'Denver', ...r }));
    const rejected: number[] = [];
    const run = batchPredict(recs, {
      model,
      threads: 1,
      keep: ['customer_id'],
      onReject: (r) => rejected.push(r.row),
    });
    const out = [];
    for await (const r of run) out.push(r);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ row: 1, columns: { customer_id: 'a' } });
    expect(rejected).toEqual([2]);
    expect(run.stats).toMatchObject({ rowsIn: 2, rowsOut: 1, rowsRejected: 1 });

    const web = Readable.toWeb(Readable.from([Buffer.from(customersText)])) as ReadableStream<Uint8Array>;
    const viaWeb = [];
    for await (const r of batchPredict(web, { model, threads: 2, chunkBytes: 5000 })) viaWeb.push(r.row);
    expect(viaWeb).toEqual(LINES.map((_, i) => i + 1));
  });

  it('applies backpressure: a consumer that stops stops the reading', async () => {
    let pulled = 0;
    const big = Buffer.from(`${LINES.join('\n')}\n`);
    async function* source() {
      yield Buffer.from(`${HEADER}\n`);
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield big;
      }
    }
    const run = batchPredict(source(), { model, threads: 1, chunkBytes: 1 << 16, maxInFlight: 2 });
    const it = run[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 200));
    // 2 pieces in flight of ~200 KB each: a few source chunks, never the whole 200 MB.
    expect(pulled).toBeLessThan(10);
    await it.return?.(undefined);
  });

  it('stops on abort with MLI_ABORTED, and gives a Readable', async () => {
    const ac = new AbortController();
    const run = batchPredict([Buffer.from(customersText)], {
      model,
      threads: 1,
      signal: ac.signal,
      chunkBytes: 2000,
    });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const r of run) {
          got.push(r.row);
          if (got.length === 10) ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'MLI_ABORTED' });
    const readable = batchPredict([Buffer.from(customersText)], { model, threads: 0 }).toReadable();
    let n = 0;
    for await (const _ of readable) n++;
    expect(n).toBe(LINES.length);
  });

  it('validates every option up front with precise messages', async () => {
    const bad = async (o: Record<string, unknown>) => {
      const run = batchPredict([], { model, ...o } as never);
      await expect(run[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'MLI_INVALID_OPTION' });
      try {
        await batchPredict([], { model, ...o } as never)
          [Symbol.asyncIterator]()
          .next();
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(await bad({ threads: -1 })).toContain('threads must be an integer >= 0');
    expect(await bad({ keep: ['a'], joinInput: true })).toContain(
      'joinInput (--join-input) and keep (--keep) cannot be used together',
    );
    expect(await bad({ delimiter: '"' })).toContain(
      'delimiter must be one ASCII character other than a quote or a line break, got "\\""',
    );
    expect(await bad({ format: 'xml' })).toContain(`format must be one of 'csv', 'jsonl', got "xml"`);
    expect(await bad({ maxErrors: 1.5 })).toContain('maxErrors must be an integer >= 0, got 1.5');
    expect(await bad({ keep: ['a', ''] })).toContain('keep[1] must be a non-empty string, got ""');
    expect(await bad({ keep: ['a', 'a'] })).toContain('keep lists a column twice: a, a');
    expect(await bad({ proba: 'yes', signal: {}, onProgress: 1 })).toBe(
      'invalid batch options: proba must be a boolean, got "yes"; onProgress must be a function, got 1; signal must be an AbortSignal, got {}',
    );
    expect(await bad({ model: 42, treads: 2 })).toBe(
      'invalid batch options: unknown option treads; model must be a Model, the bytes of a model file, or a path, got 42',
    );
    const keepMissing = batchPredict([Buffer.from(customersText)], { model, threads: 0, keep: ['nope'] });
    await expect(keepMissing[Symbol.asyncIterator]().next()).rejects.toThrow(
      /keep names column\(s\) the input lacks: "nope"/,
    );
  });
});

describe('RecordSplitter', () => {
  it('cuts at record boundaries only, whatever the chunk sizes', () => {
    const text = `h1,h2\n"a\n""b""",1\n\nx,2\r\n"",3\n"q,\n",4`;
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 5, 100]) {
      const s = new RecordSplitter({ format: 'csv', header: true, targetBytes: 1, maxRecordBytes: 1000 });
      const pieces = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(...s.push(bytes.subarray(i, i + size)));
      pieces.push(...s.end());
      expect(new TextDecoder().decode(s.header!)).toBe('h1,h2');
      expect(pieces.reduce((n, p) => n + p.records, 0)).toBe(4);
      expect(pieces.map((p) => new TextDecoder().decode(p.bytes)).join('')).toBe(text.slice(6));
      let row = 1;
      for (const p of pieces) {
        expect(p.firstRow).toBe(row);
        row += p.records;
      }
    }
  });

  it('fails on a quote left open past maxRecordBytes', () => {
    const s = new RecordSplitter({ format: 'csv', header: false, targetBytes: 10, maxRecordBytes: 50 });
    expect(() => s.push(new TextEncoder().encode(`"${'x\n'.repeat(40)}`))).toThrow(/longer than 50 bytes/);
  });
});

describeBuilt('mlinfer batch (CLI)', () => {
  it('exit codes: 0, 2 for usage errors, 3 for too many rejects; data on stdout only with -', async () => {
    const out = join(dir, 'cli.out.csv');
    let r = await cli('batch', CUSTOMERS, out, '-m', modelPath, '--threads', '1', '-q');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    r = await cli('batch', CUSTOMERS, out, '-m', modelPath, '--threads', 'x');
    expect(r.code).toBe(2);
    r = await cli('batch', CUSTOMERS, out, '-m', modelPath, '--keep', 'a', '--join-input');
    expect(r.code).toBe(2);
    const input = write('cli.rej.csv', `${HEADER}\nx\ny\n`);
    r = await cli(
      'batch',
      input,
      join(dir, 'cli.rej.out.csv'),
      '-m',
      modelPath,
      '--max-errors',
      '1',
      '--report',
      join(dir, 'cli.rep.json'),
    );
    expect(r.code).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'cli.rep.json'), 'utf8')).rowsRejected).toBe(2);
    r = await cli('batch', join(dir, 'missing.csv'), out, '-m', modelPath);
    expect(r.code).toBe(1);
  });

  it('reads stdin and writes stdout with -', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'batch', '-', '-', '-m', modelPath, '--keep', 'customer_id'],
      {
        input: customersText,
        encoding: 'utf8',
        cwd: ROOT,
      },
    );
    expect(r.status).toBe(0);
    const lines = rows(r.stdout);
    expect(lines[0]).toBe('customer_id,prediction');
    expect(lines).toHaveLength(LINES.length + 1);
    expect(r.stderr).toContain('scored 3000 rows');
  });

  it('shards: the union of the shards is the unsharded output', async () => {
    const parts = join(dir, 'parts');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(parts);
    for (let k = 0; k < 5; k++)
      writeFileSync(
        join(parts, `part-${k}.csv`),
        `${HEADER}\n${LINES.slice(k * 600, (k + 1) * 600).join('\n')}\n`,
      );
    const all = join(dir, 'shard-all');
    expect(
      (await cli('batch', join(parts, 'part-*.csv'), all, '-m', modelPath, '-q', '--threads', '0')).code,
    ).toBe(0);
    for (const i of [0, 1]) {
      const r = await cli(
        'batch',
        join(parts, 'part-*.csv'),
        join(dir, 'shard-union'),
        '-m',
        modelPath,
        '--shard',
        `${i}/2`,
        '-q',
        '--threads',
        '0',
      );
      expect(r.code).toBe(0);
    }
    const names = readdirSync(all).sort();
    expect(names).toEqual(['part-0.csv', 'part-1.csv', 'part-2.csv', 'part-3.csv', 'part-4.csv']);
    expect(readdirSync(join(dir, 'shard-union')).sort()).toEqual(names);
    for (const n of names)
      expect(readFileSync(join(dir, 'shard-union', n), 'utf8')).toBe(readFileSync(join(all, n), 'utf8'));
    expect((await cli('batch', join(parts, 'part-*.csv'), all, '--shard', '2/2')).code).toBe(2);
    // The run's report goes through the one atomic writer: a missing folder is MLI_NOT_FOUND, not an
    // internal error, and a written report leaves no temporary file behind.
    const withReport = (report: string) =>
      cli('batch', join(parts, 'part-*.csv'), all, '-m', modelPath, '-q', '--report', report);
    const noFolder = await withReport(join(dir, 'nope', 'r.json'));
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toMatch(
      /cannot write report file .*r\.json: the folder does not exist \[MLI_NOT_FOUND\]/,
    );
    const reportDir = join(dir, 'reports');
    mkdirSync(reportDir);
    expect((await withReport(join(reportDir, 'r.json'))).code).toBe(0);
    expect(readdirSync(reportDir)).toEqual(['r.json']);
    expect(JSON.parse(readFileSync(join(reportDir, 'r.json'), 'utf8'))).toMatchObject({
      status: 'ok',
      files: 5,
    });
  });

  it('a killed run leaves no file at the destination', async () => {
    const big = write('big.csv', `${HEADER}\n${Array(60).fill(LINES.join('\n')).join('\n')}\n`);
    const out = join(dir, 'big.out.csv');
    const child = spawn(process.execPath, [BIN, 'batch', big, out, '-m', modelPath, '--threads', '1'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    // Kill it once it has started writing its temporary file.
    const deadline = Date.now() + 30_000;
    while (!readdirSync(dir).some((n) => n.startsWith('.big.out.csv.')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(out)).toBe(false);
  });
});
