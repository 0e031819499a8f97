// A scoring worker thread of a ScoringPool (score-threads-node.ts): it gets the forest's arrays (in shared
// memory, not copied) and its slots once, then answers each piece "score `rows` rows of slot k" with its id.
// The rows and the outputs stay in the slots' shared memory: nothing but the two numbers crosses threads.
import { parentPort, workerData } from 'node:worker_threads';
import { isMlinferError } from '../errors.js';
import { createScorer } from '../forest/compiled.js';
import type { ForestArrays } from '../forest/types.js';

/** What a scoring worker starts with. */
export interface ScoreWorkerInit {
  arrays: ForestArrays;
  /** Per slot: room for a piece's rows (nFeatures values each), on SharedArrayBuffers. */
  inputs: Float64Array[];
  /** Per slot: room for a piece's outputs (nOutputs values a row), on SharedArrayBuffers. */
  outputs: Float64Array[];
}

/** A piece: score the first `rows` rows of slot `slot` into the slot's outputs. */
export interface ScorePiece {
  id: number;
  slot: number;
  rows: number;
}

export type ScoreReply = { id: number } | { id: number; error: { code: string; message: string } };

const { arrays, inputs, outputs } = workerData as ScoreWorkerInit;
const scorer = createScorer(arrays);
const d = arrays.nFeatures;

parentPort!.on('message', ({ id, slot, rows }: ScorePiece) => {
  try {
    scorer.scoreMatrix(
      { data: inputs[slot].subarray(0, rows * d), nRows: rows, nFeatures: d },
      outputs[slot],
    );
    parentPort!.postMessage({ id } satisfies ScoreReply);
  } catch (e) {
    const code = isMlinferError(e) ? e.code : 'MLI_WORKER_FAILED';
    parentPort!.postMessage({
      id,
      error: { code, message: (e as Error)?.message ?? String(e) },
    } satisfies ScoreReply);
  }
});
