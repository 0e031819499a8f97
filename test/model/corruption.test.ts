import { describe, expect, it } from 'vitest';
import { isMlinferError } from '../../src/errors.js';
import { FLAG_SHIFT, type ForestArrays, NODE_CATEGORICAL, NODE_LEAF } from '../../src/forest/types.js';
import { ELEMENT, readContainer, writeContainer } from '../../src/model/container.js';
import { encodeForestSections, SECTION } from '../../src/model/forest-sections.js';
import { decodeModel, encodeModel } from '../../src/model/format.js';
import { forestIssues } from '../../src/model/validate-forest.js';
import { randomForest, referencePredict, reseal, rng } from './forest-fixtures.js';

const MODEL_CODES = ['MLI_MODEL_CORRUPT', 'MLI_MODEL_FOREIGN', 'MLI_MODEL_VERSION'];

/** The MlinferError decodeModel throws; fails the test on success or on any other exception. */
function decodeError(bytes: Uint8Array): { code: string; message: string } {
  try {
    decodeModel(bytes);
  } catch (e) {
    if (!isMlinferError(e)) throw new Error(`decodeModel threw a non-MlinferError: ${String(e)}`);
    expect(MODEL_CODES).toContain(e.code);
    return e;
  }
  throw new Error('decodeModel accepted a damaged file');
}

const small = randomForest(21, {
  task: 'classification',
  nTrees: 2,
  nFeatures: 4,
  nOutputs: 3,
  maxDepth: 4,
  float64Rate: 0.3,
  shuffledLeaves: true,
});
const smallBytes = encodeModel({
  metadata: { task: 'classification', classes: ['a', 'b', 'c'] },
  forest: small,
});

describe('damaged files', () => {
  it('the small fixture is small enough to flip every byte', () => {
    expect(smallBytes.length).toBeLessThan(4000);
    expect(decodeModel(smallBytes).forest).toEqual(small);
  });

  it('truncated at every length', () => {
    for (let n = 0; n < smallBytes.length; n++) {
      const e = decodeError(smallBytes.slice(0, n));
      if (n >= 32)
        expect(e.message).toBe(`model file is truncated: expected ${smallBytes.length} bytes, got ${n}`);
    }
  });

  it('every byte flipped (each bit pattern it could become is caught by the CRC or the header checks)', () => {
    for (let i = 0; i < smallBytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bytes = smallBytes.slice();
        bytes[i] ^= mask;
        decodeError(bytes);
      }
    }
  });

  it('flipped bytes in a large file', () => {
    const forest = randomForest(22, {
      task: 'regression',
      nTrees: 30,
      nFeatures: 10,
      nOutputs: 1,
      maxDepth: 12,
    });
    const bytes = encodeModel({ metadata: {}, forest });
    const r = rng(5);
    for (let k = 0; k < 300; k++) {
      const copy = bytes.slice();
      copy[Math.floor(r() * copy.length)] ^= 1 + Math.floor(r() * 255);
      expect(decodeError(copy).code).not.toBe('MLI_MODEL_FOREIGN');
    }
    for (let k = 0; k < 100; k++) decodeError(bytes.slice(0, Math.floor(r() * bytes.length)));
  });

  it('trailing bytes', () => {
    const longer = new Uint8Array(smallBytes.length + 5);
    longer.set(smallBytes);
    expect(decodeError(longer).message).toContain('5 unexpected bytes');
  });

  it('line endings converted by a text-mode transfer', () => {
    const bytes = Uint8Array.from([...smallBytes.subarray(0, 4), 0x0a, ...smallBytes.subarray(6)]);
    expect(decodeError(bytes)).toMatchObject({
      code: 'MLI_MODEL_CORRUPT',
      message: expect.stringContaining('line endings'),
    });
  });
});

describe('foreign files', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  it.each([
    ['empty', new Uint8Array(0), 'empty'],
    ['CSV', text('sepal_length,sepal_width,species\n5.1,3.5,setosa\n'), 'text file'],
    ['JSON', text('  {"baseModel": {"estimators": []}, "name": "RFClassifier"}'), 'JSON'],
    ['joblib pickle', Uint8Array.from([0x80, 0x04, 0x95, 0x2f, 0x01, 0, 0, 0, 0, 0, 0, 0x8c]), 'pickle'],
    ['gzip', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), 'gzip'],
    ['binary', Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'unknown file type'],
    ['one byte', Uint8Array.from([0x4d]), 'text file'],
  ])('%s', (_name, bytes, hint) => {
    const e = decodeError(bytes);
    expect(e.code).toBe('MLI_MODEL_FOREIGN');
    expect(e.message).toContain(hint);
  });

  it('a prefix of the magic is a truncated model, not a foreign file', () => {
    expect(decodeError(smallBytes.slice(0, 5)).code).toBe('MLI_MODEL_CORRUPT');
  });

  it('not bytes at all', () => {
    expect(() => decodeModel('model' as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'MLI_MODEL_FOREIGN' }),
    );
  });
});

describe('versions', () => {
  it('a newer major version asks for a newer mlinfer, before the checksum is even read', () => {
    const bytes = smallBytes.slice();
    new DataView(bytes.buffer).setUint16(8, 3, true);
    new DataView(bytes.buffer).setUint16(10, 0, true);
    const e = decodeError(bytes);
    expect(e.code).toBe('MLI_MODEL_VERSION');
    expect(e.message).toContain('format 3.0 needs a newer mlinfer');
  });

  it('a newer minor version with an unknown section still loads', () => {
    const sections = encodeForestSections(small);
    sections.push({ id: 999, type: ELEMENT.u8, data: new Uint8Array([1, 2, 3]) });
    const bytes = writeContainer('{}', sections);
    new DataView(bytes.buffer).setUint16(10, 7, true);
    expect(decodeModel(reseal(bytes)).forest).toEqual(small);
  });
});

/** A checksum-valid file holding `forest` as is, bypassing encodeModel's validation. */
function sealedUnchecked(forest: ForestArrays, metadataJson = '{}'): Uint8Array {
  return writeContainer(metadataJson, encodeForestSections(forest));
}

/** Rewrites bytes inside one section of a valid file, then reseals it. */
function patchSection(bytes: Uint8Array, id: number, patch: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  const ref = readContainer(copy).sections.get(id)!;
  patch(new DataView(copy.buffer, ref.offset, ref.byteLength));
  return reseal(copy);
}

function regressionStump(): ForestArrays {
  return {
    task: 'regression',
    nFeatures: 2,
    nOutputs: 1,
    featureKinds: new Uint8Array([0, 1]),
    categoryCounts: new Uint32Array([0, 40]),
    binEdges: new Float64Array([1, 2, 3]),
    binEdgeOffsets: new Uint32Array([0, 3, 3]),
    treeOffsets: new Uint32Array([0, 6, 14]),
    nodes: new Int32Array([
      0 | (1 << 16),
      4,
      0,
      (NODE_LEAF << FLAG_SHIFT) | 0,
      0,
      (NODE_LEAF << FLAG_SHIFT) | 1,
      1,
      (NODE_CATEGORICAL << FLAG_SHIFT) | 12,
      0b101,
      0,
      0,
      (NODE_LEAF << FLAG_SHIFT) | 2,
      0,
      (NODE_LEAF << FLAG_SHIFT) | 3,
    ]),
    leafValues: new Float64Array([1.5, -2, 3.25, 4]),
  };
}

describe('structurally invalid forests with a valid checksum', () => {
  it('the stump itself is valid', () => {
    expect(forestIssues(regressionStump())).toEqual([]);
    expect(decodeModel(sealedUnchecked(regressionStump())).forest).toEqual(regressionStump());
  });

  const cases: [string, (f: ForestArrays) => void, string][] = [
    [
      'feature index out of range',
      (f) => {
        f.nodes[0] = 5 | (1 << 16);
      },
      'feature 5',
    ],
    [
      'threshold past the last bin (bin == nEdges, the missing-only split, is allowed)',
      (f) => {
        f.nodes[0] = 0 | (4 << 16);
      },
      'threshold bin 4',
    ],
    [
      'threshold on the missing bin',
      (f) => {
        f.nodes[0] = 1 | (0xffff << 16);
        f.nodes[1] |= 0;
      },
      'bin 65535',
    ],
    [
      'categorical split on a numeric feature',
      (f) => {
        f.nodes[6] = 0;
      },
      'no categories',
    ],
    [
      'bin edges descending',
      (f) => {
        f.binEdges[2] = 0;
      },
      'not ascending',
    ],
    [
      'NaN bin edge',
      (f) => {
        f.binEdges[0] = Number.NaN;
      },
      'not ascending',
    ],
    [
      'bin edge offsets past the edges',
      (f) => {
        f.binEdgeOffsets[2] = 4;
      },
      'binEdgeOffsets must end at 3',
    ],
    [
      'edges on a categorical feature',
      (f) => {
        f.binEdgeOffsets[1] = 2;
      },
      'categorical feature 1 has bin edges',
    ],
    [
      'unknown feature kind',
      (f) => {
        f.featureKinds[0] = 7;
      },
      'unknown kind 7',
    ],
    [
      'NaN leaf value',
      (f) => {
        f.leafValues[2] = Number.NaN;
      },
      'leaf value 2 is NaN',
    ],
    [
      'infinite leaf value',
      (f) => {
        f.leafValues[0] = Infinity;
      },
      'leaf value 0 is Infinity',
    ],
    [
      'leaf index out of range (explicit indices)',
      (f) => {
        f.nodes[3] = (NODE_LEAF << FLAG_SHIFT) | 9;
      },
      'bad leaf (index 9)',
    ],
    [
      'fewer leaf rows than leaves',
      (f) => {
        f.leafValues = f.leafValues.subarray(0, 3);
      },
      'bad leaf',
    ],
  ];
  it.each(cases)('%s', (_name, damage, message) => {
    const forest = regressionStump();
    damage(forest);
    expect(forestIssues(forest)).not.toEqual([]);
    const e = decodeError(sealedUnchecked(forest));
    expect(e.code).toBe('MLI_MODEL_CORRUPT');
    expect(e.message).toContain(message);
  });

  it('a split at bin == nEdges (present values left, missing right) is valid', () => {
    const forest = regressionStump();
    forest.nodes[0] = 0 | (3 << 16);
    expect(decodeModel(sealedUnchecked(forest)).forest).toEqual(forest);
  });

  it('classification fractions outside 0..1', () => {
    const forest = randomForest(30, {
      task: 'classification',
      nTrees: 1,
      nFeatures: 2,
      nOutputs: 2,
      maxDepth: 2,
      pureRate: 0,
    });
    forest.leafValues[0] = 1.5;
    expect(decodeError(sealedUnchecked(forest)).message).toContain('expected a fraction in 0..1');
  });

  const good = sealedUnchecked(regressionStump());
  const sectionCases: [string, number, (v: DataView) => void, string][] = [
    [
      'more trees than nodes hold',
      SECTION.FOREST_INFO,
      (v) => v.setUint32(12, 3, true),
      'nodes end inside tree',
    ],
    [
      'fewer trees than nodes hold',
      SECTION.FOREST_INFO,
      (v) => v.setUint32(12, 1, true),
      'more nodes than the 1 trees',
    ],
    ['word count too large', SECTION.FOREST_INFO, (v) => v.setUint32(20, 1000, true), 'do not fit together'],
    ['unknown task', SECTION.FOREST_INFO, (v) => v.setUint32(0, 5, true), 'bad forest info'],
    ['unknown node flag bits', SECTION.NODE_FLAGS, (v) => v.setUint8(1, 0x31), 'unknown flag byte'],
    [
      'a leaf turned into a split: the tree never closes',
      SECTION.NODE_FLAGS,
      (v) => v.setUint8(2, 0),
      'nodes end inside tree',
    ],
    ['a split turned into a leaf', SECTION.NODE_FLAGS, (v) => v.setUint8(0, 0x09), ''],
  ];
  it.each(sectionCases)('%s', (_name, id, patch, message) => {
    const e = decodeError(patchSection(good, id, patch));
    expect(e.code).toBe('MLI_MODEL_CORRUPT');
    expect(e.message).toContain(message);
  });

  it('section table entries out of bounds, misaligned, duplicated or of unknown type', () => {
    const { sections } = readContainer(good);
    const tableStart = 32 + 8; // '{}' padded to 8
    const entry = (i: number, field: number, value: number) => {
      const copy = good.slice();
      new DataView(copy.buffer).setUint32(tableStart + i * 16 + field * 4, value, true);
      return decodeError(reseal(copy)).message;
    };
    expect(sections.size).toBeGreaterThan(5);
    expect(entry(0, 2, good.length + 8)).toContain('outside the data area');
    expect(entry(0, 2, 4)).toContain('outside the data area');
    expect(entry(0, 3, 0xfffffff0)).toContain('outside the data area');
    expect(entry(1, 1, 77)).toContain('unknown element type');
    expect(entry(1, 0, SECTION.FOREST_INFO)).toContain('appears twice');
    expect(entry(1, 0, 500)).toContain('feature kinds section is missing');
    expect(entry(2, 1, ELEMENT.f64)).toContain('element type');
    const header = (at: number, value: number) => {
      const copy = good.slice();
      new DataView(copy.buffer).setUint32(at, value, true);
      return decodeError(reseal(copy)).message;
    };
    expect(header(20, 100_000)).toContain('do not fit');
    expect(header(16, 100_000)).toContain('do not fit');
  });

  it('metadata that is not a JSON object, or not UTF-8', () => {
    const sections = encodeForestSections(regressionStump());
    expect(decodeError(writeContainer('[1, 2]', sections)).message).toContain('not a JSON object');
    expect(decodeError(writeContainer('{"a": ', sections)).message).toContain('not valid JSON');
    const bytes = writeContainer('{"a":"xx"}', sections);
    bytes[32 + 6] = 0xff;
    expect(decodeError(reseal(bytes)).message).toContain('not valid UTF-8');
  });
});

describe('random damage behind a valid checksum', () => {
  it('either fails cleanly or gives a forest that is sound and walks in bounds', () => {
    const forest = randomForest(40, {
      task: 'classification',
      nTrees: 3,
      nFeatures: 5,
      nOutputs: 3,
      maxDepth: 5,
      float64Rate: 0.2,
      shuffledLeaves: true,
    });
    const bytes = encodeModel({ metadata: { a: 1 }, forest });
    const r = rng(99);
    let accepted = 0;
    for (let k = 0; k < 3000; k++) {
      const copy = bytes.slice();
      // Damage only past the header, and reseal, so the damage reaches the structural checks.
      const flips = 1 + Math.floor(r() * 3);
      for (let f = 0; f < flips; f++)
        copy[32 + Math.floor(r() * (copy.length - 36))] ^= 1 << Math.floor(r() * 8);
      reseal(copy);
      let decoded: ForestArrays;
      try {
        decoded = decodeModel(copy).forest;
      } catch (e) {
        if (!isMlinferError(e)) throw e;
        expect(MODEL_CODES).toContain(e.code);
        continue;
      }
      accepted++;
      // The decoder's own node checks must agree with the full validator.
      expect(forestIssues(decoded)).toEqual([]);
      for (let i = 0; i < 5; i++) {
        const row = Array.from({ length: decoded.nFeatures }, () =>
          r() < 0.2 ? Number.NaN : Math.floor(r() * 40 - 10),
        );
        const out = referencePredict(decoded, row);
        expect(out.every(Number.isFinite)).toBe(true);
      }
    }
    // Some damage is harmless (a bin edge moved, a leaf fraction changed): those files load.
    expect(accepted).toBeGreaterThan(0);
  });
});
