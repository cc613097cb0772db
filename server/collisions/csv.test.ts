import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvStream } from './csv.ts';

describe('csvField', () => {
  it('leaves plain values as they are and writes null as an empty field', () => {
    expect(csvField('E07000123')).toBe('E07000123');
    expect(csvField(-2.490762)).toBe('-2.490762');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });

  it('quotes values with commas, quotes, line breaks or edge spaces, doubling inner quotes', () => {
    expect(csvField('Darkness - lights lit, partly')).toBe('"Darkness - lights lit, partly"');
    expect(csvField('the "A6"')).toBe('"the ""A6"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
  });
});

describe('csvStream', () => {
  it('writes a header and every record of every batch, which a CSV parser reads back unchanged', async () => {
    const records = [
      { a: 'x, y', b: 1 },
      { a: 'say "hi"', b: null },
      { a: 'plain', b: 3.5 },
    ];
    async function* batches() {
      yield records.slice(0, 2);
      yield records.slice(2);
    }
    const body = await text(
      csvStream(['a', 'b'], (r: (typeof records)[number]) => [r.a, r.b], batches()),
    );
    expect(body.startsWith(csvLine(['a', 'b']))).toBe(true);
    expect(parse(body, { columns: true })).toEqual([
      { a: 'x, y', b: '1' },
      { a: 'say "hi"', b: '' },
      { a: 'plain', b: '3.5' },
    ]);
  });
});
