// The scoring pool (createScoringPool): the same numbers as the single-threaded scorer, bit for bit, from
// worker threads; every option message; a worker's failure as an MlinferError; close and calls in flight.
import { afterAll, describe, expect, it } from 'vitest';
import { MlinferError } from '../../src/errors.js';
import { createScorer } from '../../src/forest/compiled.js';
import { fitForestSync } from '../../src/forest/fit.js';
import type { ForestArrays } from '../../src/forest/types.js';
import { createScoringPool, type ScoringPool } from '../../src/predict/score-pool-node.js';
import { pieceRows, startScoreThreads } from '../../src/predict/score-threads-node.js';
import { makeClassification } from '../forest/helpers.js';
import {
  expectSame,
  type RandomForestOptions,
  randomForest,
  rng,
  scoringRows,
} from '../model/forest-fixtures.js';

const additive = (seed: number, o: RandomForestOptions): ForestArrays => {
  const forest = randomForest(seed, o);
  const r = rng(seed + 1);
  forest.leafValues = forest.leafValues.map(() => (r() - 0.5) * 4);
  forest.additive = { aggregate: 'sum', baseScores: Float64Array.from([0.25, -0.5, 0.125]), link: 'softmax' };
  return forest;
};

const cases: [string, ForestArrays][] = [
  [
    'classification, categories and missing values, float64 leaves',
    randomForest(11, {
      task: 'classification',
      nTrees: 13,
      nFeatures: 7,
      nOutputs: 3,
      maxDepth: 9,
      float64Rate: 0.3,
    }),
  ],
  [
    'regression, numeric only (WebAssembly blocks)',
    randomForest(12, {
      task: 'regression',
      nTrees: 17,
      nFeatures: 6,
      nOutputs: 1,
      maxDepth: 12,
      categoricalRate: 0,
    }),
  ],
  [
    'additive (summed raw scores, base scores, softmax)',
    additive(13, { task: 'classification', nTrees: 9, nFeatures: 5, nOutputs: 3, maxDepth: 8 }),
  ],
];

const pools: ScoringPool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.close())));

describe('createScoringPool: the single-threaded numbers, bit for bit', () => {
  for (const [name, forest] of cases)
    it(`${name}: pieces of 37 rows on 2 threads, calls at once, odd sizes`, async () => {
      const pool = createScoringPool(forest, { threads: 2, chunkRows: 37 });
      pools.push(pool);
      expect(pool.threads).toBe(2);
      const scorer = createScorer(forest);
      // 8192 * 2 + 13 rows: a scorer block and more in one piece is not needed for equality, but several
      // pieces per thread, a short last piece, fewer rows than threads, one row and none are
      const sizes = [1000, 8192 * 2 + 13, 1, 3, 0];
      const Xs = sizes.map((n, i) => scoringRows(forest, n, i + 1));
      const outs = await Promise.all(Xs.map((X) => pool.scoreMatrix(X)));
      for (const [i, X] of Xs.entries()) expectSame(outs[i], scorer.scoreMatrix(X));
    }, 60_000);

  it('a fitted forest: predict and predictProba as forest.predict and forest.predictProba', async () => {
    const { X, y } = makeClassification(3000, 8, 5);
    const forest = fitForestSync(X, y, { task: 'classification', nEstimators: 10, seed: 3 });
    const pool = createScoringPool(forest, { threads: 2 });
    pools.push(pool);
    expectSame(await pool.predictProba(X), forest.predictProba(X));
    expectSame(await pool.predict(X), forest.predict(X));
  }, 60_000);

  it('threads: 0 scores on the calling thread, with the same numbers', async () => {
    const forest = cases[0][1];
    const pool = createScoringPool(forest, { threads: 0 });
    expect(pool.threads).toBe(0);
    const X = scoringRows(forest, 500, 9);
    expectSame(await pool.scoreMatrix(X), createScorer(forest).scoreMatrix(X));
    await pool.close();
    await expect(pool.scoreMatrix(X)).rejects.toMatchObject({ code: 'MLI_ABORTED' });
  });
});

describe('pieceRows', () => {
  it('splits a call into at least one piece per thread, of even sizes, at most chunkRows rows', () => {
    expect(pieceRows(1_000_000, 16384, 2)).toBe(16130);
    expect(pieceRows(20_000, 16384, 2)).toBe(10_000);
    expect(pieceRows(3, 16384, 8)).toBe(1);
  });
});

describe('createScoringPool: options and inputs', () => {
  const forest = cases[0][1];
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(MlinferError);
      expect((e as MlinferError).code).toBe('MLI_INVALID_OPTION');
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('threads must be an integer >= 0', () => {
    expect(message(() => createScoringPool(forest, { threads: -1 }))).toBe(
      'invalid scoring pool options: threads must be an integer >= 0, got -1',
    );
  });

  it('threads must be an integer, not a fraction', () => {
    expect(message(() => createScoringPool(forest, { threads: 1.5 }))).toBe(
      'invalid scoring pool options: threads must be an integer >= 0, got 1.5',
    );
  });

  it('chunkRows must be an integer >= 1', () => {
    expect(message(() => createScoringPool(forest, { chunkRows: 0 }))).toBe(
      'invalid scoring pool options: chunkRows must be an integer >= 1, got 0',
    );
  });

  it('unknown options are named', () => {
    expect(message(() => createScoringPool(forest, { thread: 2 } as never))).toBe(
      'invalid scoring pool options: unknown option thread',
    );
  });

  it('the source must be a model, a fitted forest or forest arrays', () => {
    expect(message(() => createScoringPool({ nodes: [] } as never))).toBe(
      'createScoringPool takes a Model, a FittedForest or ForestArrays, got {"nodes":[]}',
    );
  });

  it('X of another width rejects with MLI_SCHEMA_MISMATCH', async () => {
    const pool = createScoringPool(forest, { threads: 0 });
    await expect(
      pool.scoreMatrix({ data: new Float64Array(6), nRows: 2, nFeatures: 3 }),
    ).rejects.toMatchObject({
      code: 'MLI_SCHEMA_MISMATCH',
      message: 'X must have 7 features per row, got 3 (data length 6)',
    });
  });

  it('X.data must be a Float64Array', async () => {
    const pool = createScoringPool(forest, { threads: 0 });
    await expect(pool.scoreMatrix({ data: [1, 2] as never, nRows: 1, nFeatures: 2 })).rejects.toMatchObject({
      code: 'MLI_INVALID_DATA',
      message: 'X.data must be a Float64Array, got [1,2]',
    });
  });

  it('predictProba of a regression forest rejects with MLI_INVALID_OPTION', async () => {
    const pool = createScoringPool(cases[1][1], { threads: 0 });
    await expect(pool.predictProba(scoringRows(cases[1][1], 2, 1))).rejects.toMatchObject({
      code: 'MLI_INVALID_OPTION',
      message: 'predictProba needs a classification forest',
    });
  });
});

describe('the worker threads: failures and closing', () => {
  const forest = cases[1][1];
  const X = scoringRows(forest, 100, 3);
  /** A worker that runs `body` (CommonJS, with parentPort) instead of the scoring worker. */
  const fake = (body: string) =>
    startScoreThreads(
      { kind: 'eval', code: `const { parentPort } = require('node:worker_threads');\n${body}` },
      forest,
      2,
      16,
    );

  it('an error a worker reports rejects that call as an MlinferError with its code', async () => {
    const runner = fake(
      `parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, error: { code: 'MLI_INVALID_DATA', message: 'bad piece' } }));`,
    );
    const e = await runner.score(X, new Float64Array(100)).catch((x) => x);
    expect(e).toBeInstanceOf(MlinferError);
    expect(e).toMatchObject({ code: 'MLI_INVALID_DATA', message: 'bad piece' });
    await runner.close();
  });

  it('a worker that throws fails the pool: this call and later ones reject with MLI_WORKER_FAILED', async () => {
    const runner = fake(`parentPort.on('message', () => { throw new Error('boom'); });`);
    const e = await runner.score(X, new Float64Array(100)).catch((x) => x);
    expect(e).toBeInstanceOf(MlinferError);
    expect(e).toMatchObject({ code: 'MLI_WORKER_FAILED', message: 'scoring worker crashed: boom' });
    await expect(runner.score(X, new Float64Array(100))).rejects.toBe(e);
    await runner.close();
  });

  it('a worker that exits fails the pool with its exit code', async () => {
    const runner = fake(`parentPort.on('message', () => process.exit(3));`);
    await expect(runner.score(X, new Float64Array(100))).rejects.toMatchObject({
      code: 'MLI_WORKER_FAILED',
      message: 'scoring worker exited with code 3',
    });
    await runner.close();
  });

  it('close() lets the calls already made finish, then later calls reject with MLI_ABORTED', async () => {
    const pool = createScoringPool(forest, { threads: 2, chunkRows: 16 });
    const running = pool.scoreMatrix(X);
    const closed = pool.close();
    expectSame(await running, createScorer(forest).scoreMatrix(X));
    await closed;
    await expect(pool.scoreMatrix(X)).rejects.toMatchObject({
      code: 'MLI_ABORTED',
      message: 'the scoring pool is closed',
    });
  }, 60_000);
});
