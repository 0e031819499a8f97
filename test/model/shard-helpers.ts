// Data for the sharded-training tests.
import type { Cell } from '../../src/data/table.js';
import { createRng } from '../../src/forest/rng.js';

/** A table with numeric, categorical and boolean columns, missing cells, and a class or numeric target. */
export function randomTable(seed: number, nRows: number, task: 'classification' | 'regression') {
  const rng = createRng(seed);
  const colors = ['red', 'green', 'blue', 'teal', 'plum'];
  const rows: Record<string, Cell>[] = [];
  for (let r = 0; r < nRows; r++) {
    const x = rng.float() * 10 - 5;
    const z = Math.round(rng.float() * 40) / 4;
    const color = colors[rng.int(colors.length)];
    const s = x + (color === 'red' ? 3 : 0) + (z > 5 ? 1 : -1) + rng.float() * 2;
    rows.push({
      x: rng.float() < 0.1 ? null : x,
      z: rng.float() < 0.1 ? 'NA' : z,
      color: rng.float() < 0.1 ? null : color,
      flag: rng.float() < 0.5,
      target: task === 'classification' ? (s > 2 ? 'hi' : s > -1 ? 'mid' : 'lo') : s,
    });
  }
  return rows;
}
