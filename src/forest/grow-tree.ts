import { partitionRows, type RowCounts, sampleRows } from './node-rows.js';
import { isLeaf, nextNode, nodeFeature, nodeTarget } from './node-step.js';
import { createRng } from './rng.js';
import { SplitSearch } from './split-search.js';
import { TreeBuilder } from './tree-builder.js';
import { MISSING_BIN, type Task, TRAIN_MISSING_BIN } from './types.js';

/**
 * Targets per row: doubles, or class indices in the smallest array that holds them (streaming training keeps
 * them so, 1 byte a row instead of 8; a class index reads the same either way).
 */
export type Targets = Float64Array | Uint8Array | Uint16Array;

/** The binned training set, shared read-only by every tree (and every worker thread). */
export interface TrainingData {
  task: Task;
  /** Row-major bins: feature f of row r at r * nFeatures + f. TRAIN_MISSING_BIN for missing. */
  bins: Uint8Array;
  nRows: number;
  nFeatures: number;
  featureKinds: Uint8Array;
  categoryCounts: Uint32Array;
  /** Classes for classification, 1 for regression. */
  nOutputs: number;
  /** Class index (classification) or target value (regression). */
  y: Targets;
  /** Per-row weights (sample weights times class weights), or null for all ones. */
  weights: Float64Array | null;
}

/** Per-tree settings, already resolved to counts. */
export interface TreeConfig {
  entropy: boolean;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: number;
  bootstrap: boolean;
  maxSamples: number;
  balancedSubsample: boolean;
  computeOob: boolean;
}

/** One grown tree, with word offsets and leaf indices local to the tree (the assembler relocates them). */
export interface GrownTree {
  nodes: Int32Array;
  leafValues: Float64Array;
  /** Per node in pre-order: its training weight; per internal node: its values (see NodeStats in types.ts). */
  cover: Float64Array;
  internalValues: Float64Array;
  /** Unnormalised impurity decrease per feature, weighted by node weight. */
  importances: Float64Array;
  /**
   * Out-of-bag rows and the leaf each reaches (its outputs are leafValues[leaf * nOutputs ...]): 6 bytes a row
   * on their way back from a worker where the outputs themselves took 4 + 8 x nOutputs.
   */
  oobRows: Uint32Array;
  oobLeaves: Uint16Array | Uint32Array;
}

/**
 * Grows one tree by histogram split search over pre-binned data, depth first, writing nodes in pre-order
 * so that a left child directly follows its parent. Features are sampled at every split.
 */
export function growTree(d: TrainingData, cfg: TreeConfig, seed: number): GrownTree {
  const rng = createRng(seed);
  const isClf = d.task === 'classification';
  const { rows, counts } = sampleRows(d, cfg, rng);
  const search = new SplitSearch(d, cfg);
  const tree = new TreeBuilder(isClf ? d.nOutputs : 1, isClf);
  const importances = new Float64Array(d.nFeatures);

  // Depth-first with an explicit stack: [start, end, depth, parent feature, the node whose right child we are].
  const stack: number[] = [0, rows.idx.length, 0, -1, -1];
  while (stack.length > 0) {
    const parent = stack.pop()!;
    const parentF = stack.pop()!;
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    if (parent >= 0) tree.setRightChild(parent);

    search.measureNode(rows, start, end);
    const { TW, impurity } = search;
    if (parentF >= 0) importances[parentF] -= TW * impurity;
    const n = end - start;
    const canSplit =
      !search.pure && n >= cfg.minSamplesSplit && n >= 2 * cfg.minSamplesLeaf && depth < cfg.maxDepth;
    if (!canSplit || !search.findSplit(rows, start, end, rng)) {
      tree.addLeaf(search.T, TW, search.TS);
      continue;
    }

    const mid = partitionRows(rows, start, end, search);
    const f = search.bestF;
    importances[f] += TW * impurity;
    const set = search.bestIsCat ? search.bestSet : null;
    const at = tree.addSplit(f, search.bestThr, search.missingGoesLeft(), set, d.categoryCounts[f], search);
    // right is pushed first so that the left subtree is written right after this node
    stack.push(mid, end, depth + 1, f, at);
    stack.push(start, mid, depth + 1, f, -1);
  }

  const { nodes, leafValues, cover, internalValues } = tree.finish();
  const oob = cfg.computeOob ? outOfBag(d, nodes, leafValues.length, counts) : null;
  return {
    nodes,
    leafValues,
    cover,
    internalValues,
    importances,
    oobRows: oob?.rows ?? new Uint32Array(0),
    oobLeaves: oob?.leaves ?? new Uint16Array(0),
  };
}

/** The rows left out of the tree's sample (count zero), and the leaf each reaches. */
function outOfBag(
  d: TrainingData,
  nodes: Int32Array,
  nLeafValues: number,
  counts: RowCounts,
): { rows: Uint32Array; leaves: Uint16Array | Uint32Array } {
  const C = d.task === 'classification' ? d.nOutputs : 1;
  const n = d.nRows;
  let nOob = 0;
  for (let r = 0; r < n; r++) if (counts[r] === 0) nOob++;
  const rows = new Uint32Array(nOob);
  const leaves = nLeafValues / C <= 65_536 ? new Uint16Array(nOob) : new Uint32Array(nOob);
  for (let r = 0, k = 0; r < n; r++) {
    if (counts[r] !== 0) continue;
    rows[k] = r;
    leaves[k++] = walkTrainingBins(nodes, d.bins, d.nFeatures, r, d.categoryCounts);
  }
  return { rows, leaves };
}

/** The leaf index that training row r reaches in a tree with local offsets. */
function walkTrainingBins(
  nodes: Int32Array,
  bins: Uint8Array,
  nFeatures: number,
  r: number,
  categoryCounts: Uint32Array,
): number {
  let p = 0;
  while (!isLeaf(nodes, p)) {
    const b = bins[r * nFeatures + nodeFeature(nodes, p)];
    p = nextNode(nodes, categoryCounts, p, b === TRAIN_MISSING_BIN ? MISSING_BIN : b);
  }
  return nodeTarget(nodes, p);
}
