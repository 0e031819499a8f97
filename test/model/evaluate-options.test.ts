import { describe, expect, it } from 'vitest';
import type { MlinferError } from '../../src/errors.js';
import { evaluate } from '../../src/model/evaluate.js';
import type { Model } from '../../src/model/model.js';

// Options are checked before the model or the data is touched, so no real model is needed here.
const noModel = {} as Model;

async function issuesOf(options: Record<string, unknown>): Promise<string[]> {
  const e = (await evaluate(noModel, '/no/such/file.csv', options).catch((x) => x)) as MlinferError;
  expect(e.code).toBe('MLI_INVALID_OPTION');
  return e.issues.map((i) => i.message);
}

describe('evaluate options', () => {
  it('checks every option up front, each with a precise message', async () => {
    expect(
      await issuesOf({
        delimiter: ';;',
        maxCurvePoints: 1,
        maxScatterPoints: 0,
        calibrationBins: 2.5,
        histogramBins: '30',
        maxListedRows: -1,
        maxExplainedRows: 1.5,
        bins: 3,
      }),
    ).toEqual([
      'unknown option bins',
      'delimiter must be one character, got ";;"',
      'maxCurvePoints must be an integer >= 2, got 1',
      'maxScatterPoints must be an integer >= 1, got 0',
      'calibrationBins must be an integer >= 1, got 2.5',
      'histogramBins must be an integer >= 1, got "30"',
      'maxListedRows must be an integer >= 0, got -1',
      'maxExplainedRows must be an integer >= 0, got 1.5',
    ]);
  });

  it('accepts the boundary values', async () => {
    const e = await evaluate(noModel, '/no/such/file.csv', {
      delimiter: ';',
      maxCurvePoints: 2,
      maxScatterPoints: 1,
      calibrationBins: 1,
      histogramBins: 1,
      maxListedRows: 0,
    }).catch((x) => x);
    expect(e.code).not.toBe('MLI_INVALID_OPTION');
  });
});
