/**
 * Drift in batch runs: each piece counts its rows on the training profile's bins where it is scored (in the
 * worker, on the rows it has just encoded and scored: one bin search per cell, no second pass over the
 * input), the main thread adds the pieces up, and the file run compares the sum with the profile at the end.
 * No `node:` imports (the chunk side runs in workers).
 */

import { MlinferError } from '../errors.js';
import { compareDrift, type DriftOptions, type DriftReport, resolveDriftOptions } from '../model/drift.js';
import {
  addDriftOutputs,
  addUnseen,
  type DriftCounts,
  emptyDriftCounts,
  mergeDriftCounts,
  requireProfile,
} from '../model/drift-counts.js';
import type { Model } from '../model/model.js';

/**
 * Whether a run counts drift: by default when the model has a training profile; `false` never; `true` or
 * options always, and a model without a profile is then an error (MLI_NO_PROFILE) before anything is read.
 */
export function wantsDrift(model: Model, option: boolean | DriftOptions | undefined): boolean {
  if (option === false) return false;
  if (option === undefined) return model.profile !== null;
  if (typeof option === 'object') resolveDriftOptions(option);
  requireProfile(model);
  return true;
}

/**
 * The per-feature unseen categories an encoder met since the previous call (its counters run over the run).
 *
 * @example
 * const unseenSince = createUnseenDelta(encoder.unknownCategoryCounts);
 * addUnseen(counts, unseenSince());
 */
export function createUnseenDelta(running: Uint32Array): () => Uint32Array {
  const seen = new Uint32Array(running.length);
  return () => {
    const delta = new Uint32Array(running.length);
    for (let f = 0; f < delta.length; f++) delta[f] = running[f] - seen[f];
    seen.set(running);
    return delta;
  };
}

/** A piece's drift counting: `begin` before scoring (the scorer counts the feature bins), `finish` after. */
export interface PieceDrift {
  /** Fresh counts; pass `counts.features` to `scorer.scoreMatrix(X, out, counts.features)`. */
  begin(): DriftCounts;
  /** Adds the piece's outputs and its unseen categories (`unknown`: the encoder's running per-feature counts). */
  finish(
    counts: DriftCounts,
    nRows: number,
    outputs: ArrayLike<number>,
    unknown: Uint32Array | null,
  ): DriftCounts;
}

/**
 * Drift counting for a worker's pieces. The feature bins are counted by the scorer while it bins the rows for
 * the walk (a second bin search per cell cost a fifth of a batch run's time); unseen categories are the
 * encoder's running counters, differenced piece by piece.
 *
 * @example
 * const drift = createPieceDrift(model);
 * const counts = drift.begin();
 * const scores = scorer.scoreMatrix(X, undefined, counts.features);
 * result.drift = drift.finish(counts, X.nRows, scores, encoder.unknownCategoryCounts);
 */
export function createPieceDrift(model: Model): PieceDrift {
  const profile = requireProfile(model);
  const arrays = model.forest.arrays;
  let unseenSince: (() => Uint32Array) | null = null;
  return {
    begin: () => emptyDriftCounts(arrays, profile),
    finish(counts, nRows, outputs, unknown) {
      addDriftOutputs(counts, arrays, profile, nRows, outputs);
      if (unknown) {
        unseenSince ??= createUnseenDelta(unknown);
        addUnseen(counts, unseenSince());
      }
      return counts;
    },
  };
}

/** The main thread's sum of the pieces' counts, and the comparison at the end. */
export interface RunDrift {
  add(counts: DriftCounts | undefined): void;
  report(): DriftReport;
}

export function createRunDrift(model: Model, option: boolean | DriftOptions | undefined): RunDrift | null {
  if (!wantsDrift(model, option)) return null;
  const profile = requireProfile(model);
  const total = emptyDriftCounts(model.forest.arrays, profile);
  const options = typeof option === 'object' ? option : {};
  return {
    add(counts) {
      if (!counts)
        throw new MlinferError('MLI_INTERNAL', 'a scored piece came back without its drift counts');
      mergeDriftCounts(total, counts);
    },
    report: () => compareDrift(model, profile, total, options),
  };
}
