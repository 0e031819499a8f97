/**
 * CSV parsing in batches of string rows, with bounded memory.
 *
 * We drive papaparse's low-level `Parser` ourselves instead of its streaming API: its `pause()` does not
 * apply backpressure, and its step callback builds one object per row. Each piece of text is parsed with
 * `ignoreLastRow`, so the parser reports where the last complete row ends (`meta.cursor`); the rest (a
 * partial row, possibly inside a quoted field that spans chunks) is carried over to the next piece.
 *
 * No `node:` imports here: file helpers live in node-io.ts.
 */

import Papa from 'papaparse';
import { assertOptions, c, type Spec } from '../constraints.js';
import { type Issue, MlinferError } from '../errors.js';
import { describeValue, raggedRowIssue } from './cells.js';

export interface CsvOptions {
  /** Field delimiter, default `,`. `'auto'` guesses among `, \t ; |` from the first lines. */
  delimiter?: string;
  /** Rows per batch for `csvBatches`, default 10000. */
  batchRows?: number;
  /**
   * A row longer than this many characters is an error, default 10 000 000. It bounds memory when a
   * quote is never closed (the rest of the file would otherwise become one field).
   */
  maxRowChars?: number;
}

/** A parsed CSV: the header, raw string cells, and the rows that were wrong (kept, never dropped silently). */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** One issue per wrong row: `kind` `ragged_row` (wrong number of fields) or `quotes`; `path` is `[row]`. */
  problems: Issue[];
}

/** One batch from `csvBatches`. Row numbers are 1-based data rows: the header and blank lines don't count. */
export interface CsvBatch extends CsvTable {
  /** The data row number of `rows[0]`; `rows[i]` is row `firstRow + i`. */
  firstRow: number;
}

type Newline = '\n' | '\r\n' | '\r';

const DEFAULT_BATCH_ROWS = 10_000;
const DEFAULT_MAX_ROW_CHARS = 10_000_000;
/** Long strings are parsed in pieces of this many characters, so that one huge chunk does not become one huge batch. */
const PIECE_CHARS = 1 << 20;
const GUESSED_DELIMITERS = [',', '\t', ';', '|'];

interface ResolvedCsvOptions {
  delimiter: string;
  batchRows: number;
  maxRowChars: number;
}

/** The CSV reader's options, declared once. */
const CSV_SPEC: Spec = {
  delimiter: [
    c.custom(
      "a non-empty string without a quote, a line break or a BOM (or 'auto')",
      (v) => typeof v === 'string' && v !== '' && !/["\r\n\ufeff]/.test(v),
    ),
  ],
  batchRows: [c.integer({ min: 1 })],
  maxRowChars: [c.integer({ min: 1 })],
};

function validateOptions(opts: CsvOptions | undefined): ResolvedCsvOptions {
  assertOptions(opts, CSV_SPEC, 'CSV options');
  return {
    delimiter: opts?.delimiter ?? ',',
    batchRows: opts?.batchRows ?? DEFAULT_BATCH_ROWS,
    maxRowChars: opts?.maxRowChars ?? DEFAULT_MAX_ROW_CHARS,
  };
}

/**
 * Finds the line break style from the first break outside quotes; null when more text is needed
 * (no break yet, or a `\r` at the very end that may be the first half of `\r\n`).
 */
function detectNewline(s: string, final: boolean): Newline | null {
  let inQuotes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    else if (!inQuotes) {
      if (c === 10) return '\n';
      if (c === 13) {
        if (i + 1 < s.length) return s.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
        return final ? '\r' : null;
      }
    }
  }
  return final ? '\n' : null;
}

function guessDelimiter(sample: string, newline: Newline): string {
  const res = Papa.parse<string[]>(sample.slice(0, 65_536), {
    preview: 20,
    newline,
    delimitersToGuess: GUESSED_DELIMITERS,
  });
  return res.meta.delimiter || ',';
}

/** The incremental core shared by `parseCsvText` and `csvBatches`: push text, take complete rows. */
class CsvReader {
  header: string[] | null = null;
  private rows: string[][] = [];
  private problems: Issue[] = [];
  private carry = '';
  private started = false;
  private delimiter: string;
  private parser: Papa.Parser | null = null;
  private rowCount = 0;
  private taken = 0;

  constructor(private readonly opts: ResolvedCsvOptions) {
    this.delimiter = opts.delimiter;
  }

  get pending(): number {
    return this.rows.length;
  }

  push(text: string): void {
    if (!this.started) {
      if (text.length === 0) return;
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // No line break in the new text: no row can complete, so skip re-parsing the carried part.
    if (this.carry.length > 0 && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
      this.carry += text;
      this.checkCarry();
      return;
    }
    this.parse(this.carry + text, false);
  }

  end(): void {
    const input = this.carry;
    this.carry = '';
    if (input.length > 0) this.parse(input, true);
    if (this.header === null) {
      throw new MlinferError('MLI_CSV_PARSE', 'the CSV input is empty: there is no header row');
    }
  }

  /** Takes up to `n` pending rows with their problems. */
  take(n: number): CsvBatch {
    const rows = this.rows.length <= n ? this.rows : this.rows.slice(0, n);
    this.rows = rows === this.rows ? [] : this.rows.slice(n);
    const firstRow = this.taken + 1;
    this.taken += rows.length;
    let k = 0;
    while (k < this.problems.length && (this.problems[k].path[0] as number) <= this.taken) k++;
    const problems = k === this.problems.length ? this.problems : this.problems.slice(0, k);
    this.problems = problems === this.problems ? [] : this.problems.slice(k);
    return { header: this.header ?? [], rows, firstRow, problems };
  }

  private parse(input: string, final: boolean): void {
    if (this.parser === null) {
      const newline = detectNewline(input, final);
      if (newline === null) {
        this.carry = input;
        this.checkCarry();
        return;
      }
      if (this.delimiter === 'auto') this.delimiter = guessDelimiter(input, newline);
      this.parser = new Papa.Parser({ delimiter: this.delimiter, newline, quoteChar: '"' });
    }
    const res = this.parser.parse(input, 0, !final) as {
      data: string[][];
      errors: { row: number; message: string }[];
      meta: { cursor: number };
    };
    this.carry = final ? '' : input.slice(res.meta.cursor);
    this.accept(res.data, res.errors);
    this.checkCarry();
  }

  private accept(data: string[][], errors: { row: number; message: string }[]): void {
    // With ignoreLastRow the parser may report errors about the unfinished last row; that row is parsed
    // again with more text, so only errors about returned rows count.
    let errorsByRow: Map<number, string[]> | null = null;
    for (const e of errors) {
      if (e.row >= data.length) continue;
      errorsByRow ??= new Map();
      const list = errorsByRow.get(e.row);
      if (list) list.push(e.message);
      else errorsByRow.set(e.row, [e.message]);
    }
    for (let i = 0; i < data.length; i++) {
      const row = data[i];
      // A blank line parses as one empty field; it is not a record.
      if (row.length === 1 && row[0] === '') continue;
      const rowErrors = errorsByRow?.get(i);
      if (this.header === null) {
        if (rowErrors) {
          throw new MlinferError('MLI_CSV_PARSE', `the CSV header row is malformed: ${rowErrors.join('; ')}`);
        }
        this.setHeader(row);
        continue;
      }
      const n = ++this.rowCount;
      this.rows.push(row);
      if (rowErrors) {
        this.problems.push({ path: [n], kind: 'quotes', message: `row ${n}: ${rowErrors.join('; ')}` });
      }
      if (row.length !== this.header.length) {
        this.problems.push(raggedRowIssue(n, row.length, this.header.length));
      }
    }
  }

  private setHeader(row: string[]): void {
    // Names are trimmed: `a, b` in a header almost always means column `b`.
    const header = row.map((s) => s.trim());
    const seen = new Map<string, number>();
    const issues: Issue[] = [];
    header.forEach((name, i) => {
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else {
        issues.push({
          path: [name],
          kind: 'duplicate_column',
          message: `column ${JSON.stringify(name)} appears twice in the header (fields ${first + 1} and ${i + 1})`,
        });
      }
    });
    if (issues.length > 0) {
      throw new MlinferError('MLI_CSV_PARSE', issues.map((i) => i.message).join('; '), { issues });
    }
    this.header = header;
  }

  private checkCarry(): void {
    if (this.carry.length > this.opts.maxRowChars) {
      throw new MlinferError(
        'MLI_CSV_PARSE',
        `row ${this.rowCount + 1} is longer than ${this.opts.maxRowChars} characters ` +
          '(is a quote left open?); raise maxRowChars if rows really are that long',
      );
    }
  }
}

function pushText(reader: CsvReader, text: string): void {
  if (text.length <= PIECE_CHARS) reader.push(text);
  else for (let i = 0; i < text.length; i += PIECE_CHARS) reader.push(text.slice(i, i + PIECE_CHARS));
}

/**
 * Parses a whole CSV text at once (for small inputs). The first row is the header.
 *
 * @example
 * const { header, rows, problems } = parseCsvText('a,b\n1,"x, y"\n');
 * // header ['a', 'b'], rows [['1', 'x, y']], problems []
 */
export function parseCsvText(text: string, opts?: Omit<CsvOptions, 'batchRows'>): CsvTable {
  if (typeof text !== 'string') {
    throw new MlinferError('MLI_INVALID_OPTION', `CSV text must be a string, got ${describeValue(text)}`);
  }
  const reader = new CsvReader(validateOptions(opts));
  pushText(reader, text);
  reader.end();
  const { header, rows, problems } = reader.take(Number.POSITIVE_INFINITY);
  return { header, rows, problems };
}

/**
 * Parses CSV from chunks of bytes (UTF-8) or strings and yields batches of at most `batchRows` rows.
 * Memory stays bounded by one chunk, one batch and the longest row. At least one batch is yielded
 * (with no rows for a header-only input), so the header always reaches the caller.
 *
 * Wrong rows are kept in `rows` and listed in `problems`, so callers can reject them with a reason.
 * Throws MLI_CSV_PARSE for an empty input, a malformed or duplicated header, invalid UTF-8, or a row
 * longer than `maxRowChars`.
 *
 * @example
 * for await (const batch of csvBatches(fs.createReadStream('data.csv'), { batchRows: 5000 })) {
 *   console.log(batch.firstRow, batch.rows.length, batch.problems);
 * }
 */
export async function* csvBatches(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  opts?: CsvOptions,
): AsyncGenerator<CsvBatch, void, undefined> {
  const o = validateOptions(opts);
  const reader = new CsvReader(o);
  // stream: true keeps a multibyte character split across chunks; fatal: bad bytes must not become
  // replacement characters that silently change category names.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let yielded = false;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (e) {
      throw new MlinferError('MLI_CSV_PARSE', `the CSV input is not valid UTF-8 (near byte ${bytes})`, {
        cause: e,
      });
    }
  };
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else if (chunk instanceof Uint8Array) {
      text = decode(chunk);
      bytes += chunk.byteLength;
    } else {
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `CSV source chunks must be strings or Uint8Arrays, got ${describeValue(chunk)}`,
      );
    }
    for (let i = 0; i < text.length; i += PIECE_CHARS) {
      reader.push(text.length <= PIECE_CHARS ? text : text.slice(i, i + PIECE_CHARS));
      while (reader.pending >= o.batchRows) {
        yielded = true;
        yield reader.take(o.batchRows);
      }
    }
  }
  pushText(reader, decode());
  reader.end();
  while (reader.pending > 0 || !yielded) {
    yielded = true;
    yield reader.take(o.batchRows);
  }
}

/**
 * One CSV field as RFC 4180 writes it: quoted (with quotes doubled) when it holds the delimiter, a quote,
 * CR or LF, or starts or ends with white space (which readers that trim would lose); else as it is.
 *
 * @example
 * quoteCsvField('a,b'); // '"a,b"'
 * quoteCsvField('say "hi"', ';'); // '"say ""hi"""'
 */
export function quoteCsvField(s: string, delimiter = ','): string {
  if (s.includes(delimiter) || /["\r\n]|^\s|\s$/.test(s)) return `"${s.replaceAll('"', '""')}"`;
  return s;
}
