// The built CLI as a child process (`node bin/mlinfer.js`): the day-one path of a newcomer. Needs dist
// (npm run build): skipped when it is missing, except in CI where that is a failure.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeBuilt } from '../helpers/dist.js';
import { FIXTURES, spawnCli, tempDir } from './helpers.js';

describeBuilt('the built CLI', () => {
  it('trains with the default target and output, then evaluates, inspects, types and batch-scores', () => {
    const dir = tempDir();
    copyFileSync(join(FIXTURES, 'sample_input.csv'), join(dir, 'data.csv'));
    // the card's two commands, as written: no --target, no -o, no --model
    const t = spawnCli(['train', 'data.csv', '--n-estimators', '10'], dir);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(
      /note: the target "target" holds only the integers 0 and 1, so they are taken as class labels and the task is classification; pass task 'regression' \(--task regression\)/,
    );
    expect(t.stdout).toMatch(/wrote model\.mlinfer/);
    expect(existsSync(join(dir, 'model.mlinfer'))).toBe(true);
    const b = spawnCli(['batch', 'data.csv', 'out.csv'], dir);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    const e = spawnCli(['evaluate', 'model.mlinfer', 'data.csv', '--report', 'report.html'], dir);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/3 rows scored, 0 rejected/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg id="chart-roc"');
    const i = spawnCli(['inspect', 'model.mlinfer', '--json'], dir);
    expect(i.code, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout)).toMatchObject({
      task: 'classification',
      target: 'target',
      classes: [0, 1],
      trees: 10,
    });
    const ty = spawnCli(['types', 'model.mlinfer'], dir);
    expect(ty.code, ty.stderr).toBe(0);
    expect(ty.stdout).toContain('"feature1": number | null;');
  });

  it('runs train, evaluate and inspect on the fixtures', () => {
    const dir = tempDir();
    const churn = join(dir, 'churn.mlinfer');
    const t = spawnCli([
      'train',
      join(FIXTURES, 'customers.csv'),
      '--target',
      'churned',
      '--exclude',
      'customer_id',
      '--test-size',
      '0.2',
      '--n-estimators',
      '20',
      '--json',
      '-o',
      churn,
    ]);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).metrics.holdout.rows).toBe(600);
    const e = spawnCli(['evaluate', churn, join(FIXTURES, 'customers.csv'), '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).rows).toBe(3000);
    const price = join(dir, 'price.mlinfer');
    expect(
      spawnCli([
        'train',
        join(FIXTURES, 'housing.csv'),
        '-t',
        'price',
        '--exclude',
        'house_id',
        '--n-estimators',
        '10',
        '-o',
        price,
      ]).code,
    ).toBe(0);
    const ev = spawnCli(['evaluate', price, join(FIXTURES, 'housing.csv'), '--report', join(dir, 'r.html')]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/R2 0\.9/);
    const i = spawnCli(['inspect', price]);
    expect(i.stdout).toMatch(/task +regression, target "price"/);
    expect(i.stdout).toMatch(/"sqft" +numeric/);
  });

  it('prints one error line and the exit code, and --help for each command', () => {
    const r = spawnCli(['train', 'missing.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mlinfer: error: file not found: missing.csv [MLI_NOT_FOUND]\n');
    const u = spawnCli(['train', join(FIXTURES, 'customers.csv'), '--max-bins', '1']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--max-bins must be an integer >= 2, got 1/);
    for (const cmd of ['train', 'evaluate', 'inspect', 'types']) {
      const h = spawnCli([cmd, '--help']);
      expect(h.code, cmd).toBe(0);
      expect(h.stdout).toContain(`Usage: mlinfer ${cmd}`);
    }
  });
});
