// In the spirit of fastify's errors test: the README's error table and src/errors.ts list the same codes, with the
// same HTTP statuses and exit codes, so a code cannot be added, renamed or remapped without the docs following.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

interface Row {
  http: number;
  exit: number;
  meaning: string;
}

/** The rows of the table under "## Errors and exit codes", and the lines naming a code that are not one row each. */
function readmeTable(): { rows: Map<string, Row>; unreadable: string[] } {
  const start = README.indexOf('## Errors and exit codes');
  const section = start < 0 ? '' : README.slice(start, README.indexOf('\n## ', start + 1));
  const rows = new Map<string, Row>();
  const unreadable: string[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`(MLI_[A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(.*?)\s*\|$/.exec(line);
    if (m && !rows.has(m[1])) rows.set(m[1], { http: Number(m[2]), exit: Number(m[3]), meaning: m[4] });
    else if (line.startsWith('|') && line.includes('MLI_')) unreadable.push(line);
  }
  return { rows, unreadable };
}

describe('error codes', () => {
  const { rows, unreadable } = readmeTable();

  it('the README table has one row per code, each a code, an HTTP status, an exit code and a meaning', () => {
    expect(rows.size).toBeGreaterThan(0);
    expect(unreadable).toEqual([]);
  });

  it('every code in src/errors.ts is in the README table with its HTTP status and exit code', () => {
    for (const [code, { http, exit }] of Object.entries(ERROR_CODES)) {
      const row = rows.get(code);
      expect(row, `${code} is missing from the README table`).toBeDefined();
      expect({ code, http: row!.http, exit: row!.exit }).toEqual({ code, http, exit });
      expect(row!.meaning.length, `${code} has no meaning in the README`).toBeGreaterThan(5);
    }
  });

  it('every code in the README table exists in src/errors.ts', () => {
    const known = new Set(Object.keys(ERROR_CODES));
    expect([...rows.keys()].filter((c) => !known.has(c))).toEqual([]);
  });
});
