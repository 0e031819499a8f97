/**
 * Schema inference: which columns are features, of which type, what the categories and classes are.
 * The Schema is plain JSON and is stored in the model file, so that prediction encodes records exactly
 * like training did.
 *
 * Rules (kept simple on purpose, so that users can predict them):
 * - A cell is missing when it is null, undefined, NaN, or a string that is one of `missingValues` after
 *   trimming (default `''`, `NA`, `NaN`, `null`, `?`; case-sensitive).
 * - A feature column is `numeric` when every non-missing cell is a number (JS number or a decimal string
 *   such as `1e3`, `-2.5`, ` 3 `; not `1,5`), else `boolean` when every one is a JS boolean or
 *   true/false/yes/no (any case), else `categorical`. A column with no values at all is numeric.
 * - The task is `options.task` when given. Otherwise a target with any value that is not a number
 *   (strings, booleans) means classification, and so does a numeric target that looks like class labels:
 *   every value an integer, at most 20 distinct values, and either at most 2 of them or at most half as
 *   many as rows with a target (each label seen twice on average), as AutoGluon and scikit-learn's
 *   `type_of_target` read integer targets. Any other numeric target means regression. An integer target
 *   gets a note naming the rule and the override either way.
 * - A column that identifies rows is left out, with a note: at least 20 rows, a value in every row and
 *   every value different, and either strings (categorical) or integers in a column named as an id (`id`,
 *   `house_id`, `customerId`, `ID`). `keepIdColumns`, or a type given in `types`, keeps it; the columns
 *   left out are listed in `excluded`, so that prediction ignores them.
 * - Classes keep their type: all-numeric labels stay numbers, sorted ascending; otherwise labels are
 *   strings (trimmed; JS booleans become 'true'/'false'), sorted by code unit like numpy's unique.
 */

import { assertOptions, c, type Spec } from '../constraints.js';
import { type Issue, MlinferError, throwIfIssues } from '../errors.js';
import type { Task } from '../types.js';
import { describeValue, IssueList, isMissing, missingSet, parseBoolean, parseDecimal } from './cells.js';
import { type Cell, columnIndex, duplicateColumns, type Table, type TableInput, toTable } from './table.js';

export type FeatureType = 'numeric' | 'boolean' | 'categorical';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
  /** Categorical only: the kept categories; a category's code is its index. */
  categories?: string[];
  /** Categorical only: when true, every value not in `categories` gets the code `categories.length`. */
  hasOther?: boolean;
}

export interface TargetSpec {
  name: string;
  task: Task;
  /** Classification only: y holds an index into this list. */
  classes?: (string | number)[];
}

export interface Schema {
  version: 1;
  features: FeatureSpec[];
  target: TargetSpec;
  missingValues: string[];
  excluded: string[];
}

export interface SchemaOptions {
  /** The target column. */
  target: string;
  task?: Task;
  /** Columns to leave out (identifiers, leaks). */
  exclude?: string[];
  /** Per-column type overrides for features. */
  types?: Record<string, FeatureType>;
  missingValues?: string[];
  /** Categories kept per categorical feature, default 100: the most frequent (ties: first seen); the rest share an "other" code. */
  maxCategories?: number;
  /** Train on columns that identify rows instead of leaving them out (see the module comment); default false. */
  keepIdColumns?: boolean;
}

/** The schema plus notes worth showing the user (`kind`: missing_target, category_cap, id_column, empty_column, integer_target, numeric_target, single_class). */
export interface SchemaResult {
  schema: Schema;
  notes: Issue[];
}

const TASKS: readonly Task[] = ['classification', 'regression'];
const FEATURE_TYPES: readonly FeatureType[] = ['numeric', 'boolean', 'categorical'];
const MAX_NOTE_ROWS = 10;
/** An integer target with at most this many distinct values can be class labels (see the module comment). */
export const CLASS_LIKE_MAX = 20;
/** Fewer rows than this are too few to tell an identifier from a column of distinct values. */
export const ID_MIN_ROWS = 20;

function quoteList(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => JSON.stringify(n)).join(', ');
}

/** Schema options after validation (missing spellings as a set). */
export interface ResolvedOptions {
  target: string;
  task: Task | undefined;
  exclude: string[];
  types: Record<string, FeatureType>;
  missingValues: string[];
  missing: Set<string>;
  maxCategories: number;
  keepIdColumns: boolean;
}

/** The options of schema inference, declared once (train() checks them with its own before reading data). */
export const SCHEMA_SPEC: Spec = {
  target: { anyOf: [c.string({ nonEmpty: true })], required: true },
  task: [c.oneOf(...TASKS)],
  exclude: [c.array(c.string(), 'an array of column names')],
  types: [c.record(c.oneOf(...FEATURE_TYPES), 'an object of column: type')],
  missingValues: [c.array(c.string(), 'an array of strings')],
  maxCategories: [c.integer({ min: 1 })],
  keepIdColumns: [c.boolean],
};

/** Validates the schema options (all problems listed) and fills in the defaults. */
export function resolveSchemaOptions(opts: SchemaOptions): ResolvedOptions {
  assertOptions(opts, SCHEMA_SPEC, 'schema options');
  const { list, set } = missingSet(opts.missingValues, []);
  return {
    target: opts.target,
    task: opts.task,
    exclude: [...new Set(opts.exclude ?? [])],
    types: opts.types ?? {},
    missingValues: list,
    missing: set,
    maxCategories: opts.maxCategories ?? 100,
    keepIdColumns: opts.keepIdColumns ?? false,
  };
}

/** Checks that the option's column names exist in the table (after the options' own shape is valid). */
function checkColumns(o: ResolvedOptions, columns: readonly string[], index: Map<string, number>): void {
  const table = { columns };
  const dups = duplicateColumns(table.columns);
  if (dups.length > 0) {
    throw new MlinferError('MLI_INVALID_DATA', dups.map((d) => d.message).join('; '), { issues: dups });
  }
  if (!index.has(o.target)) {
    throw new MlinferError(
      'MLI_INVALID_DATA',
      `target column ${JSON.stringify(o.target)} is not in the data; available columns: ${quoteList(table.columns)}`,
      {
        issues: [
          { path: [o.target], kind: 'missing_column', message: `no column ${JSON.stringify(o.target)}` },
        ],
      },
    );
  }
  const issues: Issue[] = [];
  for (const name of o.exclude) {
    if (name === o.target) {
      issues.push({
        path: ['exclude', name],
        message: `exclude must not contain the target ${JSON.stringify(name)}`,
      });
    } else if (!index.has(name)) {
      issues.push({
        path: ['exclude', name],
        message: `exclude names ${JSON.stringify(name)}, which is not a column; available columns: ${quoteList(table.columns)}`,
      });
    }
  }
  for (const name of Object.keys(o.types)) {
    if (name === o.target) {
      issues.push({
        path: ['types', name],
        message: `types cannot set the type of the target ${JSON.stringify(name)}; use task instead`,
      });
    } else if (!index.has(name)) {
      issues.push({
        path: ['types', name],
        message: `types names ${JSON.stringify(name)}, which is not a column; available columns: ${quoteList(table.columns)}`,
      });
    } else if (o.exclude.includes(name)) {
      issues.push({
        path: ['types', name],
        message: `types names ${JSON.stringify(name)}, which is also excluded`,
      });
    }
  }
  throwIfIssues('MLI_INVALID_OPTION', issues, 'schema options');
}

/** The string a cell stands for as a category or class label. */
export function cellLabel(v: Cell): string {
  return typeof v === 'string' ? v.trim() : String(v);
}

function inferType(rows: Cell[][], j: number, missing: Set<string>): { type: FeatureType; present: number } {
  let numeric = true;
  let boolean = true;
  let present = 0;
  for (const row of rows) {
    const v = row[j];
    if (isMissing(v, missing)) continue;
    present++;
    if (typeof v === 'number') boolean = false;
    else if (typeof v === 'boolean') numeric = false;
    else if (typeof v === 'string') {
      const s = v.trim();
      if (numeric && Number.isNaN(parseDecimal(s))) numeric = false;
      if (boolean && Number.isNaN(parseBoolean(s))) boolean = false;
    }
    if (!numeric && !boolean) break;
  }
  if (numeric) return { type: 'numeric', present };
  return { type: boolean ? 'boolean' : 'categorical', present };
}

/** `id`, or a name ending in an `id` word: `house_id`, `order-id`, `customerId`, `userID`; not `paid` or `valid`. */
const ID_WORD = /(?:^|[_\-\s.])id$/i;
const ID_CAMEL = /[a-z0-9]I[dD]$/;

export function isIdName(name: string): boolean {
  return ID_WORD.test(name) || ID_CAMEL.test(name);
}

/**
 * True when column `j` identifies rows (see the module comment): every row has a value, all different,
 * and they are strings, or integers in a column named as an id. Integers need the name because distinct
 * numbers can still carry order (an area, a year), while distinct strings are each seen once and teach
 * the trees nothing.
 */
function identifiesRows(
  name: string,
  rows: Cell[][],
  j: number,
  type: FeatureType,
  missing: Set<string>,
): boolean {
  if (rows.length < ID_MIN_ROWS || type === 'boolean') return false;
  if (type === 'numeric' && !isIdName(name)) return false;
  const seen = new Set<string | number>();
  for (const row of rows) {
    const v = row[j];
    if (isMissing(v, missing)) return false;
    const key =
      type === 'numeric' ? (typeof v === 'number' ? v : parseDecimal((v as string).trim())) : cellLabel(v);
    if (seen.has(key) || (typeof key === 'number' && !Number.isInteger(key))) return false;
    seen.add(key);
  }
  return true;
}

/** The category counts of column j, in first-seen order (Map iteration order is insertion order). */
function countCategories(rows: Cell[][], j: number, o: ResolvedOptions): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const v = row[j];
    if (isMissing(v, o.missing)) continue;
    const key = cellLabel(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The kept categories from counts in first-seen order: the most frequent, ties in first-seen order (sort is stable). */
function categoricalSpec(
  name: string,
  counts: Map<string, number>,
  o: ResolvedOptions,
  notes: Issue[],
): FeatureSpec {
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const kept = sorted.slice(0, o.maxCategories);
  const hasOther = sorted.length > o.maxCategories;
  if (hasOther) {
    const otherRows = sorted.slice(o.maxCategories).reduce((s, e) => s + e[1], 0);
    notes.push({
      path: [name],
      kind: 'category_cap',
      message:
        `column ${JSON.stringify(name)} has ${sorted.length} distinct values; the ${o.maxCategories} most frequent are ` +
        `kept and the other ${sorted.length - o.maxCategories} (${otherRows} rows) share one "other" code`,
    });
  }
  return { name, type: 'categorical', categories: kept.map((e) => e[0]), hasOther };
}

function compareLabels(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What one pass over the target column finds. */
export interface TargetScan {
  present: number;
  missingCount: number;
  missingRows: number[];
  /** Values that are not numbers (all counted, the first 1000 kept). */
  nonNumeric: IssueList;
  /** The distinct values when every present value is an integer, up to CLASS_LIKE_MAX + 1 of them; else null. */
  integers: Set<number> | null;
}

/** An empty target scan, to be fed one cell at a time by `scanTargetCell`. */
export function newTargetScan(): TargetScan {
  return {
    present: 0,
    missingCount: 0,
    missingRows: [],
    nonNumeric: new IssueList(1000),
    integers: new Set(),
  };
}

/** Adds the target cell of data row `row` (1-based; `where()` names it in messages, default `row N`) to the scan. */
export function scanTargetCell(
  scan: TargetScan,
  v: Cell,
  row: number,
  o: ResolvedOptions,
  where: () => string = () => `row ${row}`,
): void {
  if (isMissing(v, o.missing)) {
    scan.missingCount++;
    if (scan.missingRows.length < MAX_NOTE_ROWS) scan.missingRows.push(row);
    return;
  }
  scan.present++;
  const x = typeof v === 'number' ? v : typeof v === 'string' ? parseDecimal(v.trim()) : Number.NaN;
  if (Number.isNaN(x)) {
    scan.integers = null;
    scan.nonNumeric.push({
      path: [row, o.target],
      kind: 'invalid_type',
      message: `${where()}: the target ${JSON.stringify(o.target)} must be a number for regression, got ${describeValue(v)}`,
      expected: 'number',
      received: describeValue(v),
    });
  } else if (scan.integers !== null) {
    if (!Number.isInteger(x)) scan.integers = null;
    else if (scan.integers.size <= CLASS_LIKE_MAX) scan.integers.add(x);
  }
}

/**
 * The task of a target when none is given; see the module comment for the rule. Integer targets get a note
 * either way when the rule could have gone the other way, naming the override.
 */
function inferTask(scan: TargetScan, name: string, notes: Issue[]): Task {
  if (scan.nonNumeric.count > 0) return 'classification';
  const distinct = scan.integers?.size ?? Number.POSITIVE_INFINITY;
  if (distinct > CLASS_LIKE_MAX) return 'regression';
  const quoted = JSON.stringify(name);
  if (distinct <= 2 || distinct * 2 <= scan.present) {
    const values = [...scan.integers!].sort((a, b) => a - b);
    const why =
      distinct <= 2
        ? `holds only the integers ${values.join(' and ')}`
        : `holds ${distinct} distinct integer values in ${scan.present} rows (at most ${CLASS_LIKE_MAX}, and at least two rows per value on average)`;
    notes.push({
      path: [name],
      kind: 'integer_target',
      message:
        `the target ${quoted} ${why}, so they are taken as class labels and the task is classification; ` +
        `pass task 'regression' (--task regression) to predict a number`,
    });
    return 'classification';
  }
  notes.push({
    path: [name],
    kind: 'numeric_target',
    message:
      `the target ${quoted} holds ${distinct} distinct integer values in ${scan.present} rows, too many for class ` +
      `labels, so the task is regression; pass task 'classification' (--task classification) if they are labels`,
  });
  return 'regression';
}

function targetSpec(source: SchemaSource, j: number, o: ResolvedOptions, notes: Issue[]): TargetSpec {
  const name = o.target;
  const scan = source.scanTarget(j, o);
  if (scan.present === 0) {
    throw new MlinferError('MLI_INVALID_DATA', `the target column ${JSON.stringify(name)} has no values`);
  }
  if (scan.missingCount > 0) {
    const more = scan.missingCount > scan.missingRows.length ? ', ...' : '';
    notes.push({
      path: [name],
      kind: 'missing_target',
      message:
        `${scan.missingCount} rows have no target value and are left out of training ` +
        `(rows ${scan.missingRows.join(', ')}${more})`,
    });
  }
  const allNumeric = scan.nonNumeric.count === 0;
  const task = o.task ?? inferTask(scan, name, notes);
  if (task === 'regression') {
    if (!allNumeric) {
      throw new MlinferError(
        'MLI_INVALID_DATA',
        `the target ${JSON.stringify(name)} must be numeric for regression: ${scan.nonNumeric.count} values are not numbers`,
        { issues: scan.nonNumeric.items },
      );
    }
    return { name, task };
  }
  const classes = allNumeric
    ? [...(source.targetValues(j, true, o) as Set<number>)].sort((a, b) => a - b)
    : [...(source.targetValues(j, false, o) as Set<string>)].sort(compareLabels);
  if (classes.length < 2) {
    notes.push({
      path: [name],
      kind: 'single_class',
      message: `the target ${JSON.stringify(name)} has only one class (${JSON.stringify(classes[0])})`,
    });
  }
  return { name, task, classes };
}

/**
 * Infers the schema and returns it with notes for the user (rows without a target, capped categories,
 * identifier-like columns, ...). See the module comment for the rules.
 * Throws MLI_INVALID_OPTION for bad options (all listed), MLI_INVALID_DATA when the target column is
 * absent (naming the available columns), has no values, or is not numeric for regression.
 *
 * @example
 * const { schema, notes } = inferSchemaWithNotes(table, { target: 'churned', exclude: ['id'] });
 */
export function inferSchemaWithNotes(input: TableInput, options: SchemaOptions): SchemaResult {
  return inferSchemaFromSource(tableSource(toTable(input)), options);
}

/**
 * What inference reads of the data, column by column: a table in memory (`tableSource`), or the summary of
 * files read in one streaming pass (src/data/stream-schema.ts). Both give the same answers for the same rows,
 * so a file trains on the same schema whichever way it is read.
 */
export interface SchemaSource {
  columns: readonly string[];
  /** Data rows, those without a target included. */
  rowCount: number;
  scanTarget(j: number, o: ResolvedOptions): TargetScan;
  /** The target's distinct values: numbers when every value is one, else labels (`cellLabel`). */
  targetValues(j: number, allNumeric: boolean, o: ResolvedOptions): Set<number> | Set<string>;
  inferType(j: number, o: ResolvedOptions): { type: FeatureType; present: number };
  identifiesRows(name: string, j: number, type: FeatureType, o: ResolvedOptions): boolean;
  /** Category counts in first-seen order. */
  categoryCounts(j: number, o: ResolvedOptions): Map<string, number>;
}

/** A table in memory as a schema source. */
export function tableSource(table: Table): SchemaSource {
  const { rows } = table;
  return {
    columns: table.columns,
    rowCount: rows.length,
    scanTarget(j, o) {
      const scan = newTargetScan();
      for (let i = 0; i < rows.length; i++) scanTargetCell(scan, rows[i][j], i + 1, o);
      return scan;
    },
    targetValues(j, allNumeric, o) {
      if (allNumeric) {
        const set = new Set<number>();
        for (const row of rows) {
          const v = row[j];
          if (!isMissing(v, o.missing))
            set.add(typeof v === 'number' ? v : parseDecimal((v as string).trim()));
        }
        return set;
      }
      const set = new Set<string>();
      for (const row of rows) if (!isMissing(row[j], o.missing)) set.add(cellLabel(row[j]));
      return set;
    },
    inferType: (j, o) => inferType(rows, j, o.missing),
    identifiesRows: (name, j, type, o) => identifiesRows(name, rows, j, type, o.missing),
    categoryCounts: (j, o) => countCategories(rows, j, o),
  };
}

/**
 * Infers the schema from a source (see `SchemaSource`), with the notes of `inferSchemaWithNotes`.
 *
 * @example
 * const { schema, notes } = inferSchemaFromSource(tableSource(table), { target: 'churned' });
 */
export function inferSchemaFromSource(source: SchemaSource, options: SchemaOptions): SchemaResult {
  const o = resolveSchemaOptions(options);
  const table = { columns: [...source.columns] };
  const index = columnIndex(table.columns);
  checkColumns(o, table.columns, index);
  const notes: Issue[] = [];
  const target = targetSpec(source, index.get(o.target)!, o, notes);
  const excluded = new Set(o.exclude);
  const features: FeatureSpec[] = [];
  const idColumns: string[] = [];
  table.columns.forEach((name, j) => {
    if (name === o.target || excluded.has(name)) return;
    const given = o.types[name];
    const inferred = given === undefined ? source.inferType(j, o) : null;
    if (inferred && !o.keepIdColumns && source.identifiesRows(name, j, inferred.type, o)) {
      idColumns.push(name);
      return;
    }
    if (inferred && inferred.present === 0) {
      notes.push({
        path: [name],
        kind: 'empty_column',
        message: `column ${JSON.stringify(name)} has no values; it is kept as an all-missing numeric feature`,
      });
    }
    const type = given ?? inferred!.type;
    features.push(
      type === 'categorical' ? categoricalSpec(name, source.categoryCounts(j, o), o, notes) : { name, type },
    );
  });
  for (const name of idColumns) {
    notes.push({
      path: [name],
      kind: 'id_column',
      message:
        `column ${JSON.stringify(name)} is left out: a different value in every row identifies rows rather than ` +
        `describing them; pass keepIdColumns (--keep-id-columns), or give it a type (--categorical), to train on it`,
    });
  }
  const schema: Schema = {
    version: 1,
    features,
    target,
    missingValues: o.missingValues,
    excluded: [...o.exclude, ...idColumns],
  };
  return { schema, notes };
}

/**
 * Infers the schema of a table (the notes are dropped; use `inferSchemaWithNotes` to show them).
 *
 * @example
 * const schema = inferSchema(toTable(rows), { target: 'price', exclude: ['id'], maxCategories: 50 });
 * schema.target.task; // 'regression'
 */
export function inferSchema(input: TableInput, options: SchemaOptions): Schema {
  return inferSchemaWithNotes(input, options).schema;
}

/** The feature names in schema order (the order of X's columns). */
export function featureNames(schema: Schema): string[] {
  return schema.features.map((f) => f.name);
}
