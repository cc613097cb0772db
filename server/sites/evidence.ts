import type { Knex } from 'knex';
import { latestFullRun } from '../hotspots/queries.ts';
import type { SiteCriteria } from './eligibility.ts';
import { surveyMeasuresFromRow, type SiteSurvey } from './model.ts';

/**
 * The evidence for sites, computed from the data in one set-based statement (no query per site):
 * - collisions within `collisionBufferM` of the stretch over the latest `periodMonths` months, the
 *   period ending at the newest collision in the database (so an old extract still gives 36 months);
 *   KSI = fatal + serious; every STATS19 collision is an injury collision;
 * - the latest speed survey (by its last day) linked to the site by id, or by the site reference the
 *   survey file gave when it was imported before the site was registered;
 * - linked concerns: within `concernBufferM` of the stretch, not duplicates of another concern;
 * - risk: the sum of the positive harm scores (£/year of excess) of the hotspot sites of the latest
 *   full hotspot run within `riskBufferM` of the stretch (segments, junctions or cells: each collision
 *   counts at exactly one of them; windows overlap segments and are left out); null with no run.
 */

export interface LinkedConcern {
  id: number;
  reference: string;
  category: string;
  status: string;
  outcome: string | null;
  /** Day it got the outcome enforcement_site, else the day it was reported (local date). */
  approvedOn: string;
}

export interface SiteEvidence {
  periodFrom: string | null;
  periodTo: string | null;
  ksi: number;
  injury: number;
  ksiPerKm: number;
  injuryPerKm: number;
  survey: SiteSurvey | null;
  concerns: LinkedConcern[];
  riskScore: number | null;
  hotspotRunId: number | null;
}

/** Degrees that hold `metres` in any direction at UK latitudes (a longitude degree is ≥ 48 km up to 61°N). */
const degreesCovering = (metres: number) => metres / 48_000;

/** Evidence for the given sites (retired or not), keyed by site id. */
export async function siteEvidence(knex: Knex, siteIds: readonly number[], criteria: SiteCriteria): Promise<Map<number, SiteEvidence>> {
  if (siteIds.length === 0) return new Map();
  const run = await latestFullRun(knex);
  const { rows } = await knex.raw(
    `WITH p AS (
       SELECT max(date) AS period_to, ((max(date) - make_interval(months => ?::int))::date + 1) AS period_from FROM collisions
     ),
     s AS (SELECT id, reference, geom, geom_4326, stretch_length_m FROM enforcement_sites WHERE id = ANY(?::int[])),
     col AS (
       SELECT s.id, count(*) FILTER (WHERE c.severity IN (1, 2)) AS ksi, count(*) AS injury
       FROM s CROSS JOIN p
       JOIN collisions c ON ST_DWithin(c.geom, s.geom, ?::float8) AND c.date BETWEEN p.period_from AND p.period_to
       GROUP BY s.id
     ),
     sv AS (
       SELECT DISTINCT ON (s.id) s.id, v.reference, v.surveyed_from::text AS surveyed_from, v.surveyed_to::text AS surveyed_to, v.vehicles,
              v.mean_mph, v.p85_mph, v.share_over_limit, v.threshold_mph, v.share_over_threshold
       FROM s JOIN speed_surveys v ON v.site_id = s.id OR (v.site_id IS NULL AND v.site_reference = s.reference)
       ORDER BY s.id, v.surveyed_to DESC, v.id DESC
     ),
     con AS (
       SELECT s.id, json_agg(json_build_object(
                'id', c.id, 'reference', c.reference, 'category', c.category, 'status', c.status, 'outcome', c.outcome,
                'approvedOn', to_char(coalesce(
                   (SELECT min(e.at) FROM concern_events e
                    WHERE e.concern_id = c.id AND e.action = 'outcome' AND e.changes -> 'outcome' ->> 1 = 'enforcement_site'),
                   c.created_at) AT TIME ZONE 'Europe/London', 'YYYY-MM-DD'))
              ORDER BY c.created_at, c.id) AS concerns
       FROM s JOIN concerns c ON ST_DWithin(c.geom, s.geom, ?::float8) AND c.duplicate_of IS NULL
       GROUP BY s.id
     ),
     risk AS (
       SELECT s.id, sum(greatest(coalesce(h.harm_score, 0), 0)) AS risk
       FROM s JOIN hotspot_sites h
         ON h.run_id = ?::int AND h.unit <> 'window'
        AND h.geom_4326 && ST_Expand(s.geom_4326, ?::float8)  -- the GiST index on geom_4326 narrows, then metres decide
        AND ST_DWithin(h.geom, s.geom, ?::float8)
       GROUP BY s.id
     )
     SELECT s.id, s.stretch_length_m, p.period_from::text AS period_from, p.period_to::text AS period_to,
            coalesce(col.ksi, 0)::int AS ksi, coalesce(col.injury, 0)::int AS injury,
            sv.reference AS survey_reference, sv.surveyed_from, sv.surveyed_to, sv.vehicles, sv.mean_mph, sv.p85_mph, sv.share_over_limit,
            sv.threshold_mph, sv.share_over_threshold, coalesce(con.concerns, '[]'::json) AS concerns, coalesce(risk.risk, 0) AS risk
     FROM s CROSS JOIN p
     LEFT JOIN col ON col.id = s.id
     LEFT JOIN sv ON sv.id = s.id
     LEFT JOIN con ON con.id = s.id
     LEFT JOIN risk ON risk.id = s.id`,
    [
      criteria.periodMonths,
      [...siteIds],
      criteria.collisionBufferM,
      criteria.concernBufferM,
      run?.id ?? -1,
      degreesCovering(criteria.riskBufferM),
      criteria.riskBufferM,
    ],
  );
  const out = new Map<number, SiteEvidence>();
  for (const r of rows as Array<Record<string, unknown>>) {
    const km = Number(r.stretch_length_m) / 1000;
    const ksi = Number(r.ksi);
    const injury = Number(r.injury);
    out.set(Number(r.id), {
      periodFrom: (r.period_from as string | null) ?? null,
      periodTo: (r.period_to as string | null) ?? null,
      ksi,
      injury,
      ksiPerKm: km > 0 ? ksi / km : 0,
      injuryPerKm: km > 0 ? injury / km : 0,
      survey: r.survey_reference
        ? {
            reference: String(r.survey_reference),
            surveyedFrom: String(r.surveyed_from),
            surveyedTo: String(r.surveyed_to),
            ...surveyMeasuresFromRow(r),
          }
        : null,
      concerns: r.concerns as LinkedConcern[],
      riskScore: run ? Number(r.risk) : null,
      hotspotRunId: run?.id ?? null,
    });
  }
  return out;
}
