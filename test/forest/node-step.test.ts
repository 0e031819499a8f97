import { describe, expect, it } from 'vitest';
import {
  isLeaf,
  nextNode,
  nodeFeature,
  nodeTarget,
  nodeThresholdBin,
  nodeWords,
  setNodeTarget,
  writeLeaf,
  writeSplit,
} from '../../src/forest/node-step.js';
import { MISSING_BIN, NODE_CATEGORICAL, NODE_MISSING_LEFT } from '../../src/forest/types.js';

/**
 * A hand-built tree: a numeric root (feature 1, bins <= 3 left, missing left), whose right child is a
 * categorical node (feature 0 with 40 codes: 2 set words; codes 5 and 33 left, missing right).
 *   word 0: root            word 2: leaf 0
 *   word 4: categorical     word 8: leaf 1          word 10: leaf 2
 */
function tree(): { nodes: Int32Array; counts: Uint32Array } {
  const nodes = new Int32Array(12);
  const counts = Uint32Array.from([40, 0]);
  writeSplit(nodes, 0, 1, 3, NODE_MISSING_LEFT);
  writeLeaf(nodes, 2, 0);
  setNodeTarget(nodes, 0, 4);
  writeSplit(nodes, 4, 0, 0, NODE_CATEGORICAL);
  nodes[6] = 1 << 5;
  nodes[7] = 1 << 1;
  writeLeaf(nodes, 8, 1);
  setNodeTarget(nodes, 4, 10);
  writeLeaf(nodes, 10, 2);
  return { nodes, counts };
}

describe('node-step: the one reading of the node layout', () => {
  const { nodes, counts } = tree();

  it('decodes what the writers wrote', () => {
    expect([nodeFeature(nodes, 0), nodeThresholdBin(nodes, 0), nodeTarget(nodes, 0)]).toEqual([1, 3, 4]);
    expect([isLeaf(nodes, 0), isLeaf(nodes, 2), nodeTarget(nodes, 10)]).toEqual([false, true, 2]);
    expect([nodeWords(nodes, counts, 0), nodeWords(nodes, counts, 4), nodeWords(nodes, counts, 8)]).toEqual([
      2, 4, 2,
    ]);
  });

  it('steps numeric nodes by threshold, missing values as the node says', () => {
    expect(nextNode(nodes, counts, 0, 0)).toBe(2);
    expect(nextNode(nodes, counts, 0, 3)).toBe(2);
    expect(nextNode(nodes, counts, 0, 4)).toBe(4);
    expect(nextNode(nodes, counts, 0, 0xfffe)).toBe(4);
    expect(nextNode(nodes, counts, 0, MISSING_BIN)).toBe(2);
    const right = Int32Array.from(nodes);
    writeSplit(right, 0, 1, 3, 0);
    setNodeTarget(right, 0, 4);
    expect(nextNode(right, counts, 0, MISSING_BIN)).toBe(4);
  });

  it('steps categorical nodes by set membership, past the set words', () => {
    expect(nextNode(nodes, counts, 4, 5)).toBe(8);
    expect(nextNode(nodes, counts, 4, 33)).toBe(8);
    expect(nextNode(nodes, counts, 4, 6)).toBe(10);
    expect(nextNode(nodes, counts, 4, 39)).toBe(10);
    expect(nextNode(nodes, counts, 4, MISSING_BIN)).toBe(10);
  });
});
