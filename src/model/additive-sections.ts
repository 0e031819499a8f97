/**
 * The additive scoring of an imported ensemble (ForestArrays.additive, see AdditiveScoring in forest/types.ts)
 * in the model file. Two sections, only in files of format 2.x (readers of format 1.x refuse those files by
 * their major version: they would otherwise average raw scores and predict wrongly):
 *
 * - ADDITIVE_INFO (16), u32 x 2: the aggregate (0 sum, 1 average), the link (index into LINKS: 0 none,
 *   1 logistic, 2 logistic_binary, 3 softmax, 4 softmax_zero).
 * - BASE_SCORES (17), f64 x nOutputs: the base scores, added after aggregating.
 *
 * A format 2.x file without them, or a 1.x file with them, is corrupt.
 */
import { type AdditiveScoring, LINKS } from '../forest/types.js';
import { corrupt, ELEMENT, readSection, type SectionInput, type SectionRef } from './container.js';

export const ADDITIVE_INFO = 16;
export const BASE_SCORES = 17;

const AGGREGATES = ['sum', 'average'] as const;

/**
 * The sections of an additive scoring.
 *
 * @example
 * sections.push(...encodeAdditive(forest.additive));
 */
export function encodeAdditive(additive: AdditiveScoring): SectionInput[] {
  const info = new Uint32Array([AGGREGATES.indexOf(additive.aggregate), LINKS.indexOf(additive.link)]);
  return [
    { id: ADDITIVE_INFO, type: ELEMENT.u32, data: info },
    { id: BASE_SCORES, type: ELEMENT.f64, data: additive.baseScores },
  ];
}

/**
 * The additive scoring stored in a file, or undefined when it has none. Throws MLI_MODEL_CORRUPT when the
 * sections are malformed (validate-forest checks the base scores against the forest).
 *
 * @example
 * const additive = decodeAdditive(bytes, sections);
 */
export function decodeAdditive(
  bytes: Uint8Array,
  sections: Map<number, SectionRef>,
): AdditiveScoring | undefined {
  const infoRef = sections.get(ADDITIVE_INFO);
  const baseRef = sections.get(BASE_SCORES);
  if (infoRef === undefined && baseRef === undefined) return undefined;
  if (infoRef?.type !== ELEMENT.u32 || infoRef.length !== 2 || baseRef?.type !== ELEMENT.f64)
    throw corrupt('model file is corrupt: the additive scoring sections are malformed');
  const [aggregate, link] = readSection(bytes, infoRef) as Uint32Array;
  if (aggregate >= AGGREGATES.length || link >= LINKS.length)
    throw corrupt(`model file is corrupt: unknown additive scoring (aggregate ${aggregate}, link ${link})`);
  return {
    aggregate: AGGREGATES[aggregate],
    baseScores: readSection(bytes, baseRef) as Float64Array,
    link: LINKS[link],
  };
}
