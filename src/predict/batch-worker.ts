// A batch-scoring worker thread: it gets the model bytes and the run's config once, then pieces of input
// (text of whole records, or encoded matrices), and answers each with its result. Buffers travel both ways
// as transfers, never copies.
import { parentPort, workerData } from 'node:worker_threads';
import { isMlinferError } from '../errors.js';
import { modelFromBytes } from '../model/model.js';
import { type ChunkConfig, type ChunkResult, type ChunkTask, createChunkProcessor } from './batch-chunk.js';

interface Init {
  modelBytes: Uint8Array;
  config: ChunkConfig;
}

const { modelBytes, config } = workerData as Init;
const process = createChunkProcessor(modelFromBytes(modelBytes), config);

parentPort!.on('message', (msg: { id: number; task: ChunkTask }) => {
  try {
    const result: ChunkResult = process(msg.task);
    const transfer: ArrayBuffer[] = [];
    if (msg.task.kind === 'text') {
      // The input goes back to the main thread, whose splitter fills it again: no new buffer per piece.
      result.spent = msg.task.bytes;
      transfer.push(msg.task.bytes.buffer as ArrayBuffer);
    }
    if (result.scores) transfer.push(result.scores.buffer as ArrayBuffer);
    if (result.valid) transfer.push(result.valid.buffer as ArrayBuffer);
    if (result.text instanceof Uint8Array) transfer.push(result.text.buffer as ArrayBuffer);
    parentPort!.postMessage({ id: msg.id, result }, transfer);
  } catch (e) {
    const code = isMlinferError(e) ? e.code : 'MLI_WORKER_FAILED';
    parentPort!.postMessage({ id: msg.id, error: { code, message: (e as Error)?.message ?? String(e) } });
  }
});
