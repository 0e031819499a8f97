// Every error path: one clear line on stderr (no stack unless --verbose) and the documented exit code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/errors.js';
import { ERROR_CODES } from '../../src/errors.js';
import { type CliResult, cli, FIXTURES, tempDir } from './helpers.js';

const customers = join(FIXTURES, 'customers.csv');
let dir: string;
let model: string;

beforeAll(async () => {
  dir = tempDir();
  model = join(dir, 'm.mlinfer');
  const r = await cli(
    'train',
    customers,
    '-t',
    'churned',
    '--exclude',
    'customer_id',
    '--n-estimators',
    '3',
    '-q',
    '-o',
    model,
  );
  expect(r.code, r.stderr).toBe(0);
});

/** Exactly one `mlinfer: error: ... [CODE]` line, no stack trace. */
function oneLine(r: CliResult, code: keyof typeof ERROR_CODES, pattern: RegExp): void {
  expect(r.code).toBe(ERROR_CODES[code].exit);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mlinfer: error: /);
  expect(lines[0]).toContain(`[${code}]`);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

/** Commander's usage errors: an `error:` line (plus the hint to run --help), exit 2. */
function usage(r: CliResult, pattern: RegExp): void {
  expect(r.code).toBe(EXIT.USAGE);
  expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('CLI errors', () => {
  it('a wrong data path', async () => {
    oneLine(await cli('train', join(dir, 'nope.csv')), 'MLI_NOT_FOUND', /file not found: .*nope\.csv/);
    oneLine(await cli('evaluate', model, join(dir, 'nope.csv')), 'MLI_NOT_FOUND', /nope\.csv/);
  });

  it('a wrong model path, and a file that is not a model', async () => {
    for (const cmd of ['evaluate', 'inspect', 'types']) {
      const args = cmd === 'evaluate' ? [join(dir, 'none.mlinfer'), customers] : [join(dir, 'none.mlinfer')];
      oneLine(
        await cli(cmd, ...args),
        'MLI_NOT_FOUND',
        /cannot read model file .*none\.mlinfer: no such file/,
      );
    }
    const r = await cli('inspect', customers);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/customers\.csv: .*\[MLI_MODEL_(FOREIGN|CORRUPT)\]/);
  });

  it('no column left for a target, or a target that is not a column', async () => {
    const single = join(dir, 'single-column.csv');
    writeFileSync(single, 'a\n1\n2\n');
    oneLine(
      await cli('train', single),
      'MLI_INVALID_DATA',
      /the data has 1 column\(s\): training needs a target column and at least one feature/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churn'),
      'MLI_INVALID_DATA',
      /target column "churn" is not in the data/,
    );
    const lacking = join(dir, 'lacking-features.csv');
    writeFileSync(lacking, 'customer_id,age,churned\nC1,3,yes\n');
    oneLine(await cli('evaluate', model, lacking), 'MLI_SCHEMA_MISMATCH', /lacks \d+ column/);
  });

  it('evaluate on data without the target column', async () => {
    const csv = join(dir, 'unlabelled.csv');
    const header =
      'customer_id,age,tenure_months,monthly_charges,contract,plan,has_partner,paperless_billing,support_calls,city';
    writeFileSync(csv, `${header}\nC1,30,2,50,one year,Basic,no,true,1,Austin\n`);
    oneLine(
      await cli('evaluate', model, csv),
      'MLI_INVALID_DATA',
      /the target column "churned" is not in the data/,
    );
  });

  it('an unreadable CSV: ragged rows, a directory', async () => {
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b,target\n1,2,0\n1,2\n3,4,1,9\n');
    oneLine(
      await cli('train', ragged),
      'MLI_CSV_PARSE',
      /ragged\.csv: 2 problem\(s\), first: row 2 has 2 fields/,
    );
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder);
    oneLine(await cli('train', folder), 'MLI_IO', /folder\.csv is a directory/);
  });

  it('bad flags: unknown, bad values, missing arguments, a bad choice', async () => {
    usage(await cli('train', customers, '--n-trees', '5'), /unknown option '--n-trees'/);
    usage(
      await cli('train', customers, '--n-estimators', 'many'),
      /--n-estimators must be an integer >= 1, got many/,
    );
    usage(await cli('train', customers, '--seed', '-1'), /--seed must be an integer >= 0, got -1/);
    usage(
      await cli('train', customers, '--task', 'ranking'),
      /Allowed choices are classification, regression/,
    );
    usage(await cli('train'), /missing required argument 'data'/);
    usage(await cli('evaluate', model), /missing required argument 'data'/);
    usage(await cli('frobnicate'), /unknown command 'frobnicate'/);
    usage(
      await cli('evaluate', model, customers, '--show-rejected', 'x'),
      /--show-rejected must be an integer/,
    );
  });

  it('option values checked up front give exit 2 with one line', async () => {
    oneLine(
      await cli('train', customers, '-t', 'churned', '--test-size', '1.5'),
      'MLI_INVALID_OPTION',
      /testSize must be a fraction in \[0, 1\)/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churned', '--min-samples-leaf', '0'),
      'MLI_INVALID_OPTION',
      /minSamplesLeaf/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churned', '--class-weight', 'yes:5'),
      'MLI_INVALID_OPTION',
      /--class-weight must be/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churned', '--numeric', 'age', '--categorical', 'age'),
      'MLI_INVALID_OPTION',
      /two types/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churned', '--exclude', 'nope'),
      'MLI_INVALID_OPTION',
      /exclude names "nope", which is not a column/,
    );
    oneLine(
      await cli('train', customers, '-t', 'churned', '--tune', '--no-bootstrap'),
      'MLI_INVALID_OPTION',
      /tune needs bootstrap/,
    );
    oneLine(
      await cli('types', model, '--name', 'my-type'),
      'MLI_INVALID_OPTION',
      /--name must be a TypeScript identifier/,
    );
  });

  it('--verbose adds the issues and the stack', async () => {
    const r = await cli('train', customers, '-t', 'churned', '--exclude', 'nope', '--verbose');
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/^mlinfer: error: invalid schema options: exclude names "nope"/);
    expect(r.stderr).toMatch(/ {2}- exclude\.nope: exclude names "nope", which is not a column/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('--help works for every command', async () => {
    for (const cmd of ['train', 'evaluate', 'inspect', 'types']) {
      const r = await cli(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain(`Usage: mlinfer ${cmd} [options]`);
    }
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const cmd of ['train', 'evaluate', 'inspect', 'types'])
      expect(top.stdout).toContain(`  ${cmd} [options]`);
  });
});
