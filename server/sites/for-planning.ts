import type { Knex } from 'knex';
import { datesOfMonth } from '../../geo/calendar/time.ts';
import type { PlanSite } from '../../geo/planning/types.ts';
import { criteriaFromEnvironment } from './criteria.ts';
import { riskAssessmentLapsedOn, suspendedOn, tiersByRisk, type SiteCriteria } from './eligibility.ts';
import { assessSites, loadSites, planningRisk, type AssessedSite } from './store.ts';

export type PlanningSite = Omit<PlanSite, 'travelIndex'> & { lon: number; lat: number };

/**
 * The sites the planner may use in `month` (YYYY-MM): eligible by the criteria on the month's first
 * day (the risk assessment aside), not retired, with a risk assessment valid on some day of the month
 * and not suspended all month. blockedDates = suspension days + days the risk assessment does not
 * cover (before it, or after its expiry). Tier by risk among these sites (top 20% tier 1, next 30%
 * tier 2, rest 3); risk = the latest hotspot run's harm along the stretch, or without a run
 * 10 × KSI + injury collisions. Where the van parks: the first parking position, else the middle of
 * the stretch. Linked concerns still open (or decided as enforcement sites) come with their approval date.
 */
export async function sitesForPlanning(
  knex: Knex,
  month: string,
  criteria: SiteCriteria = criteriaFromEnvironment().criteria,
): Promise<{ sites: PlanningSite[]; excluded: Array<{ siteId: number; reason: string }> }> {
  const dates = datesOfMonth(month);
  const first = dates[0] as string;
  const rows = await loadSites(knex);
  // The risk assessment is judged per day below, so a site whose assessment expires mid-month stays in.
  const assessed = await assessSites(knex, rows, { ...criteria, requireRiskAssessment: false }, first);

  const excluded: Array<{ siteId: number; reason: string }> = [];
  const kept: Array<{ a: AssessedSite; blockedDates: string[] }> = [];
  for (const a of assessed) {
    if (!a.eligible) {
      excluded.push({ siteId: a.row.id, reason: `not eligible: ${a.failures.join('; ')}` });
      continue;
    }
    const blocked = dates.filter((d) => suspendedOn(a.row.suspensions, d) || (criteria.requireRiskAssessment && riskAssessmentLapsedOn(a.row, d)));
    if (blocked.length === dates.length) {
      const lapsed = criteria.requireRiskAssessment && dates.every((d) => riskAssessmentLapsedOn(a.row, d));
      const why = !lapsed
        ? `suspended every day of ${month}`
        : !a.row.riskAssessedOn
          ? 'no risk assessment'
          : a.row.riskAssessedOn > (dates[dates.length - 1] as string)
            ? `risk assessment dated ${a.row.riskAssessedOn}, after ${month}`
            : `risk assessment expired on ${a.row.riskAssessmentExpiresOn}`;
      excluded.push({ siteId: a.row.id, reason: why });
      continue;
    }
    kept.push({ a, blockedDates: blocked });
  }

  const tiers = tiersByRisk(kept.map(({ a }) => ({ id: a.row.id, risk: planningRisk(a.evidence) })));
  const places = await parkingPlaces(knex, kept.map(({ a }) => a.row.id));
  const ranked = [...kept].sort((x, y) => planningRisk(y.a.evidence) - planningRisk(x.a.evidence) || x.a.row.id - y.a.row.id);
  const rankOf = new Map(ranked.map(({ a }, i) => [a.row.id, i + 1]));

  const sites = kept.map(({ a, blockedDates }): PlanningSite => {
    const { row, evidence } = a;
    const place = places.get(row.id) as { x: number; y: number; lon: number; lat: number };
    const tier = tiers.get(row.id) as 1 | 2 | 3;
    const concerns = evidence.concerns
      .filter((c) => c.outcome === 'enforcement_site' || (c.outcome === null && c.status !== 'closed'))
      .map((c) => ({ id: c.id, approvedOn: c.approvedOn }));
    const why: string[] = [];
    if (row.category !== 'community_concern') why.push(`${evidence.ksiPerKm.toFixed(1)} KSI/km over ${criteria.periodMonths} months`);
    if (evidence.survey) why.push(`85th percentile ${evidence.survey.p85Mph.toFixed(1)} mph in a ${row.speedLimitMph}`);
    if (evidence.riskScore !== null) why.push(`harm £${Math.round(evidence.riskScore).toLocaleString('en-GB')}/year`);
    if (concerns.length) why.push(`${concerns.length} community concern${concerns.length === 1 ? '' : 's'}`);
    return {
      id: row.id,
      reference: row.reference,
      category: row.category,
      // PlanSite needs a district; a site outside every loaded district (none loaded) groups as "none".
      districtCode: row.districtCode ?? 'none',
      risk: planningRisk(evidence),
      tier,
      x: place.x,
      y: place.y,
      lon: place.lon,
      lat: place.lat,
      restrictions: row.timeRestrictions,
      blockedDates,
      concerns,
      reason: `tier ${tier} (risk rank ${rankOf.get(row.id)} of ${kept.length}): ${why.join('; ')}`,
    };
  });
  return { sites, excluded };
}

/** The first parking position of each site (else the middle of its stretch), in EPSG:27700 and WGS84. */
async function parkingPlaces(knex: Knex, ids: number[]): Promise<Map<number, { x: number; y: number; lon: number; lat: number }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await knex.raw(
    `SELECT id, ST_X(p) AS x, ST_Y(p) AS y, ST_X(ST_Transform(p, 4326)) AS lon, ST_Y(ST_Transform(p, 4326)) AS lat
     FROM (
       SELECT id, CASE WHEN jsonb_array_length(parking_positions) > 0
                       THEN ST_Transform(ST_SetSRID(ST_MakePoint((parking_positions -> 0 ->> 'lon')::float8, (parking_positions -> 0 ->> 'lat')::float8), 4326), 27700)
                       ELSE ST_LineInterpolatePoint(geom, 0.5) END AS p
       FROM enforcement_sites WHERE id = ANY(?::int[])
     ) q`,
    [ids],
  );
  return new Map(
    (rows as Array<{ id: number; x: number; y: number; lon: number; lat: number }>).map((r) => [
      Number(r.id),
      { x: Number(r.x), y: Number(r.y), lon: Math.round(Number(r.lon) * 1e7) / 1e7, lat: Math.round(Number(r.lat) * 1e7) / 1e7 },
    ]),
  );
}
