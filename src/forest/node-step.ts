/**
 * The one place that knows how a node is laid out in `nodes` (see ForestArrays in types.ts): every walk of a
 * tree (training's out-of-bag walk, scoring, validation, the model file's encoder and decoder) reads nodes
 * through these helpers, as XGBoost's tree walks share one `GetNextNode`. They are small enough for V8 to
 * inline into the hot loops that call them.
 */
import {
  FLAG_SHIFT,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  OFFSET_MASK,
} from './types.js';

/** The NODE_* flags of the node at word `p`. */
export function nodeFlags(nodes: Int32Array, p: number): number {
  return nodes[p + 1] >>> FLAG_SHIFT;
}

/** Whether the node at word `p` is a leaf. */
export function isLeaf(nodes: Int32Array, p: number): boolean {
  return ((nodes[p + 1] >>> FLAG_SHIFT) & NODE_LEAF) !== 0;
}

/** A leaf's index into leafValues (in rows of nOutputs), or an internal node's right child word offset. */
export function nodeTarget(nodes: Int32Array, p: number): number {
  return nodes[p + 1] & OFFSET_MASK;
}

/** The feature an internal node splits on. */
export function nodeFeature(nodes: Int32Array, p: number): number {
  return nodes[p] & 0xffff;
}

/** A numeric node's threshold bin: bins up to it go left. */
export function nodeThresholdBin(nodes: Int32Array, p: number): number {
  return nodes[p] >>> 16;
}

/** Words of the bit set of codes that follow a categorical node on a feature with `count` categories. */
export function categorySetWords(count: number): number {
  return (count + 31) >>> 5;
}

/** Words the node at `p` takes: 2, plus the category set of a categorical node. Its left child starts there. */
export function nodeWords(nodes: Int32Array, categoryCounts: Uint32Array, p: number): number {
  return (nodes[p + 1] >>> FLAG_SHIFT) & NODE_CATEGORICAL
    ? 2 + categorySetWords(categoryCounts[nodes[p] & 0xffff])
    : 2;
}

/**
 * The word offset of the child of internal node `p` that a row goes to, given the row's bin for the node's
 * feature in the compiled form (MISSING_BIN for a missing value or an unseen category).
 *
 * @example
 * let p = treeOffsets[t];
 * while (!isLeaf(nodes, p)) p = nextNode(nodes, categoryCounts, p, rowBins[nodeFeature(nodes, p)]);
 * const leaf = nodeTarget(nodes, p);
 */
export function nextNode(nodes: Int32Array, categoryCounts: Uint32Array, p: number, bin: number): number {
  const w1 = nodes[p + 1];
  const flags = w1 >>> FLAG_SHIFT;
  if ((flags & NODE_CATEGORICAL) === 0) {
    // Without branches on the data: a bin above the threshold goes right, and so does a missing value
    // (MISSING_BIN is above every threshold) unless the node sends missing values left.
    const missingLeft = ((bin + 1) >>> 16) & (flags >>> 1);
    return ((((nodes[p] >>> 16) - bin) >>> 31) & (1 ^ missingLeft)) !== 0 ? w1 & OFFSET_MASK : p + 2;
  }
  const left =
    bin === MISSING_BIN
      ? (flags & NODE_MISSING_LEFT) !== 0
      : ((nodes[p + 2 + (bin >>> 5)] >>> (bin & 31)) & 1) === 1;
  return left ? p + 2 + categorySetWords(categoryCounts[nodes[p] & 0xffff]) : w1 & OFFSET_MASK;
}

/** Writes the two words of a node: word 0 as given, then the flags and the target (see `nodeTarget`). */
export function writeNode(nodes: Int32Array, p: number, word0: number, flags: number, target: number): void {
  nodes[p] = word0;
  nodes[p + 1] = (flags << FLAG_SHIFT) | target;
}

/** Writes a leaf with index `leaf` at word `p`. */
export function writeLeaf(nodes: Int32Array, p: number, leaf: number): void {
  writeNode(nodes, p, 0, NODE_LEAF, leaf);
}

/**
 * Writes an internal node at word `p`; its right child is set later, with `setNodeTarget`, once its left subtree
 * is written. A categorical node's set words follow it.
 */
export function writeSplit(
  nodes: Int32Array,
  p: number,
  feature: number,
  thresholdBin: number,
  flags: number,
): void {
  writeNode(nodes, p, feature | (thresholdBin << 16), flags, 0);
}

/**
 * Sets what `nodeTarget` reads, keeping the flags: an internal node's right child (known once its left subtree
 * is written), or a leaf's index (when trees are joined into one forest).
 */
export function setNodeTarget(nodes: Int32Array, p: number, target: number): void {
  nodes[p + 1] = (nodes[p + 1] & ~OFFSET_MASK) | target;
}
