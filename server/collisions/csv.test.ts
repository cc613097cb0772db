import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvFieldText, csvLine, csvStream } from './csv.ts';

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

describe('csvField against formula injection', () => {
  it('prefixes text starting with = + - @ with a single quote, so a spreadsheet shows it as text', () => {
    expect(csvField('=HYPERLINK("http://x.example","click")')).toBe(`"'=HYPERLINK(""http://x.example"",""click"")"`);
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('+44 1772 000000')).toBe("'+44 1772 000000");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('- lights lit')).toBe("'- lights lit");
    expect(csvField('@SUM(A1:A2)')).toBe("'@SUM(A1:A2)");
  });

  it('prefixes text starting with a tab or carriage return, quoting it when it holds a line break', () => {
    expect(csvField('\t=1+2')).toBe("'\t=1+2");
    expect(csvField('\r=1+2')).toBe(`"'\r=1+2"`);
  });

  it('keeps numbers, negative ones and numeric strings included, as they are', () => {
    expect(csvField(-2.7)).toBe('-2.7');
    expect(csvField(-42)).toBe('-42');
    expect(csvField(1e-7)).toBe('1e-7');
    expect(csvField('-2.490762')).toBe('-2.490762');
    expect(csvField('+3')).toBe('+3');
    expect(csvField('-.5')).toBe('-.5');
    expect(csvField('-1.5e3')).toBe('-1.5e3');
  });

  it('leaves text with = + - @ further in alone', () => {
    expect(csvField('A6 - Garstang Road')).toBe('A6 - Garstang Road');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('user@example.org')).toBe('user@example.org');
    expect(csvField(true)).toBe('true');
  });

  it('reads back through a CSV parser as the quoted text', () => {
    const line = csvLine(['=cmd|"/C calc"!A0', -1.25, '-1.25', '@x, y']);
    expect(parse(line)).toEqual([["'=cmd|\"/C calc\"!A0", '-1.25', '-1.25', "'@x, y"]]);
  });
});

describe('csvFieldText', () => {
  it('reads back what csvField wrote, dropping only the quote it added', () => {
    for (const value of ['=1+2', '-2.8801 53.7566 eastbound', '@x', '+44 1772', '\t=x', "'quoted already", "it's", '-2.5', 'plain']) {
      expect(csvFieldText((parse(csvLine([value])) as string[][])[0]![0]!)).toBe(value);
    }
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
