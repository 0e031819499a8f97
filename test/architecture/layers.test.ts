// The layering rule, checked on the sources: imports point one way, cli -> serve -> predict -> model -> forest
// and data, and data and forest do not know each other (what both need, they take from the neutral
// src/types.ts). The browser entry reaches no `node:` module.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

/** The folder (layer) under src/ that a relative import of `file` lands in, or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const rel = relative(SRC, resolve(dirname(file), spec));
  return rel.includes('/') ? rel.split('/')[0] : rel.replace(/\.js$/, '');
}

// node/ holds the Node-only helpers every layer may use (launching worker threads, writing files atomically):
// it imports no layer, and the browser entry must not reach it (checked below). errors.ts and constraints.ts
// (the option validator) sit at the src root, below every layer.
const ALLOWED: Record<string, string[]> = {
  node: ['node', 'errors'],
  forest: ['forest', 'errors', 'constraints', 'types', 'node'],
  data: ['data', 'errors', 'constraints', 'types', 'node'],
  model: ['model', 'data', 'forest', 'errors', 'constraints', 'types', 'version', 'node'],
  predict: ['predict', 'model', 'data', 'forest', 'errors', 'constraints', 'types', 'version', 'node'],
  serve: ['serve', 'predict', 'model', 'data', 'forest', 'errors', 'constraints', 'types', 'version', 'node'],
};

describe('architecture', () => {
  it('src/types.ts, the shared vocabulary, imports nothing', () => {
    expect(importsOf(join(SRC, 'types.ts'))).toEqual([]);
  });

  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only ${allowed.join(', ')} (and packages)`, () => {
      const bad: string[] = [];
      for (const file of sources(join(SRC, layer)))
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.')) continue;
          const t = target(file, spec);
          if (!allowed.includes(t)) bad.push(`${relative(SRC, file)} imports ${spec}`);
        }
      expect(bad).toEqual([]);
    });
  }

  it('the browser entry reaches no node: module and no Node-only package', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (
          spec.startsWith('node:') ||
          ['prom-client', 'commander', 'hyparquet', 'hyparquet-writer'].includes(spec)
        )
          bad.push(`${relative(SRC, file)} imports ${spec}`);
        else if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      }
    };
    visit(join(SRC, 'browser.ts'));
    expect(seen.size).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it('the forest core, the predictor core and the src-root modules import no node: module', () => {
    const nodeOnly = new Set(['threads.ts', 'train-worker.ts', 'fit-node.ts']);
    const files = [
      ...sources(join(SRC, 'forest')).filter((f) => !nodeOnly.has(f.split('/').pop()!)),
      join(SRC, 'predict/predictor.ts'),
      join(SRC, 'predict/micro-batch.ts'),
      join(SRC, 'errors.ts'),
      join(SRC, 'constraints.ts'),
    ];
    const bad = files.flatMap((f) =>
      importsOf(f)
        .filter((s) => s.startsWith('node:'))
        .map((s) => `${f}: ${s}`),
    );
    expect(bad).toEqual([]);
  });
});
