import { describe, expect, it } from 'vitest';
import { detectProperties } from './import.ts';

describe('ONS boundary property detection', () => {
  it('finds the LADxxCD / LADxxNM pair', () => {
    expect(detectProperties({ OBJECTID: 8, LAD17CD: 'E06000008', LAD17NM: 'Blackburn with Darwen', LAD17NMW: ' ' })).toEqual({ codeProperty: 'LAD17CD', nameProperty: 'LAD17NM' });
  });

  it('keeps the case of lower-case ONS names and works for other area types', () => {
    expect(detectProperties({ pfa16cd: 'E23000003', pfa16nm: 'Lancashire' })).toEqual({ codeProperty: 'pfa16cd', nameProperty: 'pfa16nm' });
    expect(detectProperties({ WD13CD: 'E05001620', WD13CDO: '00EXMZ', WD13NM: 'Audley', LAD_CODE: 'E06000008' })).toEqual({ codeProperty: 'WD13CD', nameProperty: 'WD13NM' });
  });

  it('prefers the district code when a file carries several area codes', () => {
    expect(detectProperties({ CTY21CD: 'E10000017', LAD21CD: 'E07000123', LAD21NM: 'Preston' })).toEqual({ codeProperty: 'LAD21CD', nameProperty: 'LAD21NM' });
  });

  it('explains what is missing or ambiguous', () => {
    expect(detectProperties({ name: 'x' })).toEqual({ problem: 'has no ONS code property like LAD23CD (properties: name); name it with codeProperty' });
    expect(detectProperties({ WD13CD: 'a', CTY13CD: 'b' })).toEqual({ problem: 'has several ONS code properties (WD13CD, CTY13CD); choose one with codeProperty' });
  });
});
