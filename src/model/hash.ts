/**
 * A fast 64-bit (two 32-bit lanes) non-cryptographic hash of typed arrays, used to fingerprint the training
 * data in the model card. It tells whether two models saw the same data; it is not a security feature.
 */
export function hashArrays(arrays: (ArrayBufferView | AsFloat64)[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  // an AsFloat64 is read through an 8-byte scratch, as the words of the Float64Array it stands for
  const scratch = new DataView(new ArrayBuffer(8));
  for (const a of arrays) {
    const asDoubles = a instanceof AsFloat64;
    const view = asDoubles ? scratch : new DataView(a.buffer, a.byteOffset, a.byteLength);
    const byteLength = asDoubles ? a.values.length * 8 : a.byteLength;
    const words = Math.floor(byteLength / 4);
    for (let i = 0; i < words; i++) {
      if (asDoubles && (i & 1) === 0) scratch.setFloat64(0, a.values[i >>> 1], true);
      const k = view.getUint32(asDoubles ? (i & 1) * 4 : i * 4, true);
      h1 = Math.imul(h1 ^ k, 0x01000193);
      h2 = Math.imul((h2 ^ k) + 0x9e3779b9, 0x85ebca6b);
      h2 ^= h2 >>> 13;
    }
    for (let i = words * 4; i < byteLength; i++) {
      const b = view.getUint8(i);
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(h2 ^ b, 0xc2b2ae35);
    }
    h1 = Math.imul(h1 ^ byteLength, 0x01000193);
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return hex(h1) + hex(h2);
}

/**
 * Values hashed as the bytes of a Float64Array holding them: class indices kept in one byte a row (streaming
 * training) give the hash their doubles always gave, without a copy as doubles.
 */
export class AsFloat64 {
  constructor(readonly values: ArrayLike<number>) {}
}
