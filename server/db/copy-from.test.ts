import { describe, expect, it } from 'vitest';
import { copyTextField } from './copy-from.ts';

describe('COPY text-format fields', () => {
  it('writes null as \\N, numbers bare and plain text unchanged', () => {
    expect(copyTextField(null)).toBe('\\N');
    expect(copyTextField(-2.490762)).toBe('-2.490762');
    expect(copyTextField('E01012593')).toBe('E01012593');
  });

  it('escapes backslash, tab, newline and carriage return', () => {
    expect(copyTextField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyTextField('{"make":"FORD \\"FOCUS\\""}')).toBe('{"make":"FORD \\\\"FOCUS\\\\""}');
  });
});
