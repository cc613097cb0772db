import { describe, expect, it } from 'vitest';
import { geometryWkt, spreadsheetSafe } from './csv.ts';

describe('concern CSV export', () => {
  it('defuses text a spreadsheet would run as a formula', () => {
    expect(spreadsheetSafe('=HYPERLINK("http://evil")')).toBe('\'=HYPERLINK("http://evil")');
    expect(spreadsheetSafe('-1+1')).toBe("'-1+1");
    expect(spreadsheetSafe('Cars race past the school')).toBe('Cars race past the school');
    expect(spreadsheetSafe(null)).toBeNull();
  });

  it('writes geometry as WKT', () => {
    expect(geometryWkt({ type: 'Point', coordinates: [-2.7031, 53.7632] })).toBe('POINT(-2.7031 53.7632)');
    expect(
      geometryWkt({
        type: 'LineString',
        coordinates: [
          [-2.7, 53.77],
          [-2.71, 53.78],
        ],
      }),
    ).toBe('LINESTRING(-2.7 53.77, -2.71 53.78)');
  });
});
