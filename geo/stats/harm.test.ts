import { describe, expect, it } from 'vitest';
import { harmScore, ksiValue, type CollisionValues } from './harm.ts';

// Round, illustrative values (not a published table).
const values: CollisionValues = { version: 'test-2024', priceYear: 2024, fatalGbp: 2_000_000, seriousGbp: 250_000, slightGbp: 25_000 };

describe('ksiValue', () => {
  it('weights fatal and serious values by the fatal share of KSI collisions', () => {
    // 0.1 × 2,000,000 + 0.9 × 250,000 = 425,000
    expect(ksiValue(values, 0.1)).toBe(425_000);
    expect(ksiValue(values, 0)).toBe(250_000);
    expect(ksiValue(values, 1)).toBe(2_000_000);
  });

  it('rejects a share outside [0, 1] and a negative value in the table', () => {
    expect(() => ksiValue(values, 1.2)).toThrow(/Fatal share .* got 1.2/);
    expect(() => ksiValue({ ...values, slightGbp: -1 }, 0.1)).toThrow(/slightGbp \(table test-2024\) .* got -1/);
  });
});

describe('harmScore', () => {
  it('values KSI excess at the KSI value and the rest of the excess at the slight value, per year', () => {
    // (2 × 425,000 + (5 − 2) × 25,000) / 5 years = 925,000 / 5 = 185,000 £/year
    expect(harmScore(2, 5, 5, 425_000, 25_000)).toBe(185_000);
  });

  it('gives no credit for negative excess', () => {
    // KSI deficit of 1 with 2 excess overall means 3 excess slight collisions: 3 × 25,000 / 5 = 15,000.
    expect(harmScore(-1, 2, 5, 425_000, 25_000)).toBe(15_000);
    expect(harmScore(-1, -3, 5, 425_000, 25_000)).toBe(0);
    // More KSI excess than all-injury excess (the two models are fitted separately): slight part is 0.
    expect(harmScore(2, 1, 5, 425_000, 25_000)).toBe(170_000);
  });

  it('rejects a period that is not positive and non-finite excess', () => {
    expect(() => harmScore(1, 1, 0, 1, 1)).toThrow(/Period .* got 0/);
    expect(() => harmScore(Number.NaN, 1, 5, 1, 1)).toThrow(/Excess counts must be finite/);
    expect(() => harmScore(1, 1, 5, -1, 1)).toThrow(/Collision values must be ≥ 0/);
  });
});
