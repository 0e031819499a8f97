import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    browser: 'src/browser.ts',
    cli: 'src/cli/main.ts',
    'forest-worker': 'src/forest/train-worker.ts',
    'batch-worker': 'src/predict/batch-worker.ts',
    'score-worker': 'src/predict/score-worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', browser: 'src/browser.ts' } },
  target: 'node20',
  sourcemap: true,
  clean: true,
  splitting: true,
  shims: true,
});
