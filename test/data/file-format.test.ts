// One list of extensions for training, evaluation and batch scoring, and one CSV quoting rule for every
// CSV the package writes (batch output cells, its header, the raw text of rejected rows).
import { describe, expect, it } from 'vitest';
import { quoteCsvField } from '../../src/data/csv.js';
import { delimiterOfPath, formatOfPath, tableFormatOfPath } from '../../src/data/file-format.js';

describe('formatOfPath', () => {
  it('knows every extension any reader used to know, in any case', () => {
    for (const p of ['a.csv', 'b.TSV', 'dir.x/c.txt']) expect(formatOfPath(p)).toBe('csv');
    for (const p of ['a.jsonl', 'b.NDJSON', 'c.json']) expect(formatOfPath(p)).toBe('jsonl');
    for (const p of ['a.parquet', 'b.pq']) expect(formatOfPath(p)).toBe('parquet');
    for (const p of ['a.xlsx', 'noext', '.csv', 'dir.csv/file']) expect(formatOfPath(p)).toBeNull();
  });

  it('a .tsv is tab-separated', () => {
    expect(delimiterOfPath('x/data.tsv')).toBe('\t');
    expect(delimiterOfPath('data.csv')).toBeUndefined();
  });

  it('training and evaluation read CSV (the default) or JSON Lines, and say that Parquet is for batch scoring and training', () => {
    expect(tableFormatOfPath('d.ndjson')).toBe('jsonl');
    expect(tableFormatOfPath('d.data')).toBe('csv');
    expect(() => tableFormatOfPath('d.parquet')).toThrow(
      /Parquet is read by batch scoring and training; evaluate reads CSV/,
    );
  });
});

describe('quoteCsvField (RFC 4180)', () => {
  it('quotes a field holding the delimiter, a quote, CR or LF, or edge white space', () => {
    expect(quoteCsvField('plain')).toBe('plain');
    expect(quoteCsvField('a,b')).toBe('"a,b"');
    expect(quoteCsvField('a;b')).toBe('a;b');
    expect(quoteCsvField('a;b', ';')).toBe('"a;b"');
    expect(quoteCsvField('a\tb', '\t')).toBe('"a\tb"');
    expect(quoteCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteCsvField('two\nlines')).toBe('"two\nlines"');
    expect(quoteCsvField('cr\r')).toBe('"cr\r"');
    expect(quoteCsvField(' lead')).toBe('" lead"');
    expect(quoteCsvField('trail ')).toBe('"trail "');
    expect(quoteCsvField('')).toBe('');
  });
});
