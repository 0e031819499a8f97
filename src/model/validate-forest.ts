/**
 * Structural checks of a ForestArrays, so that a forest that passed them can never make prediction read
 * out of bounds, loop, or silently predict from garbage. Run on every decoded model and before encoding.
 */

import { type ErrorCode, type Issue, MlinferError } from '../errors.js';
import {
  categorySetWords,
  nodeFeature,
  nodeFlags,
  nodeTarget,
  nodeThresholdBin,
  nodeWords,
} from '../forest/node-step.js';
import {
  type AdditiveScoring,
  FEATURE_CATEGORICAL,
  FEATURE_NUMERIC,
  type ForestArrays,
  LINKS,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_LEAF,
  NODE_MISSING_LEFT,
  type NodeStats,
  OFFSET_MASK,
} from '../forest/types.js';

/** At most this many numeric bin edges per feature: bins 0..65534, and 0xffff is the missing bin. */
export const MAX_EDGES_PER_FEATURE = MISSING_BIN - 1;
/** Categorical codes are their own Uint16 bin, below the missing bin. */
export const MAX_CATEGORIES = MISSING_BIN;
/** Features are stored in 16 bits of word 0. */
export const MAX_FEATURES = 0x10000;

const KNOWN_FLAGS = NODE_LEAF | NODE_MISSING_LEFT | NODE_CATEGORICAL;
/** Stop collecting after this many issues: a corrupt 2M-node forest should not build a 2M-line message. */
const MAX_ISSUES = 20;

class IssueList {
  readonly issues: Issue[] = [];
  add(path: (string | number)[], message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message });
  }
  get full(): boolean {
    return this.issues.length >= MAX_ISSUES;
  }
}

/**
 * Every problem that makes `forest` unsafe or meaningless to predict with; empty when it is sound.
 * `skipNodes` is for the model decoder, which builds the nodes in pre-order layout and checks each node
 * as it goes, so a second walk would only cost time.
 *
 * @example
 * const issues = forestIssues(forest);
 * if (issues.length > 0) console.error(issues.map((i) => i.message).join('\n'));
 */
export function forestIssues(
  forest: ForestArrays,
  options: { skipNodes?: boolean; skipNodeStats?: boolean } = {},
): Issue[] {
  const list = new IssueList();
  if (!checkShapes(forest, list)) return list.issues;
  checkFeatures(forest, list);
  if (list.issues.length === 0 && !options.skipNodes) checkNodes(forest, list);
  checkLeafValues(forest, list);
  if (forest.additive !== undefined) checkAdditive(forest, list);
  // The model decoder checks node statistics when they are first used (they are decoded lazily).
  if (!options.skipNodeStats && forest.nodeStats !== undefined && list.issues.length === 0)
    checkNodeStats(forest, forest.nodeStats, list);
  return list.issues;
}

/**
 * Throws an MlinferError with `code` listing the problems of `forest`, if any.
 *
 * @example
 * assertValidForest(decoded, 'MLI_MODEL_CORRUPT', 'model file holds an invalid forest');
 */
export function assertValidForest(
  forest: ForestArrays,
  code: ErrorCode,
  what: string,
  options: { skipNodes?: boolean; skipNodeStats?: boolean } = {},
): void {
  const issues = forestIssues(forest, options);
  if (issues.length === 0) return;
  const more = issues.length >= MAX_ISSUES ? '; ...' : '';
  throw new MlinferError(code, `${what}: ${issues.map((i) => i.message).join('; ')}${more}`, { issues });
}

function isCount(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
}

/** Types and lengths; false when later checks could not even index the arrays safely. */
function checkShapes(f: ForestArrays, list: IssueList): boolean {
  if (f.task !== 'classification' && f.task !== 'regression')
    list.add(['task'], `unknown task ${String(f.task)}`);
  if (!isCount(f.nFeatures, 1, MAX_FEATURES)) {
    list.add(['nFeatures'], `nFeatures must be an integer in 1..${MAX_FEATURES}, got ${f.nFeatures}`);
  }
  if (!isCount(f.nOutputs, 1, 0xfffd) || (f.task === 'regression' && f.nOutputs !== 1)) {
    list.add(['nOutputs'], `nOutputs ${f.nOutputs} is invalid for ${f.task}`);
  }
  const typed: [keyof ForestArrays, unknown][] = [
    ['featureKinds', Uint8Array],
    ['categoryCounts', Uint32Array],
    ['binEdges', Float64Array],
    ['binEdgeOffsets', Uint32Array],
    ['treeOffsets', Uint32Array],
    ['nodes', Int32Array],
    ['leafValues', Float64Array],
  ];
  for (const [key, ctor] of typed) {
    if (!(f[key] instanceof (ctor as typeof Uint8Array)))
      list.add([key], `${key} must be a ${(ctor as typeof Uint8Array).name}`);
  }
  if (list.issues.length > 0) return false;
  const nf = f.nFeatures;
  if (f.featureKinds.length !== nf)
    list.add(['featureKinds'], `featureKinds has ${f.featureKinds.length} entries, expected ${nf}`);
  if (f.categoryCounts.length !== nf)
    list.add(['categoryCounts'], `categoryCounts has ${f.categoryCounts.length} entries, expected ${nf}`);
  if (f.binEdgeOffsets.length !== nf + 1) {
    list.add(['binEdgeOffsets'], `binEdgeOffsets has ${f.binEdgeOffsets.length} entries, expected ${nf + 1}`);
  }
  if (f.treeOffsets.length < 2) list.add(['treeOffsets'], 'the forest has no trees');
  if (f.nodes.length > OFFSET_MASK) list.add(['nodes'], `too many node words (${f.nodes.length})`);
  if (f.leafValues.length % f.nOutputs !== 0) {
    list.add(
      ['leafValues'],
      `leafValues length ${f.leafValues.length} is not a multiple of nOutputs ${f.nOutputs}`,
    );
  }
  return list.issues.length === 0;
}

function checkFeatures(f: ForestArrays, list: IssueList): void {
  const { featureKinds: kinds, categoryCounts: counts, binEdgeOffsets: offs, binEdges: edges } = f;
  if (offs[0] !== 0) list.add(['binEdgeOffsets', 0], `binEdgeOffsets must start at 0, got ${offs[0]}`);
  if (offs[f.nFeatures] !== edges.length) {
    list.add(
      ['binEdgeOffsets', f.nFeatures],
      `binEdgeOffsets must end at ${edges.length}, got ${offs[f.nFeatures]}`,
    );
  }
  for (let j = 0; j < f.nFeatures && !list.full; j++) {
    const kind = kinds[j];
    const start = offs[j];
    const end = offs[j + 1];
    if (end < start) {
      list.add(['binEdgeOffsets', j + 1], `binEdgeOffsets decrease at feature ${j}`);
      continue;
    }
    if (kind === FEATURE_NUMERIC) {
      if (counts[j] !== 0) list.add(['categoryCounts', j], `numeric feature ${j} has a category count`);
      if (end - start > MAX_EDGES_PER_FEATURE) {
        list.add(
          ['binEdges', j],
          `feature ${j} has ${end - start} bin edges, at most ${MAX_EDGES_PER_FEATURE}`,
        );
      }
      for (let k = start; k < end && end <= edges.length; k++) {
        if (Number.isNaN(edges[k]) || (k > start && !(edges[k - 1] <= edges[k]))) {
          list.add(
            ['binEdges', j],
            `bin edges of feature ${j} are not ascending numbers (at edge ${k - start})`,
          );
          break;
        }
      }
    } else if (kind === FEATURE_CATEGORICAL) {
      if (end !== start) list.add(['binEdges', j], `categorical feature ${j} has bin edges`);
      if (counts[j] > MAX_CATEGORIES)
        list.add(['categoryCounts', j], `feature ${j} has ${counts[j]} categories`);
    } else {
      list.add(['featureKinds', j], `feature ${j} has unknown kind ${kind}`);
    }
  }
}

/**
 * Walks every tree in node order and checks the pre-order layout: the left child directly follows its
 * parent, the right child starts where the left subtree ends, and each tree ends exactly at the next
 * tree offset. Together these make every jump go forward and stay inside the tree, so walks terminate.
 */
function checkNodes(f: ForestArrays, list: IssueList): void {
  const { nodes, treeOffsets: trees, featureKinds: kinds, categoryCounts: counts, binEdgeOffsets: offs } = f;
  const nLeafRows = f.leafValues.length / f.nOutputs;
  const nTrees = trees.length - 1;
  if (trees[0] !== 0) list.add(['treeOffsets', 0], `treeOffsets must start at 0, got ${trees[0]}`);
  if (trees[nTrees] !== nodes.length) {
    list.add(
      ['treeOffsets', nTrees],
      `treeOffsets must end at ${nodes.length} node words, got ${trees[nTrees]}`,
    );
  }
  if (list.full) return;
  // Internal nodes whose subtree is still open; state 0: in the left subtree, 1: in the right one.
  const stack = new Int32Array(Math.max(1, nodes.length >>> 1));
  const state = new Uint8Array(stack.length);
  for (let t = 0; t < nTrees && !list.full; t++) {
    const start = trees[t];
    const end = trees[t + 1];
    if (!(start < end) || end > nodes.length) {
      list.add(
        ['treeOffsets', t + 1],
        `tree ${t} spans words ${start}..${end}, which is empty or out of range`,
      );
      return;
    }
    let sp = 0;
    let p = start;
    for (;;) {
      if (p + 2 > end) {
        list.add(['nodes', p], `tree ${t} ends in the middle of a node at word ${p}`);
        return;
      }
      const flags = nodeFlags(nodes, p);
      if (flags & ~KNOWN_FLAGS) list.add(['nodes', p], `node at word ${p} has unknown flags ${flags}`);
      if (flags & NODE_LEAF) {
        if (flags & NODE_CATEGORICAL) list.add(['nodes', p], `leaf at word ${p} is marked categorical`);
        const leaf = nodeTarget(nodes, p);
        if (leaf >= nLeafRows)
          list.add(['nodes', p], `leaf at word ${p} has index ${leaf}, only ${nLeafRows} leaves`);
        p += 2;
        // The leaf closes subtrees: each closed left subtree means its parent's right child starts at p.
        while (sp > 0 && state[sp - 1] === 1) sp--;
        if (sp === 0) break;
        state[sp - 1] = 1;
        const parent = stack[sp - 1];
        if (nodeTarget(nodes, parent) !== p) {
          list.add(
            ['nodes', parent],
            `node at word ${parent} has right child ${nodeTarget(nodes, parent)}, expected ${p}`,
          );
          return;
        }
        continue;
      }
      const feature = nodeFeature(nodes, p);
      const bin = nodeThresholdBin(nodes, p);
      let setWords = 0;
      if (feature >= f.nFeatures) {
        list.add(['nodes', p], `node at word ${p} uses feature ${feature}, only ${f.nFeatures} features`);
        return;
      }
      if (flags & NODE_CATEGORICAL) {
        if (kinds[feature] !== FEATURE_CATEGORICAL || counts[feature] === 0) {
          list.add(
            ['nodes', p],
            `categorical node at word ${p} uses feature ${feature}, which has no categories`,
          );
          return;
        }
        setWords = categorySetWords(counts[feature]);
      } else if (bin === MISSING_BIN) {
        list.add(['nodes', p], `node at word ${p} has threshold bin ${bin}, the missing bin`);
      } else if (kinds[feature] === FEATURE_NUMERIC && bin > offs[feature + 1] - offs[feature]) {
        // bin == nEdges is allowed: every present value goes left, only missing ones go right.
        const nEdges = offs[feature + 1] - offs[feature];
        list.add(
          ['nodes', p],
          `node at word ${p} has threshold bin ${bin}, feature ${feature} has ${nEdges} edges`,
        );
      }
      stack[sp] = p;
      state[sp] = 0;
      sp++;
      p += 2 + setWords;
    }
    if (p !== end) {
      list.add(['treeOffsets', t + 1], `tree ${t} ends at word ${p}, but treeOffsets says ${end}`);
      return;
    }
  }
}

function checkLeafValues(f: ForestArrays, list: IssueList): void {
  const values = f.leafValues;
  // an additive classifier's leaves are raw scores, not class fractions
  const classification = f.task === 'classification' && f.additive === undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Written as negations so NaN fails too.
    if (!Number.isFinite(v) || (classification && !(v >= 0 && v <= 1))) {
      list.add(
        ['leafValues', i],
        `leaf value ${i} is ${v}, expected ${classification ? 'a fraction in 0..1' : 'a finite number'}`,
      );
      return;
    }
  }
}

/** The additive scoring fits the forest: known aggregate and link, one finite base score per output. */
function checkAdditive(f: ForestArrays, list: IssueList): void {
  const { aggregate, baseScores, link } = f.additive as AdditiveScoring;
  if (aggregate !== 'sum' && aggregate !== 'average')
    list.add(['additive', 'aggregate'], `unknown aggregate ${String(aggregate)}`);
  if (!LINKS.includes(link)) list.add(['additive', 'link'], `unknown link ${String(link)}`);
  else if (
    f.task === 'regression'
      ? link !== 'none' && link !== 'logistic'
      : link === 'logistic_binary' && f.nOutputs !== 2
  )
    list.add(['additive', 'link'], `link ${link} does not fit a ${f.task} forest of ${f.nOutputs} outputs`);
  if (
    !(baseScores instanceof Float64Array) ||
    baseScores.length !== f.nOutputs ||
    !baseScores.every(Number.isFinite)
  )
    list.add(['additive', 'baseScores'], `baseScores must be ${f.nOutputs} finite float64 values`);
  // node statistics explain averaged probabilities; an additive forest would get wrong explanations
  if (f.nodeStats !== undefined)
    list.add(
      ['nodeStats'],
      'an additive forest cannot carry node statistics (explanations are refused for it)',
    );
}

/**
 * The problems of a forest's node statistics (lengths matching the nodes, weights >= 0, finite values).
 *
 * @example
 * if (nodeStatsIssues(forest).length > 0) throw corrupt('bad node statistics');
 */
export function nodeStatsIssues(forest: NodeStatsShape, stats: NodeStats): Issue[] {
  const list = new IssueList();
  checkNodeStats(forest, stats, list);
  return list.issues;
}

type NodeStatsShape = Pick<ForestArrays, 'nodes' | 'categoryCounts' | 'nOutputs'>;

function checkNodeStats(f: NodeStatsShape, stats: NodeStats, list: IssueList): void {
  const { cover, internalValues } = stats;
  if (!(cover instanceof Float64Array) || !(internalValues instanceof Float64Array)) {
    list.add(['nodeStats'], 'nodeStats.cover and nodeStats.internalValues must be Float64Arrays');
    return;
  }
  let nNodes = 0;
  let nInternal = 0;
  for (let p = 0; p < f.nodes.length; p += nodeWords(f.nodes, f.categoryCounts, p)) {
    nNodes++;
    if ((nodeFlags(f.nodes, p) & NODE_LEAF) === 0) nInternal++;
  }
  if (cover.length !== nNodes || internalValues.length !== nInternal * f.nOutputs) {
    list.add(
      ['nodeStats'],
      `nodeStats has ${cover.length} covers and ${internalValues.length} values for ${nNodes} nodes ` +
        `(${nInternal} internal) and ${f.nOutputs} outputs`,
    );
    return;
  }
  const bad = cover.findIndex((w) => !(w >= 0 && Number.isFinite(w)));
  if (bad >= 0)
    list.add(['nodeStats', 'cover', bad], `node ${bad} has cover ${cover[bad]}, expected a weight >= 0`);
  const badValue = internalValues.findIndex((v) => !Number.isFinite(v));
  if (badValue >= 0)
    list.add(['nodeStats', 'internalValues', badValue], `internal node value ${badValue} is not finite`);
}
