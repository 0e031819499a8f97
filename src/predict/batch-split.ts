/**
 * Cuts a byte stream into pieces of whole records, so that worker threads can parse and score pieces
 * independently. The main thread only scans bytes here (no decoding, no objects per row): it is the one
 * part of a batch run that cannot be parallelised, so it must be cheap.
 *
 * CSV: a line break inside a quoted field is not a record boundary. The scan follows RFC 4180 the way
 * papaparse does: a quote opens a quoted field only at the start of a field, and inside one `""` is an
 * escaped quote. Blank lines are not records (as in csvBatches). JSON Lines: a record is a non-blank line.
 * Pieces carry the 1-based number of their first record, so row numbers in messages are absolute.
 */

import { MlinferError } from '../errors.js';

export interface Piece {
  /** Whole records (with their line breaks); never starts inside a record. */
  bytes: Uint8Array;
  /** The number of the first record in `bytes` (1-based, the header and blank lines not counted). */
  firstRow: number;
  /** Records counted in `bytes`. */
  records: number;
}

export interface SplitterOptions {
  /** 'csv' scans quotes; 'jsonl' splits on line breaks. */
  format: 'csv' | 'jsonl';
  /** CSV field delimiter: one ASCII character. */
  delimiter?: string;
  /** The first record is the header (CSV): kept apart in `header`, not counted. */
  header: boolean;
  /** A piece is cut once this many bytes are pending (at the last record boundary). */
  targetBytes: number;
  /** A single record longer than this is an error: bounds memory when a quote is never closed. */
  maxRecordBytes: number;
}

const BOM = [0xef, 0xbb, 0xbf];
const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

// CSV scan states
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Saw a quote inside a quoted field: an escaped quote if another follows, else the field's end. */
const QUOTE_IN_QUOTED = 3;

/**
 * Incremental splitter: `push` byte chunks, get pieces of at least `targetBytes` (except the last);
 * `end` returns the rest.
 *
 * @example
 * const s = new RecordSplitter({ format: 'csv', header: true, targetBytes: 1 << 20, maxRecordBytes: 1 << 26 });
 * for await (const chunk of stream) for (const piece of s.push(chunk)) send(piece);
 * for (const piece of s.end()) send(piece);
 */
export class RecordSplitter {
  /** The header record's bytes (without its line break), once seen. */
  header: Uint8Array | null = null;
  /** True when the header record ended with CRLF. */
  headerCrlf = false;
  /**
   * The pending bytes, `buf[0, size)`, in a buffer this splitter owns: each pushed chunk is copied in once,
   * and a piece is a view of it, handed over with the buffer (transferred to a worker, never copied again);
   * only the tail after the piece's last record moves to a new buffer.
   */
  private buf: Uint8Array;
  /** Buffers of finished pieces, handed back by `recycle` to be filled again. */
  private spare: ArrayBuffer[] = [];
  private size = 0;
  /** Bytes at the front of `buf` that belong to no piece (the header, leading blank lines). */
  private drop = 0;
  /** Offset just after the last record boundary, -1 when none yet. */
  private boundary = -1;
  private recordsAtBoundary = 0;
  private lineStart = 0;
  private lineHasContent = false;
  private state = FIELD_START;
  private nextRow = 1;
  private bomChecked = false;
  private bomPending: Uint8Array | null = null;
  private readonly delim: number;

  constructor(private readonly o: SplitterOptions) {
    const d = o.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw new MlinferError(
        'MLI_INVALID_OPTION',
        `the batch CSV delimiter must be one ASCII character other than a quote or a line break, got ${JSON.stringify(d)}`,
      );
    }
    this.delim = d.charCodeAt(0);
    this.buf = new Uint8Array(o.targetBytes + (128 << 10));
  }

  push(input: Uint8Array): Piece[] {
    const chunk = this.skipBom(input);
    if (chunk.byteLength === 0) return [];
    // A big chunk is scanned in slices, so that pieces stay near targetBytes whatever the source hands us.
    if (chunk.byteLength > this.o.targetBytes) {
      const out: Piece[] = [];
      for (let i = 0; i < chunk.byteLength; i += this.o.targetBytes)
        out.push(...this.pushOne(chunk.subarray(i, i + this.o.targetBytes)));
      return out;
    }
    return this.pushOne(chunk);
  }

  private pushOne(chunk: Uint8Array): Piece[] {
    const base = this.size;
    this.reserve(chunk.byteLength);
    this.buf.set(chunk, base);
    this.size += chunk.byteLength;
    if (this.o.format === 'jsonl') this.scanLines(chunk, base);
    else if (this.state !== QUOTED && this.state !== QUOTE_IN_QUOTED && chunk.indexOf(QUOTE) === -1)
      this.scanLines(chunk, base);
    else this.scanCsv(chunk, base);
    const out: Piece[] = [];
    if (this.boundary >= 0 && this.boundary - this.drop >= this.o.targetBytes) out.push(this.cut());
    const pendingRecord = this.size - Math.max(this.boundary, this.lineStart, 0);
    if (pendingRecord > this.o.maxRecordBytes) {
      throw new MlinferError(
        'MLI_CSV_PARSE',
        `record ${this.nextRow + this.recordsAtBoundary} is longer than ${this.o.maxRecordBytes} bytes (is a quote left open?)`,
      );
    }
    return out;
  }

  end(): Piece[] {
    // Fewer than 3 bytes in all that looked like the start of a BOM: they are data after all.
    if (this.bomPending) {
      const rest = this.bomPending;
      this.bomPending = null;
      this.pushOne(rest);
    }
    // The last record may lack a line break.
    let records = this.recordsAtBoundary;
    if (this.lineHasContent) {
      if (this.o.header && this.header === null) {
        this.takeHeader(this.lineStart, this.size);
        return [];
      }
      records++;
    }
    const bytes = this.buf.subarray(this.drop, this.size);
    this.buf = new Uint8Array(0);
    this.size = 0;
    if (records === 0) return [];
    const piece = { bytes, firstRow: this.nextRow, records };
    this.nextRow += records;
    return [piece];
  }

  /**
   * Drops a UTF-8 byte order mark at the very start of the stream, so that the quote scan starts at the first
   * field (a BOM before a quoted header name would otherwise hide the quote). The BOM may arrive split.
   */
  private skipBom(chunk: Uint8Array): Uint8Array {
    if (this.bomChecked) return chunk;
    let bytes = chunk;
    if (this.bomPending) {
      bytes = new Uint8Array(this.bomPending.byteLength + chunk.byteLength);
      bytes.set(this.bomPending);
      bytes.set(chunk, this.bomPending.byteLength);
      this.bomPending = null;
    }
    const n = Math.min(3, bytes.byteLength);
    for (let i = 0; i < n; i++)
      if (bytes[i] !== BOM[i]) {
        this.bomChecked = true;
        return bytes;
      }
    if (bytes.byteLength < 3) {
      this.bomPending = bytes.slice();
      return new Uint8Array(0);
    }
    this.bomChecked = true;
    return bytes.subarray(3);
  }

  /** Records handed out so far. */
  get rowsSplit(): number {
    return this.nextRow - 1;
  }

  private cut(): Piece {
    // The piece takes the buffer (it is transferred to a worker); the tail goes to a new one.
    const bytes = this.buf.subarray(this.drop, this.boundary);
    const rest = this.buf.subarray(this.boundary, this.size);
    this.buf = this.fresh(Math.max(this.buf.byteLength, rest.byteLength));
    this.buf.set(rest);
    const piece = { bytes, firstRow: this.nextRow, records: this.recordsAtBoundary };
    this.nextRow += this.recordsAtBoundary;
    this.lineStart -= this.boundary;
    this.size = rest.byteLength;
    this.drop = 0;
    this.boundary = -1;
    this.recordsAtBoundary = 0;
    return piece;
  }

  /**
   * Hands back the bytes of a piece that was handed out and is no longer used anywhere (a worker
   * transferred them back): the splitter fills their buffer again instead of allocating one per piece.
   * At most two are kept.
   */
  recycle(bytes: Uint8Array): void {
    if (this.spare.length < 2 && bytes.buffer instanceof ArrayBuffer) this.spare.push(bytes.buffer);
  }

  /** A buffer of at least n bytes: a recycled one when it is large enough. */
  private fresh(n: number): Uint8Array {
    const b = this.spare.pop();
    return b !== undefined && b.byteLength >= n ? new Uint8Array(b) : new Uint8Array(n);
  }

  /** Room for `n` more bytes: the buffer doubles when a record is longer than a piece. */
  private reserve(n: number): void {
    if (this.size + n <= this.buf.byteLength) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.byteLength, this.size + n));
    grown.set(this.buf.subarray(0, this.size));
    this.buf = grown;
  }

  /** A line break outside quotes at absolute offset `at`. */
  private lineEnd(at: number): void {
    if (this.lineHasContent) {
      if (this.o.header && this.header === null) this.takeHeader(this.lineStart, at);
      else this.recordsAtBoundary++;
    }
    this.boundary = at + 1;
    if (this.header === null && this.o.header) this.drop = at + 1;
    this.lineStart = at + 1;
    this.lineHasContent = false;
    this.state = FIELD_START;
  }

  private takeHeader(start: number, end: number): void {
    const all = this.buf;
    let e = end;
    if (e > start && all[e - 1] === CR) {
      e--;
      this.headerCrlf = true;
    }
    this.header = copyOf(all, start, e);
    // Everything up to here (blank lines, the header) belongs to no piece.
    this.drop = Math.min(end + 1, this.size);
  }

  /** Records are lines: JSON Lines, or CSV text without any quote. */
  private scanLines(chunk: Uint8Array, base: number): void {
    const jsonl = this.o.format === 'jsonl';
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, from);
      const stop = nl === -1 ? chunk.byteLength : nl;
      if (!this.lineHasContent) {
        for (let i = from; i < stop; i++) {
          const c = chunk[i];
          if (c !== CR && (!jsonl || (c !== SPACE && c !== TAB))) {
            this.lineHasContent = true;
            break;
          }
        }
      }
      if (nl === -1) break;
      this.lineEnd(base + nl);
      from = nl + 1;
    }
    if (!jsonl && chunk.byteLength > 0) {
      const last = chunk[chunk.byteLength - 1];
      this.state = last === LF || last === this.delim ? FIELD_START : UNQUOTED;
    }
  }

  private scanCsv(chunk: Uint8Array, base: number): void {
    const delim = this.delim;
    let state = this.state;
    let content = this.lineHasContent;
    for (let i = 0; i < chunk.byteLength; i++) {
      const c = chunk[i];
      if (state === QUOTED) {
        if (c === QUOTE) state = QUOTE_IN_QUOTED;
        continue;
      }
      if (state === QUOTE_IN_QUOTED) {
        if (c === QUOTE) {
          state = QUOTED;
          continue;
        }
        state = UNQUOTED; // the quoted field ended; fall through to handle c
      }
      if (c === LF) {
        this.lineHasContent = content;
        this.lineEnd(base + i);
        content = false;
        state = FIELD_START;
      } else if (c === delim) {
        content = true;
        state = FIELD_START;
      } else if (c === QUOTE && state === FIELD_START) {
        content = true;
        state = QUOTED;
      } else if (c !== CR) {
        content = true;
        state = UNQUOTED;
      }
    }
    this.state = state;
    this.lineHasContent = content;
  }
}

/** A copy of bytes [a, b): `Buffer#slice` would give a view, and views must not be transferred. */
function copyOf(all: Uint8Array, a: number, b: number): Uint8Array {
  const c = new Uint8Array(b - a);
  c.set(all.subarray(a, b));
  return c;
}
