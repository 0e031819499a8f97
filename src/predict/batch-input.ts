/**
 * The input side of batch scoring: what a run can read (byte chunks of CSV or JSON Lines text, or row
 * objects; from a Node Readable, a web ReadableStream or an iterable), and its adapter into pieces of work.
 * Text is cut at record boundaries (batch-split.ts) into pieces of about `chunkBytes`; row objects are
 * grouped `batchRows` at a time. Pieces are read only as the consumer asks for them: that is the run's
 * backpressure.
 */

import { parseCsvText } from '../data/csv.js';
import { MlinferError } from '../errors.js';
import type { ResolvedBatchOptions } from './batch-options.js';
import { RecordSplitter } from './batch-split.js';

/** Byte chunks (CSV or JSON Lines text) or row objects. */
export type BatchInput =
  | AsyncIterable<Uint8Array | string | Record<string, unknown>>
  | Iterable<Uint8Array | string | Record<string, unknown>>
  | ReadableStream<Uint8Array | string | Record<string, unknown>>;

type Item = Uint8Array | string | Record<string, unknown>;

/** A piece of work: whole records of text, or row objects. */
export type InputPiece =
  | { kind: 'text'; bytes: Uint8Array; firstRow: number; records: number }
  | { kind: 'rows'; rows: Record<string, unknown>[] };

/** An input opened up to its header (CSV), with the rest to read piece by piece. */
export interface OpenedInput {
  /** The input is row objects, not text. */
  rowsMode: boolean;
  /** CSV: the header (trimmed names), else null. */
  header: string[] | null;
  /** CSV: the header's line break, used for the whole input. */
  newline: '\n' | '\r\n';
  pieces: AsyncGenerator<InputPiece, void, undefined>;
  /** Stops reading the source early (it is returned, as a `break` would). */
  close(): Promise<void>;
  /** Gives back the bytes of a text piece that nothing uses any more, to be filled again. */
  recycle(bytes: Uint8Array): void;
}

async function* fromWeb(stream: ReadableStream<Item>): AsyncGenerator<Item> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The iterator of a batch input; what cannot be read fails here, before anything else happens. */
export type InputSource = AsyncIterator<Item> | Iterator<Item>;

export function inputSource(input: BatchInput): InputSource {
  if (input && typeof (input as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in input))
    return fromWeb(input as ReadableStream<Item>)[Symbol.asyncIterator]();
  if (input && Symbol.asyncIterator in (input as object))
    return (input as AsyncIterable<Item>)[Symbol.asyncIterator]();
  if (input && Symbol.iterator in (input as object) && typeof input !== 'string')
    return (input as Iterable<Item>)[Symbol.iterator]();
  throw new MlinferError(
    'MLI_INVALID_OPTION',
    'batch input must be a Node Readable, a web ReadableStream, or an (async) iterable of byte chunks or row objects',
  );
}

const encoder = new TextEncoder();

function asBytes(v: Item): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return encoder.encode(v);
  throw new MlinferError('MLI_INVALID_OPTION', 'byte input mixes row objects with byte chunks');
}

/** The header of a CSV input, checked for the line breaks that the splitter cannot cut. */
function parseHeader(bytes: Uint8Array, delimiter: string): string[] {
  const parsed = parseCsvText(`${new TextDecoder().decode(bytes)}\n`, { delimiter });
  // The splitter cuts records at LF only: with lone-CR line breaks (classic Mac OS) the whole file
  // would pass for the header and the run would score 0 rows with exit 0. Fail loudly instead.
  if (parsed.rows.length > 0)
    throw new MlinferError(
      'MLI_CSV_PARSE',
      'the CSV input has lone CR line breaks (classic Mac OS); batch scoring reads LF or CRLF line breaks: convert the file first',
    );
  return parsed.header;
}

/**
 * Opens a batch input: reads its first item to tell text from row objects, and for CSV reads on until the
 * header is complete, so that it can be checked before any worker starts. `stats.bytesRead` counts the text
 * read.
 *
 * @example
 * const input = await openInput(inputSource(fileChunks('in.csv')), resolveBatchOptions({}), stats);
 * for await (const piece of input.pieces) submit(piece);
 */
export async function openInput(
  it: InputSource,
  r: ResolvedBatchOptions,
  stats: { bytesRead: number },
): Promise<OpenedInput> {
  const first = await it.next();
  let ended = first.done === true;
  const buffered: Item[] = first.done ? [] : [first.value];
  const close = async (): Promise<void> => {
    if (!ended) await (it as AsyncIterator<Item>).return?.();
  };
  const next = async (): Promise<Item | null> => {
    if (ended) return null;
    const n = await it.next();
    if (n.done) ended = true;
    return n.done ? null : n.value;
  };
  const rowsMode = !first.done && !(first.value instanceof Uint8Array) && typeof first.value !== 'string';
  if (rowsMode)
    return {
      rowsMode,
      header: null,
      newline: '\n',
      pieces: rowPieces(buffered, next, r.batchRows),
      close,
      recycle: () => {},
    };

  const splitter = new RecordSplitter({
    format: r.format,
    delimiter: r.delimiter,
    header: r.format === 'csv',
    targetBytes: r.chunkBytes,
    maxRecordBytes: r.maxRecordBytes,
  });
  const early: InputPiece[] = [];
  const push = (v: Item): void => {
    const b = asBytes(v);
    stats.bytesRead += b.byteLength;
    for (const p of splitter.push(b)) early.push({ kind: 'text', ...p });
  };
  for (const v of buffered) push(v);
  while (r.format === 'csv' && splitter.header === null && !ended) {
    const v = await next();
    if (v === null) for (const p of splitter.end()) early.push({ kind: 'text', ...p });
    else push(v);
  }
  const header = splitter.header === null ? null : parseHeader(splitter.header, r.delimiter);
  const newline = splitter.header !== null && splitter.headerCrlf ? '\r\n' : '\n';

  // Ended while opening: the header loop has flushed the splitter already (or the input was empty).
  const endedOpening = ended;
  async function* pieces(): AsyncGenerator<InputPiece, void, undefined> {
    yield* early;
    if (endedOpening) return;
    for (let v = await next(); v !== null; v = await next()) {
      const b = asBytes(v);
      stats.bytesRead += b.byteLength;
      for (const p of splitter.push(b)) yield { kind: 'text', ...p };
    }
    for (const p of splitter.end()) yield { kind: 'text', ...p };
  }
  return { rowsMode, header, newline, pieces: pieces(), close, recycle: (b) => splitter.recycle(b) };
}

async function* rowPieces(
  buffered: Item[],
  next: () => Promise<Item | null>,
  batchRows: number,
): AsyncGenerator<InputPiece, void, undefined> {
  let batch = buffered as Record<string, unknown>[];
  for (;;) {
    if (batch.length >= batchRows) {
      yield { kind: 'rows', rows: batch.slice(0, batchRows) };
      batch = batch.slice(batchRows);
      continue;
    }
    const v = await next();
    if (v === null) break;
    batch.push(v as Record<string, unknown>);
  }
  if (batch.length > 0) yield { kind: 'rows', rows: batch };
}
