import { describe, expect, it } from 'vitest';
import { publishedSiteText } from './text.ts';

const prestonNewRoad = {
  roadNumber: 'A584',
  roadName: 'Preston New Rd',
  qualifier: 'from Clifton Business Park to Blackpool Rd',
  direction: 'eastbound',
  speedLimitMph: 50,
  limitKind: 'limit',
  locality: 'Freckleton',
};

describe('publishedSiteText', () => {
  it("writes the partnership's line for a full record", () => {
    expect(publishedSiteText(prestonNewRoad)).toBe('A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton');
  });

  it('reads "(20mph zone)" for a zone', () => {
    expect(publishedSiteText({ roadName: 'Garstang Rd', speedLimitMph: 20, limitKind: 'zone', locality: 'Broughton' })).toBe('Garstang Rd (20mph zone), Broughton');
  });

  it('leaves out absent parts and their commas', () => {
    expect(publishedSiteText({ ...prestonNewRoad, qualifier: null })).toBe('A584 Preston New Rd, eastbound (50mph), Freckleton');
    expect(publishedSiteText({ ...prestonNewRoad, direction: '' })).toBe('A584 Preston New Rd, from Clifton Business Park to Blackpool Rd (50mph), Freckleton');
    expect(publishedSiteText({ ...prestonNewRoad, roadNumber: null, qualifier: undefined, direction: '  ' })).toBe('Preston New Rd (50mph), Freckleton');
    expect(publishedSiteText({ ...prestonNewRoad, locality: null })).toBe('A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph)');
  });

  it('tidies stray spaces in the fields', () => {
    expect(publishedSiteText({ ...prestonNewRoad, roadName: ' Preston   New Rd ', locality: 'Freckleton ' })).toBe(
      'A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton',
    );
  });

  it('shows a motorway with its number only', () => {
    expect(publishedSiteText({ roadNumber: 'M55', roadName: null, qualifier: 'J3 to J4', direction: 'both directions', speedLimitMph: 70, locality: 'Kirkham' })).toBe(
      'M55, J3 to J4, both directions (70mph), Kirkham',
    );
  });
});
