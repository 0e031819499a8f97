// hashArrays with AsFloat64: class indices kept in one byte a row (streaming training) hash as the doubles they
// stood for, so that the model card's data hash did not change when they shrank.
import { describe, expect, it } from 'vitest';
import { AsFloat64, hashArrays } from '../../src/model/hash.js';

describe('hashArrays', () => {
  it('hashes AsFloat64 values as the Float64Array of the same values', () => {
    const bins = Uint8Array.from({ length: 1003 }, (_, i) => (i * 37) % 256); // a tail of 3 bytes
    const classes = Uint8Array.from({ length: 501 }, (_, i) => (i * 7) % 3);
    const wide = Uint16Array.from(classes);
    const doubles = Float64Array.from(classes);
    const expected = hashArrays([bins, doubles]);
    expect(hashArrays([bins, new AsFloat64(classes)])).toBe(expected);
    expect(hashArrays([bins, new AsFloat64(wide)])).toBe(expected);
    expect(hashArrays([bins, new AsFloat64(classes.subarray(0, 500))])).not.toBe(expected);
  });

  it('keeps its known value for plain arrays', () => {
    // pinned before AsFloat64 existed: the data hash of models already written must not move
    expect(hashArrays([Uint8Array.of(1, 2, 3, 4, 5), Float64Array.of(0.5, 2)])).toBe('07c33e6e0614bdab');
  });
});
