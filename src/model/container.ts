/**
 * The byte container of a model file: magic, version, JSON metadata, a table of little-endian binary
 * sections, and a CRC-32 trailer. It knows nothing about forests (see forest-sections.ts).
 *
 * Layout (all integers little-endian, every section starts 8-byte aligned so typed arrays can view it):
 *
 *   0  magic, 8 bytes: 89 4D 4C 49 0D 0A 1A 0A ("\x89MLI\r\n\x1a\n")
 *   8  u16 major version, u16 minor version
 *  12  u32 total file length in bytes, checksum included
 *  16  u32 metadata length in bytes (UTF-8 JSON object)
 *  20  u32 section count
 *  24  u32 flags, u32 reserved (both 0 in 1.0)
 *  32  metadata JSON, zero-padded to 8 bytes
 *      section table: per section u32 id, u32 element type, u32 byte offset, u32 byte length
 *      zero padding to 8 bytes, then the sections, each zero-padded to 8 bytes
 * end-4 u32 CRC-32 of every byte before it
 *
 * The magic follows PNG: a non-ASCII first byte so text is never mistaken for a model, and CR LF / LF
 * so a file mangled by a text-mode transfer is recognised as such.
 */

import { MlinferError } from '../errors.js';
import { crc32 } from './crc32.js';

export const MAGIC: Uint8Array = new Uint8Array([0x89, 0x4d, 0x4c, 0x49, 0x0d, 0x0a, 0x1a, 0x0a]);
/**
 * Readers refuse files with a newer major version; minor versions only add sections readers may skip.
 * Averaged forests (every trained model) are written as 1.x, so older mlinfer versions keep reading them.
 */
export const FORMAT_MAJOR = 1;
/**
 * 1.1 added the node statistics that explanations need (see forest-sections.ts); 1.2 the training profile
 * that drift reports compare new data with (see profile-sections.ts).
 */
export const FORMAT_MINOR = 2;
/**
 * Format 2.0: a forest scored additively (imported gradient boosting; see additive-sections.ts). A new major
 * version, so that 1.x readers refuse it rather than average its raw scores.
 */
export const ADDITIVE_FORMAT_MAJOR = 2;
/** The newest major version this mlinfer reads. */
export const READABLE_MAJOR = 2;

export const HEADER_BYTES = 32;
const TABLE_ENTRY_BYTES = 16;
const CHECKSUM_BYTES = 4;

/** Element types of a section. */
export const ELEMENT = { u8: 1, u16: 2, u32: 3, i32: 4, f32: 5, f64: 6 } as const;
export type ElementType = (typeof ELEMENT)[keyof typeof ELEMENT];
const ELEMENT_SIZE: Record<number, number> = { 1: 1, 2: 2, 3: 4, 4: 4, 5: 4, 6: 8 };

export type SectionArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A section to write: its id, its element type and its values. */
export interface SectionInput {
  id: number;
  type: ElementType;
  data: SectionArray;
}

/** A section as read: where its bytes are in the file, already checked to lie inside it. */
export interface SectionRef {
  id: number;
  type: ElementType;
  offset: number;
  byteLength: number;
  /** Number of elements. */
  length: number;
}

export interface ContainerContents {
  major: number;
  minor: number;
  metadataJson: string;
  sections: Map<number, SectionRef>;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function align8(n: number): number {
  return (n + 7) & ~7;
}

export function corrupt(message: string): MlinferError {
  return new MlinferError('MLI_MODEL_CORRUPT', message);
}

/**
 * Writes a container. Section order in the file is the order given.
 *
 * @example
 * const bytes = writeContainer('{"task":"regression"}', [{ id: 1, type: ELEMENT.u32, data: new Uint32Array([7]) }]);
 */
export function writeContainer(
  metadataJson: string,
  sections: SectionInput[],
  version: { major: number; minor: number } = { major: FORMAT_MAJOR, minor: FORMAT_MINOR },
): Uint8Array {
  const meta = new TextEncoder().encode(metadataJson);
  const tableStart = align8(HEADER_BYTES + meta.length);
  let offset = align8(tableStart + sections.length * TABLE_ENTRY_BYTES);
  const offsets: number[] = [];
  for (const s of sections) {
    offsets.push(offset);
    offset = align8(offset + s.data.byteLength);
  }
  const total = offset + CHECKSUM_BYTES;
  if (total > 0xffffffff)
    throw new MlinferError('MLI_INVALID_DATA', `model is too large to store (${total} bytes)`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(8, version.major, true);
  view.setUint16(10, version.minor, true);
  view.setUint32(12, total, true);
  view.setUint32(16, meta.length, true);
  view.setUint32(20, sections.length, true);
  out.set(meta, HEADER_BYTES);
  sections.forEach((s, i) => {
    const e = tableStart + i * TABLE_ENTRY_BYTES;
    view.setUint32(e, s.id, true);
    view.setUint32(e + 4, s.type, true);
    view.setUint32(e + 8, offsets[i], true);
    view.setUint32(e + 12, s.data.byteLength, true);
    writeLittleEndian(out, offsets[i], s.data);
  });
  view.setUint32(total - CHECKSUM_BYTES, crc32(out, 0, total - CHECKSUM_BYTES), true);
  return out;
}

function writeLittleEndian(out: Uint8Array, offset: number, data: SectionArray): void {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(raw, offset);
  const size = data.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN_HOST || size === 1) return;
  for (let i = offset; i < offset + data.byteLength; i += size) out.subarray(i, i + size).reverse();
}

/**
 * Copies a section's values out of the file into a fresh typed array of the section's element type.
 * A copy (not a view) because `bytes` may sit at any byte offset, and the forest must own its arrays.
 */
export function readSection(bytes: Uint8Array, ref: SectionRef): SectionArray {
  const raw = bytes.slice(ref.offset, ref.offset + ref.byteLength);
  const size = ELEMENT_SIZE[ref.type];
  if (!LITTLE_ENDIAN_HOST && size > 1) {
    for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse();
  }
  switch (ref.type) {
    case ELEMENT.u8:
      return raw;
    case ELEMENT.u16:
      return new Uint16Array(raw.buffer);
    case ELEMENT.u32:
      return new Uint32Array(raw.buffer);
    case ELEMENT.i32:
      return new Int32Array(raw.buffer);
    case ELEMENT.f32:
      return new Float32Array(raw.buffer);
    default:
      return new Float64Array(raw.buffer);
  }
}

/**
 * A section's values without copying when the bytes are suitably aligned (the usual case: a file read
 * into its own buffer), else a copy. For data that is only read while decoding: the view shares memory
 * with `bytes`.
 */
export function viewSection(bytes: Uint8Array, ref: SectionRef): SectionArray {
  const start = bytes.byteOffset + ref.offset;
  const size = ELEMENT_SIZE[ref.type];
  if (!LITTLE_ENDIAN_HOST || start % size !== 0) return readSection(bytes, ref);
  const n = ref.length;
  switch (ref.type) {
    case ELEMENT.u8:
      return new Uint8Array(bytes.buffer, start, n);
    case ELEMENT.u16:
      return new Uint16Array(bytes.buffer, start, n);
    case ELEMENT.u32:
      return new Uint32Array(bytes.buffer, start, n);
    case ELEMENT.i32:
      return new Int32Array(bytes.buffer, start, n);
    case ELEMENT.f32:
      return new Float32Array(bytes.buffer, start, n);
    default:
      return new Float64Array(bytes.buffer, start, n);
  }
}

/**
 * Checks the magic, the version, the length and the checksum, then reads the metadata text and the
 * section table. Nothing past the header is interpreted before the checksum matched.
 *
 * @example
 * const { metadataJson, sections } = readContainer(bytes);
 */
export function readContainer(bytes: Uint8Array): ContainerContents {
  checkMagic(bytes);
  if (bytes.length < HEADER_BYTES) {
    throw corrupt(`model file is truncated: expected at least ${HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major > READABLE_MAJOR) {
    throw new MlinferError(
      'MLI_MODEL_VERSION',
      `model file format ${major}.${minor} needs a newer mlinfer (this one reads formats 1.x to ${READABLE_MAJOR}.x)`,
    );
  }
  if (major < 1) throw corrupt(`model file has an invalid format version ${major}.${minor}`);

  const total = view.getUint32(12, true);
  if (bytes.length < total) {
    throw corrupt(`model file is truncated: expected ${total} bytes, got ${bytes.length}`);
  }
  if (bytes.length > total) {
    throw corrupt(
      `model file has ${bytes.length - total} unexpected bytes after its end (expected ${total} bytes)`,
    );
  }
  if (total < HEADER_BYTES + CHECKSUM_BYTES) throw corrupt(`model file header is corrupt: length ${total}`);
  const stored = view.getUint32(total - CHECKSUM_BYTES, true);
  const actual = crc32(bytes, 0, total - CHECKSUM_BYTES);
  if (stored !== actual) {
    throw corrupt(
      `model file is corrupt: checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}); ` +
        'the file was damaged or modified after it was written',
    );
  }

  const bodyEnd = total - CHECKSUM_BYTES;
  const metaLength = view.getUint32(16, true);
  const count = view.getUint32(20, true);
  const tableStart = align8(HEADER_BYTES + metaLength);
  if (tableStart + count * TABLE_ENTRY_BYTES > bodyEnd) {
    throw corrupt(
      `model file header is corrupt: metadata (${metaLength} bytes) and ${count} sections do not fit`,
    );
  }
  let metadataJson: string;
  try {
    metadataJson = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(HEADER_BYTES, HEADER_BYTES + metaLength),
    );
  } catch (cause) {
    throw new MlinferError('MLI_MODEL_CORRUPT', 'model file metadata is not valid UTF-8', { cause });
  }

  const sections = new Map<number, SectionRef>();
  const dataStart = align8(tableStart + count * TABLE_ENTRY_BYTES);
  for (let i = 0; i < count; i++) {
    const e = tableStart + i * TABLE_ENTRY_BYTES;
    const id = view.getUint32(e, true);
    const type = view.getUint32(e + 4, true);
    const offset = view.getUint32(e + 8, true);
    const byteLength = view.getUint32(e + 12, true);
    const size = ELEMENT_SIZE[type];
    const where = `section ${id} (table entry ${i})`;
    if (size === undefined) throw corrupt(`model file is corrupt: ${where} has unknown element type ${type}`);
    if (offset % 8 !== 0 || offset < dataStart || offset + byteLength > bodyEnd) {
      throw corrupt(`model file is corrupt: ${where} at ${offset}+${byteLength} lies outside the data area`);
    }
    if (byteLength % size !== 0) {
      throw corrupt(`model file is corrupt: ${where} length ${byteLength} is not a multiple of ${size}`);
    }
    if (sections.has(id)) throw corrupt(`model file is corrupt: section ${id} appears twice`);
    sections.set(id, { id, type: type as ElementType, offset, byteLength, length: byteLength / size });
  }
  return { major, minor, metadataJson, sections };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** Throws MLI_MODEL_FOREIGN, naming what the file looks like, unless it starts with our magic. */
function checkMagic(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new MlinferError('MLI_MODEL_FOREIGN', 'model file is empty (0 bytes)');
  const n = Math.min(bytes.length, MAGIC.length);
  let matching = 0;
  while (matching < n && bytes[matching] === MAGIC[matching]) matching++;
  if (matching === MAGIC.length) return;
  if (matching === n) {
    throw corrupt(`model file is truncated: expected at least ${HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  if (matching >= 4) {
    // "\x89MLI" then something else where "\r\n\x1a\n" should be: the classic text-mode transfer damage.
    throw corrupt(
      'model file header is damaged after "\\x89MLI": line endings were probably converted ' +
        '(the file was copied or transferred as text); copy it as binary',
    );
  }
  throw new MlinferError('MLI_MODEL_FOREIGN', `not an mlinfer model file: ${describeForeign(bytes)}`);
}

/** A short guess at what a foreign file is, so the message helps the user fix the mix-up. */
function describeForeign(bytes: Uint8Array): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0x80 && b1 !== undefined && b1 <= 5) {
    return 'it looks like a Python pickle (a joblib or scikit-learn model?); mlinfer cannot load those';
  }
  if (b0 === 0x1f && b1 === 0x8b) return 'it looks like a gzip file; decompress it first if it holds a model';
  if (b0 === 0x50 && b1 === 0x4b) return 'it looks like a ZIP archive';
  let i = 0;
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) i = 3;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
  )
    i++;
  if (bytes[i] === 0x7b || bytes[i] === 0x5b) {
    return 'it looks like JSON (an ml-random-forest model? convert it with mlinfer import or modelFromMlRandomForest)';
  }
  const sample = bytes.subarray(0, 512);
  let text = 0;
  for (const c of sample)
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x80) text++;
  if (text === sample.length) return 'it looks like a text file (a CSV or a data file?)';
  return 'unknown file type (the first bytes are not the mlinfer magic "\\x89MLI\\r\\n\\x1a\\n")';
}
