// Batch CSV read straight from bytes (src/data/csv-bytes.ts) against the general way (papaparse, then the
// record encoder): the same output bytes, rejects and counts, on tricky generated CSV where some pieces are
// plain (no quote, ASCII only) and the others take the general way.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/data/cells.js';
import { isPlainCsv, parseDecimalBytes } from '../../src/data/csv-bytes.js';
import type { Model } from '../../src/model/model.js';
import { train } from '../../src/model/train.js';
import { openBatch } from '../../src/predict/batch.js';
import type { ChunkConfig } from '../../src/predict/batch-chunk.js';
import type { RejectedRow } from '../../src/predict/batch-format.js';
import type { BatchOptions } from '../../src/predict/batch-options.js';
import { RecordSplitter } from '../../src/predict/batch-split.js';
import { FIXTURES } from '../cli/helpers.js';
import { rng } from '../model/forest-fixtures.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseDecimalBytes', () => {
  it('gives the double parseDecimal gives, or NaN to leave the cell to the text path', () => {
    const rand = rng(7);
    const cases = [
      '0',
      '-0',
      '+0',
      '0.0',
      '-0.000',
      '1',
      '-1',
      '+5',
      '5.',
      '.5',
      '-.5',
      '0001.50',
      '1e3',
      '1E+3',
      '2.5e-3',
      '-2.5e3',
      '1e22',
      '1e-22',
      '1e23',
      '1e400',
      '1e-400',
      '123456789012345',
      '1234567890123456',
      '0.1',
      '0.2',
      '0.3',
      '9007199254740993',
      '1.7976931348623157e308',
      '5e-324',
      '  42 ',
      '\t7\r',
      '',
      ' ',
      '.',
      '-',
      '+',
      'e5',
      '1e',
      '1e+',
      '1.2.3',
      '1,5',
      '0x1A',
      'Infinity',
      'NaN',
      '1_000',
      '--1',
      '1e05',
      '00000000000000000000001',
      '0.000000000000000000001',
      '1.00000000000000000000',
    ];
    for (let i = 0; i < 3000; i++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      cases.push(String(x), x.toFixed(Math.floor(rand() * 8)), x.toExponential(Math.floor(rand() * 16)));
      cases.push((Math.round(x * 1000) / 1000).toString());
    }
    let fast = 0;
    for (const s of cases) {
      const v = parseDecimalBytes(bytes(s), 0, s.length);
      if (Number.isNaN(v)) continue;
      fast++;
      expect(Object.is(v, parseDecimal(s.trim())), s).toBe(true);
    }
    expect(fast).toBeGreaterThan(cases.length / 2);
    // Short plain numbers are always decided from the bytes.
    for (const s of ['4.685', '-9.216', '0', '-0', '12', '1e3', '  3.25 '])
      expect(parseDecimalBytes(bytes(s), 0, s.length)).not.toBeNaN();
  });
});

let model: Model;
beforeAll(async () => {
  model = await train(join(FIXTURES, 'customers.csv'), {
    target: 'churned',
    exclude: ['customer_id'],
    nEstimators: 5,
    seed: 3,
    nThreads: 1,
  });
});

const HEADER =
  'customer_id,age,tenure_months,monthly_charges,contract,plan,has_partner,paperless_billing,support_calls,city';
const NUMBERS = [
  '39',
  ' 42 ',
  '+5',
  '-0',
  '.5',
  '5.',
  '0001.50',
  '1e1',
  '2.5E-1',
  '12.3456789012345678',
  '1e400',
  'abc',
  'NaN',
  'NA',
  '',
  '?',
  'null',
  '0x1A',
  'Infinity',
  ' ',
  '\t3',
];
const CONTRACTS = ['one year', 'two year', 'month-to-month', ' one year ', 'weekly', '', 'NA'];
const PLANS = ['Basic', 'Standard', 'Premium', 'Gold', '?'];
const BOOLS = ['yes', 'no', 'TRUE', 'false', 'No', 'maybe', '', 'null'];
const CITIES = ['Denver', 'Springfield', 'Zürich', 'Oslo'];

/** A random CSV document: mostly plain lines, some with quotes (embedded delimiters, line breaks, escaped quotes). */
function document(rand: () => number, crlf: boolean): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
  const nl = crlf ? '\r\n' : '\n';
  const lines = [rand() < 0.3 ? `\ufeff${HEADER}` : HEADER];
  const n = 20 + Math.floor(rand() * 60);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.04) lines.push('');
    else if (r < 0.07) lines.push(`C${i},1,2,3`);
    else if (r < 0.09) lines.push(`C${i},40,3,50,one year,Basic,no,true,1,Denver,extra`);
    else if (r < 0.1) lines.push(crlf ? `C${i},40\n3,50` : '\r');
    else {
      let city = rand() < 0.9 ? pick(CITIES.slice(0, 2)) : pick(CITIES);
      if (rand() < 0.05)
        city = pick(['"Springfield, IL"', '"The ""Big"" Apple"', `"two${nl}lines"`, '"unclosed']);
      const cells = [
        `C${i}`,
        rand() < 0.7 ? String(Math.floor(rand() * 80)) : pick(NUMBERS),
        rand() < 0.8 ? String(Math.floor(rand() * 60)) : pick(NUMBERS),
        rand() < 0.7 ? (rand() * 240 - 120).toFixed(Math.floor(rand() * 4)) : pick(NUMBERS),
        pick(CONTRACTS),
        pick(PLANS),
        pick(BOOLS),
        pick(BOOLS),
        rand() < 0.8 ? String(Math.floor(rand() * 9)) : pick(NUMBERS),
        city,
      ];
      lines.push(cells.join(','));
    }
  }
  return lines.join(nl) + (rand() < 0.8 ? nl : '');
}

/** The output a run writes: the header line and the pieces' text (or their rows), the rejects and the counts. */
async function run(
  text: string,
  options: Partial<BatchOptions>,
  output: ChunkConfig['output'],
  plainCsv: boolean,
): Promise<string> {
  const rejects: RejectedRow[] = [];
  const chunks = [];
  const b = bytes(text);
  // Uneven source chunks, so that pieces are cut at many places.
  for (let i = 0; i < b.length; i += 97) chunks.push(b.subarray(i, i + 97));
  const open = await openBatch(
    chunks,
    { model, threads: 0, chunkBytes: 300, onReject: (r) => rejects.push(r), ...options },
    output,
    { plainCsv },
  );
  let out = `${open.columns.join(',')}\n`;
  for await (const res of open.chunks) {
    out +=
      output === 'rows'
        ? JSON.stringify([...res.scores!], null, 0) + JSON.stringify(res.kept ?? null)
        : typeof res.text === 'string'
          ? res.text
          : new TextDecoder().decode(res.text);
  }
  return `${out}\n${rejects.map((r) => JSON.stringify(r)).join('\n')}\n${JSON.stringify(open.stats)}`;
}

describe('plain CSV pieces read from bytes', () => {
  it('give the same output bytes, rejects and counts as the general parser', async () => {
    const rand = rng(11);
    let plain = 0;
    let general = 0;
    const layouts: [Partial<BatchOptions>, ChunkConfig['output']][] = [
      [{ proba: true }, 'csv'],
      [{}, 'jsonl'],
      [{ keep: ['customer_id', 'city'], proba: true }, 'csv'],
      [{ joinInput: true }, 'csv'],
      [{ keep: ['city'] }, 'rows'],
      [{ explain: 2 }, 'csv'],
    ];
    for (let doc = 0; doc < 36; doc++) {
      const crlf = doc % 3 === 0;
      const text = document(rand, crlf);
      const s = new RecordSplitter({
        format: 'csv',
        header: true,
        targetBytes: 300,
        maxRecordBytes: 1 << 20,
      });
      for (const p of [...s.push(bytes(text)), ...s.end()]) {
        if (isPlainCsv(p.bytes)) plain++;
        else general++;
      }
      const [options, output] = layouts[doc % layouts.length];
      const a = await run(text, options, output, true);
      const b = await run(text, options, output, false);
      expect(a, `document ${doc}:\n${text}`).toBe(b);
    }
    // Both ways were taken, many times.
    expect(plain).toBeGreaterThan(50);
    expect(general).toBeGreaterThan(20);
  });

  it('with worker threads too', async () => {
    const text = document(rng(5), false);
    expect(await run(text, { threads: 2, proba: true }, 'csv', true)).toBe(
      await run(text, { threads: 0, proba: true }, 'csv', false),
    );
  });
});

describe('isPlainCsv', () => {
  it('finds a quote or a byte beyond ASCII at any offset and alignment', () => {
    const base = bytes('a,b,1.5\n'.repeat(5));
    for (let offset = 0; offset < 4; offset++)
      for (let at = 0; at < base.length - offset; at++)
        for (const bad of [34, 0x80, 0xc3, 0xff]) {
          const buf = new Uint8Array(base.length);
          buf.set(base);
          const view = buf.subarray(offset);
          expect(isPlainCsv(view)).toBe(true);
          view[at] = bad;
          expect(isPlainCsv(view)).toBe(false);
        }
  });
});
