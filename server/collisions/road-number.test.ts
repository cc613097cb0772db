import { describe, expect, it } from 'vitest';
import { roadNumber } from './road-number.ts';

describe('roadNumber', () => {
  it('writes motorways, A(M), A and B roads as people say them', () => {
    expect(roadNumber(1, 55)).toBe('M55');
    expect(roadNumber(2, 601)).toBe('A601(M)');
    expect(roadNumber(3, 6)).toBe('A6');
    expect(roadNumber(4, 5269)).toBe('B5269');
  });

  it('writes a numbered C road, which DfT rarely records', () => {
    expect(roadNumber(5, 123)).toBe('C123');
  });

  it('gives null for unclassified roads, C roads without a number, and missing values', () => {
    expect(roadNumber(6, 0)).toBeNull();
    expect(roadNumber(5, 0)).toBeNull();
    expect(roadNumber(-1, 12)).toBeNull();
    expect(roadNumber(3, -1)).toBeNull();
    expect(roadNumber(null, 6)).toBeNull();
    expect(roadNumber(3, null)).toBeNull();
  });
});
