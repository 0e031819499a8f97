import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { modelTypes } from '../../src/cli/commands/types.js';
import { train } from '../../src/model/train.js';
import { cli, FIXTURES, tempDir } from './helpers.js';

/** Type-checks one in-memory file with the TypeScript compiler API; returns the diagnostics as text. */
function typecheck(source: string): string[] {
  const file = '/virtual/app.ts';
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest);
  host.fileExists = (
    (exists) => (name: string) =>
      name === file || exists(name)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('mlinfer types', () => {
  it('prints declarations that compile, and that catch wrong records at compile time', async () => {
    const dir = tempDir();
    const model = join(dir, 'churn.mlinfer');
    const t = await cli(
      'train',
      join(FIXTURES, 'customers.csv'),
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
    expect(t.code, t.stderr).toBe(0);
    const r = await cli('types', model, '--name', 'Churn');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('export interface ChurnInput {');
    expect(r.stdout).toContain('"age": number | null;');
    expect(r.stdout).toContain('"has_partner": boolean | null;');
    expect(r.stdout).toMatch(
      /"contract": "month-to-month" \| "one year" \| "two year" \| \(string & \{\}\) \| null;/,
    );
    expect(r.stdout).toContain('export type ChurnLabel = "no" | "yes";');
    expect(typecheck(r.stdout)).toEqual([]);
    const good = `${r.stdout}
const ok: ChurnInput = { age: 40, tenure_months: 3, monthly_charges: 50, contract: 'one year', plan: 'Basic',
  has_partner: true, paperless_billing: null, support_calls: 1, city: 'somewhere new' };
const label: ChurnLabel = 'yes';
export { ok, label };`;
    expect(typecheck(good)).toEqual([]);
    const bad = `${r.stdout}
const a: ChurnInput = { age: 'forty', tenure_months: 3, monthly_charges: 50, contract: 'one year', plan: 'Basic',
  has_partner: true, paperless_billing: null, support_calls: 1, city: null };
const b: ChurnInput = { age: 1, tenure_months: 3, monthly_charges: 50, contract: 'one year', plan: 'Basic',
  has_partner: true, paperless_billing: null, support_calls: 1 };
const c: ChurnLabel = 'maybe';
export { a, b, c };`;
    const errors = typecheck(bad).join('\n');
    expect(errors).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(errors).toMatch(/Property '"city"' is missing/);

    expect(errors).toMatch(/"maybe"/);
  });

  it('quotes any feature name and category safely, and names numeric labels and regression', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      'a "quoted" name': i,
      'with\\backslash */ and\nnewline': i % 2 ? 'x"y' : '*/ end',
      'ok?': i % 3 === 0,
      y: i % 2,
    }));
    const model = await train(rows, { target: 'y', nEstimators: 2 });
    const out = modelTypes(model, { name: 'Weird', file: 'evil */ file.mlinfer' });
    expect(typecheck(out)).toEqual([]);
    expect(out).toContain('export type WeirdLabel = 0 | 1;');
    const reg = await train(rows, { target: 'y', task: 'regression', nEstimators: 2 });
    expect(modelTypes(reg)).toContain('export type ModelLabel = number;');
    expect(() => modelTypes(reg, { name: 'not valid' })).toThrow(/must be a TypeScript identifier/);
  });
});
