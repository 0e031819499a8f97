/**
 * The training profile (profile.ts) <-> the model file's profile sections (format 1.2; optional: files
 * written before 1.2, and imported models, have none and load with "no profile").
 *
 * - PROFILE_INFO (u32 x 5): layout version (1), training rows counted, prediction source (0 out-of-bag,
 *   1 in-sample), target bins, prediction bins.
 * - PROFILE_COUNTS (the narrowest of u8, u16, u32 that holds every count): per feature in schema order its
 *   counts per bin (numeric: the forest's bin-edge count + 1 bins; categorical: a bin per code), each followed
 *   by its missing count; then the target's bins; then the predictions' bins. The forest's arrays say how many
 *   bins each feature has, so no offsets are stored.
 * - PROFILE_EDGES (f64; regression only): the target histogram's upper edges (target bins - 1), then the
 *   predictions' (prediction bins - 1), ascending.
 *
 * Every feature's counts sum to the rows counted: a decoder checks that, so a damaged section is a corrupt
 * file, not a silently wrong drift report.
 */

import type { ForestArrays } from '../forest/types.js';
import { corrupt, ELEMENT, readSection, type SectionInput, type SectionRef } from './container.js';
import { type BinnedCounts, type TrainingProfile, valueBins } from './profile.js';

/** Section ids (far from the forest's 1-15, so that other additions do not collide). */
export const PROFILE_INFO = 40;
export const PROFILE_COUNTS = 41;
export const PROFILE_EDGES = 42;

const LAYOUT_VERSION = 1;
const INFO_WORDS = 5;

function narrowest(values: Float64Array): SectionInput {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  if (max < 2 ** 8) return { id: PROFILE_COUNTS, type: ELEMENT.u8, data: Uint8Array.from(values) };
  if (max < 2 ** 16) return { id: PROFILE_COUNTS, type: ELEMENT.u16, data: Uint16Array.from(values) };
  return { id: PROFILE_COUNTS, type: ELEMENT.u32, data: Uint32Array.from(values) };
}

/**
 * The sections of a training profile (none without one).
 *
 * @example
 * sections.push(...encodeProfile(model.profile));
 */
export function encodeProfile(profile: TrainingProfile | null | undefined): SectionInput[] {
  if (!profile) return [];
  const { features, target, prediction } = profile;
  const all = [...features, target.counts, prediction.counts];
  const counts = new Float64Array(all.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of all) {
    counts.set(a, at);
    at += a.length;
  }
  const info = Uint32Array.of(
    LAYOUT_VERSION,
    profile.rows,
    profile.predictionSource === 'oob' ? 0 : 1,
    target.counts.length,
    prediction.counts.length,
  );
  const sections: SectionInput[] = [{ id: PROFILE_INFO, type: ELEMENT.u32, data: info }, narrowest(counts)];
  if (target.edges && prediction.edges) {
    const edges = new Float64Array(target.edges.length + prediction.edges.length);
    edges.set(target.edges);
    edges.set(prediction.edges, target.edges.length);
    sections.push({ id: PROFILE_EDGES, type: ELEMENT.f64, data: edges });
  }
  return sections;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function checkEdges(edges: Float64Array, what: string): void {
  for (let i = 0; i < edges.length; i++)
    if (!Number.isFinite(edges[i]) || (i > 0 && edges[i] <= edges[i - 1]))
      throw corrupt(`model file holds an invalid training profile: the ${what} edges are not ascending`);
}

/**
 * Reads a file's training profile, or null when it has none. Throws MLI_MODEL_CORRUPT when the sections do
 * not fit the forest (lengths, counts that do not add up, edges out of order).
 *
 * @example
 * const profile = decodeProfile(bytes, sections, forest);
 */
export function decodeProfile(
  bytes: Uint8Array,
  sections: Map<number, SectionRef>,
  forest: ForestArrays,
): TrainingProfile | null {
  const infoRef = sections.get(PROFILE_INFO);
  const countsRef = sections.get(PROFILE_COUNTS);
  const edgesRef = sections.get(PROFILE_EDGES);
  if (!infoRef) {
    if (countsRef || edgesRef) throw corrupt('model file is corrupt: profile counts without profile info');
    return null;
  }
  if (infoRef.type !== ELEMENT.u32 || infoRef.length !== INFO_WORDS || !countsRef)
    throw corrupt('model file is corrupt: the training profile sections are malformed');
  const info = readSection(bytes, infoRef);
  const [layout, rows, source, targetBins, predictionBins] = info;
  // A later layout is skipped, not misread: the model still predicts, and reports no profile.
  if (layout !== LAYOUT_VERSION) return null;
  if (countsRef.type !== ELEMENT.u8 && countsRef.type !== ELEMENT.u16 && countsRef.type !== ELEMENT.u32)
    throw corrupt(`model file is corrupt: the profile counts have element type ${countsRef.type}`);
  const regression = forest.task === 'regression';
  const bad = (why: string) => corrupt(`model file holds an invalid training profile: ${why}`);
  if (!regression && (targetBins !== forest.nOutputs || predictionBins !== forest.nOutputs))
    throw bad(`${targetBins} target and ${predictionBins} prediction bins for ${forest.nOutputs} classes`);
  if (source > 1) throw bad(`unknown prediction source ${source}`);
  if (targetBins < 1 || predictionBins < 1) throw bad('the target or prediction histogram has no bin');
  let expected = targetBins + predictionBins;
  for (let f = 0; f < forest.nFeatures; f++) expected += valueBins(forest, f) + 1;
  if (countsRef.length !== expected)
    throw bad(`${countsRef.length} counts where the forest needs ${expected}`);
  const counts = Float64Array.from(readSection(bytes, countsRef));
  let at = 0;
  const take = (n: number) => {
    at += n;
    return counts.subarray(at - n, at);
  };
  const features: Float64Array[] = [];
  for (let f = 0; f < forest.nFeatures; f++) {
    const c = take(valueBins(forest, f) + 1);
    if (sum(c) !== rows) throw bad(`feature ${f}'s counts sum to ${sum(c)}, not the ${rows} rows`);
    features.push(c);
  }
  const target: BinnedCounts = { counts: take(targetBins), edges: null };
  const prediction: BinnedCounts = { counts: take(predictionBins), edges: null };
  if (sum(target.counts) > rows || sum(prediction.counts) > rows)
    throw bad(`the target or prediction counts exceed the ${rows} rows`);
  if (regression) {
    if (!edgesRef || edgesRef.type !== ELEMENT.f64 || edgesRef.length !== targetBins + predictionBins - 2)
      throw bad('the histogram edges are missing or of the wrong length');
    const edges = readSection(bytes, edgesRef) as Float64Array;
    target.edges = edges.subarray(0, targetBins - 1);
    prediction.edges = edges.subarray(targetBins - 1);
    checkEdges(target.edges, 'target');
    checkEdges(prediction.edges, 'prediction');
  } else if (edgesRef) throw bad('a classification profile has histogram edges');
  return { rows, features, target, prediction, predictionSource: source === 0 ? 'oob' : 'training' };
}
