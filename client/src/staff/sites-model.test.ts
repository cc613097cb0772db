import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, formFromSite, normaliseSite, parseWindows, previewText, siteBody, sortSites } from './sites-model.ts';

const raw = {
  id: 7,
  reference: 'LAN-0007',
  category: 'mobile_route',
  roadNumber: 'A584',
  roadName: 'Preston New Rd',
  qualifier: 'from Clifton Business Park to Blackpool Rd',
  direction: 'eastbound',
  locality: 'Freckleton',
  districtCode: 'E07000119',
  districtName: 'Fylde',
  speedLimitMph: 50,
  limitKind: 'limit',
  stretch: { type: 'LineString', coordinates: [[-2.87, 53.75], [-2.85, 53.76]] },
  parkingPositions: [{ lon: -2.86, lat: 53.755, directions: ['eastbound'], description: 'Lay-by' }],
  timeRestrictions: { daylightOnly: true, windows: [{ from: '07:00', to: '10:00' }] },
  suspensions: [{ from: '2026-03-02', to: '2026-03-04', reason: 'Roadworks' }],
  version: 3,
  publishedText: 'A584 Preston New Rd, from Clifton Business Park to Blackpool Rd, eastbound (50mph), Freckleton',
  evidence: { ksiPerKm: 2.5, survey: { p85Mph: 58 }, riskScore: 120000 },
  eligibility: { eligible: true, tier: 1, reasons: ['2.5 KSI/km'] },
};

describe('the site editor values', () => {
  it('round-trips a site through the form into the API body', () => {
    const body = siteBody(formFromSite(normaliseSite(raw)));
    expect(body).toMatchObject({
      roadNumber: 'A584',
      speedLimitMph: 50,
      stretch: raw.stretch,
      parkingPositions: raw.parkingPositions,
      timeRestrictions: { daylightOnly: true, windows: [{ from: '07:00', to: '10:00' }] },
      suspensions: raw.suspensions,
    });
  });
  it('previews the published line with the server’s own rule', () => {
    expect(previewText(formFromSite(normaliseSite(raw)))).toBe(raw.publishedText);
    expect(previewText({ ...emptyForm(), roadName: 'Church Lane', speedLimitMph: '20', limitKind: 'zone', locality: 'Longton' })).toBe('Church Lane (20mph zone), Longton');
  });
  it('names each field that is missing or wrong before sending', () => {
    const problems = checkForm({ ...emptyForm(), parkingPositions: [{ lon: '-2.8', lat: '', directions: '', description: '' }], riskAssessedOn: '2026-03-01', riskAssessmentExpiresOn: '2026-01-01', windows: '10:00-09:00' }, true);
    expect(problems.map((p) => p.field)).toEqual(['reference', 'roadName', 'locality', 'stretch', 'parkingPositions.0.lat', 'riskAssessmentExpiresOn', 'timeRestrictions.windows']);
  });
  it('reads time windows written loosely and says which one does not read', () => {
    expect(parseWindows('7:30-9:30, 14:30–16:30')).toEqual({ windows: [{ from: '07:30', to: '09:30' }, { from: '14:30', to: '16:30' }], problems: [] });
    expect(parseWindows('mornings').problems).toEqual(['“mornings” is not a window like 07:30-09:30']);
  });
});

describe('sorting the register', () => {
  const sites = [normaliseSite(raw), normaliseSite({ ...raw, id: 8, reference: 'LAN-0010', evidence: {}, eligibility: { eligible: false, reasons: [] } }), normaliseSite({ ...raw, id: 9, reference: 'LAN-0009', evidence: { riskScore: 5 } })];
  it('sorts references as numbers and puts missing values last both ways', () => {
    expect(sortSites(sites, 'reference', false).map((s) => s.reference)).toEqual(['LAN-0007', 'LAN-0009', 'LAN-0010']);
    expect(sortSites(sites, 'risk', true).map((s) => s.id)).toEqual([7, 9, 8]);
    expect(sortSites(sites, 'risk', false).map((s) => s.id)).toEqual([9, 7, 8]);
  });
});
