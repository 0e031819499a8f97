/**
 * ForestArrays <-> binary sections of the model file, in a compact form:
 *
 * - Nodes are not stored as their 8 in-memory bytes. Per node there is one flag byte (the NODE_* flags in
 *   bits 0-2, and bit 3 set when word 0 is non-zero), word 0 only when it is non-zero (leaves carry none),
 *   and the categorical set words. Word 1 is rebuilt: in the pre-order layout a right child starts where
 *   its sibling's subtree ends, and leaves are numbered in node order (else their indices are stored).
 * - Classification leaves get one code each: a class index for a pure leaf (that class 1, the others 0,
 *   the common case in fully grown trees); RATIONAL when every fraction is exactly fround(k / n) for a
 *   count k of n <= 255 rows (the usual impure leaf: n and the k's take a byte each, not 4 per class);
 *   else F32 or F64 saying which section holds the fractions. Regression leaves are float64 as they are.
 *
 * - Node statistics (format 1.1, for explanations; see NodeStats in forest/types.ts), when the forest has them,
 *   in NODE_COVER and NODE_VALUES: see node-stats-sections.ts for their compact forms. A file without them
 *   (format 1.0, or an imported forest) loads, predicts, and cannot explain.
 * - The additive scoring of an imported ensemble (format 2.0): see additive-sections.ts.
 *
 * Decoding is one linear pass over the flag bytes with a stack of open subtrees.
 */

import {
  categorySetWords,
  isLeaf,
  nodeFeature,
  nodeFlags,
  nodeTarget,
  nodeThresholdBin,
  nodeWords,
  setNodeTarget,
  writeNode,
} from '../forest/node-step.js';
import {
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  type ForestArrays,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  type Task,
} from '../forest/types.js';
import { ADDITIVE_INFO, BASE_SCORES, decodeAdditive, encodeAdditive } from './additive-sections.js';
import {
  corrupt,
  ELEMENT,
  readSection,
  type SectionArray,
  type SectionInput,
  type SectionRef,
  viewSection,
} from './container.js';
import { attachNodeStats, encodeNodeStats, NODE_COVER, NODE_VALUES } from './node-stats-sections.js';

export const SECTION = {
  /** u32: task (0 classification, 1 regression), nFeatures, nOutputs, nTrees, nNodes, nWords, nLeafRows, leafIndexMode. */
  FOREST_INFO: 1,
  FEATURE_KINDS: 2,
  CATEGORY_COUNTS: 3,
  BIN_EDGE_OFFSETS: 4,
  BIN_EDGES: 5,
  NODE_FLAGS: 6,
  NODE_WORD0: 7,
  CATEGORY_SETS: 8,
  /** Only when leaves are not numbered 0, 1, 2... in node order. */
  LEAF_INDICES: 9,
  /** Classification only: u8 (or u16 beyond 253 classes) per leaf row. */
  LEAF_CODES: 10,
  LEAF_F32: 11,
  LEAF_F64: 12,
  /** u8: per RATIONAL leaf, n then the nOutputs counts k. */
  LEAF_RATIONAL: 13,
  /** Node covers (format 1.1; optional): see node-stats-sections.ts. */
  NODE_COVER: NODE_COVER,
  /** Internal node values (format 1.1; optional, derived when absent): see node-stats-sections.ts. */
  NODE_VALUES: NODE_VALUES,
  /** Aggregate and link of an additive forest (format 2.0 only): see additive-sections.ts. */
  ADDITIVE_INFO: ADDITIVE_INFO,
  /** Base scores of an additive forest (format 2.0 only). */
  BASE_SCORES: BASE_SCORES,
} as const;

const INFO_WORDS = 8;
/** 2 GiB of float64 leaf values; far beyond any real forest, and below what typed arrays can allocate. */
const MAX_LEAF_VALUES = 2 ** 28;
const LEAF_INDEX_IMPLICIT = 0;
const LEAF_INDEX_EXPLICIT = 1;
/** Flag-byte bit telling that word 0 is stored; bits 0-2 are the node flags as in word 1. */
const HAS_WORD0 = 8;

/** Leaf codes of the u8 and u16 code widths: below `rational` a pure class, else how the values are stored. */
const CODES_U8 = { rational: 0xfd, f64: 0xfe, f32: 0xff };
/** Wide codes (over 253 classes) have no rational form: counts would not fit a byte anyway. */
const CODES_U16 = { rational: -1, f64: 0xfffe, f32: 0xffff };
const MAX_RATIONAL_ROWS = 255;

/**
 * The sections storing `forest`. Expects a forest that passed `forestIssues`; the file cannot express a
 * forest whose nodes are not in pre-order layout.
 *
 * @example
 * const bytes = writeContainer(JSON.stringify(metadata), encodeForestSections(forest));
 */
export function encodeForestSections(forest: ForestArrays): SectionInput[] {
  const { nodes, categoryCounts } = forest;
  const maxNodes = nodes.length >>> 1;
  const flags = new Uint8Array(maxNodes);
  const word0 = new Int32Array(maxNodes);
  const sets = new Int32Array(nodes.length);
  const leafIndices = new Uint32Array(maxNodes);
  let nNodes = 0;
  let nWord0 = 0;
  let nSets = 0;
  let nLeaves = 0;
  let monotonic = true;
  for (let p = 0; p < nodes.length; ) {
    const w0 = nodes[p];
    const size = nodeWords(nodes, categoryCounts, p);
    flags[nNodes++] = nodeFlags(nodes, p) | (w0 !== 0 ? HAS_WORD0 : 0);
    if (w0 !== 0) word0[nWord0++] = w0;
    if (isLeaf(nodes, p)) {
      const leaf = nodeTarget(nodes, p);
      if (leaf !== nLeaves) monotonic = false;
      leafIndices[nLeaves++] = leaf;
    } else if (size > 2) {
      sets.set(nodes.subarray(p + 2, p + size), nSets);
      nSets += size - 2;
    }
    p += size;
  }
  const nOutputs = forest.nOutputs;
  const nLeafRows = forest.leafValues.length / nOutputs;
  const implicit = monotonic && nLeaves === nLeafRows;
  const info = new Uint32Array(INFO_WORDS);
  info.set([
    forest.task === 'classification' ? 0 : 1,
    forest.nFeatures,
    nOutputs,
    forest.treeOffsets.length - 1,
    nNodes,
    nodes.length,
    nLeafRows,
    implicit ? LEAF_INDEX_IMPLICIT : LEAF_INDEX_EXPLICIT,
  ]);
  const sections: SectionInput[] = [
    { id: SECTION.FOREST_INFO, type: ELEMENT.u32, data: info },
    { id: SECTION.FEATURE_KINDS, type: ELEMENT.u8, data: forest.featureKinds },
    { id: SECTION.CATEGORY_COUNTS, type: ELEMENT.u32, data: forest.categoryCounts },
    { id: SECTION.BIN_EDGE_OFFSETS, type: ELEMENT.u32, data: forest.binEdgeOffsets },
    { id: SECTION.BIN_EDGES, type: ELEMENT.f64, data: forest.binEdges },
    { id: SECTION.NODE_FLAGS, type: ELEMENT.u8, data: flags.subarray(0, nNodes) },
    { id: SECTION.NODE_WORD0, type: ELEMENT.i32, data: word0.subarray(0, nWord0) },
    { id: SECTION.CATEGORY_SETS, type: ELEMENT.i32, data: sets.subarray(0, nSets) },
  ];
  if (!implicit)
    sections.push({ id: SECTION.LEAF_INDICES, type: ELEMENT.u32, data: leafIndices.subarray(0, nLeaves) });
  sections.push(...encodeLeafValues(forest.task, nOutputs, forest.leafValues));
  sections.push(...encodeNodeStats(forest));
  if (forest.additive !== undefined) sections.push(...encodeAdditive(forest.additive));
  return sections;
}

function encodeLeafValues(task: Task, nOutputs: number, values: Float64Array): SectionInput[] {
  if (task === 'regression') return [{ id: SECTION.LEAF_F64, type: ELEMENT.f64, data: values }];
  const nRows = values.length / nOutputs;
  const wide = nOutputs > CODES_U8.rational;
  const marks = wide ? CODES_U16 : CODES_U8;
  const codes = wide ? new Uint16Array(nRows) : new Uint8Array(nRows);
  const f32 = new Float32Array(values.length);
  const f64 = new Float64Array(values.length);
  const rational = new Uint8Array(wide ? 0 : nRows * (nOutputs + 1));
  let n32 = 0;
  let n64 = 0;
  let nRational = 0;
  for (let r = 0; r < nRows; r++) {
    const row = r * nOutputs;
    const pure = pureClass(values, row, nOutputs);
    if (pure >= 0) {
      codes[r] = pure;
    } else if (!wide && rationalRow(values, row, nOutputs, rational, nRational)) {
      codes[r] = marks.rational;
      nRational += nOutputs + 1;
    } else if (isFloat32Row(values, row, nOutputs)) {
      codes[r] = marks.f32;
      for (let k = 0; k < nOutputs; k++) f32[n32++] = values[row + k];
    } else {
      codes[r] = marks.f64;
      for (let k = 0; k < nOutputs; k++) f64[n64++] = values[row + k];
    }
  }
  return [
    { id: SECTION.LEAF_CODES, type: wide ? ELEMENT.u16 : ELEMENT.u8, data: codes },
    { id: SECTION.LEAF_F32, type: ELEMENT.f32, data: f32.subarray(0, n32) },
    { id: SECTION.LEAF_F64, type: ELEMENT.f64, data: f64.subarray(0, n64) },
    { id: SECTION.LEAF_RATIONAL, type: ELEMENT.u8, data: rational.subarray(0, nRational) },
  ];
}

/**
 * Writes n and the counts k to `out[at...]` when every value of the row is exactly fround(k / n) for
 * some n <= 255. Candidates for n come from the smallest positive value v = k / n, so at most
 * 255 * v + 1 are tried.
 */
function rationalRow(
  values: Float64Array,
  row: number,
  nOutputs: number,
  out: Uint8Array,
  at: number,
): boolean {
  let smallest = 2;
  for (let k = 0; k < nOutputs; k++) {
    const v = values[row + k];
    if (v > 0 && v < smallest) smallest = v;
  }
  if (smallest > 1) return false;
  for (let count = 1; count / smallest < MAX_RATIONAL_ROWS + 0.5; count++) {
    const n = Math.round(count / smallest);
    if (n < 1 || n > MAX_RATIONAL_ROWS) continue;
    let exact = true;
    for (let k = 0; k < nOutputs && exact; k++) {
      const v = values[row + k];
      // + 0 turns -0 into 0, which the check below then rejects: a stored count cannot be -0.
      const c = Math.round(v * n) + 0;
      exact = c >= 0 && c <= n && Object.is(Math.fround(c / n), v);
      out[at + 1 + k] = c;
    }
    if (exact) {
      out[at] = n;
      return true;
    }
  }
  return false;
}

/** The class of a one-hot row, or -1. Object.is keeps -0 stored as values, so decoding is exact. */
function pureClass(values: Float64Array, row: number, n: number): number {
  let found = -1;
  for (let k = 0; k < n; k++) {
    const v = values[row + k];
    if (v === 1 && found < 0) found = k;
    else if (!Object.is(v, 0)) return -1;
  }
  return found;
}

function isFloat32Row(values: Float64Array, row: number, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const v = values[row + k];
    if (!Object.is(Math.fround(v), v)) return false;
  }
  return true;
}

/**
 * Rebuilds a ForestArrays from the sections of a model file whose checksum matched. Throws
 * MLI_MODEL_CORRUPT when the sections disagree with each other or a node is unsound. The nodes come out
 * in pre-order layout by construction; the caller still validates the rest (forestIssues, skipNodes).
 *
 * @example
 * const forest = decodeForestSections(bytes, readContainer(bytes).sections);
 */
export function decodeForestSections(bytes: Uint8Array, sections: Map<number, SectionRef>): ForestArrays {
  // `copy` for arrays that end up in the forest; the node streams are only read, so views will do.
  const get = <T extends SectionArray>(id: number, type: number, name: string, copy = true): T => {
    const ref = sections.get(id);
    if (ref === undefined) throw corrupt(`model file is corrupt: the ${name} section is missing`);
    if (ref.type !== type)
      throw corrupt(`model file is corrupt: the ${name} section has element type ${ref.type}`);
    return (copy ? readSection(bytes, ref) : viewSection(bytes, ref)) as T;
  };
  const info = get<Uint32Array>(SECTION.FOREST_INFO, ELEMENT.u32, 'forest info');
  if (info.length < INFO_WORDS) throw corrupt('model file is corrupt: the forest info section is too short');
  const [taskCode, nFeatures, nOutputs, nTrees, nNodes, nWords, nLeafRows, leafIndexMode] = info;
  if (taskCode > 1 || leafIndexMode > LEAF_INDEX_EXPLICIT || nOutputs === 0) {
    throw corrupt(
      `model file is corrupt: bad forest info (task ${taskCode}, outputs ${nOutputs}, leaf mode ${leafIndexMode})`,
    );
  }
  const task: Task = taskCode === 0 ? 'classification' : 'regression';
  const featureKinds = get<Uint8Array>(SECTION.FEATURE_KINDS, ELEMENT.u8, 'feature kinds');
  const categoryCounts = get<Uint32Array>(SECTION.CATEGORY_COUNTS, ELEMENT.u32, 'category counts');
  const binEdgeOffsets = get<Uint32Array>(SECTION.BIN_EDGE_OFFSETS, ELEMENT.u32, 'bin edge offsets');
  const binEdges = get<Float64Array>(SECTION.BIN_EDGES, ELEMENT.f64, 'bin edges');
  const flags = get<Uint8Array>(SECTION.NODE_FLAGS, ELEMENT.u8, 'node flags', false);
  const word0 = get<Int32Array>(SECTION.NODE_WORD0, ELEMENT.i32, 'node words', false);
  const sets = get<Int32Array>(SECTION.CATEGORY_SETS, ELEMENT.i32, 'category sets', false);
  const leafIndices =
    leafIndexMode === LEAF_INDEX_EXPLICIT
      ? get<Uint32Array>(SECTION.LEAF_INDICES, ELEMENT.u32, 'leaf indices', false)
      : undefined;
  if (featureKinds.length !== nFeatures || categoryCounts.length !== nFeatures) {
    throw corrupt(`model file is corrupt: feature sections do not match ${nFeatures} features`);
  }
  if (flags.length !== nNodes)
    throw corrupt(`model file is corrupt: ${flags.length} node flags for ${nNodes} nodes`);
  // Each node takes at least 2 words; this bounds every allocation below by the file size.
  if (nWords < 2 * nNodes || nWords > 2 * nNodes + sets.length || nTrees > nNodes) {
    throw corrupt(
      `model file is corrupt: ${nNodes} nodes, ${nWords} words and ${nTrees} trees do not fit together`,
    );
  }

  const tree = buildNodes({
    flags,
    word0,
    sets,
    leafIndices,
    featureKinds,
    categoryCounts,
    binEdgeOffsets,
    nFeatures,
    nTrees,
    nWords,
    nLeafRows,
  });
  const leafValues = decodeLeafValues(bytes, sections, task, nOutputs, nLeafRows);
  const forest: ForestArrays = {
    task,
    nFeatures,
    nOutputs,
    featureKinds,
    categoryCounts,
    binEdges,
    binEdgeOffsets,
    treeOffsets: tree.treeOffsets,
    nodes: tree.nodes,
    leafValues,
  };
  attachNodeStats(forest, bytes, sections, nNodes, flags);
  const additive = decodeAdditive(bytes, sections);
  if (additive !== undefined) forest.additive = additive;
  return forest;
}

/** Top level, not a closure: a closure over the loop counters would slow the hot loop down several times. */
function badNode(i: number, p: number, why: string) {
  return corrupt(`model file is corrupt: node ${i} (word ${p}): ${why}`);
}

interface NodeStreams {
  flags: Uint8Array;
  word0: Int32Array;
  sets: Int32Array;
  leafIndices: Uint32Array | undefined;
  featureKinds: Uint8Array;
  categoryCounts: Uint32Array;
  binEdgeOffsets: Uint32Array;
  nFeatures: number;
  nTrees: number;
  nWords: number;
  nLeafRows: number;
}

/**
 * The linear pass: writes each node's words and, when a left subtree closes, its parent's right offset.
 * The result is in pre-order layout by construction; each split is checked here as forestIssues would
 * (features and leaf indices in range, thresholds within the feature's bins, categorical sets sized).
 */
function buildNodes(s: NodeStreams): { nodes: Int32Array; treeOffsets: Uint32Array } {
  const { flags, word0, sets, leafIndices, featureKinds, categoryCounts, binEdgeOffsets, nFeatures } = s;
  const { nTrees, nWords, nLeafRows } = s;
  const nodes = new Int32Array(nWords);
  const treeOffsets = new Uint32Array(nTrees + 1);
  const stack = new Int32Array(Math.max(1, flags.length));
  const state = new Uint8Array(stack.length);
  let sp = 0;
  let p = 0;
  let t = 0;
  let n0 = 0;
  let ns = 0;
  let leaf = 0;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    if (f & ~(HAS_WORD0 | NODE_LEAF | NODE_MISSING_LEFT | NODE_CATEGORICAL))
      throw badNode(i, p, `unknown flag byte ${f}`);
    if (sp === 0 && t === nTrees) throw badNode(i, p, `more nodes than the ${nTrees} trees hold`);
    if (p + 2 > nWords) throw badNode(i, p, 'more node words than declared');
    if (sp > 0 && state[sp - 1] === 1) {
      setNodeTarget(nodes, stack[sp - 1], p);
      state[sp - 1] = 2;
    }
    let w0 = 0;
    if (f & HAS_WORD0) {
      if (n0 >= word0.length) throw badNode(i, p, 'node words run out');
      w0 = word0[n0++];
    }
    const bits = f & 7;
    if (bits & NODE_LEAF) {
      let index = leaf++;
      if (leafIndices !== undefined) {
        if (index >= leafIndices.length) throw badNode(i, p, 'leaf indices run out');
        index = leafIndices[index];
      }
      if (index >= nLeafRows || (bits & NODE_CATEGORICAL) !== 0)
        throw badNode(i, p, `bad leaf (index ${index})`);
      writeNode(nodes, p, w0, bits, index);
      p += 2;
      while (sp > 0 && state[sp - 1] === 2) sp--;
      if (sp > 0) state[sp - 1] = 1;
      else treeOffsets[++t] = p;
    } else {
      writeNode(nodes, p, w0, bits, 0);
      const feature = nodeFeature(nodes, p);
      const bin = nodeThresholdBin(nodes, p);
      if (feature >= nFeatures) throw badNode(i, p, `feature ${feature} out of range`);
      stack[sp] = p;
      state[sp] = 0;
      sp++;
      p += 2;
      if (bits & NODE_CATEGORICAL) {
        if (featureKinds[feature] !== FEATURE_CATEGORICAL || categoryCounts[feature] === 0) {
          throw badNode(i, p - 2, `categorical split on feature ${feature}, which has no categories`);
        }
        const k = categorySetWords(categoryCounts[feature]);
        if (ns + k > sets.length || p + k > nWords) throw badNode(i, p, 'category sets run out');
        nodes.set(sets.subarray(ns, ns + k), p);
        ns += k;
        p += k;
      } else if (
        bin === MISSING_BIN ||
        (featureKinds[feature] === FEATURE_NUMERIC &&
          bin > binEdgeOffsets[feature + 1] - binEdgeOffsets[feature])
      ) {
        throw badNode(i, p - 2, `threshold bin ${bin} is not a bin of feature ${feature}`);
      }
    }
  }
  if (sp !== 0 || t !== nTrees)
    throw corrupt(`model file is corrupt: the nodes end inside tree ${t} of ${nTrees}`);
  if (p !== nWords || n0 !== word0.length || ns !== sets.length) {
    throw corrupt('model file is corrupt: node sections have unused data');
  }
  if (leafIndices === undefined ? leaf !== nLeafRows : leaf !== leafIndices.length) {
    throw corrupt(`model file is corrupt: ${leaf} leaves for ${nLeafRows} leaf value rows`);
  }
  return { nodes, treeOffsets };
}

function decodeLeafValues(
  bytes: Uint8Array,
  sections: Map<number, SectionRef>,
  task: Task,
  nOutputs: number,
  nLeafRows: number,
): Float64Array {
  const n = nLeafRows * nOutputs;
  // Pure leaves take one byte in the file but nOutputs doubles in memory: refuse absurd expansions.
  if (n > MAX_LEAF_VALUES)
    throw corrupt(`model file is corrupt: ${nLeafRows} leaves x ${nOutputs} outputs is too large`);
  const ref64 = sections.get(SECTION.LEAF_F64);
  const codesRef = sections.get(SECTION.LEAF_CODES);
  if (ref64 === undefined || ref64.type !== ELEMENT.f64)
    throw corrupt('model file is corrupt: float64 leaf values missing');
  if (codesRef === undefined) {
    if (ref64.length !== n)
      throw corrupt(`model file is corrupt: ${ref64.length} leaf values, expected ${n}`);
    return readSection(bytes, ref64) as Float64Array;
  }
  if (task !== 'classification') throw corrupt('model file is corrupt: leaf codes in a regression model');
  const ref32 = sections.get(SECTION.LEAF_F32);
  if (ref32 === undefined || ref32.type !== ELEMENT.f32)
    throw corrupt('model file is corrupt: float32 leaf values missing');
  const wide = codesRef.type === ELEMENT.u16;
  if (!wide && codesRef.type !== ELEMENT.u8)
    throw corrupt('model file is corrupt: leaf codes have a bad element type');
  if (codesRef.length !== nLeafRows)
    throw corrupt(`model file is corrupt: ${codesRef.length} leaf codes, expected ${nLeafRows}`);
  const marks = wide ? CODES_U16 : CODES_U8;
  const codes = viewSection(bytes, codesRef) as Uint8Array | Uint16Array;
  const f32 = viewSection(bytes, ref32) as Float32Array;
  const f64 = viewSection(bytes, ref64) as Float64Array;
  const refRational = sections.get(SECTION.LEAF_RATIONAL);
  if (refRational !== undefined && refRational.type !== ELEMENT.u8)
    throw corrupt('model file is corrupt: bad rational leaf section');
  const rational =
    refRational === undefined ? new Uint8Array(0) : (viewSection(bytes, refRational) as Uint8Array);
  const values = new Float64Array(n);
  let i32 = 0;
  let i64 = 0;
  let ir = 0;
  for (let r = 0; r < nLeafRows; r++) {
    const code = codes[r];
    const row = r * nOutputs;
    // Pure leaves first: the common case. Class codes never reach the marks (see CODES_U8).
    if (code < nOutputs) {
      values[row + code] = 1;
    } else if (code === marks.f32) {
      if (i32 + nOutputs > f32.length) throw corrupt('model file is corrupt: float32 leaf values run out');
      for (let k = 0; k < nOutputs; k++) values[row + k] = f32[i32++];
    } else if (code === marks.f64) {
      if (i64 + nOutputs > f64.length) throw corrupt('model file is corrupt: float64 leaf values run out');
      for (let k = 0; k < nOutputs; k++) values[row + k] = f64[i64++];
    } else if (code === marks.rational) {
      if (ir + nOutputs + 1 > rational.length)
        throw corrupt('model file is corrupt: rational leaf values run out');
      const rows = rational[ir++];
      for (let k = 0; k < nOutputs; k++) {
        const c = rational[ir++];
        if (c > rows) throw corrupt(`model file is corrupt: leaf ${r} has ${c} of ${rows} rows in a class`);
        values[row + k] = Math.fround(c / rows);
      }
    } else {
      throw corrupt(`model file is corrupt: leaf ${r} has class code ${code}, only ${nOutputs} classes`);
    }
  }
  if (i32 !== f32.length || i64 !== f64.length || ir !== rational.length)
    throw corrupt('model file is corrupt: leaf value sections have unused data');
  return values;
}
