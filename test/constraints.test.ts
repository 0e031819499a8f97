import { describe, expect, it } from 'vitest';
import { assertOptions, c, checkOptions, optionIssue, pathName, type Spec } from '../src/constraints.js';
import { MlinferError } from '../src/errors.js';

const messages = (options: unknown, spec: Spec) => checkOptions(options, spec).map((i) => i.message);

describe('option constraints', () => {
  it('words every form the same way', () => {
    expect(c.integer().expected).toBe('an integer');
    expect(c.integer({ min: 1 }).expected).toBe('an integer >= 1');
    expect(c.integer({ min: 2, max: 255 }).expected).toBe('an integer from 2 to 255');
    expect(c.integer({ min: 0, max: 10, closed: 'left' }).expected).toBe('an integer in [0, 10)');
    expect(c.number({ min: 0 }).expected).toBe('a number >= 0');
    expect(c.number({ min: 0, closed: 'neither' }).expected).toBe('a number > 0');
    expect(c.number({ max: 1, closed: 'left' }).expected).toBe('a number < 1');
    expect(c.fraction('neither').expected).toBe('a fraction in (0, 1)');
    expect(c.fraction('left').expected).toBe('a fraction in [0, 1)');
    expect(c.fraction('right').expected).toBe('a fraction in (0, 1]');
    expect(c.oneOf('a').expected).toBe("'a'");
    expect(c.oneOf('a', 'b').expected).toBe("one of 'a', 'b'");
  });

  it('honours open and closed bounds', () => {
    const open = c.fraction('neither');
    expect([0, 0.5, 1].map((v) => open.test(v))).toEqual([false, true, false]);
    const closed = c.fraction('both');
    expect([0, 1, 1.01, Number.NaN].map((v) => closed.test(v))).toEqual([true, true, false, false]);
    const int = c.integer({ min: 1 });
    expect([1, 0, 1.5, '2', Number.MAX_SAFE_INTEGER + 2].map((v) => int.test(v))).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(c.number().test(Number.POSITIVE_INFINITY)).toBe(false);
  });

  it('reports every problem with its path in one format, unknown and missing keys too', () => {
    const spec: Spec = {
      maxDepth: [c.integer({ min: 1 }), c.null],
      mode: { anyOf: [c.oneOf('fast', 'exact')], required: true },
      signal: [c.signal],
      onDone: [c.function],
      names: [c.array(c.string({ nonEmpty: true }), 'an array of column names')],
      weights: [c.record(c.number({ min: 0 }), 'an object of weights')],
    };
    expect(
      messages(
        { maxDepth: -1, signal: {}, onDone: 1, names: ['a', ''], weights: { x: -1, y: 2 }, extra: 1 },
        spec,
      ),
    ).toEqual([
      'unknown option extra',
      'maxDepth must be an integer >= 1 or null, got -1',
      'mode is required',
      'signal must be an AbortSignal, got {}',
      'onDone must be a function, got 1',
      'names[1] must be a non-empty string, got ""',
      'weights.x must be a number >= 0, got -1',
    ]);
    const [issue] = checkOptions({ maxDepth: 0, mode: 'fast' }, spec);
    expect(issue).toEqual({
      path: ['maxDepth'],
      message: 'maxDepth must be an integer >= 1 or null, got 0',
      expected: 'an integer >= 1 or null',
      received: '0',
      kind: 'invalid_option',
    });
    expect(
      checkOptions({ mode: 'exact', signal: new AbortController().signal, maxDepth: null }, spec),
    ).toEqual([]);
    expect(messages({ names: 'a', mode: 'fast' }, spec)).toEqual([
      'names must be an array of column names, got "a"',
    ]);
  });

  it('leaves undefined values, extra keys and (when asked) unknown keys alone', () => {
    const spec: Spec = { n: [c.integer()] };
    expect(checkOptions({ n: undefined, other: undefined }, spec)).toEqual([]);
    expect(checkOptions({ mine: 1 }, spec, { extraKeys: ['mine'] })).toEqual([]);
    expect(checkOptions({ mine: 1 }, spec, { rejectUnknown: false })).toEqual([]);
    expect(checkOptions(undefined, spec)).toEqual([]);
  });

  it('explains a known trap instead of listing the forms', () => {
    const spec: Spec = {
      share: {
        anyOf: [c.integer({ min: 2 }), c.fraction('neither')],
        explain: (v) => (v === 1 ? '1 is ambiguous' : undefined),
      },
    };
    expect(messages({ share: 1 }, spec)).toEqual(['share 1 is ambiguous']);
    expect(messages({ share: 0 }, spec)).toEqual([
      'share must be an integer >= 2 or a fraction in (0, 1), got 0',
    ]);
  });

  it('refuses options that are not an object, and throws MLI_INVALID_OPTION listing every issue', () => {
    expect(messages(5, {})).toEqual(['options must be an object, got 5']);
    expect(checkOptions([], {}, { what: 'CSV options' })[0].message).toBe(
      'CSV options must be an object, got []',
    );
    try {
      assertOptions({ a: 0, b: 'x' }, { a: [c.integer({ min: 1 })], b: [c.boolean] }, 'test options');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MlinferError);
      expect((e as MlinferError).code).toBe('MLI_INVALID_OPTION');
      expect((e as MlinferError).message).toBe(
        'invalid test options: a must be an integer >= 1, got 0; b must be a boolean, got "x"',
      );
      expect((e as MlinferError).issues).toHaveLength(2);
    }
  });

  it('names nested paths and words cross-option rules the same way', () => {
    expect(pathName(['classWeight', 'yes'])).toBe('classWeight.yes');
    expect(pathName(['exclude', 2])).toBe('exclude[2]');
    expect(optionIssue(['oobScore'], 'false when bootstrap is false', true).message).toBe(
      'oobScore must be false when bootstrap is false, got true',
    );
  });
});
