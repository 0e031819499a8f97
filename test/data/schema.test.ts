import { describe, expect, it } from 'vitest';
import { readCsvFile } from '../../src/data/node-io.js';
import { inferSchema, inferSchemaWithNotes, type Schema } from '../../src/data/schema.js';
import { parseSchema } from '../../src/data/schema-json.js';
import { toTable } from '../../src/data/table.js';
import { MlinferError } from '../../src/errors.js';
import { categoryCounts, featureKinds } from '../../src/model/schema-forest.js';
import { FEATURE_CATEGORICAL, FEATURE_NUMERIC } from '../../src/types.js';

function errorOf(fn: () => unknown): MlinferError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MlinferError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('inferSchema on the fixtures', () => {
  it('seed sample: numeric features, a 0/1 target is classification with numeric labels and a note', async () => {
    const t = toTable(await readCsvFile('fixtures/sample_input.csv'));
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'target' });
    expect(schema.features).toEqual([
      { name: 'feature1', type: 'numeric' },
      { name: 'feature2', type: 'numeric' },
      { name: 'feature3', type: 'numeric' },
    ]);
    expect(schema.target).toEqual({ name: 'target', task: 'classification', classes: [0, 1] });
    expect(notes.map((n) => n.kind)).toEqual(['integer_target']);
    expect(notes[0].message).toMatch(
      /holds only the integers 0 and 1, .*pass task 'regression' \(--task regression\)/,
    );
    // Asked for regression, it is one.
    expect(inferSchema(t, { target: 'target', task: 'regression' }).target).toEqual({
      name: 'target',
      task: 'regression',
    });
  });

  it('customers: types, categories, boolean target as classification, id excluded', async () => {
    const t = toTable(await readCsvFile('fixtures/customers.csv'));
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'churned', exclude: ['customer_id'] });
    const types = Object.fromEntries(schema.features.map((f) => [f.name, f.type]));
    expect(types).toEqual({
      age: 'numeric',
      tenure_months: 'numeric',
      monthly_charges: 'numeric',
      contract: 'categorical',
      plan: 'categorical',
      has_partner: 'boolean',
      paperless_billing: 'boolean',
      support_calls: 'numeric',
      city: 'categorical',
    });
    expect(schema.target).toEqual({ name: 'churned', task: 'classification', classes: ['no', 'yes'] });
    expect(schema.excluded).toEqual(['customer_id']);
    const plan = schema.features.find((f) => f.name === 'plan')!;
    expect([...plan.categories!].sort()).toEqual(['Basic', 'Premium "Plus"', 'Standard']);
    expect(plan.hasOther).toBe(false);
    const city = schema.features.find((f) => f.name === 'city')!;
    expect(city.categories).toHaveLength(10);
    expect(city.categories).toContain('Springfield, IL');
    expect(notes).toEqual([]);
    // The schema is plain JSON.
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('customers without exclude: the id column is left out with a note, and kept when asked', async () => {
    const t = toTable(await readCsvFile('fixtures/customers.csv'));
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'churned' });
    expect(schema.features.map((f) => f.name)).not.toContain('customer_id');
    expect(schema.features).toHaveLength(9);
    expect(schema.excluded).toEqual(['customer_id']);
    expect(notes.map((n) => [n.kind, n.path])).toEqual([['id_column', ['customer_id']]]);
    expect(notes[0].message).toMatch(/"customer_id" is left out.*keepIdColumns \(--keep-id-columns\)/);
    const kept = inferSchema(t, { target: 'churned', keepIdColumns: true });
    expect(kept.features[0]).toMatchObject({ name: 'customer_id', type: 'categorical' });
    expect(kept.excluded).toEqual([]);
    // A type given for the column keeps it too.
    const typed = inferSchema(t, { target: 'churned', types: { customer_id: 'categorical' } });
    expect(typed.features[0].name).toBe('customer_id');
  });

  it('housing: regression target, numeric and categorical features with missing values', async () => {
    const t = toTable(await readCsvFile('fixtures/housing.csv'));
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'price' });
    // house_id (1, 2, 3, ...) holds distinct integers and is named as an id: left out without being named
    expect(schema.excluded).toEqual(['house_id']);
    expect(notes.filter((n) => n.kind === 'id_column').map((n) => n.path)).toEqual([['house_id']]);
    expect(schema.target).toEqual({ name: 'price', task: 'regression' });
    expect(schema.features.map((f) => [f.name, f.type])).toEqual([
      ['sqft', 'numeric'],
      ['bedrooms', 'numeric'],
      ['bathrooms', 'numeric'],
      ['year_built', 'numeric'],
      ['neighborhood', 'categorical'],
      ['garage', 'boolean'],
    ]);
    const hood = schema.features[4];
    expect(hood.categories).toHaveLength(8);
    expect(hood.categories).not.toContain('?');
    expect(Array.from(featureKinds(schema))).toEqual([0, 0, 0, 0, FEATURE_CATEGORICAL, FEATURE_NUMERIC]);
    expect(Array.from(categoryCounts(schema))).toEqual([0, 0, 0, 0, 8, 0]);
  });
});

/** n rows cycling through `values` as the target, with one numeric feature. */
function targetTable(values: (number | string)[], n: number) {
  return toTable({
    x: Array.from({ length: n }, (_, i) => i % 7),
    y: Array.from({ length: n }, (_, i) => values[i % values.length]),
  });
}

describe('the task of a numeric target (integer class labels)', () => {
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  it('digits 0-9 and cover types 1-7 are classes, with a note naming the override', () => {
    const digits = inferSchemaWithNotes(targetTable(range(0, 9), 200), { target: 'y' });
    expect(digits.schema.target).toEqual({ name: 'y', task: 'classification', classes: range(0, 9) });
    expect(digits.notes.map((n) => n.kind)).toEqual(['integer_target']);
    expect(digits.notes[0].message).toMatch(
      /10 distinct integer values in 200 rows \(at most 20, and at least two rows per value on average\).*task 'regression' \(--task regression\)/,
    );
    const cover = inferSchema(targetTable(range(1, 7).map(String), 100), { target: 'y' });
    expect(cover.target).toEqual({ name: 'y', task: 'classification', classes: range(1, 7) });
    // 1.0 written as a decimal is still the integer 1
    expect(inferSchema(targetTable(['1.0', '2', '3'], 30), { target: 'y' }).target.classes).toEqual([
      1, 2, 3,
    ]);
  });

  it('integer prices and counts with many distinct values stay regression', () => {
    const prices = inferSchemaWithNotes(targetTable(range(100, 400), 600), { target: 'y' });
    expect(prices.schema.target).toEqual({ name: 'y', task: 'regression' });
    expect(prices.notes).toEqual([]);
    // 15 distinct counts in 20 rows: too many for labels (under 2 rows each); the note names the override
    const counts = inferSchemaWithNotes(targetTable(range(0, 14), 20), { target: 'y' });
    expect(counts.schema.target.task).toBe('regression');
    expect(counts.notes.map((n) => n.kind)).toEqual(['numeric_target']);
    expect(counts.notes[0].message).toMatch(/task 'classification' \(--task classification\)/);
    // 21 distinct integers is past the limit however many rows there are
    expect(inferSchema(targetTable(range(0, 20), 2100), { target: 'y' }).target.task).toBe('regression');
    // non-integers are quantities
    expect(inferSchema(targetTable([0.5, 1.5], 100), { target: 'y' }).target.task).toBe('regression');
  });

  it('task overrides the rule both ways', () => {
    const digits = targetTable(range(0, 9), 200);
    const r = inferSchemaWithNotes(digits, { target: 'y', task: 'regression' });
    expect(r.schema.target).toEqual({ name: 'y', task: 'regression' });
    expect(r.notes).toEqual([]);
    const prices = targetTable(range(100, 400), 600);
    expect(inferSchema(prices, { target: 'y', task: 'classification' }).target.classes).toHaveLength(301);
  });
});

describe('columns that identify rows', () => {
  const n = 40;
  const ids = (f: (i: number) => string | number) => Array.from({ length: n }, (_, i) => f(i));
  const base = { y: ids((i) => (i % 2 ? 'a' : 'b')), x: ids((i) => i % 5) };

  it('leaves out distinct strings, and distinct integers in a column named as an id', () => {
    const t = toTable({
      sku: ids((i) => `S-${i * 7}`),
      row_id: ids((i) => i + 1),
      orderId: ids((i) => String(5000 - i * 3)),
      ...base,
    });
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'y' });
    expect(schema.features.map((f) => f.name)).toEqual(['x']);
    expect(schema.excluded).toEqual(['sku', 'row_id', 'orderId']);
    expect(notes.map((n) => n.path[0])).toEqual(['sku', 'row_id', 'orderId']);
  });

  it('keeps distinct integers not named as an id, and columns with a repeat, a gap or fractions', () => {
    const t = toTable({
      area: ids((i) => ((i * 37) % 101) + 50), // distinct integers: a measurement
      paid: ids((i) => i), // ends in "id" but is not an id word
      grid_id: ids((i) => 10.5 + i), // named as an id but not integers
      name: ids((i) => (i === 3 ? 'n0' : `n${i}`)), // one repeat
      code: ids((i) => (i === 5 ? '' : `c${i}`)), // one missing
      ...base,
    });
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'y' });
    expect(schema.features.map((f) => f.name)).toEqual(['area', 'paid', 'grid_id', 'name', 'code', 'x']);
    expect(notes.filter((n) => n.kind === 'id_column')).toEqual([]);
  });

  it('needs 20 rows to call a column an identifier, and rejects a keepIdColumns that is not a boolean', () => {
    const small = toTable({ name: ['a', 'b', 'c'], y: ['p', 'q', 'p'] });
    expect(inferSchema(small, { target: 'y' }).features.map((f) => f.name)).toEqual(['name']);
    const e = errorOf(() => inferSchema(small, { target: 'y', keepIdColumns: 'yes' as never }));
    expect(e.code).toBe('MLI_INVALID_OPTION');
    expect(e.message).toMatch(/keepIdColumns must be a boolean, got "yes"/);
  });
});

describe('inferSchema rules', () => {
  it('detects numbers with spaces and exponents, not "1,5"', () => {
    const t = toTable({ a: [' 3 ', '1e3', '-2.5', '.5'], b: ['1', '1,5', '2', '3'], y: [1, 2, 3, 4] });
    const s = inferSchema(t, { target: 'y' });
    expect(s.features.map((f) => f.type)).toEqual(['numeric', 'categorical']);
  });

  it('maps booleans case-insensitively, with JS booleans, and keeps 0/1 numeric', () => {
    const t = toTable({
      a: ['Yes', 'NO', 'true', 'False'],
      b: [true, false, null, true],
      c: [0, 1, 1, 0],
      d: ['yes', 'maybe', 'no', 'no'],
      y: ['p', 'q', 'p', 'q'],
    });
    expect(inferSchema(t, { target: 'y' }).features.map((f) => f.type)).toEqual([
      'boolean',
      'boolean',
      'numeric',
      'categorical',
    ]);
  });

  it('treats the default missing spellings as missing, and a custom list replaces them', () => {
    const t = toTable({ a: ['1', '', 'NA', 'NaN', 'null', '?', ' 2 '], y: [1, 2, 3, 4, 5, 6, 7] });
    expect(inferSchema(t, { target: 'y' }).features[0].type).toBe('numeric');
    const custom = inferSchema(t, { target: 'y', missingValues: ['', '-'] });
    expect(custom.features[0].type).toBe('categorical');
    expect(custom.missingValues).toEqual(['', '-']);
    // Matching is case-sensitive: "na" is a value, not missing.
    expect(inferSchema(toTable({ a: ['1', 'na'], y: [1, 2] }), { target: 'y' }).features[0].type).toBe(
      'categorical',
    );
  });

  it('applies type overrides and exclusions', () => {
    const t = toTable({
      zip: ['02139', '10001', '02139'],
      id: ['a', 'b', 'c'],
      n: ['1', '2', '3'],
      y: ['u', 'v', 'u'],
    });
    const s = inferSchema(t, { target: 'y', types: { zip: 'categorical' }, exclude: ['id'] });
    expect(s.features).toEqual([
      { name: 'zip', type: 'categorical', categories: ['02139', '10001'], hasOther: false },
      { name: 'n', type: 'numeric' },
    ]);
    expect(s.excluded).toEqual(['id']);
  });

  it('caps categories: most frequent kept, ties by first appearance, the rest share an other code', () => {
    const col = ['d', 'c', 'b', 'a', 'c', 'b', 'a', 'e', 'e', 'x'];
    // counts: c 2, b 2, a 2, e 2, d 1, x 1 -> ties in first-seen order c, b, a, e
    const t = toTable({ col, y: col.map((_, i) => i) });
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'y', maxCategories: 3 });
    expect(schema.features[0]).toEqual({
      name: 'col',
      type: 'categorical',
      categories: ['c', 'b', 'a'],
      hasOther: true,
    });
    expect(Array.from(categoryCounts(schema))).toEqual([4]);
    const cap = notes.find((n) => n.kind === 'category_cap');
    expect(cap?.message).toBe(
      'column "col" has 6 distinct values; the 3 most frequent are kept and the other 3 (4 rows) share one "other" code',
    );
  });

  it('classes: numbers sorted numerically, strings sorted as strings, booleans as strings', () => {
    expect(
      inferSchema(toTable({ x: [1, 2, 3, 4], y: ['10', '9', '1.0', '9'] }), {
        target: 'y',
        task: 'classification',
      }).target.classes,
    ).toEqual([1, 9, 10]);
    expect(
      inferSchema(toTable({ x: [1, 2, 3], y: ['b', 'B', 'a'] }), { target: 'y' }).target.classes,
    ).toEqual(['B', 'a', 'b']);
    expect(inferSchema(toTable({ x: [1, 2], y: [true, false] }), { target: 'y' }).target.classes).toEqual([
      'false',
      'true',
    ]);
  });

  it('leaves rows without a target out and says so, never silently', () => {
    const t = toTable({ x: [1, 2, 3, 4], y: ['a', '', 'b', null] });
    const { schema, notes } = inferSchemaWithNotes(t, { target: 'y' });
    expect(schema.target.classes).toEqual(['a', 'b']);
    expect(notes).toEqual([
      {
        path: ['y'],
        kind: 'missing_target',
        message: '2 rows have no target value and are left out of training (rows 2, 4)',
      },
    ]);
  });

  it('fails when the target column is absent, listing the columns', () => {
    const e = errorOf(() => inferSchema(toTable({ a: [1], b: [2] }), { target: 'price' }));
    expect(e.code).toBe('MLI_INVALID_DATA');
    expect(e.message).toBe('target column "price" is not in the data; available columns: "a", "b"');
  });

  it('fails for a non-numeric regression target and for a target with no values', () => {
    const e = errorOf(() =>
      inferSchema(toTable({ a: [1, 2, 3], y: ['1', 'x', 'z'] }), { target: 'y', task: 'regression' }),
    );
    expect(e.code).toBe('MLI_INVALID_DATA');
    expect(e.issues.map((i) => i.path)).toEqual([
      [2, 'y'],
      [3, 'y'],
    ]);
    expect(errorOf(() => inferSchema(toTable({ a: [1], y: ['NA'] }), { target: 'y' })).message).toMatch(
      /has no values/,
    );
  });

  it('validates options up front, listing every problem', () => {
    const e = errorOf(() =>
      inferSchema(toTable({ a: [1] }), {
        target: '',
        task: 'clustering' as never,
        maxCategories: -1,
        types: { a: 'text' as never },
        missingValues: 'NA' as never,
        exclude: ['a', 3] as never,
        keep: ['a'],
      } as never),
    );
    expect(e.code).toBe('MLI_INVALID_OPTION');
    expect(e.issues.map((i) => i.message)).toEqual([
      'unknown option keep',
      'target must be a non-empty string, got ""',
      `task must be one of 'classification', 'regression', got "clustering"`,
      'exclude[1] must be a string, got 3',
      `types.a must be one of 'numeric', 'boolean', 'categorical', got "text"`,
      'missingValues must be an array of strings, got "NA"',
      'maxCategories must be an integer >= 1, got -1',
    ]);
    expect(
      errorOf(() => inferSchema(toTable({ a: [1] }), { target: 'a', maxCategories: 2.5 })).message,
    ).toContain('maxCategories must be an integer >= 1, got 2.5');
    expect(errorOf(() => inferSchema(toTable({ a: [1] }), undefined as never)).message).toBe(
      'invalid schema options: target is required',
    );
  });

  it('rejects exclude and types that name unknown columns or the target', () => {
    const t = toTable({ a: [1, 2], y: [1, 2] });
    const e = errorOf(() =>
      inferSchema(t, { target: 'y', exclude: ['y', 'nope'], types: { y: 'numeric', zz: 'boolean' } }),
    );
    expect(e.code).toBe('MLI_INVALID_OPTION');
    expect(e.issues.map((i) => i.path)).toEqual([
      ['exclude', 'y'],
      ['exclude', 'nope'],
      ['types', 'y'],
      ['types', 'zz'],
    ]);
    expect(e.issues[1].message).toBe(
      'exclude names "nope", which is not a column; available columns: "a", "y"',
    );
  });
});

describe('parseSchema', () => {
  const good: Schema = {
    version: 1,
    features: [
      { name: 'a', type: 'numeric' },
      { name: 'c', type: 'categorical', categories: ['x', 'y'], hasOther: true },
    ],
    target: { name: 't', task: 'classification', classes: [0, 1] },
    missingValues: ['', 'NA'],
    excluded: [],
  };

  it('round-trips a valid schema through JSON', () => {
    expect(parseSchema(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });

  it('lists every problem of a corrupt schema', () => {
    const bad = {
      ...good,
      features: [
        { name: 'a', type: 'text' },
        { name: 1, type: 'categorical' },
      ],
      target: { name: 't', task: 'classification', classes: [] },
    };
    const e = errorOf(() => parseSchema(bad));
    expect(e.code).toBe('MLI_MODEL_CORRUPT');
    expect(e.issues.map((i) => i.path.join('.'))).toEqual([
      'features.0.type',
      'features.1.name',
      'features.1.categories',
      'target.classes',
    ]);
    expect(errorOf(() => parseSchema({ ...good, version: 2 })).code).toBe('MLI_MODEL_VERSION');
  });
});
