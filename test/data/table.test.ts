import { describe, expect, it } from 'vitest';
import { toTable } from '../../src/data/table.js';
import { MlinferError } from '../../src/errors.js';

function errorOf(fn: () => unknown): MlinferError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MlinferError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('toTable', () => {
  it('takes row objects: the union of keys in first-seen order, absent keys null', () => {
    const t = toTable([{ a: 1, b: 'x' }, { c: true, a: 2 }, { b: undefined }]);
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      [1, 'x', null],
      [2, null, true],
      [null, null, null],
    ]);
  });

  it('takes a column table, also with typed arrays', () => {
    const t = toTable({ a: [1, 2], b: ['x', 'y'], c: Float64Array.of(0.5, Number.NaN) });
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows[0]).toEqual([1, 'x', 0.5]);
    expect(t.rows[1][2]).toBeNaN();
  });

  it('rejects a column table with unequal lengths, naming each column', () => {
    const e = errorOf(() => toTable({ a: [1, 2, 3], b: [1], c: [1, 2] }));
    expect(e.code).toBe('MLI_INVALID_DATA');
    expect(e.issues.map((i) => i.path)).toEqual([['b'], ['c']]);
    expect(e.issues[0].message).toBe('column "b" has 1 values, column "a" has 3');
  });

  it('takes a parsed { header, rows } and a Table as they are', () => {
    const rows = [['1', '2']];
    expect(toTable({ header: ['a', 'b'], rows })).toEqual({ columns: ['a', 'b'], rows });
    const t = { columns: ['a'], rows: [[1]] };
    expect(toTable(t).rows).toBe(t.rows);
  });

  it('reports every non-plain cell and non-object row', () => {
    const e = errorOf(() => toTable([{ a: { nested: 1 } }, { a: 1 }, { a: [1] }]));
    expect(e.code).toBe('MLI_INVALID_DATA');
    expect(e.issues.map((i) => i.path)).toEqual([
      [1, 'a'],
      [3, 'a'],
    ]);
    const e2 = errorOf(() => toTable([{ a: 1 }, 5, null] as unknown as Record<string, unknown>[]));
    expect(e2.issues.map((i) => i.path)).toEqual([[2], [3]]);
    expect(errorOf(() => toTable('x' as never)).message).toMatch(/expected an array of row objects/);
  });
});
