/**
 * CRC-32 (IEEE 802.3, the zlib / PNG / gzip one), table-driven with slicing-by-8 so a 10 MB model file
 * is checked in a few milliseconds. No `node:` imports: model files are also checked in browsers.
 */

const TABLES: Uint32Array = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // Table k advances a byte that is k positions further back, so 8 bytes fold in one step.
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (t[prev & 0xff] ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
}

/**
 * The CRC-32 of `bytes[start, end)`.
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 */
export function crc32(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  const t = TABLES;
  let c = 0xffffffff;
  let i = start;
  const end8 = start + ((end - start) & ~7);
  while (i < end8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
    i += 8;
  }
  while (i < end) {
    c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    i++;
  }
  return (c ^ 0xffffffff) >>> 0;
}
