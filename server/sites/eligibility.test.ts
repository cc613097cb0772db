import { describe, expect, it } from 'vitest';
import {
  CRITERIA_PRESETS,
  DEFAULT_SITE_CRITERIA,
  enforcementThresholdMph,
  riskAssessmentLapsedOn,
  siteEligibility,
  suspendedOn,
  tiersByRisk,
  type EligibilityFacts,
} from './eligibility.ts';

const mobile: EligibilityFacts = {
  category: 'mobile_route',
  speedLimitMph: 40,
  stretchLengthM: 2500,
  parkingPositions: 1,
  riskAssessedOn: '2026-01-10',
  riskAssessmentExpiresOn: '2027-01-09',
  warningSigns: true,
  visibilityM: null,
  retired: false,
  ksi: 4,
  survey: null,
};
const survey = (p85Mph: number, shareOverLimit: number, shareOverThreshold: number, limit = 30) => ({
  reference: 'ATC-1',
  surveyedTo: '2026-02-07',
  vehicles: 5000,
  meanMph: 30,
  p85Mph,
  shareOverLimit,
  thresholdMph: enforcementThresholdMph(limit),
  shareOverThreshold,
});
const ON = '2026-03-01';

describe('enforcementThresholdMph', () => {
  it('is limit × 1.1 + 2 rounded up: 25, 35, 46, 57, 68, 79 for 20–70 mph', () => {
    expect([20, 30, 40, 50, 60, 70].map((l) => enforcementThresholdMph(l))).toEqual([25, 35, 46, 57, 68, 79]);
  });
  it('rounds the 20 mph case to 24 when the partnership chooses it', () => {
    expect(enforcementThresholdMph(20, 24)).toBe(24);
    expect(enforcementThresholdMph(30, 24)).toBe(35);
  });
});

describe('siteEligibility', () => {
  it('passes a mobile site with 1.6 KSI per km and says so with the numbers', () => {
    const result = siteEligibility({ ...mobile, ksi: 4 }, DEFAULT_SITE_CRITERIA, ON);
    expect(result.eligible).toBe(true);
    expect(result.reasons).toContain('1.6 KSI per km over 36 months (needs ≥ 1.0 for a mobile site)');
    expect(result.reasons).toContain('stretch 2.50 km (a mobile site is 0.4–5 km)');
    expect(result.reasons).toContain('risk assessment of 2026-01-10, valid to 2027-01-09');
  });

  it('fails the same site under the older national rule of 2 per km', () => {
    const result = siteEligibility({ ...mobile, ksi: 4 }, CRITERIA_PRESETS.older_national, ON);
    expect(result.eligible).toBe(false);
    expect(result.reasons[0]).toBe('1.6 KSI per km over 36 months (needs ≥ 2.0 for a mobile site)');
  });

  it('judges a mobile route longer than 5 km by the route rule (5–20 km)', () => {
    expect(siteEligibility({ ...mobile, stretchLengthM: 8000, ksi: 9 }, DEFAULT_SITE_CRITERIA, ON).reasons).toContain('stretch 8.00 km (a route is 5–20 km)');
    const tooLong = siteEligibility({ ...mobile, stretchLengthM: 25_000, ksi: 60 }, DEFAULT_SITE_CRITERIA, ON);
    expect(tooLong.eligible).toBe(false);
    expect(tooLong.reasons[0]).toBe('stretch 25.00 km (a route is 5–20 km)');
  });

  it('refuses a stretch shorter than 0.4 km', () => {
    const result = siteEligibility({ ...mobile, stretchLengthM: 300, ksi: 3 }, DEFAULT_SITE_CRITERIA, ON);
    expect(result.eligible).toBe(false);
    expect(result.reasons[0]).toBe('stretch 0.30 km (a mobile site is 0.4–5 km)');
  });

  it('judges a motorway site by the mobile rule', () => {
    expect(siteEligibility({ ...mobile, category: 'motorway', speedLimitMph: 70, ksi: 1 }, DEFAULT_SITE_CRITERIA, ON).reasons[0]).toBe(
      '0.4 KSI per km over 36 months (needs ≥ 1.0 for a motorway site (mobile rule))',
    );
  });

  it('asks a fixed site for 3 KSI per km on 0.4–1.5 km, 20% over the limit and an 85th percentile at the threshold', () => {
    const fixed = { ...mobile, category: 'fixed_site' as const, speedLimitMph: 30, stretchLengthM: 1000, ksi: 3 };
    expect(siteEligibility({ ...fixed, survey: survey(36, 0.25, 0.1) }, DEFAULT_SITE_CRITERIA, ON).eligible).toBe(true);
    const slow = siteEligibility({ ...fixed, survey: survey(33.5, 0.15, 0.05) }, DEFAULT_SITE_CRITERIA, ON);
    expect(slow.eligible).toBe(false);
    expect(slow.reasons.slice(0, 2)).toEqual(['15% of drivers over the 30 mph limit (needs ≥ 20%)', '85th percentile 33.5 mph (needs ≥ the 35 mph threshold)']);
    expect(siteEligibility(fixed, DEFAULT_SITE_CRITERIA, ON).reasons[0]).toBe('no speed survey (a fixed site needs ≥ 20% over the limit and an 85th percentile ≥ 35 mph)');
    expect(siteEligibility({ ...fixed, ksi: 3, survey: survey(36, 0.25, 0.1) }, CRITERIA_PRESETS.older_national, ON).eligible).toBe(false);
  });

  it('needs no collisions at a community concern site but a survey that confirms speeding', () => {
    const community = { ...mobile, category: 'community_concern' as const, speedLimitMph: 30, ksi: 0 };
    expect(siteEligibility({ ...community, survey: survey(36.2, 0.5, 0.18) }, DEFAULT_SITE_CRITERIA, ON).eligible).toBe(true);
    // 85th percentile below 35 but 16% at or over it: confirmed by the share.
    expect(siteEligibility({ ...community, survey: survey(34, 0.5, 0.16) }, DEFAULT_SITE_CRITERIA, ON).eligible).toBe(true);
    const quiet = siteEligibility({ ...community, survey: survey(31, 0.3, 0.05) }, DEFAULT_SITE_CRITERIA, ON);
    expect(quiet.eligible).toBe(false);
    expect(quiet.reasons[0]).toBe('survey ATC-1: 85th percentile 31.0 mph, 5% at or over the 35 mph threshold (needs an 85th percentile ≥ 35 mph or ≥ 15% at or over 35 mph)');
    expect(siteEligibility(community, DEFAULT_SITE_CRITERIA, ON).reasons[0]).toMatch(/^no speed survey/);
  });

  it('ignores a survey older than the setting', () => {
    const community = { ...mobile, category: 'community_concern' as const, speedLimitMph: 30, ksi: 0, survey: { ...survey(40, 0.6, 0.4), surveyedTo: '2022-01-31' } };
    const result = siteEligibility(community, DEFAULT_SITE_CRITERIA, ON);
    expect(result.eligible).toBe(false);
    expect(result.reasons[0]).toBe('speed survey ATC-1 ended 2022-01-31, more than 36 months ago');
  });

  it('needs a risk assessment in date, a parking position, warning signs and enough visibility at every site', () => {
    const reasons = (facts: Partial<EligibilityFacts>) => siteEligibility({ ...mobile, ...facts }, DEFAULT_SITE_CRITERIA, ON);
    expect(reasons({ riskAssessedOn: null }).reasons[0]).toBe('no risk assessment');
    expect(reasons({ riskAssessmentExpiresOn: '2026-02-28' }).reasons[0]).toBe('risk assessment expired on 2026-02-28');
    expect(reasons({ riskAssessmentExpiresOn: '2026-03-01' }).eligible).toBe(true);
    expect(reasons({ parkingPositions: 0 }).reasons[0]).toBe('0 safe parking positions (needs ≥ 1)');
    expect(reasons({ warningSigns: false }).reasons[0]).toBe('no camera warning signs');
    expect(reasons({ visibilityM: 50 }).reasons[0]).toBe('van visible from 50 m (needs ≥ 60 m at 40 mph)');
    expect(reasons({ visibilityM: 80, speedLimitMph: 50 }).reasons[0]).toBe('van visible from 80 m (needs ≥ 100 m at 50 mph)');
    expect(reasons({ retired: true }).reasons[0]).toBe('retired from the register');
  });
});

describe('per-date facts', () => {
  it('knows the days a suspension covers, both ends included', () => {
    const suspensions = [{ from: '2026-03-02', to: '2026-03-04' }];
    expect(['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05'].map((d) => suspendedOn(suspensions, d))).toEqual([false, true, true, false]);
  });
  it('knows the days a risk assessment does not cover', () => {
    const ra = { riskAssessedOn: '2026-03-05', riskAssessmentExpiresOn: '2026-03-20' };
    expect(['2026-03-04', '2026-03-05', '2026-03-20', '2026-03-21'].map((d) => riskAssessmentLapsedOn(ra, d))).toEqual([true, false, false, true]);
    expect(riskAssessmentLapsedOn({ riskAssessedOn: null, riskAssessmentExpiresOn: null }, '2026-03-01')).toBe(true);
  });
});

describe('tiersByRisk', () => {
  it('puts the top 20% in tier 1, the next 30% in tier 2 and the rest in tier 3', () => {
    const sites = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, risk: 100 - i }));
    const tiers = tiersByRisk(sites);
    expect(sites.map((s) => tiers.get(s.id))).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 3, 3]);
  });
  it('gives a single site tier 1', () => {
    expect(tiersByRisk([{ id: 7, risk: 0 }]).get(7)).toBe(1);
  });
});
