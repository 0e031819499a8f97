import {
  categorySetWords,
  isLeaf,
  nextNode,
  nodeFeature,
  nodeTarget,
  setNodeTarget,
  writeLeaf,
  writeSplit,
} from './node-step.js';
import { createRng } from './rng.js';
import {
  FEATURE_CATEGORICAL,
  MISSING_BIN,
  NODE_CATEGORICAL,
  NODE_MISSING_LEFT,
  type Task,
  TRAIN_MISSING_BIN,
} from './types.js';

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
  y: Float64Array;
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
  /** Unnormalised impurity decrease per feature, weighted by node weight. */
  importances: Float64Array;
  /** Out-of-bag rows and this tree's outputs for them (nOutputs values per row). */
  oobRows: Uint32Array;
  oobValues: Float64Array;
}

const MISS = TRAIN_MISSING_BIN;

/**
 * Grows one tree by histogram split search over pre-binned data, depth first, writing nodes in pre-order
 * so that a left child directly follows its parent. Features are sampled at every split.
 */
export function growTree(d: TrainingData, cfg: TreeConfig, seed: number): GrownTree {
  const rng = createRng(seed);
  const { bins, nRows: n, nFeatures: nf, y, featureKinds, categoryCounts } = d;
  const isClf = d.task === 'classification';
  const C = isClf ? d.nOutputs : 1;

  // --- sample weights: bootstrap counts times the caller's weights ---
  const w = new Float64Array(n);
  if (cfg.bootstrap) for (let i = 0; i < cfg.maxSamples; i++) w[rng.int(n)] += 1;
  else w.fill(1);
  const inBag = new Uint8Array(n);
  for (let r = 0; r < n; r++) inBag[r] = w[r] > 0 ? 1 : 0;
  if (isClf && cfg.balancedSubsample) {
    const cnt = new Float64Array(C);
    let total = 0;
    let present = 0;
    for (let r = 0; r < n; r++) {
      cnt[y[r]] += w[r];
      total += w[r];
    }
    for (let c = 0; c < C; c++) if (cnt[c] > 0) present++;
    for (let r = 0; r < n; r++) if (w[r] > 0) w[r] *= total / (present * cnt[y[r]]);
  }
  if (d.weights) for (let r = 0; r < n; r++) w[r] *= d.weights[r];
  const yc = new Int32Array(isClf ? n : 0);
  if (isClf) for (let r = 0; r < n; r++) yc[r] = y[r];
  let nIn = 0;
  for (let r = 0; r < n; r++) if (w[r] > 0) nIn++;
  // The node's rows, with their weights and targets kept alongside and partitioned together, so that
  // histogram building reads only the bins at random.
  const idx = new Uint32Array(nIn);
  const nodeW = new Float64Array(nIn);
  const nodeYc = new Int32Array(isClf ? nIn : 0);
  const nodeY = new Float64Array(isClf ? 0 : nIn);
  for (let r = 0, k = 0; r < n; r++) {
    if (w[r] <= 0) continue;
    idx[k] = r;
    nodeW[k] = w[r];
    if (isClf) nodeYc[k] = yc[r];
    else nodeY[k] = y[r];
    k++;
  }

  // --- output buffers ---
  let nodes = new Int32Array(1024);
  let nodesLen = 0;
  let leafValues = new Float64Array(1024 * C);
  let nLeaves = 0;
  const importances = new Float64Array(nf);
  const ensureNodes = (extra: number): void => {
    if (nodesLen + extra <= nodes.length) return;
    const next = new Int32Array(Math.max(nodes.length * 2, nodesLen + extra));
    next.set(nodes);
    nodes = next;
  };

  // --- scratch ---
  // Histograms for a batch of sampled features, built in one pass over the node's rows.
  const maxBatch = Math.max(1, Math.min(cfg.maxFeatures, nf));
  const histW = new Float64Array(maxBatch * 256 * C);
  const histS = new Float64Array(isClf ? 0 : maxBatch * 256);
  const histN = new Uint32Array(maxBatch * 256);
  const touched = new Uint32Array(maxBatch * 8);
  const batch = new Int32Array(maxBatch);
  let hb = 0; // the histogram (batch slot * 256) that scan() reads
  const order = new Uint8Array(256);
  const stat = new Float64Array(256);
  const T = new Float64Array(C); // node totals per class
  const L = new Float64Array(C); // left accumulators
  const perm = new Int32Array(nf);
  for (let f = 0; f < nf; f++) perm[f] = f;
  const bestSet = new Uint32Array(8);
  const curSet = new Uint32Array(8);

  // node stats
  let TW = 0;
  let TS = 0;
  // best split so far at the current node
  let bestProxy = Number.NEGATIVE_INFINITY;
  let bestF = -1;
  let bestThr = 0;
  let bestMissLeft = false;
  let bestHasMissing = false;
  let bestLN = 0;
  let bestRN = 0;
  let bestIsCat = false;

  const minLeaf = cfg.minSamplesLeaf;
  // Row counts matter only for minSamplesLeaf > 1: with 1, "non-empty child" is the same as "positive weight"
  // (every row in a node has weight > 0), so the hot loop can skip counting.
  const countRows = minLeaf > 1;
  const minCount = countRows ? minLeaf : 0;
  const entropy = cfg.entropy;

  /** Scores a classification split from left class weights l (+ m when missing goes left). */
  const clfProxy = (addMissing: boolean, LW: number, RW: number): number => {
    let s = 0;
    const mBase = (hb + MISS) * C;
    if (entropy) {
      for (let c = 0; c < C; c++) {
        const lc = addMissing ? L[c] + histW[mBase + c] : L[c];
        const rc = T[c] - lc;
        if (lc > 0) s += lc * Math.log(lc / LW);
        if (rc > 0) s += rc * Math.log(rc / RW);
      }
      return s;
    }
    let sl = 0;
    let sr = 0;
    for (let c = 0; c < C; c++) {
      const lc = addMissing ? L[c] + histW[mBase + c] : L[c];
      const rc = T[c] - lc;
      sl += lc * lc;
      sr += rc * rc;
    }
    s = sl / LW + sr / RW;
    return s;
  };

  /**
   * Scores one candidate split (left side: ln rows, lw weight, ls weighted target sum, plus L[] class weights, with
   * the missing bin added when missing values go left) and keeps it when it beats the best so far.
   * `mid` is the numeric threshold bin: any bin from b up to the next occupied one splits the node's rows alike,
   * and the middle one puts the threshold halfway through the gap (in quantiles), as scikit-learn's midpoints do.
   */
  const consider = (
    f: number,
    b: number,
    mid: number,
    isCat: boolean,
    missLeft: boolean,
    hasMissing: boolean,
    ln: number,
    lw: number,
    ls: number,
    TN: number,
  ): boolean => {
    const rn = TN - ln;
    if (ln < minCount || rn < minCount) return false;
    const rw = TW - lw;
    if (!(lw > 0 && rw > 0)) return false;
    const p = isClf ? clfProxy(missLeft, lw, rw) : (ls * ls) / lw + ((TS - ls) * (TS - ls)) / rw;
    if (!(p > bestProxy)) return false;
    bestProxy = p;
    bestF = f;
    bestThr = isCat ? b : mid;
    bestMissLeft = missLeft;
    bestHasMissing = hasMissing;
    bestLN = countRows ? ln : lw;
    bestRN = countRows ? rn : rw;
    bestIsCat = isCat;
    return true;
  };

  /**
   * Scans bins in `order[0..k)` as a left-to-right sequence of split points. For each point it tries the
   * missing values on the right and on the left; after the last bin, it tries "non-missing left, missing right".
   * Returns the position of the best split found in this scan (or -1), updating the best-so-far state.
   */
  const scan = (f: number, k: number, isCat: boolean, consume: boolean): number => {
    const MN = histN[hb + MISS];
    let MW = 0;
    let MS = 0;
    if (isClf) for (let c = 0; c < C; c++) MW += histW[(hb + MISS) * C + c];
    else {
      MW = histW[hb + MISS];
      MS = histS[hb + MISS];
    }
    const hasMiss = countRows ? MN > 0 : MW > 0;
    let LN = 0;
    let LW = 0;
    let LS = 0;
    if (isClf) L.fill(0);
    const TN = curN;
    let found = -1;
    for (let j = 0; j < k; j++) {
      const b = order[j];
      const h = hb + b;
      LN += histN[h];
      if (isClf) {
        const base = h * C;
        for (let c = 0; c < C; c++) {
          const v = histW[base + c];
          L[c] += v;
          LW += v;
        }
      } else {
        LW += histW[h];
        LS += histS[h];
      }
      // Each bin is read once here: zero it on the way (cheaper than a separate reset pass).
      if (consume) {
        histN[h] = 0;
        if (isClf) for (let c = 0; c < C; c++) histW[h * C + c] = 0;
        else {
          histW[h] = 0;
          histS[h] = 0;
        }
      }
      const last = j === k - 1;
      if (last && !hasMiss) break;
      // missing on the right (or, after the last bin, the split on missingness alone)
      if (consider(f, b, last ? b : (b + order[j + 1] - 1) >>> 1, isCat, false, hasMiss, LN, LW, LS, TN))
        found = j;
      if (
        hasMiss &&
        !last &&
        consider(f, b, (b + order[j + 1] - 1) >>> 1, isCat, true, true, LN + MN, LW + MW, LS + MS, TN)
      )
        found = j;
    }
    return found;
  };

  /** Orders the categories in order[0..k) by stat, ascending (insertion sort: k is small). */
  const sortOrder = (k: number): void => {
    for (let i = 1; i < k; i++) {
      const b = order[i];
      const s = stat[b];
      let j = i - 1;
      while (j >= 0 && stat[order[j]] > s) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = b;
    }
  };

  const setFromOrder = (upto: number): void => {
    curSet.fill(0);
    for (let j = 0; j <= upto; j++) curSet[order[j] >>> 5] |= 1 << (order[j] & 31);
    bestSet.set(curSet);
  };

  let curStart = 0;
  let curEnd = 0;
  let curN = 0;

  /**
   * Builds the histograms of the features in batch[0..m) over the current node in one pass, then finds each
   * one's best split. Returns how many of them are constant in this node.
   */
  const evaluateFeatures = (m: number): number => {
    if (isClf && !countRows) {
      for (let i = curStart; i < curEnd; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const yi = nodeYc[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          histW[((j << 8) + b) * C + yi] += wi;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    } else if (isClf) {
      for (let i = curStart; i < curEnd; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const yi = nodeYc[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          const h = (j << 8) + b;
          histN[h]++;
          histW[h * C + yi] += wi;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    } else {
      for (let i = curStart; i < curEnd; i++) {
        const row = idx[i] * nf;
        const wi = nodeW[i];
        const wy = wi * nodeY[i];
        for (let j = 0; j < m; j++) {
          const b = bins[row + batch[j]];
          const h = (j << 8) + b;
          histN[h]++;
          histW[h] += wi;
          histS[h] += wy;
          touched[(j << 3) + (b >>> 5)] |= 1 << (b & 31);
        }
      }
    }
    let constants = 0;
    for (let j = 0; j < m; j++) {
      const f = batch[j];
      hb = j << 8;
      // bins present in this node, ascending, without the missing bin
      const tb = j << 3;
      const hasMissing = ((touched[tb + (MISS >>> 5)] >>> (MISS & 31)) & 1) === 1;
      touched[tb + (MISS >>> 5)] &= ~(1 << (MISS & 31));
      let k = 0;
      for (let wi = 0; wi < 8; wi++) {
        let x = touched[tb + wi];
        while (x !== 0) {
          const t = x & -x;
          order[k++] = (wi << 5) + (31 - Math.clz32(t));
          x ^= t;
        }
        touched[tb + wi] = 0;
      }
      const constant = k + (hasMissing ? 1 : 0) <= 1;
      // a numeric scan zeroes the bins it reads, so only the missing bin is left to reset
      let consumed = false;
      if (constant) constants++;
      else if (featureKinds[f] !== FEATURE_CATEGORICAL) {
        scan(f, k, false, true);
        consumed = true;
      } else if (!isClf || C === 2) {
        for (let q = 0; q < k; q++) {
          const h = hb + order[q];
          stat[order[q]] = isClf ? histW[h * 2 + 1] / (histW[h * 2] + histW[h * 2 + 1]) : histS[h] / histW[h];
        }
        sortOrder(k);
        const at = scan(f, k, true, false);
        if (at >= 0) setFromOrder(at);
      } else {
        // Several classes: no ordering is optimal, so try one ordering per class (by that class's share).
        for (let c = 0; c < C; c++) {
          for (let q = 0; q < k; q++) {
            const h = hb + order[q];
            let tot = 0;
            for (let u = 0; u < C; u++) tot += histW[h * C + u];
            stat[order[q]] = histW[h * C + c] / tot;
          }
          sortOrder(k);
          const at = scan(f, k, true, false);
          if (at >= 0) setFromOrder(at);
        }
      }
      // reset only what this node touched (all of the slot at once when most bins were)
      if (consumed) {
        const h = hb + MISS;
        histN[h] = 0;
        if (isClf) for (let c = 0; c < C; c++) histW[h * C + c] = 0;
        else {
          histW[h] = 0;
          histS[h] = 0;
        }
      } else if (k > 96) {
        histN.fill(0, hb, hb + 256);
        if (isClf) histW.fill(0, hb * C, (hb + 256) * C);
        else {
          histW.fill(0, hb, hb + 256);
          histS.fill(0, hb, hb + 256);
        }
      } else
        for (let q = 0; q <= k; q++) {
          const h = hb + (q < k ? order[q] : MISS);
          histN[h] = 0;
          if (isClf) for (let c = 0; c < C; c++) histW[h * C + c] = 0;
          else {
            histW[h] = 0;
            histS[h] = 0;
          }
        }
    }
    return constants;
  };

  const goesLeft = (r: number): boolean => {
    const b = bins[r * nf + bestF];
    if (b === MISS) return bestMissLeft;
    if (bestIsCat) return ((bestSet[b >>> 5] >>> (b & 31)) & 1) === 1;
    return b <= bestThr;
  };

  const emitLeaf = (): void => {
    ensureNodes(2);
    writeLeaf(nodes, nodesLen, nLeaves);
    nodesLen += 2;
    if ((nLeaves + 1) * C > leafValues.length) {
      const next = new Float64Array(leafValues.length * 2);
      next.set(leafValues);
      leafValues = next;
    }
    if (isClf) for (let c = 0; c < C; c++) leafValues[nLeaves * C + c] = Math.fround(T[c] / TW);
    else leafValues[nLeaves] = TS / TW;
    nLeaves++;
  };

  // Depth-first with an explicit stack: [start, end, depth, parent feature, the node whose right child we are].
  const stack: number[] = [0, nIn, 0, -1, -1];
  while (stack.length > 0) {
    const patch = stack.pop()!;
    const parentF = stack.pop()!;
    const depth = stack.pop()!;
    curEnd = stack.pop()!;
    curStart = stack.pop()!;
    curN = curEnd - curStart;
    if (patch >= 0) setNodeTarget(nodes, patch, nodesLen);

    // node totals, impurity and purity
    TW = 0;
    TS = 0;
    let impurity: number;
    let pure: boolean;
    if (isClf) {
      T.fill(0);
      for (let i = curStart; i < curEnd; i++) T[nodeYc[i]] += nodeW[i];
      let sq = 0;
      let nonZero = 0;
      for (let c = 0; c < C; c++) {
        TW += T[c];
        if (T[c] > 0) nonZero++;
      }
      if (entropy) {
        let h = 0;
        for (let c = 0; c < C; c++) if (T[c] > 0) h -= (T[c] / TW) * Math.log2(T[c] / TW);
        impurity = h;
      } else {
        for (let c = 0; c < C; c++) sq += (T[c] / TW) * (T[c] / TW);
        impurity = 1 - sq;
      }
      pure = nonZero <= 1;
    } else {
      let Q = 0;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = curStart; i < curEnd; i++) {
        const v = nodeY[i];
        const wr = nodeW[i];
        TW += wr;
        TS += wr * v;
        Q += wr * v * v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      impurity = Math.max(0, Q / TW - (TS / TW) * (TS / TW));
      pure = lo === hi;
    }
    if (parentF >= 0) importances[parentF] -= TW * impurity;

    const canSplit = !pure && curN >= cfg.minSamplesSplit && curN >= 2 * minLeaf && depth < cfg.maxDepth;
    bestProxy = Number.NEGATIVE_INFINITY;
    bestF = -1;
    if (canSplit) {
      let fEnd = nf;
      let visited = 0;
      let constants = 0;
      // As scikit-learn: draw maxFeatures features, and keep drawing while every one drawn was constant here.
      while (fEnd > 0 && (visited < cfg.maxFeatures || visited <= constants)) {
        const want = Math.min(fEnd, visited < cfg.maxFeatures ? cfg.maxFeatures - visited : 1);
        for (let q = 0; q < want; q++) {
          const j = rng.int(fEnd);
          const f = perm[j];
          perm[j] = perm[fEnd - 1];
          perm[fEnd - 1] = f;
          fEnd--;
          batch[q] = f;
        }
        visited += want;
        constants += evaluateFeatures(want);
      }
    }
    if (bestF < 0) {
      emitLeaf();
      continue;
    }

    // partition rows: left ones first
    let i = curStart;
    let j = curEnd - 1;
    while (i <= j) {
      const r = idx[i];
      if (goesLeft(r)) i++;
      else {
        idx[i] = idx[j];
        idx[j] = r;
        const tw = nodeW[i];
        nodeW[i] = nodeW[j];
        nodeW[j] = tw;
        if (isClf) {
          const ty = nodeYc[i];
          nodeYc[i] = nodeYc[j];
          nodeYc[j] = ty;
        } else {
          const ty = nodeY[i];
          nodeY[i] = nodeY[j];
          nodeY[j] = ty;
        }
        j--;
      }
    }
    const mid = i;
    importances[bestF] += TW * impurity;

    const missLeft = bestHasMissing ? bestMissLeft : bestLN >= bestRN;
    const setWords = bestIsCat ? categorySetWords(categoryCounts[bestF]) : 0;
    ensureNodes(2 + setWords);
    const at = nodesLen;
    const flags = (missLeft ? NODE_MISSING_LEFT : 0) | (bestIsCat ? NODE_CATEGORICAL : 0);
    writeSplit(nodes, at, bestF, bestIsCat ? 0 : bestThr, flags);
    for (let q = 0; q < setWords; q++) nodes[at + 2 + q] = bestSet[q] | 0;
    nodesLen += 2 + setWords;
    const f = bestF;
    // right is pushed first so that the left subtree is written right after this node
    stack.push(mid, curEnd, depth + 1, f, at);
    stack.push(curStart, mid, depth + 1, f, -1);
  }

  const outNodes = nodes.slice(0, nodesLen);
  const outLeaves = leafValues.slice(0, nLeaves * C);

  // out-of-bag outputs, walking the new tree over the training bins
  let oobRows = new Uint32Array(0);
  let oobValues = new Float64Array(0);
  if (cfg.computeOob) {
    let nOob = 0;
    for (let r = 0; r < n; r++) if (!inBag[r]) nOob++;
    oobRows = new Uint32Array(nOob);
    oobValues = new Float64Array(nOob * C);
    for (let r = 0, k = 0; r < n; r++) {
      if (inBag[r]) continue;
      oobRows[k] = r;
      const leaf = walkTrainingBins(outNodes, bins, nf, r, categoryCounts);
      for (let c = 0; c < C; c++) oobValues[k * C + c] = outLeaves[leaf * C + c];
      k++;
    }
  }
  return { nodes: outNodes, leafValues: outLeaves, importances, oobRows, oobValues };
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
    p = nextNode(nodes, categoryCounts, p, b === MISS ? MISSING_BIN : b);
  }
  return nodeTarget(nodes, p);
}
