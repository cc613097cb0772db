import { describe, expect, it } from 'vitest';
import { isoToEpochMs } from '../calendar/time.ts';
import { checkPlan, type CheckedSession } from './check.ts';
import { averageRanks, planMetrics, quantile, spearman } from './metrics.ts';
import { EARLY, LATE, NIGHT, cleanPlan, fixtureInputs, fixtureSession as at, fixtureSite } from './test-fixtures.ts';
import type { PlanInputs, PlannedSession, Violation } from './types.ts';

const metricsOf = (sessions: PlannedSession[], inputs: PlanInputs = fixtureInputs(), violations: Violation[] = []) => planMetrics(inputs, sessions, violations);

describe('planMetrics: hours', () => {
  it('counts enforcing hours, rostered shift hours and travel base → sites → base', () => {
    const m = metricsOf(cleanPlan());
    expect(m.sessions).toBe(5);
    expect(m.hoursEnforcing).toBeCloseTo(10, 12);
    // Worked shifts: early 7.5 h ×2, late 7.5 h, office 8 h.
    expect(m.hoursRostered).toBeCloseTo(30.5, 12);
    // Travel minutes: 6 + 8 + 10 (VAN-01 early on the 3rd), 6 + 6, 6 + 6, 5 + 5.
    expect(m.hoursTravelling).toBeCloseTo(58 / 60, 12);
    expect(m.productiveShare).toBeCloseTo(10 / 30.5, 12);
    expect(m.targets.productiveShare).toEqual({ value: 10 / 30.5, target: '≥ 70%', met: false });
  });

  it('ignores cancelled sessions', () => {
    const cancelled: CheckedSession = { ...at(1, '2026-12-20', 'early', 1, 101, '07:06', '12:06'), status: 'cancelled' };
    expect(metricsOf([...cleanPlan(), cancelled])).toEqual(metricsOf(cleanPlan()));
  });

  it('measures a shift on the night the clocks go back as 9 hours', () => {
    const inputs = fixtureInputs({ month: '2026-10', shifts: [EARLY, LATE, NIGHT] });
    const m = metricsOf([at(1, '2026-10-24', 'night', 1, 101, '22:06', '05:06', '2026-10-25')], inputs);
    expect(m.hoursRostered).toBe(9);
    expect(m.hoursEnforcing).toBe(8); // 22:06 BST to 05:06 GMT
  });
});

describe('planMetrics: risk', () => {
  it('counts risk-weighted site-days within haloKm and haloDays of a visit, last month’s visits included', () => {
    // A and B are 1.5 km apart (inside the 2 km halo), C is 10 km away.
    const sites = [fixtureSite(1, 'X', 3, 1, 400_000, 400_000), fixtureSite(2, 'X', 1, 3, 401_500, 400_000), fixtureSite(3, 'X', 4, 1, 410_000, 400_000)];
    const inputs = fixtureInputs({ sites, history: [{ siteId: 3, date: '2026-11-29', shift: 'early', vanId: 1 }] });
    const sessions = [at(1, '2026-12-01', 'early', 1, 1, '08:00', '10:00'), at(1, '2026-12-31', 'early', 1, 1, '08:00', '10:00')];
    // A and B: 1–5 Dec and 31 Dec = 6 days each; C: the 29 Nov visit reaches 1–3 Dec = 3 days.
    expect(metricsOf(sessions, inputs).riskCoverage).toBeCloseTo((3 * 6 + 1 * 6 + 4 * 3) / ((3 + 1 + 4) * 31), 12);
    expect(metricsOf(sessions, { ...inputs, options: { ...inputs.options, haloKm: 1 } }).riskCoverage).toBeCloseTo((3 * 6 + 4 * 3) / (8 * 31), 12);
    expect(metricsOf(sessions, { ...inputs, options: { ...inputs.options, haloDays: 1 } }).riskCoverage).toBeCloseTo((3 * 2 + 1 * 2) / (8 * 31), 12);
  });

  it('counts tier 1 sites below their tier minimum', () => {
    const m = metricsOf(cleanPlan());
    expect(m.topTierBelowMinimum).toBe(2); // 101 and 201, one visit each, minimum 4
    expect(m.targets.topTierBelowMinimum!.met).toBe(false);
  });

  it('ranks ties by their average rank', () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
    expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBe(0);
  });

  it('correlates hours with risk over every input site, unvisited sites at 0 hours', () => {
    const sites = [fixtureSite(1, 'X', 4, 1, 400_000, 400_000), fixtureSite(2, 'X', 3, 2, 410_000, 400_000), fixtureSite(3, 'X', 3, 2, 420_000, 400_000), fixtureSite(4, 'X', 1, 3, 430_000, 400_000)];
    const sessions = [at(1, '2026-12-01', 'early', 1, 1, '08:00', '12:00'), at(1, '2026-12-05', 'early', 1, 2, '08:00', '10:00'), at(1, '2026-12-09', 'early', 1, 2, '08:00', '10:00')];
    // Risk ranks 4, 2.5, 2.5, 1; hour ranks 3.5, 3.5, 1.5, 1.5: cov 3, variances 4.5 and 4 → ρ = 3 / √18.
    expect(metricsOf(sessions, fixtureInputs({ sites })).spearmanHoursRisk).toBeCloseTo(3 / Math.sqrt(18), 12);
  });

  it('measures breadth and the top decile’s share of hours', () => {
    const m = metricsOf(cleanPlan());
    expect(m.breadth).toBe(5 / 8);
    expect(m.topDecileHoursShare).toBeCloseTo(0.2, 12); // one site of eight (101, risk 10): 2 of 10 hours
    expect(m.targets.topDecileHoursShare).toEqual({ value: m.topDecileHoursShare, target: '≤ 30%', met: true });
  });

  it('gives each district its hours share ÷ risk share', () => {
    const m = metricsOf(cleanPlan());
    // PRE risk 25 of 36 with 8 of 10 hours; BLA risk 11 of 36 with 2 of 10 hours.
    expect(m.districtFairness).toEqual([
      { districtCode: 'BLA', hoursShare: 0.2, riskShare: 11 / 36, ratio: expect.closeTo(0.2 / (11 / 36), 12) },
      { districtCode: 'PRE', hoursShare: 0.8, riskShare: 25 / 36, ratio: expect.closeTo(0.8 / (25 / 36), 12) },
    ]);
    expect(m.fairnessWithinBand).toBe(false);
    expect(m.targets.districtFairness).toEqual({ value: expect.closeTo(0.2 / (11 / 36), 12), target: 'every district 0.8–1.25 (value: the ratio furthest from 1)', met: false });
  });
});

describe('planMetrics: unpredictability and rotation', () => {
  it('normalises the entropy of site choice per district and shift, weighting groups by visits', () => {
    const sessions = [
      at(1, '2026-12-01', 'early', 1, 101, '08:00', '10:00'),
      at(1, '2026-12-05', 'early', 1, 101, '08:00', '10:00'),
      at(1, '2026-12-09', 'early', 1, 102, '08:00', '10:00'),
      at(1, '2026-12-13', 'early', 1, 103, '08:00', '10:00'),
      at(1, '2026-12-02', 'late', 1, 101, '15:00', '17:00'),
      at(1, '2026-12-06', 'late', 1, 102, '15:00', '17:00'),
      at(2, '2026-12-02', 'early', 1, 201, '08:00', '10:00'),
    ];
    // PRE early: counts 2, 1, 1 → H = 1.5 ln 2 over ln 4 = 0.75 (4 visits); PRE late: 1, 1 → 1 (2 visits);
    // BLA early: one visit, no choice → left out. (4 × 0.75 + 2 × 1) / 6.
    expect(metricsOf(sessions).unpredictabilityEntropy).toBeCloseTo(5 / 6, 12);
  });

  it('compares the "same as last week" hit rate with chance', () => {
    const inputs = fixtureInputs({
      history: [
        { siteId: 201, date: '2026-11-26', shift: 'early', vanId: 2 },
        { siteId: 202, date: '2026-11-26', shift: 'early', vanId: 2 },
      ],
    });
    const sessions = [
      at(2, '2026-12-03', 'early', 1, 201, '08:00', '10:00'), // hit (history); 2 of 3 BLA sites a week earlier
      at(2, '2026-12-03', 'late', 1, 203, '15:00', '17:00'), // miss; 2 of 3
      at(2, '2026-12-10', 'early', 1, 201, '08:00', '10:00'), // hit; 201 and 203 on the 3rd: 2 of 3
      at(2, '2026-12-20', 'early', 1, 202, '08:00', '10:00'), // miss; nothing on the 13th: 0
    ];
    const m = metricsOf(sessions, inputs);
    expect(m.sameAsLastWeekHitRate).toBe(0.5);
    expect(m.sameAsLastWeekChance).toBeCloseTo(0.5, 12);
    expect(m.targets.sameAsLastWeekHitRate).toEqual({ value: 0.5, target: '≤ 1.5 × chance (0.5) = 0.75', met: true });
  });

  it('counts rotation breaches from the checker’s min_gap and consecutive_shifts violations', () => {
    const violations: Violation[] = [
      { kind: 'min_gap', message: '' },
      { kind: 'consecutive_shifts', message: '' },
      { kind: 'overlap', message: '' },
    ];
    const m = metricsOf(cleanPlan(), fixtureInputs(), violations);
    expect(m.rotationBreaches).toBe(2);
    expect(m.violations).toBe(3);
    expect(m.targets.violations).toEqual({ value: 3, target: '0', met: false });
    expect(m.targets.rotationBreaches!.met).toBe(false);
  });
});

describe('planMetrics: weekend and darkness', () => {
  it('splits hours at sunrise and sunset and counts Saturday and Sunday hours', () => {
    const inputs = fixtureInputs();
    const sessions = [at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), at(2, '2026-12-05', 'late', 1, 202, '14:44', '16:44')];
    const sunrise3 = isoToEpochMs(inputs.calendar[2]!.sunrise);
    const sunset5 = isoToEpochMs(inputs.calendar[4]!.sunset);
    const darkMs = sunrise3 - isoToEpochMs(sessions[0]!.arrive) + (isoToEpochMs(sessions[1]!.depart) - sunset5);
    expect(darkMs).toBeGreaterThan(60 * 60_000); // about 1 h 5 min before sunrise and 50 min after sunset
    const m = metricsOf(sessions, inputs);
    expect(m.weekendShare).toBe(0.5);
    expect(m.darknessShare).toBeCloseTo(darkMs / 3_600_000 / 4, 12);
    expect(m.targets.weekendShare!.target).toBe('25%–30%');
  });

  it('splits a session over midnight between Friday and Saturday', () => {
    const m = metricsOf([at(1, '2026-12-04', 'night', 1, 101, '23:00', '01:00', '2026-12-05')]);
    expect(m.weekendShare).toBe(0.5);
    expect(m.darknessShare).toBe(1);
  });
});

describe('planMetrics: concern responsiveness', () => {
  it('counts days from approval (or the 1st) to the first visit after it, and to the month end + 1 if never visited', () => {
    const base = fixtureInputs();
    const sites = base.sites.map((s) =>
      s.id === 101 ? { ...s, concerns: [{ id: 1, approvedOn: '2026-12-10' }] } : s.id === 201 ? { ...s, concerns: [{ id: 2, approvedOn: '2026-12-05' }] } : s.id === 102 ? { ...s, concerns: [{ id: 3, approvedOn: '2027-01-02' }] } : s,
    );
    const sessions = [
      at(1, '2026-12-04', 'early', 1, 105, '10:00', '12:00'), // approved 20 Nov → from 1 Dec: 3 days
      at(1, '2026-12-20', 'early', 1, 105, '10:00', '12:00'),
      at(1, '2026-12-03', 'early', 1, 101, '07:06', '09:06'), // before approval: does not count
      at(1, '2026-12-17', 'early', 1, 101, '07:06', '09:06'), // 7 days after the 10th
    ];
    // 201 never visited: 5 → 31 Dec is 27 days + 1 = 27; 102's concern is approved after the month.
    const m = metricsOf(sessions, fixtureInputs({ sites }));
    expect(m.concernDaysMedian).toBe(7);
    expect(m.concernDaysP95).toBeCloseTo(25, 12); // [3, 7, 27]: 7 + 0.9 × 20
    expect(m.targets.concernDaysMedian).toEqual({ value: 7, target: '≤ 14 days', met: true });
    expect(m.targets.concernDaysP95).toEqual({ value: expect.closeTo(25, 12), target: '≤ 30 days', met: true });
  });

  it('reports no concern days (and no miss) when there are no concerns', () => {
    const sites = fixtureInputs().sites.map((s) => ({ ...s, concerns: [] }));
    const m = metricsOf(cleanPlan(), fixtureInputs({ sites }));
    expect(m.concernDaysMedian).toBeNull();
    expect(m.targets.concernDaysMedian!.met).toBe(true);
  });

  it('interpolates quantiles between order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([5], 0.95)).toBe(5);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 12);
  });
});

describe('planMetrics on a month-sized plan', () => {
  it('measures 2500 sessions over 600 sites quickly', () => {
    const sites = Array.from({ length: 600 }, (_, i) => fixtureSite(1000 + i, `D${i % 12}`, 1 + (i % 17), 1, 330_000 + (i % 30) * 700, 420_000 + Math.floor(i / 30) * 700));
    const vans = Array.from({ length: 42 }, (_, i) => ({ id: i + 1, callSign: `VAN-${i + 1}`, baseTravelIndex: i % 2, baseX: 0, baseY: 0, shiftCodes: [], unavailableDates: [] }));
    const inputs = fixtureInputs({ sites, vans, shifts: [EARLY, LATE] });
    const sessions: PlannedSession[] = [];
    for (let day = 1; day <= 30; day++) {
      for (const van of vans) {
        const date = `2026-12-${String(day).padStart(2, '0')}`;
        sessions.push(at(van.id, date, 'early', 1, 1000 + ((day * 97 + van.id * 31) % 600), '08:00', '10:00'));
        sessions.push(at(van.id, date, 'late', 1, 1000 + ((day * 53 + van.id * 7) % 600), '15:00', '17:00'));
      }
    }
    const plan = sessions.slice(0, 2500);
    const violations = checkPlan(inputs, plan);
    const started = performance.now();
    const m = planMetrics(inputs, plan, violations);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(m.sessions).toBe(2500);
    expect(m.riskCoverage).toBeGreaterThan(0.5);
  });
});
