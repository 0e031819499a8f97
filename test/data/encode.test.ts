import { describe, expect, it } from 'vitest';
import {
  createCsvRowEncoder,
  createRowEncoder,
  createTargetEncoder,
  encodeTable,
  INVALID_TARGET,
} from '../../src/data/encode.js';
import { readCsvFile } from '../../src/data/node-io.js';
import { inferSchema, type Schema } from '../../src/data/schema.js';
import { toTable } from '../../src/data/table.js';
import { type Issue, MlinferError } from '../../src/errors.js';

function errorOf(fn: () => unknown): MlinferError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MlinferError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const schema: Schema = {
  version: 1,
  features: [
    { name: 'age', type: 'numeric' },
    { name: 'member', type: 'boolean' },
    { name: 'plan', type: 'categorical', categories: ['basic', 'pro'], hasOther: false },
    { name: 'city', type: 'categorical', categories: ['Oslo', 'Rome'], hasOther: true },
  ],
  target: { name: 'churned', task: 'classification', classes: ['no', 'yes'] },
  missingValues: ['', 'NA', '?'],
  excluded: ['id'],
};

describe('createRowEncoder', () => {
  it('encodes numbers, booleans (0/1), category codes, the other code and missing values', () => {
    const enc = createRowEncoder(schema);
    const out = new Float64Array(8).fill(-1);
    const issues: Issue[] = [];
    expect(enc.encode({ age: '42', member: 'Yes', plan: 'pro', city: 'Paris' }, out, 0, issues)).toBe(true);
    expect(enc.encode({ age: null, member: false, plan: ' basic ', city: 'NA' }, out, 4, issues)).toBe(true);
    expect(issues).toEqual([]);
    expect(Array.from(out)).toEqual([42, 1, 1, 2, Number.NaN, 0, 0, Number.NaN]);
    expect(enc.nFeatures).toBe(4);
    expect(enc.featureNames).toEqual(['age', 'member', 'plan', 'city']);
  });

  it('reports every problem of a record, not only the first', () => {
    const enc = createRowEncoder(schema);
    const issues: Issue[] = [];
    const ok = enc.encode({ age: 'abc', member: 'maybe', plan: { x: 1 } }, new Float64Array(4), 0, issues);
    expect(ok).toBe(false);
    expect(issues.map((i) => [i.path, i.kind, i.expected, i.received])).toEqual([
      [['age'], 'invalid_type', 'a number', '"abc"'],
      [['member'], 'invalid_type', 'true/false or yes/no', '"maybe"'],
      [['plan'], 'invalid_type', 'a string category', 'an object'],
      [['city'], 'missing_column', 'a string category', 'nothing'],
    ]);
    expect(issues[0].message).toBe('"age": expected a number, got "abc"');
  });

  it('rejects non-finite numbers and non-0/1 numbers for booleans', () => {
    const enc = createRowEncoder(schema);
    const issues: Issue[] = [];
    expect(enc.encode([Number.POSITIVE_INFINITY, 2, 'pro', 'Rome'], new Float64Array(4), 0, issues)).toBe(
      false,
    );
    expect(issues.map((i) => i.path[0])).toEqual(['age', 'member']);
  });

  it('routes unknown categories to NaN and counts them, with one note per feature', () => {
    const enc = createRowEncoder(schema);
    const out = new Float64Array(4);
    const issues: Issue[] = [];
    expect(enc.encode({ age: 1, member: true, plan: 'gold', city: 'Oslo' }, out, 0, issues)).toBe(true);
    expect(out[2]).toBeNaN();
    expect(enc.encode({ age: 1, member: true, plan: 'platinum', city: 'Oslo' }, out, 0, issues)).toBe(true);
    expect(issues).toEqual([]);
    expect(enc.unknownCategoryTotal).toBe(2);
    expect(Array.from(enc.unknownCategoryCounts)).toEqual([0, 0, 2, 0]);
    expect(enc.notes.map((n) => [n.kind, n.path, n.received])).toEqual([
      ['unknown_category', ['plan'], '"gold"'],
    ]);
  });

  it('ignores extra columns, reporting each once; target and excluded columns are not extra', () => {
    const enc = createRowEncoder(schema);
    const out = new Float64Array(4);
    const rec = { id: 7, churned: 'no', age: 3, member: 'no', plan: 'pro', city: 'Rome', color: 'red' };
    for (let i = 0; i < 3; i++) expect(enc.encode(rec, out, 0, [])).toBe(true);
    expect(enc.encode({ ...rec, size: 2 }, out, 0, [])).toBe(true);
    expect(enc.notes.map((n) => [n.kind, n.path[0]])).toEqual([
      ['extra_column', 'color'],
      ['extra_column', 'size'],
    ]);
    expect(Array.from(out)).toEqual([3, 0, 1, 1]);
  });

  it('takes arrays in schema order and rejects the wrong length', () => {
    const enc = createRowEncoder(schema);
    const out = new Float64Array(4);
    expect(enc.encode([5, 'TRUE', 'basic', 'Rome'], out, 0, [])).toBe(true);
    expect(Array.from(out)).toEqual([5, 1, 0, 1]);
    const issues: Issue[] = [];
    expect(enc.encode([5, true], out, 0, issues)).toBe(false);
    expect(issues).toEqual([
      {
        path: [],
        kind: 'wrong_length',
        message: 'the record has 2 values, the model has 4 features',
        expected: '4 values',
        received: '2 values',
      },
    ]);
    const more: Issue[] = [];
    expect(enc.encode('hello', out, 0, more)).toBe(false);
    expect(more[0].kind).toBe('invalid_record');
  });

  it('encodeRows returns a matrix and per-row issues', () => {
    const enc = createRowEncoder(schema);
    const r = enc.encodeRows([
      { age: 1, member: 'no', plan: 'pro', city: 'Oslo' },
      { age: 'x', member: 'no', plan: 'pro' },
      [2, 'yes', 'basic', 'Lima'],
    ]);
    expect(r.X.nRows).toBe(3);
    expect(r.X.nFeatures).toBe(4);
    expect(Array.from(r.valid)).toEqual([1, 0, 1]);
    expect(r.invalidCount).toBe(1);
    expect(r.rowIssues[0]).toEqual([]);
    expect(r.rowIssues[1].map((i) => i.kind)).toEqual(['invalid_type', 'missing_column']);
    expect(Array.from(r.X.data.subarray(8))).toEqual([2, 1, 0, 2]);
  });
});

describe('createCsvRowEncoder', () => {
  it('maps the header once and encodes string rows', () => {
    const enc = createCsvRowEncoder(schema, ['city', 'id', 'plan', 'age', 'member', 'note']);
    expect(enc.notes.map((n) => [n.kind, n.path[0]])).toEqual([['extra_column', 'note']]);
    const r = enc.encodeRows(
      [
        ['Rome', '1', 'pro', '30', 'no', 'x'],
        ['', '2', 'gold', 'abc', 'perhaps', 'y'],
        ['Oslo', '3'],
      ],
      101,
    );
    expect(Array.from(r.valid)).toEqual([1, 0, 0]);
    expect(Array.from(r.X.data.subarray(0, 4))).toEqual([30, 0, 1, 1]);
    expect(r.issues.map((i) => [i.path, i.kind])).toEqual([
      [[102, 'age'], 'invalid_type'],
      [[102, 'member'], 'invalid_type'],
      [[103], 'ragged_row'],
    ]);
    expect(r.issues[0].message).toBe('row 102, column "age": expected a number, got "abc"');
    expect(enc.unknownCategoryTotal).toBe(1);
  });

  it('fails once, listing every missing feature column', () => {
    const e = errorOf(() => createCsvRowEncoder(schema, ['age', 'other']));
    expect(e.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(e.issues.map((i) => i.path[0])).toEqual(['member', 'plan', 'city']);
    expect(e.message).toBe('the input lacks 3 column(s) the model needs: "member", "plan", "city"');
  });
});

describe('encodeTable', () => {
  it('encodes the customers fixture for training', async () => {
    const t = toTable(await readCsvFile('fixtures/customers.csv'));
    const s = inferSchema(t, { target: 'churned', exclude: ['customer_id'] });
    const e = encodeTable(t, s);
    expect(e.issues).toEqual([]);
    expect(e.X.nRows).toBe(3000);
    expect(e.X.nFeatures).toBe(9);
    expect(e.y.length).toBe(3000);
    expect(new Set(e.y)).toEqual(new Set([0, 1]));
    // Missing values (empty, NA, ?) are NaN; present ones are finite.
    const nan = e.X.data.filter((v) => Number.isNaN(v)).length;
    expect(nan).toBeGreaterThan(100);
    expect(e.X.data.every((v) => Number.isNaN(v) || Number.isFinite(v))).toBe(true);
    expect(e.rowNumbers[2999]).toBe(3000);
  });

  it('collects every bad cell with [row, column] paths and leaves those rows out', () => {
    const t = toTable({ a: ['1', 'x', '3', 'y'], b: ['yes', 'no', 'hmm', 'no'], y: ['p', 'q', 'p', 'zz'] });
    const s: Schema = {
      version: 1,
      features: [
        { name: 'a', type: 'numeric' },
        { name: 'b', type: 'boolean' },
      ],
      target: { name: 'y', task: 'classification', classes: ['p', 'q'] },
      missingValues: [''],
      excluded: [],
    };
    const e = encodeTable(t, s);
    expect(e.issues.map((i) => [i.path, i.kind])).toEqual([
      [[2, 'a'], 'invalid_type'],
      [[3, 'b'], 'invalid_type'],
      [[4, 'y'], 'invalid_target'],
      [[4, 'a'], 'invalid_type'],
    ]);
    expect(e.issueCount).toBe(4);
    expect(e.rejectedRows).toBe(3);
    expect(Array.from(e.rowNumbers)).toEqual([1]);
    expect(Array.from(e.X.data)).toEqual([1, 1]);
    expect(Array.from(e.y)).toEqual([0]);
  });

  it('caps the issue list but counts every issue', () => {
    const t = toTable({ a: Array.from({ length: 50 }, () => 'bad'), y: Array.from({ length: 50 }, () => 1) });
    const s: Schema = {
      version: 1,
      features: [{ name: 'a', type: 'numeric' }],
      target: { name: 'y', task: 'regression' },
      missingValues: [],
      excluded: [],
    };
    const e = encodeTable(t, s, { maxIssues: 5 });
    expect(e.issues).toHaveLength(5);
    expect(e.issueCount).toBe(50);
    expect(e.X.nRows).toBe(0);
    expect(errorOf(() => encodeTable(t, s, { maxIssues: -1 })).message).toBe(
      'invalid encodeTable options: maxIssues must be an integer >= 0, got -1',
    );
  });

  it('drops rows without a target with a note, and encodes numeric classes and regression values', () => {
    const t = toTable({ x: [1, 2, 3, 4], y: ['1', '', '0', 'NA'] });
    const cls = inferSchema(t, { target: 'y', task: 'classification' });
    const e = encodeTable(t, cls);
    expect(Array.from(e.y)).toEqual([1, 0]);
    expect(Array.from(e.rowNumbers)).toEqual([1, 3]);
    expect(e.notes.map((n) => n.message)).toEqual([
      '2 rows have no target value and are left out (rows 2, 4)',
    ]);
    const reg = encodeTable(t, inferSchema(t, { target: 'y' }));
    expect(Array.from(reg.y)).toEqual([1, 0]);
  });

  it('reports ragged rows of a parsed CSV and missing columns of the schema', () => {
    const e = encodeTable(
      { header: ['a', 'y'], rows: [['1', '2'], ['3']] },
      {
        version: 1,
        features: [{ name: 'a', type: 'numeric' }],
        target: { name: 'y', task: 'regression' },
        missingValues: [''],
        excluded: [],
      },
    );
    expect(e.issues.map((i) => [i.path, i.kind])).toEqual([[[2], 'ragged_row']]);
    expect(e.X.nRows).toBe(1);
    const err = errorOf(() => encodeTable(toTable({ y: [1] }), schema));
    expect(err.code).toBe('MLI_SCHEMA_MISMATCH');
    expect(err.issues.map((i) => i.path[0])).toEqual(['age', 'member', 'plan', 'city']);
  });
});

describe('createTargetEncoder (training and evaluation read targets alike)', () => {
  const base = { version: 1 as const, features: [], missingValues: ['', 'NA'], excluded: [] };

  it('regression: a number, NaN for missing, INVALID_TARGET otherwise; -1 is a value like any other', () => {
    const enc = createTargetEncoder({ ...base, target: { name: 'y', task: 'regression' } });
    expect([-1, ' -1 ', '2.5', 'NA', null, Number.NaN].map(enc)).toEqual([-1, -1, 2.5, NaN, NaN, NaN]);
    expect(['abc', Number.POSITIVE_INFINITY, true].map(enc)).toEqual([
      INVALID_TARGET,
      INVALID_TARGET,
      INVALID_TARGET,
    ]);
  });

  it('numeric classes compare as numbers; string classes by trimmed text', () => {
    const num = createTargetEncoder({
      ...base,
      target: { name: 'y', task: 'classification', classes: [1, 7] },
    });
    expect([7, '1.0', ' 7 ', '', 3, 'x'].map(num)).toEqual([1, 0, 1, NaN, INVALID_TARGET, INVALID_TARGET]);
    const str = createTargetEncoder({
      ...base,
      target: { name: 'y', task: 'classification', classes: ['no', 'yes'] },
    });
    expect([' yes', 'no', 'NA', 'maybe'].map(str)).toEqual([1, 0, NaN, INVALID_TARGET]);
  });
});
