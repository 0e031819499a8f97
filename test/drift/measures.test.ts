// The drift measures against values computed by hand (shown in the comments), and the options' messages.
import { describe, expect, it } from 'vitest';
import { jensenShannon, PSI_EPSILON, psi, resolveDriftOptions } from '../../src/model/drift.js';

describe('population stability index', () => {
  it('matches the hand-computed value', () => {
    // shares e = [0.5, 0.5], a = [0.25, 0.75]: (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5) = 0.274653
    expect(psi([50, 50], [25, 75])).toBeCloseTo(0.2746531, 6);
    // counts, not shares: the scale of either side does not matter
    expect(psi([5, 5], [250, 750])).toBeCloseTo(0.2746531, 6);
  });

  it('takes an empty bin as PSI_EPSILON, and adds nothing for a bin empty on both sides', () => {
    expect(PSI_EPSILON).toBe(1e-4);
    // e = [1, 1e-4], a = [0.9, 0.1]: (0.9 - 1) ln 0.9 + (0.1 - 1e-4) ln(0.1 / 1e-4) = 0.0105361 + 0.6900849
    expect(psi([100, 0], [90, 10])).toBeCloseTo(0.700621, 5);
    expect(psi([100, 0, 0], [90, 10, 0])).toBeCloseTo(0.700621, 5);
  });

  it('is 0 for equal distributions and for an empty side', () => {
    expect(psi([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(psi([1, 2], [0, 0])).toBe(0);
  });
});

describe('Jensen-Shannon distance (base 2)', () => {
  it('matches the hand-computed value', () => {
    // m = [0.375, 0.625]; KL(p||m) = 0.5 log2(0.5/0.375) + 0.5 log2(0.5/0.625) = 0.0465546
    // KL(q||m) = 0.25 log2(0.25/0.375) + 0.75 log2(0.75/0.625) = 0.0510352; sqrt((0.0465546 + 0.0510352) / 2)
    expect(jensenShannon([50, 50], [25, 75])).toBeCloseTo(0.2208958, 6);
  });

  it('is 1 for disjoint distributions and 0 for equal ones', () => {
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannon([3, 1], [6, 2])).toBe(0);
  });
});

describe('drift options', () => {
  it('default to PSI 0.1 / 0.25 and 10 bins', () => {
    expect(resolveDriftOptions()).toEqual({ psiWatch: 0.1, psiAct: 0.25, bins: 10 });
  });

  it('say what is wrong with each bad option', () => {
    expect(() => resolveDriftOptions({ psiWatch: 0 })).toThrow('psiWatch must be a number > 0, got 0');
    expect(() => resolveDriftOptions({ psiAct: -1 })).toThrow('psiAct must be a number > 0, got -1');
    expect(() => resolveDriftOptions({ bins: 1 })).toThrow('bins must be an integer from 2 to 255, got 1');
    expect(() => resolveDriftOptions({ psiWatch: 0.3, psiAct: 0.2 })).toThrow(
      'psiWatch must not be above psiAct, got psiWatch 0.3 and psiAct 0.2',
    );
    expect(() => resolveDriftOptions({ psiWacth: 0.3 } as never)).toThrow(/psiWacth/);
  });
});
