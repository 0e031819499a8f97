/**
 * The mlinfer model file: one versioned binary file that batch and real-time prediction both load.
 * It holds the caller's metadata as a JSON object and the compiled forest (ForestArrays) in compact
 * little-endian sections, protected by a CRC-32. See container.ts for the byte layout and
 * forest-sections.ts for how the forest is packed. No `node:` imports: this runs in browsers too.
 */

import { isMlinferError, MlinferError } from '../errors.js';
import type { ForestArrays } from '../forest/types.js';
import { ADDITIVE_FORMAT_MAJOR, corrupt, readContainer, writeContainer } from './container.js';
import { decodeForestSections, encodeForestSections } from './forest-sections.js';
import type { TrainingProfile } from './profile.js';
import { decodeProfile, encodeProfile } from './profile-sections.js';
import { assertValidForest } from './validate-forest.js';

export { ADDITIVE_FORMAT_MAJOR, FORMAT_MAJOR, FORMAT_MINOR, MAGIC, READABLE_MAJOR } from './container.js';

/** What a model file holds. `metadata` is any JSON object (mlinfer version, task, schema, metrics...). */
export interface ModelFile {
  metadata: Record<string, unknown>;
  forest: ForestArrays;
  /** The training profile (format 1.2, profile-sections.ts); null or absent when the model has none. */
  profile?: TrainingProfile | null;
}

/**
 * Encodes a model as the bytes of a model file. Throws MLI_INVALID_DATA when the forest is not
 * structurally sound (the same checks decoding runs), so a file that cannot be loaded is never written.
 *
 * @example
 * const bytes = encodeModel({ metadata: { mlinfer: '0.1.0', task: forest.task }, forest });
 * await saveModelFile('model.mlinfer', bytes);
 */
export function encodeModel(file: ModelFile): Uint8Array {
  const { metadata, forest } = file;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new MlinferError('MLI_INVALID_DATA', 'model metadata must be a JSON object');
  }
  assertValidForest(forest, 'MLI_INVALID_DATA', 'cannot save an invalid forest');
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch (cause) {
    throw new MlinferError('MLI_INVALID_DATA', `model metadata cannot be written as JSON: ${String(cause)}`, {
      cause,
    });
  }
  // an additive forest needs a reader that knows it (format 2.0); averaged forests stay readable by 1.x readers
  const version = forest.additive === undefined ? undefined : { major: ADDITIVE_FORMAT_MAJOR, minor: 0 };
  return writeContainer(json, [...encodeForestSections(forest), ...encodeProfile(file.profile)], version);
}

/**
 * Decodes the bytes of a model file. Throws an MlinferError: MLI_MODEL_FOREIGN when the bytes are not a
 * model file at all (empty, CSV, JSON, pickle...), MLI_MODEL_VERSION when the file needs a newer mlinfer,
 * MLI_MODEL_CORRUPT when it is truncated, damaged, or holds a forest that is not structurally sound.
 * The checksum is verified before anything past the header is read; only JSON.parse runs on the text.
 *
 * @example
 * const { metadata, forest } = decodeModel(await readModelFile('model.mlinfer'));
 */
export function decodeModel(input: Uint8Array): ModelFile {
  if (!(input instanceof Uint8Array)) {
    throw new MlinferError('MLI_MODEL_FOREIGN', 'a model file must be given as bytes (a Uint8Array)');
  }
  // A Node Buffer is a Uint8Array whose slice() is a view, not a copy: decode from a plain view instead.
  const bytes =
    input.constructor === Uint8Array
      ? input
      : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  try {
    const { metadataJson, sections, major } = readContainer(bytes);
    const metadata = parseMetadata(metadataJson);
    const forest = decodeForestSections(bytes, sections);
    if (major >= ADDITIVE_FORMAT_MAJOR !== (forest.additive !== undefined))
      throw corrupt(
        `model file is corrupt: format ${major}.x ${major >= ADDITIVE_FORMAT_MAJOR ? 'lacks' : 'holds'} an additive scoring`,
      );
    assertValidForest(forest, 'MLI_MODEL_CORRUPT', 'model file holds an invalid forest', {
      skipNodes: true,
      skipNodeStats: true,
    });
    const profile = decodeProfile(bytes, sections, forest);
    return profile ? { metadata, forest, profile } : { metadata, forest };
  } catch (e) {
    if (isMlinferError(e)) throw e;
    // Every expected failure is checked above; this keeps a missed case from escaping as a RangeError.
    throw new MlinferError('MLI_MODEL_CORRUPT', `model file is corrupt: ${String(e)}`, { cause: e });
  }
}

function parseMetadata(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new MlinferError('MLI_MODEL_CORRUPT', `model file metadata is not valid JSON: ${String(cause)}`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt('model file metadata is not a JSON object');
  }
  return value as Record<string, unknown>;
}
