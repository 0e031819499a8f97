import { describe, expect, it } from 'vitest';
import { type CsvBatch, csvBatches, parseCsvText } from '../../src/data/csv.js';
import { readCsvFile } from '../../src/data/node-io.js';
import { isMlinferError } from '../../src/errors.js';

const enc = new TextEncoder();

async function collect(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  batchRows?: number,
) {
  const batches: CsvBatch[] = [];
  for await (const b of csvBatches(source, batchRows === undefined ? {} : { batchRows })) batches.push(b);
  return {
    header: batches[0]?.header,
    rows: batches.flatMap((b) => b.rows),
    problems: batches.flatMap((b) => b.problems),
    batches,
  };
}

function expectCode(fn: () => unknown, code: string, message?: RegExp | string): void {
  try {
    fn();
  } catch (e) {
    expect(isMlinferError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}

async function expectAsyncCode(p: Promise<unknown>, code: string, message?: RegExp | string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).not.toBeNull();
  expect(isMlinferError(e)).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  if (message) expect((e as Error).message).toMatch(message);
}

// BOM, CRLF, a quoted field with a comma, escaped quotes and an embedded CRLF, multibyte characters
// (2, 3 and 4 bytes), a row of empty fields, and a field ending in an escaped quote.
const CORPUS =
  '\ufeffname,"note",n\r\n' +
  '"Smith, J","said ""hi""\r\nthen left",1\r\n' +
  'Zoë,ünï€ 🎉,2\r\n' +
  ',,\r\n' +
  '"a""",b,3\r\n';
const CORPUS_ROWS = [
  ['Smith, J', 'said "hi"\r\nthen left', '1'],
  ['Zoë', 'ünï€ 🎉', '2'],
  ['', '', ''],
  ['a"', 'b', '3'],
];

describe('parseCsvText', () => {
  it('parses the edge-case corpus: BOM, CRLF, quotes, embedded newlines, multibyte text', () => {
    const t = parseCsvText(CORPUS);
    expect(t.header).toEqual(['name', 'note', 'n']);
    expect(t.rows).toEqual(CORPUS_ROWS);
    expect(t.problems).toEqual([]);
  });

  it('handles LF and CR-only line endings and a missing final newline', () => {
    const lf = parseCsvText('a,b\n1,"x\ny"\n2,3');
    expect(lf.rows).toEqual([
      ['1', 'x\ny'],
      ['2', '3'],
    ]);
    const cr = parseCsvText('a,b\r1,2\r3,4\r');
    expect(cr.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('uses the given delimiter and does not guess by default', () => {
    expect(parseCsvText('a;b\n1;2\n', { delimiter: ';' }).rows).toEqual([['1', '2']]);
    expect(parseCsvText('a\tb\n1\t"x\ty"\n', { delimiter: '\t' }).rows).toEqual([['1', 'x\ty']]);
    // Default ',' is taken literally: a semicolon file is one column.
    expect(parseCsvText('a;b\n1;2\n').header).toEqual(['a;b']);
  });

  it("guesses the delimiter with delimiter: 'auto'", () => {
    const t = parseCsvText('a;b;c\n1;2;3\n4;5;6\n', { delimiter: 'auto' });
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.rows[1]).toEqual(['4', '5', '6']);
  });

  it('reports ragged rows with their row numbers and keeps them', () => {
    const t = parseCsvText('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    expect(t.rows).toHaveLength(4);
    expect(t.rows[1]).toEqual(['4', '5']);
    expect(t.problems.map((p) => [p.path[0], p.kind, p.expected, p.received])).toEqual([
      [2, 'ragged_row', '3 fields', '2 fields'],
      [3, 'ragged_row', '3 fields', '4 fields'],
    ]);
    expect(t.problems[0].message).toBe('row 2 has 2 fields, the header has 3');
  });

  it('skips blank lines without counting them as rows', () => {
    const t = parseCsvText('a,b\n\n1,2\n\n\n3\n');
    expect(t.rows).toEqual([['1', '2'], ['3']]);
    // Row 2 is the second data row even though it is on line 6.
    expect(t.problems.map((p) => p.path)).toEqual([[2]]);
  });

  it('trims header names', () => {
    expect(parseCsvText('a , b\n1,2\n').header).toEqual(['a', 'b']);
  });

  it('returns a header-only table', () => {
    expect(parseCsvText('a,b\n')).toEqual({ header: ['a', 'b'], rows: [], problems: [] });
  });

  it('rejects an empty input, a BOM-only input and a duplicated header', () => {
    expectCode(() => parseCsvText(''), 'MLI_CSV_PARSE', /empty/);
    expectCode(() => parseCsvText('\ufeff\n\n'), 'MLI_CSV_PARSE', /no header row/);
    expectCode(() => parseCsvText('a,b,a\n1,2,3\n'), 'MLI_CSV_PARSE', /"a" appears twice.*fields 1 and 3/);
  });

  it('reports an unterminated quote on its row', () => {
    const t = parseCsvText('a,b\n1,2\n3,"open\n4,5\n');
    expect(t.rows[0]).toEqual(['1', '2']);
    const quote = t.problems.find((p) => p.kind === 'quotes');
    expect(quote?.path).toEqual([2]);
    expect(quote?.message).toMatch(/row 2: .*unterminated/i);
  });

  it('throws when a row exceeds maxRowChars (a quote left open in a big file)', () => {
    const text = `a,b\n1,"${'x'.repeat(500)}`;
    expectCode(() => parseCsvText(text, { maxRowChars: 100 }), 'MLI_CSV_PARSE', /row 1 is longer than 100/);
  });

  it('validates options with precise messages', () => {
    const forms = "a non-empty string without a quote, a line break or a BOM (or 'auto')";
    expectCode(
      () => parseCsvText('a\n', { delimiter: '"' }),
      'MLI_INVALID_OPTION',
      `delimiter must be ${forms}, got "\\""`,
    );
    expectCode(
      () => parseCsvText('a\n', { delimiter: '' }),
      'MLI_INVALID_OPTION',
      `delimiter must be ${forms}, got ""`,
    );
    expectCode(
      () => parseCsvText('a\n', { maxRowChars: 0 }),
      'MLI_INVALID_OPTION',
      'maxRowChars must be an integer >= 1, got 0',
    );
    expectCode(
      () => parseCsvText('a\n', { batchRows: 2.5, delimitr: ';' } as never),
      'MLI_INVALID_OPTION',
      'invalid CSV options: unknown option delimitr; batchRows must be an integer >= 1, got 2.5',
    );
    expectCode(
      () => parseCsvText('a\n', 'x' as never),
      'MLI_INVALID_OPTION',
      'CSV options must be an object, got "x"',
    );
    expectCode(() => parseCsvText(42 as unknown as string), 'MLI_INVALID_OPTION', /must be a string, got 42/);
  });
});

describe('csvBatches', () => {
  it('gives the same result for every byte split of the corpus (two chunks)', async () => {
    const bytes = enc.encode(CORPUS);
    const expected = parseCsvText(CORPUS);
    for (let i = 0; i <= bytes.length; i++) {
      const got = await collect([bytes.subarray(0, i), bytes.subarray(i)]);
      expect({ at: i, header: got.header, rows: got.rows, problems: got.problems }).toEqual({
        at: i,
        header: expected.header,
        rows: expected.rows,
        problems: [],
      });
    }
  });

  it('gives the same result for every pair of byte splits (three chunks)', async () => {
    const bytes = enc.encode(CORPUS);
    const expected = JSON.stringify(parseCsvText(CORPUS).rows);
    let checked = 0;
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const got = await collect([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
        if (JSON.stringify(got.rows) !== expected) throw new Error(`split at ${i}, ${j} differs`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('gives the same result for one-byte chunks and for string chunks split at every character', async () => {
    const bytes = enc.encode(CORPUS);
    const oneByte = await collect(Array.from(bytes, (b) => Uint8Array.of(b)));
    expect(oneByte.rows).toEqual(CORPUS_ROWS);
    for (let i = 0; i <= CORPUS.length; i++) {
      const got = await collect([CORPUS.slice(0, i), CORPUS.slice(i)]);
      expect(got.rows).toEqual(CORPUS_ROWS);
    }
  });

  it('reports a malformed quote the same way at every split', async () => {
    const text = 'a,b\n1,2\n"x"y,2\n3,4\n';
    const expected = parseCsvText(text);
    expect(expected.problems.map((p) => [p.path[0], p.kind])).toEqual([
      [2, 'quotes'],
      [2, 'ragged_row'],
    ]);
    for (let i = 0; i <= text.length; i++) {
      const got = await collect([text.slice(0, i), text.slice(i)]);
      expect({ i, rows: got.rows, problems: got.problems }).toEqual({
        i,
        rows: expected.rows,
        problems: expected.problems,
      });
    }
  });

  it('handles a CRLF split between chunks and LF/CR files split everywhere', async () => {
    for (const text of ['a,b\n1,"x\ny"\n2,3\n', 'a,b\r1,2\r3,4\r', 'a,b\r\n1,2\r\n3,4']) {
      const expected = parseCsvText(text).rows;
      expect(expected.length).toBe(2);
      for (let i = 0; i <= text.length; i++) {
        const got = await collect([text.slice(0, i), text.slice(i)]);
        expect(got.rows).toEqual(expected);
      }
    }
  });

  it('yields batches of batchRows with 1-based firstRow and their own problems', async () => {
    const lines = ['id,v'];
    for (let i = 1; i <= 2500; i++) lines.push(i === 1500 ? `${i}` : `${i},${i * 2}`);
    const got = await collect([lines.join('\n')], 1000);
    expect(got.batches.map((b) => [b.firstRow, b.rows.length])).toEqual([
      [1, 1000],
      [1001, 1000],
      [2001, 500],
    ]);
    expect(got.batches[1].rows[0]).toEqual(['1001', '2002']);
    expect(got.batches[0].problems).toEqual([]);
    expect(got.batches[1].problems.map((p) => p.path)).toEqual([[1500]]);
    expect(got.batches[1].rows[1500 - 1001]).toEqual(['1500']);
  });

  it('is lazy: the first batch arrives before the source is exhausted', async () => {
    let pulled = 0;
    async function* source() {
      yield 'a,b\n';
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `${i},x\n`;
      }
    }
    const it = csvBatches(source(), { batchRows: 10 })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(first.value?.rows).toHaveLength(10);
    expect(pulled).toBeLessThan(20);
    await it.return?.(undefined);
  });

  it('yields one empty batch for a header-only input', async () => {
    const got = await collect(['x,y\r\n']);
    expect(got.batches).toEqual([{ header: ['x', 'y'], rows: [], firstRow: 1, problems: [] }]);
  });

  it('rejects invalid UTF-8 and bad chunk types', async () => {
    await expectAsyncCode(
      collect([Uint8Array.of(0x61, 0x0a, 0xff, 0xfe, 0x0a)]),
      'MLI_CSV_PARSE',
      /not valid UTF-8/,
    );
    await expectAsyncCode(
      collect([42 as unknown as string]),
      'MLI_INVALID_OPTION',
      /chunks must be strings or Uint8Arrays/,
    );
    await expectAsyncCode(
      collect(['a\n'], -1),
      'MLI_INVALID_OPTION',
      'batchRows must be an integer >= 1, got -1',
    );
  });
});

describe('readCsvFile', () => {
  it('reads the seed sample', async () => {
    const t = await readCsvFile('fixtures/sample_input.csv');
    expect(t.header).toEqual(['feature1', 'feature2', 'feature3', 'target']);
    expect(t.rows).toEqual([
      ['5.1', '3.5', '1.4', '0'],
      ['4.9', '3.0', '1.4', '0'],
      ['6.2', '3.4', '5.4', '1'],
    ]);
  });

  it('reads the customers fixture with quoted commas and quotes', async () => {
    const t = await readCsvFile('fixtures/customers.csv');
    expect(t.rows).toHaveLength(3000);
    expect(t.problems).toEqual([]);
    const city = t.header.indexOf('city');
    const cities = new Set(t.rows.map((r) => r[city]));
    expect(cities.has('Springfield, IL')).toBe(true);
    expect(cities.has('The "Big" Apple')).toBe(true);
    expect(cities.has('Zürich')).toBe(true);
  });

  it('maps a missing file to MLI_NOT_FOUND', async () => {
    await expectAsyncCode(readCsvFile('fixtures/does-not-exist.csv'), 'MLI_NOT_FOUND', /does-not-exist\.csv/);
  });
});
