/**
 * The common case of CSV scoring input, read straight from bytes: a piece of text with no quote and no byte
 * outside ASCII. Lines are then cut at the line breaks and fields at the delimiter, as papaparse does for
 * text without quotes (its "fast mode": `text.split(newline)`, then `line.split(delimiter)`), and numeric
 * cells are parsed from the bytes into the row matrix: no string, no array per row or cell. A piece that
 * is not plain (quotes, UTF-8 beyond ASCII) returns null, and the caller parses it the general way: the
 * results are the same either way, rejects and their messages included.
 */

import type { Issue } from '../errors.js';
import { raggedRowIssue } from './cells.js';
import type { CsvRowEncoder } from './encode.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** 10^0 .. 10^22: the powers of ten that a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** What String.prototype.trim removes, among ASCII bytes. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parses bytes [start, end) as a plain decimal number (the grammar of `parseDecimal`, after trimming), when
 * that can be done exactly without a string: at most 15 significant digits and a power of ten up to 22,
 * where one multiplication or division of exact doubles is correctly rounded (Clinger's fast path), so the
 * result is the double that `Number()` gives. NaN means "not decided here": not a plain number, or too
 * long to parse exactly this way; the caller then reads the cell as text.
 *
 * @example
 * parseDecimalBytes(new TextEncoder().encode('-2.5e3'), 0, 6); // -2500
 */
export function parseDecimalBytes(b: Uint8Array, start: number, end: number): number {
  let s = start;
  let e = end;
  while (s < e && isSpace(b[s])) s++;
  while (e > s && isSpace(b[e - 1])) e--;
  if (s === e) return Number.NaN;
  let negative = false;
  let c = b[s];
  if (c === 45 || c === 43) {
    negative = c === 45;
    s++;
  }
  let m = 0;
  let significant = 0;
  let scale = 0;
  let digits = 0;
  let i = s;
  for (; i < e; i++) {
    c = b[i] - 48;
    if (c < 0 || c > 9) break;
    digits++;
    if (m === 0 && c === 0) continue;
    if (++significant > 15) return Number.NaN;
    m = m * 10 + c;
  }
  if (i < e && b[i] === 46) {
    for (i++; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) break;
      digits++;
      scale--;
      if (m === 0 && c === 0) continue;
      if (++significant > 15) return Number.NaN;
      m = m * 10 + c;
    }
  }
  if (digits === 0) return Number.NaN;
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      expNegative = b[i] === 45;
      i++;
    }
    if (i === e || e - i > 4) return Number.NaN;
    let x = 0;
    for (; i < e; i++) {
      c = b[i] - 48;
      if (c < 0 || c > 9) return Number.NaN;
      x = x * 10 + c;
    }
    scale += expNegative ? -x : x;
  }
  if (i !== e) return Number.NaN;
  let v: number;
  if (m === 0) v = 0;
  else if (scale >= 0) {
    if (scale > 22) return Number.NaN;
    v = m * POW10[scale];
  } else {
    if (scale < -22) return Number.NaN;
    v = m / POW10[-scale];
  }
  return negative ? -v : v;
}

/** The text of ASCII bytes [start, end). */
export function asciiText(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
}

/** True when bytes hold no quote and nothing beyond ASCII: then splitting at delimiters is the whole parse. */
export function isPlainCsv(b: Uint8Array): boolean {
  if (b.indexOf(QUOTE) !== -1) return false;
  // Four bytes at a time where aligned: a high bit anywhere means a byte beyond ASCII.
  const n = b.length;
  let i = 0;
  for (const head = (4 - (b.byteOffset & 3)) & 3; i < head && i < n; i++) if (b[i] > 127) return false;
  const words = (n - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let j = 0; j < words; j++) if ((w[j] & 0x80808080) !== 0) return false;
    i += words * 4;
  }
  for (; i < n; i++) if (b[i] > 127) return false;
  return true;
}

/** A record the encoder or the field count refused: its number, its cells (for the raw text) and why. */
export interface PlainReject {
  row: number;
  cells: string[];
  reasons: Issue[];
}

/** The records of a plain piece, encoded. */
export interface PlainEncoded {
  /** Records read (blank lines are not records). */
  records: number;
  /** The valid records' features, row-major, `okIndex.length` rows. */
  X: Float64Array;
  /** The position of each encoded row among the records. */
  okIndex: number[];
  /** 1 for each record encoded. */
  valid: Uint8Array;
  /** Refused records, in row order: ragged ones and those the encoder refused. */
  rejects: PlainReject[];
  /** With `cells`: each record's cells (null for a ragged one), as the general parser gives them. */
  cells: (string[] | null)[] | null;
}

/**
 * Encodes a plain piece (see `isPlainCsv`) of CSV records into the row matrix. `width` is the header's field
 * count; `newline` the run's line break (with CRLF a lone LF is field text, as for papaparse); `cells`
 * asks for each record's cells too (kept columns, reasons). `matrix(n)` gives room for n values: scratch
 * space the caller reuses from piece to piece (every value of a valid row is written).
 *
 * @example
 * if (isPlainCsv(bytes)) encodePlainCsv(bytes, encoder, (n) => new Float64Array(n), { firstRow: 1, delimiter: 44, newline: '\n', width: 3, cells: false });
 */
export function encodePlainCsv(
  b: Uint8Array,
  enc: CsvRowEncoder,
  matrix: (length: number) => Float64Array,
  o: { firstRow: number; delimiter: number; newline: '\n' | '\r\n'; width: number; cells: boolean },
): PlainEncoded {
  const d = enc.nFeatures;
  const crlf = o.newline === '\r\n';
  let lines = 1;
  for (let at = b.indexOf(LF); at !== -1; at = b.indexOf(LF, at + 1)) lines++;
  const X = matrix(lines * d);
  const valid = new Uint8Array(lines);
  const okIndex: number[] = [];
  const rejects: PlainReject[] = [];
  const cells: (string[] | null)[] | null = o.cells ? [] : null;
  // starts[j] .. starts[j + 1] - 1: field j of the line (the delimiter after it excluded)
  const starts = new Int32Array(o.width + 1);
  let records = 0;
  let lineStart = 0;
  let from = 0;
  while (lineStart <= b.length) {
    let nl = b.indexOf(LF, from);
    while (crlf && nl !== -1 && (nl === lineStart || b[nl - 1] !== CR)) nl = b.indexOf(LF, nl + 1);
    const next = nl === -1 ? b.length + 1 : nl + 1;
    const lineEnd = nl === -1 ? b.length : crlf ? nl - 1 : nl;
    from = next;
    if (lineEnd > lineStart) {
      const row = o.firstRow + records;
      const i = records++;
      let fields = 1;
      starts[0] = lineStart;
      for (let p = lineStart; p < lineEnd; p++)
        if (b[p] === o.delimiter) {
          if (fields < o.width) starts[fields] = p + 1;
          fields++;
        }
      if (fields !== o.width) {
        const rec = lineCells(b, lineStart, lineEnd, o.delimiter);
        rejects.push({ row, cells: rec, reasons: [raggedRowIssue(row, fields, o.width)] });
        cells?.push(null);
      } else {
        starts[o.width] = lineEnd + 1;
        const issues: Issue[] = [];
        if (encodeLine(b, enc, starts, X, okIndex.length * d, issues, row)) {
          valid[i] = 1;
          okIndex.push(i);
        } else rejects.push({ row, cells: lineCells(b, lineStart, lineEnd, o.delimiter), reasons: issues });
        cells?.push(lineCells(b, lineStart, lineEnd, o.delimiter));
      }
    }
    lineStart = next;
  }
  return {
    records,
    X: X.subarray(0, okIndex.length * d),
    okIndex,
    valid: valid.subarray(0, records),
    rejects,
    cells,
  };
}

function lineCells(b: Uint8Array, start: number, end: number, delimiter: number): string[] {
  return asciiText(b, start, end).split(String.fromCharCode(delimiter));
}

/** Encodes one line's fields (bounded by `starts`) as feature rows: numbers from bytes, the rest as text. */
function encodeLine(
  b: Uint8Array,
  enc: CsvRowEncoder,
  starts: Int32Array,
  X: Float64Array,
  offset: number,
  issues: Issue[],
  row: number,
): boolean {
  const { positions, plainNumeric } = enc;
  let ok = true;
  for (let k = 0; k < positions.length; k++) {
    const col = positions[k];
    const s = starts[col];
    const e = starts[col + 1] - 1;
    if (plainNumeric[k] === 1) {
      const v = parseDecimalBytes(b, s, e);
      if (!Number.isNaN(v)) {
        X[offset + k] = v;
        continue;
      }
    }
    ok = enc.encodeCell(k, asciiText(b, s, e), X, offset + k, issues, row) && ok;
  }
  return ok;
}
