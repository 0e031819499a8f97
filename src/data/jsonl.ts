/**
 * JSON Lines parsing in batches: one JSON object per line. A bad line is reported with its line number
 * and the rest of the file is still read, so that a caller can reject just that record.
 */

import { assertOptions, c, type Spec } from '../constraints.js';
import { type Issue, MlinferError } from '../errors.js';
import { describeValue } from './cells.js';

export interface JsonlOptions {
  /** Records (plus bad lines) per batch, about: checked at chunk boundaries; default 10000. */
  batchRows?: number;
  /** A line longer than this many characters is an error, default 10 000 000 (bounds memory). */
  maxLineChars?: number;
}

/** One batch: `rows[i]` was on line `lines[i]` (1-based physical lines, blank lines included). */
export interface JsonlBatch {
  rows: Record<string, unknown>[];
  lines: number[];
  /** Lines that are not valid JSON (`kind` `invalid_json`) or not an object (`not_an_object`); `path` is `[line]`. */
  problems: Issue[];
}

/** The JSON Lines reader's options, declared once. */
const JSONL_SPEC: Spec = {
  batchRows: [c.integer({ min: 1 })],
  maxLineChars: [c.integer({ min: 1 })],
};

function validateOptions(opts: JsonlOptions | undefined): Required<JsonlOptions> {
  assertOptions(opts, JSONL_SPEC, 'JSON Lines options');
  return { batchRows: opts?.batchRows ?? 10_000, maxLineChars: opts?.maxLineChars ?? 10_000_000 };
}

class JsonlReader {
  rows: Record<string, unknown>[] = [];
  lines: number[] = [];
  problems: Issue[] = [];
  private carry = '';
  private lineNo = 0;
  private started = false;

  constructor(private readonly maxLineChars: number) {}

  get pending(): number {
    return this.rows.length + this.problems.length;
  }

  push(text: string): void {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.indexOf('\n') === -1) {
      this.carry += text;
      this.checkCarry();
      return;
    }
    const s = this.carry + text;
    let start = 0;
    for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
      this.line(s.slice(start, nl));
      start = nl + 1;
    }
    this.carry = s.slice(start);
    this.checkCarry();
  }

  end(): void {
    if (this.carry.length > 0) this.line(this.carry);
    this.carry = '';
  }

  take(): JsonlBatch {
    const batch = { rows: this.rows, lines: this.lines, problems: this.problems };
    this.rows = [];
    this.lines = [];
    this.problems = [];
    return batch;
  }

  private line(raw: string): void {
    const n = ++this.lineNo;
    const text = raw.trim(); // also drops the \r of CRLF files
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.problems.push({
        path: [n],
        kind: 'invalid_json',
        message: `line ${n}: ${(e as Error).message}`,
        received: describeValue(text),
      });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problems.push({
        path: [n],
        kind: 'not_an_object',
        message: `line ${n}: expected a JSON object, got ${describeValue(value)}`,
        expected: 'object',
        received: describeValue(value),
      });
      return;
    }
    this.rows.push(value as Record<string, unknown>);
    this.lines.push(n);
  }

  private checkCarry(): void {
    if (this.carry.length > this.maxLineChars) {
      throw new MlinferError(
        'MLI_CSV_PARSE',
        `line ${this.lineNo + 1} is longer than ${this.maxLineChars} characters; raise maxLineChars if needed`,
      );
    }
  }
}

/**
 * Parses a whole JSON Lines text at once (for small inputs).
 *
 * @example
 * const { rows, lines, problems } = parseJsonlText('{"a":1}\n\n{oops}\n');
 * // rows [{ a: 1 }], lines [1], problems: one invalid_json issue with path [3]
 */
export function parseJsonlText(text: string, opts?: Omit<JsonlOptions, 'batchRows'>): JsonlBatch {
  if (typeof text !== 'string') {
    throw new MlinferError(
      'MLI_INVALID_OPTION',
      `JSON Lines text must be a string, got ${describeValue(text)}`,
    );
  }
  const reader = new JsonlReader(validateOptions(opts).maxLineChars);
  reader.push(text);
  reader.end();
  return reader.take();
}

/**
 * Parses JSON Lines from chunks of UTF-8 bytes or strings, yielding a batch once `batchRows` records
 * and bad lines have accumulated (checked at chunk boundaries, so a batch can exceed `batchRows` by
 * one chunk's worth of lines). Blank lines are skipped; a line that is not a JSON object is reported in
 * `problems`, never thrown. Throws MLI_CSV_PARSE only for invalid UTF-8 or an over-long line.
 *
 * @example
 * for await (const { rows, lines, problems } of jsonlBatches(fs.createReadStream('in.jsonl'))) {
 *   // ...
 * }
 */
export async function* jsonlBatches(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  opts?: JsonlOptions,
): AsyncGenerator<JsonlBatch, void, undefined> {
  const o = validateOptions(opts);
  const reader = new JsonlReader(o.maxLineChars);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch (e) {
      throw new MlinferError(
        'MLI_CSV_PARSE',
        `the JSON Lines input is not valid UTF-8 (near byte ${bytes})`,
        {
          cause: e,
        },
      );
    }
  };
  for await (const chunk of source) {
    if (typeof chunk === 'string') reader.push(chunk);
    else if (chunk instanceof Uint8Array) {
      reader.push(decode(chunk));
      bytes += chunk.byteLength;
    } else {
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `JSON Lines source chunks must be strings or Uint8Arrays, got ${describeValue(chunk)}`,
      );
    }
    // Checked per chunk, not per line: a batch can exceed batchRows by one chunk, still bounded.
    if (reader.pending >= o.batchRows) yield reader.take();
  }
  reader.push(decode());
  reader.end();
  if (reader.pending > 0) yield reader.take();
}
