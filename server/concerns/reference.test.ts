import { describe, expect, it } from 'vitest';
import { formatReference, hashStatusToken, newStatusToken, REFERENCE_PATTERN, reporterKeyOfEmail, tokenMatches } from './reference.ts';

describe('concern references and tokens', () => {
  it('formats references as CON-YYYY-NNNNNN and grows past a million', () => {
    expect(formatReference(2026, 42)).toBe('CON-2026-000042');
    expect(formatReference(2026, 1_234_567)).toBe('CON-2026-1234567');
    expect(REFERENCE_PATTERN.test('CON-2026-1234567')).toBe(true);
  });

  it('makes 43-character random tokens and matches them only against their own hash', () => {
    const token = newStatusToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenMatches(token, [hashStatusToken('other'), hashStatusToken(token)])).toBe(true);
    expect(tokenMatches(token, [hashStatusToken(newStatusToken())])).toBe(false);
    expect(tokenMatches('', [hashStatusToken(token)])).toBe(false);
  });

  it('keys reporters by their email, whatever its case and spaces', () => {
    expect(reporterKeyOfEmail('  Resident@Example.org ')).toBe(reporterKeyOfEmail('resident@example.org'));
  });
});
