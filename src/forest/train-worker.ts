// Worker thread entry: grows the trees it is sent, over training data shared through SharedArrayBuffers.
import { parentPort, workerData } from 'node:worker_threads';
import { growTree, type TrainingData, type TreeConfig } from './grow-tree.js';

const { data, cfg } = workerData as { data: TrainingData; cfg: TreeConfig };

parentPort!.on('message', (msg: { index: number; seed: number }) => {
  try {
    const tree = growTree(data, cfg, msg.seed);
    const transfer = [
      tree.nodes.buffer,
      tree.leafValues.buffer,
      tree.cover.buffer,
      tree.internalValues.buffer,
      tree.importances.buffer,
      tree.oobRows.buffer,
      tree.oobLeaves.buffer,
    ];
    parentPort!.postMessage({ index: msg.index, tree }, transfer as ArrayBuffer[]);
  } catch (e) {
    parentPort!.postMessage({
      index: msg.index,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
  }
});
