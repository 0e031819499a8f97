/**
 * A fast 64-bit (two 32-bit lanes) non-cryptographic hash of typed arrays, used to fingerprint the training
 * data in the model card. It tells whether two models saw the same data; it is not a security feature.
 */
export function hashArrays(arrays: ArrayBufferView[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const words = Math.floor(bytes.length / 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words; i++) {
      const k = view.getUint32(i * 4, true);
      h1 = Math.imul(h1 ^ k, 0x01000193);
      h2 = Math.imul((h2 ^ k) + 0x9e3779b9, 0x85ebca6b);
      h2 ^= h2 >>> 13;
    }
    for (let i = words * 4; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[i], 0xc2b2ae35);
    }
    h1 = Math.imul(h1 ^ bytes.length, 0x01000193);
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return hex(h1) + hex(h2);
}
