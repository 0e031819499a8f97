// The public entries (src/index.ts, src/browser.ts) are complete: every type that a public function takes or
// returns, and that mlinfer declares, is exported by the same entry, so users can name what they pass
// (createHandler takes a Predictor: `import type { Predictor } from 'mlinfer'` must work). Checked with the
// TypeScript compiler on the sources.
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
const ENTRIES = ['index.ts', 'browser.ts'].map((f) => resolve(SRC, f));
const program = ts.createProgram(ENTRIES, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

/** Names of the interfaces and type aliases declared in src/ that a type refers to, however nested. */
function declaredNames(type: ts.Type, out: Set<string>, seen = new Set<ts.Type>()): void {
  if (seen.has(type)) return;
  seen.add(type);
  for (const sym of [type.aliasSymbol, type.getSymbol()]) {
    const decl = sym?.declarations?.[0];
    if (!decl?.getSourceFile().fileName.startsWith(SRC)) continue;
    if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) out.add(sym!.getName());
  }
  if (type.isUnionOrIntersection()) for (const t of type.types) declaredNames(t, out, seen);
  for (const t of type.aliasTypeArguments ?? []) declaredNames(t, out, seen);
  if (type.getFlags() & ts.TypeFlags.Object && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference)
    for (const t of checker.getTypeArguments(type as ts.TypeReference)) declaredNames(t, out, seen);
}

/** For each public function: the mlinfer types its parameters and return type name. */
function signatureTypes(entry: string): { exported: Set<string>; used: Map<string, string[]> } {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = checker.getExportsOfModule(module);
  const exported = new Set(exports.map((s) => s.getName()));
  const used = new Map<string, string[]>();
  for (const sym of exports) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    if (!(target.flags & ts.SymbolFlags.Function)) continue;
    const type = checker.getTypeOfSymbolAtLocation(target, target.declarations![0]);
    for (const sig of type.getCallSignatures()) {
      const names = new Set<string>();
      for (const p of sig.getParameters())
        declaredNames(checker.getTypeOfSymbolAtLocation(p, p.declarations![0]), names);
      declaredNames(sig.getReturnType(), names);
      for (const n of names) used.set(n, [...(used.get(n) ?? []), sym.getName()]);
    }
  }
  return { exported, used };
}

describe('public API', () => {
  for (const entry of ENTRIES) {
    const name = entry.slice(SRC.length + 1);
    it(`${name} exports every mlinfer type its functions take or return`, () => {
      const { exported, used } = signatureTypes(entry);
      const missing = [...used]
        .filter(([type]) => !exported.has(type))
        .map(([type, fns]) => `${type} (used by ${[...new Set(fns)].join(', ')})`);
      expect(missing).toEqual([]);
    });
  }

  it('src/index.ts exports Predictor, the type createHandler takes', () => {
    expect(signatureTypes(ENTRIES[0]).exported.has('Predictor')).toBe(true);
  });

  it('one public name imports an ml-random-forest model', () => {
    const names = [...signatureTypes(ENTRIES[0]).exported].filter((n) => /MlRandomForest/i.test(n));
    expect(names.sort()).toEqual(['ModelFromMlRandomForestOptions', 'modelFromMlRandomForest']);
  });

  it('mlinfer/browser can turn a forest trained in the browser into a model', async () => {
    const browser = await import('../../src/browser.js');
    expect(typeof browser.modelFromForest).toBe('function');
    expect(typeof browser.fitForestSync).toBe('function');
  });
});
