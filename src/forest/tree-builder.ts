import { categorySetWords, setNodeTarget, writeLeaf, writeSplit } from './node-step.js';
import { NODE_CATEGORICAL, NODE_MISSING_LEFT } from './types.js';

/**
 * The growing arrays of one tree: nodes in pre-order (a left child directly follows its parent) with word
 * offsets local to the tree, and nOutputs leaf values per leaf.
 */
export class TreeBuilder {
  private nodes = new Int32Array(1024);
  private length = 0;
  private leafValues: Float64Array;
  private nLeaves = 0;
  /** Per node: its training weight; per internal node: its values (see NodeStats). */
  private cover: Float64Array = new Float64Array(512);
  private nNodes = 0;
  private internalValues: Float64Array;
  private nInternal = 0;
  private readonly C: number;
  private readonly isClf: boolean;

  constructor(C: number, isClf: boolean) {
    this.C = C;
    this.isClf = isClf;
    this.leafValues = new Float64Array(1024 * C);
    this.internalValues = new Float64Array(512 * C);
  }

  /** The word offset where the next node goes. */
  get nextOffset(): number {
    return this.length;
  }

  /**
   * Adds a leaf holding the class fractions T[c] / TW, rounded to float32 (classification), or the mean target
   * TS / TW (regression).
   */
  addLeaf(T: Float64Array, TW: number, TS: number): void {
    this.reserve(2);
    writeLeaf(this.nodes, this.length, this.nLeaves);
    this.length += 2;
    this.leafValues = grown(this.leafValues, (this.nLeaves + 1) * this.C);
    this.writeValues(this.leafValues, this.nLeaves++, T, TW, TS);
    this.addCover(TW);
  }

  /**
   * Adds an internal node (a categorical one with `set`, the codes that go left, of a feature with
   * `categoryCount` codes) and returns its word offset, for `setRightChild` once its left subtree is written.
   */
  addSplit(
    feature: number,
    thresholdBin: number,
    missingLeft: boolean,
    set: Uint32Array | null,
    categoryCount: number,
    stats: { T: Float64Array; TW: number; TS: number },
  ): number {
    this.internalValues = grown(this.internalValues, (this.nInternal + 1) * this.C);
    this.writeValues(this.internalValues, this.nInternal++, stats.T, stats.TW, stats.TS);
    this.addCover(stats.TW);
    const setWords = set ? categorySetWords(categoryCount) : 0;
    this.reserve(2 + setWords);
    const at = this.length;
    const flags = (missingLeft ? NODE_MISSING_LEFT : 0) | (set ? NODE_CATEGORICAL : 0);
    writeSplit(this.nodes, at, feature, set ? 0 : thresholdBin, flags);
    for (let q = 0; q < setWords; q++) this.nodes[at + 2 + q] = set![q] | 0;
    this.length += 2 + setWords;
    return at;
  }

  /** Points the internal node at `at` to the next node written, its right child. */
  setRightChild(at: number): void {
    setNodeTarget(this.nodes, at, this.length);
  }

  /** The tree's nodes, leaf values and node statistics, trimmed. */
  finish(): {
    nodes: Int32Array;
    leafValues: Float64Array;
    cover: Float64Array;
    internalValues: Float64Array;
  } {
    return {
      nodes: this.nodes.slice(0, this.length),
      leafValues: this.leafValues.slice(0, this.nLeaves * this.C),
      cover: this.cover.slice(0, this.nNodes),
      internalValues: this.internalValues.slice(0, this.nInternal * this.C),
    };
  }

  /** Row `row` of `out`: the class fractions T[c] / TW rounded to float32, or the mean target TS / TW. */
  private writeValues(out: Float64Array, row: number, T: Float64Array, TW: number, TS: number): void {
    const C = this.C;
    const at = row * C;
    if (this.isClf) for (let c = 0; c < C; c++) out[at + c] = Math.fround(T[c] / TW);
    else out[at] = TS / TW;
  }

  private addCover(TW: number): void {
    this.cover = grown(this.cover, this.nNodes + 1);
    this.cover[this.nNodes++] = TW;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.nodes.length) return;
    const next = new Int32Array(Math.max(this.nodes.length * 2, this.length + extra));
    next.set(this.nodes);
    this.nodes = next;
  }
}

/** `a`, or a copy twice as long when it holds fewer than `need` values. */
function grown(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const next = new Float64Array(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}
