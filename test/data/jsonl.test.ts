import { describe, expect, it } from 'vitest';
import { type JsonlBatch, jsonlBatches, parseJsonlText } from '../../src/data/jsonl.js';
import { isMlinferError } from '../../src/errors.js';

async function collect(source: Iterable<Uint8Array | string>, batchRows?: number): Promise<JsonlBatch[]> {
  const out: JsonlBatch[] = [];
  for await (const b of jsonlBatches(source, batchRows === undefined ? {} : { batchRows })) out.push(b);
  return out;
}

const TEXT = '\ufeff{"a":1,"b":"x"}\r\n\r\n{"a":2,"b":"ü€🎉"}\n{oops}\n[1,2]\n   \n{"a":3}';

describe('JSON Lines', () => {
  it('parses records with their line numbers, skips blank lines and reports bad lines', () => {
    const r = parseJsonlText(TEXT);
    expect(r.rows).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'ü€🎉' }, { a: 3 }]);
    expect(r.lines).toEqual([1, 3, 7]);
    expect(r.problems.map((p) => [p.path[0], p.kind])).toEqual([
      [4, 'invalid_json'],
      [5, 'not_an_object'],
    ]);
    expect(r.problems[0].message).toMatch(/^line 4: /);
    expect(r.problems[1].message).toBe('line 5: expected a JSON object, got an array');
  });

  it('gives the same result for every byte split', async () => {
    const bytes = new TextEncoder().encode(TEXT);
    const expected = parseJsonlText(TEXT);
    for (let i = 0; i <= bytes.length; i++) {
      const batches = await collect([bytes.subarray(0, i), bytes.subarray(i)]);
      const got = {
        rows: batches.flatMap((b) => b.rows),
        lines: batches.flatMap((b) => b.lines),
        problems: batches.flatMap((b) => b.problems),
      };
      expect({ i, ...got }).toEqual({ i, ...expected });
    }
  });

  it('batches records', async () => {
    const text = Array.from({ length: 25 }, (_, i) => JSON.stringify({ i })).join('\n');
    const chunks = text.split(/(?<=\n)/); // one line per chunk
    const batches = await collect(chunks, 10);
    expect(batches.map((b) => b.rows.length)).toEqual([10, 10, 5]);
    expect(batches[2].lines[0]).toBe(21);
  });

  it('validates options and bounds line length', async () => {
    expect(() => parseJsonlText('{}', { maxLineChars: -3 })).toThrow(
      'maxLineChars must be an integer >= 1, got -3',
    );
    try {
      parseJsonlText(`{"a":"${'x'.repeat(200)}"}`, { maxLineChars: 50 });
      throw new Error('expected an error');
    } catch (e) {
      expect(isMlinferError(e) && e.code).toBe('MLI_CSV_PARSE');
    }
    await expect(collect(['{}'], 0)).rejects.toThrow('batchRows must be an integer >= 1, got 0');
    expect(() => parseJsonlText('{}', { maxLines: 3 } as never)).toThrow('unknown option maxLines');
  });
});
