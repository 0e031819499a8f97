// A generated data set for the drift acceptance tests (fixtures/generate.mjs style: a seeded PRNG, so it only
// changes when this file does). Large enough for stable PSI: on 10 bins, samples of the same distribution give
// a PSI of about 9 x (1/training rows + 1/new rows), 0.0014 here, far below the 0.1 "watch" level.
import { writeFileSync } from 'node:fs';
import { rng } from '../model/forest-fixtures.js';

export const DRIFT_COLUMNS = ['income', 'age', 'balance', 'color', 'region', 'member', 'bought'] as const;
export type DriftRow = Record<(typeof DRIFT_COLUMNS)[number], string | number>;

export const TRAINING_ROWS = 20_000;
export const NEW_ROWS = 10_000;

/**
 * `n` rows: income ~ normal(50, 10), age uniform 18-80, balance exponential (5% missing), color
 * red/green/blue/yellow (40/30/20/10%), region of four, member yes/no, and the target bought, which
 * depends on income, color and balance. `shifted`: income's mean moves to 65 (1.5 standard deviations) and
 * 30% of the rows get a color training never saw ("purple"); the other columns keep their distribution.
 */
export function driftRows(seed: number, n: number, shifted = false): DriftRow[] {
  const rand = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const rows: DriftRow[] = [];
  for (let i = 0; i < n; i++) {
    const income = (shifted ? 65 : 50) + 10 * normal();
    const age = 18 + Math.floor(rand() * 63);
    const balance = rand() < 0.05 ? '' : -Math.log(1 - rand()) * 1000;
    const u = rand();
    let color = u < 0.4 ? 'red' : u < 0.7 ? 'green' : u < 0.9 ? 'blue' : 'yellow';
    if (shifted && rand() < 0.3) color = 'purple';
    const region = ['north', 'south', 'east', 'west'][Math.floor(rand() * 4)];
    const member = rand() < 0.35 ? 'yes' : 'no';
    const score =
      (income - 50) / 10 +
      (color === 'red' ? 0.8 : 0) +
      (balance === '' ? 0 : (balance as number) / 2000) +
      normal();
    rows.push({
      income: Number(income.toFixed(2)),
      age,
      balance: balance === '' ? '' : Number((balance as number).toFixed(2)),
      color,
      region,
      member,
      bought: score > 0.7 ? 'yes' : 'no',
    });
  }
  return rows;
}

/** Writes rows as CSV with the columns in DRIFT_COLUMNS order. */
export function writeDriftCsv(path: string, rows: DriftRow[]): void {
  const lines = [DRIFT_COLUMNS.join(','), ...rows.map((r) => DRIFT_COLUMNS.map((c) => r[c]).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Training options of the drift tests' model: small, the profile does not depend on the forest's size. */
export const DRIFT_TRAIN = { target: 'bought', nEstimators: 20, maxDepth: 8, seed: 1, nThreads: 1 } as const;
