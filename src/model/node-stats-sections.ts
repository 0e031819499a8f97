/**
 * The node statistics of a forest (NodeStats in forest/types.ts: each node's cover, each internal node's values)
 * <-> the model file's NODE_COVER and NODE_VALUES sections (format 1.1), in the smallest form that decodes to
 * exactly the same numbers:
 *
 * - NODE_COVER holds either every node's cover (one per node, in node order) or, when every internal node's
 *   cover is the sum of its children's (always so for whole weights: training sums them), only the leaves'
 *   (one per leaf, in node order), the internal ones being summed back bottom-up. Element type u8, u16 or u32
 *   for whole covers (the narrowest that fits), else f64.
 * - NODE_VALUES holds nOutputs values per internal node (f32 when every value is a float32, else f64), or is
 *   absent when they follow from the leaves: classification with whole covers, where a leaf's class weights are
 *   round(fraction x cover), an internal node's are its children's sums, and its values fround(weight / cover),
 *   as training computed them.
 *
 * The encoder tries each compact form and keeps it only when decoding it gives back every number bit for bit.
 */

import { isLeaf, nodeTarget, nodeWords } from '../forest/node-step.js';
import type { ForestArrays, NodeStats } from '../forest/types.js';
import { NODE_LEAF } from '../forest/types.js';
import { corrupt, ELEMENT, readSection, type SectionInput, type SectionRef } from './container.js';
import { nodeStatsIssues } from './validate-forest.js';

/** Section ids (see SECTION in forest-sections.ts, which lists them too). */
export const NODE_COVER = 14;
export const NODE_VALUES = 15;

/** The tree structure the derivations walk: per node, leaf or not, its leaf index, its right child's number. */
interface Shape {
  leaf: Uint8Array;
  leafIndex: Int32Array;
  right: Int32Array;
  nLeaves: number;
}

function shapeOf(nodes: Int32Array, categoryCounts: Uint32Array, nNodes: number): Shape {
  const leaf = new Uint8Array(nNodes);
  const leafIndex = new Int32Array(nNodes);
  const right = new Int32Array(nNodes);
  const numberAt = new Int32Array(nodes.length);
  const offsets = new Int32Array(nNodes);
  let nLeaves = 0;
  for (let p = 0, i = 0; p < nodes.length; p += nodeWords(nodes, categoryCounts, p), i++) {
    numberAt[p] = i;
    offsets[i] = p;
    if (isLeaf(nodes, p)) {
      leaf[i] = 1;
      leafIndex[i] = nodeTarget(nodes, p);
      nLeaves++;
    }
  }
  for (let i = 0; i < nNodes; i++) if (!leaf[i]) right[i] = numberAt[nodeTarget(nodes, offsets[i])];
  return { leaf, leafIndex, right, nLeaves };
}

/** Every node's cover from the leaves' (in node order): internal nodes sum their children, bottom-up. */
function coversFromLeaves(shape: Shape, leafCovers: ArrayLike<number>): Float64Array {
  const n = shape.leaf.length;
  const cover = new Float64Array(n);
  let k = shape.nLeaves;
  // Pre-order: children come after their parent, so a reverse pass sees them first.
  for (let i = n - 1; i >= 0; i--)
    cover[i] = shape.leaf[i] ? leafCovers[--k] : cover[i + 1] + cover[shape.right[i]];
  return cover;
}

/** Internal nodes' class fractions from the leaves' and the covers (classification, whole covers). */
function valuesFromLeaves(
  shape: Shape,
  cover: Float64Array,
  leafValues: Float64Array,
  C: number,
): Float64Array {
  const n = shape.leaf.length;
  const weights = new Float64Array(n * C);
  let nInternal = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (shape.leaf[i]) {
      const row = shape.leafIndex[i] * C;
      for (let c = 0; c < C; c++) weights[i * C + c] = Math.round(leafValues[row + c] * cover[i]);
    } else {
      nInternal++;
      const r = shape.right[i];
      for (let c = 0; c < C; c++) weights[i * C + c] = weights[(i + 1) * C + c] + weights[r * C + c];
    }
  }
  const values = new Float64Array(nInternal * C);
  for (let i = 0, k = 0; i < n; i++) {
    if (shape.leaf[i]) continue;
    for (let c = 0; c < C; c++) values[k * C + c] = Math.fround(weights[i * C + c] / cover[i]);
    k++;
  }
  return values;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The narrowest unsigned type holding every value, or null when one is not a whole number below 2^32. */
function wholeType(
  values: ArrayLike<number>,
): { type: number; data: Uint8Array | Uint16Array | Uint32Array } | null {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) return null;
    if (v > max) max = v;
  }
  if (max < 2 ** 8) return { type: ELEMENT.u8, data: Uint8Array.from(values) };
  if (max < 2 ** 16) return { type: ELEMENT.u16, data: Uint16Array.from(values) };
  return { type: ELEMENT.u32, data: Uint32Array.from(values) };
}

/**
 * The sections of a forest's node statistics (none when it has none).
 *
 * @example
 * sections.push(...encodeNodeStats(forest));
 */
export function encodeNodeStats(forest: ForestArrays): SectionInput[] {
  const stats = forest.nodeStats;
  if (!stats) return [];
  const { cover, internalValues } = stats;
  const shape = shapeOf(forest.nodes, forest.categoryCounts, cover.length);
  const leafCovers = cover.filter((_, i) => shape.leaf[i] === 1);
  const summed = sameValues(coversFromLeaves(shape, leafCovers), cover);
  const whole = wholeType(summed ? leafCovers : cover);
  const sections: SectionInput[] = [
    whole
      ? { id: NODE_COVER, type: whole.type as SectionInput['type'], data: whole.data }
      : { id: NODE_COVER, type: ELEMENT.f64, data: summed ? leafCovers : cover },
  ];
  const derivable =
    forest.task === 'classification' &&
    whole !== null &&
    sameValues(valuesFromLeaves(shape, cover, forest.leafValues, forest.nOutputs), internalValues);
  if (!derivable) {
    const f32 = internalValues.every((v) => Math.fround(v) === v);
    sections.push(
      f32
        ? { id: NODE_VALUES, type: ELEMENT.f32, data: Float32Array.from(internalValues) }
        : { id: NODE_VALUES, type: ELEMENT.f64, data: internalValues },
    );
  }
  return sections;
}

/**
 * Reads a file's node statistics lazily: the sections are checked (presence, types, lengths) and copied now,
 * and decoded into NodeStats the first time `nodeStats` is read, so that a model that only predicts never holds
 * them in memory (8 bytes per node and more). Leaves `forest.nodeStats` undefined when the file has none.
 * Throws MLI_MODEL_CORRUPT, now or on first use, when they do not fit the nodes.
 *
 * @example
 * attachNodeStats(forest, bytes, sections, nNodes);
 */
export function attachNodeStats(
  forest: ForestArrays,
  bytes: Uint8Array,
  sections: Map<number, SectionRef>,
  nNodes: number,
  flags: Uint8Array,
): void {
  const coverRef = sections.get(NODE_COVER);
  const valuesRef = sections.get(NODE_VALUES);
  if (coverRef === undefined) {
    if (valuesRef !== undefined) throw corrupt('model file is corrupt: node values without node covers');
    return;
  }
  const whole =
    coverRef.type === ELEMENT.u8 || coverRef.type === ELEMENT.u16 || coverRef.type === ELEMENT.u32;
  if (!whole && coverRef.type !== ELEMENT.f64)
    throw corrupt(`model file is corrupt: the node cover section has element type ${coverRef.type}`);
  let nLeaves = 0;
  for (let i = 0; i < nNodes; i++) nLeaves += flags[i] & NODE_LEAF;
  const C = forest.nOutputs;
  const nInternal = nNodes - nLeaves;
  if (coverRef.length !== nNodes && coverRef.length !== nLeaves)
    throw corrupt(
      `model file is corrupt: ${coverRef.length} node covers for ${nNodes} nodes (${nLeaves} leaves)`,
    );
  if (valuesRef === undefined && (forest.task !== 'classification' || !whole))
    throw corrupt('model file is corrupt: the node values section is missing');
  if (valuesRef !== undefined) {
    if (valuesRef.type !== ELEMENT.f32 && valuesRef.type !== ELEMENT.f64)
      throw corrupt(`model file is corrupt: the node values section has element type ${valuesRef.type}`);
    if (valuesRef.length !== nInternal * C)
      throw corrupt(
        `model file is corrupt: ${valuesRef.length} node values for ${nInternal} internal nodes and ${C} outputs`,
      );
  }
  // Copies: a view would keep the whole file's bytes alive.
  const storedCover = readSection(bytes, coverRef);
  const storedValues = valuesRef === undefined ? null : readSection(bytes, valuesRef);
  const decode = (): NodeStats => {
    const shape = shapeOf(forest.nodes, forest.categoryCounts, nNodes);
    const cover =
      storedCover.length === nNodes ? Float64Array.from(storedCover) : coversFromLeaves(shape, storedCover);
    const internalValues = storedValues
      ? Float64Array.from(storedValues)
      : valuesFromLeaves(shape, cover, forest.leafValues, C);
    const stats = { cover, internalValues };
    const issues = nodeStatsIssues(forest, stats);
    if (issues.length > 0)
      throw corrupt(`model file holds invalid node statistics: ${issues.map((i) => i.message).join('; ')}`);
    return stats;
  };
  Object.defineProperty(forest, 'nodeStats', {
    enumerable: true,
    configurable: true,
    get() {
      const stats = decode();
      Object.defineProperty(forest, 'nodeStats', { value: stats, enumerable: true, writable: false });
      return stats;
    },
  });
}
