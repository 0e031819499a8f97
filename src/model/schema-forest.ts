/**
 * The schema seen from the forest: which features are categorical and how many codes each has. The data
 * layer knows columns and the engine knows typed arrays; this translation sits above both, in model/.
 */

import type { Schema } from '../data/schema.js';
import { FEATURE_CATEGORICAL, FEATURE_NUMERIC } from '../types.js';

/**
 * The forest's feature kinds: numeric and boolean features are FEATURE_NUMERIC, categorical ones
 * FEATURE_CATEGORICAL.
 *
 * @example
 * featureKinds(schema); // Uint8Array [0, 0, 1]
 */
export function featureKinds(schema: Schema): Uint8Array {
  return Uint8Array.from(schema.features, (f) =>
    f.type === 'categorical' ? FEATURE_CATEGORICAL : FEATURE_NUMERIC,
  );
}

/**
 * The number of codes per feature (categories plus one for "other"); 0 for non-categorical features.
 *
 * @example
 * categoryCounts(schema); // Uint32Array [0, 0, 4]
 */
export function categoryCounts(schema: Schema): Uint32Array {
  return Uint32Array.from(schema.features, (f) =>
    f.type === 'categorical' ? (f.categories?.length ?? 0) + (f.hasOther ? 1 : 0) : 0,
  );
}
