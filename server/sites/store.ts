import type { Knex } from 'knex';
import { localDate } from '../../geo/calendar/time.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { conflict, invalidRequest, notFound, type FieldError } from '../http/errors.ts';
import { siteEligibility, tiersByRisk, type SiteCategory, type SiteCriteria } from './eligibility.ts';
import { siteEvidence, type SiteEvidence } from './evidence.ts';
import type { SiteConcernSummary, SiteRegisterFields } from './model.ts';
import type { NewSiteBody, ParkingPosition, SiteChangeBody, Stretch, Suspension, TimeRestrictions } from './schemas.ts';
import { publishedSiteText } from './text.ts';

/**
 * The site register in the database: reading records, creating, changing and retiring them (each
 * change in one transaction with its site_changes row and the `sites` data version bump), and the
 * view the API returns (record + published text + evidence + eligibility).
 */

/** A register record as stored and as site_changes keeps it before and after a change. */
export interface SiteRecord extends SiteRegisterFields {
  id: number;
  stretch: Stretch;
  /** Length of the stretch in EPSG:27700, metres (ST_Length). */
  stretchLengthM: number;
  parkingPositions: ParkingPosition[];
}

export type SiteInput = Omit<SiteRecord, 'id' | 'stretchLengthM' | 'version' | 'retiredAt'>;

export interface SiteRow extends SiteRecord {
  districtName: string | null;
}

const SELECT = `
  SELECT s.id, s.reference, s.category, s.road_number, s.road_name, s.qualifier, s.direction, s.locality, s.district_code, d.name AS district_name,
         s.highway_authority, s.speed_limit_mph, s.limit_kind, ST_AsGeoJSON(s.geom_4326, 7)::json AS stretch, s.stretch_length_m, s.parking_positions,
         s.risk_assessed_on::text AS risk_assessed_on, s.risk_assessment_expires_on::text AS risk_assessment_expires_on, s.time_restrictions,
         s.suspensions, s.warning_signs, s.visibility_m, s.notes, s.demo, s.version, s.retired_at
  FROM enforcement_sites s LEFT JOIN districts d ON d.code = s.district_code`;

function rowToRecord(r: Record<string, unknown>): SiteRow {
  return {
    id: Number(r.id),
    reference: String(r.reference),
    category: r.category as SiteCategory,
    roadNumber: (r.road_number as string | null) ?? null,
    roadName: String(r.road_name),
    qualifier: (r.qualifier as string | null) ?? null,
    direction: (r.direction as string | null) ?? null,
    locality: String(r.locality),
    districtCode: (r.district_code as string | null) ?? null,
    districtName: (r.district_name as string | null) ?? null,
    highwayAuthority: (r.highway_authority as string | null) ?? null,
    speedLimitMph: Number(r.speed_limit_mph),
    limitKind: r.limit_kind as 'limit' | 'zone',
    stretch: r.stretch as Stretch,
    // Centimetres are plenty, and keep the record's history free of float noise.
    stretchLengthM: Math.round(Number(r.stretch_length_m) * 100) / 100,
    parkingPositions: r.parking_positions as ParkingPosition[],
    riskAssessedOn: (r.risk_assessed_on as string | null) ?? null,
    riskAssessmentExpiresOn: (r.risk_assessment_expires_on as string | null) ?? null,
    timeRestrictions: r.time_restrictions as TimeRestrictions,
    suspensions: r.suspensions as Suspension[],
    warningSigns: Boolean(r.warning_signs),
    visibilityM: r.visibility_m === null || r.visibility_m === undefined ? null : Number(r.visibility_m),
    notes: (r.notes as string | null) ?? null,
    demo: Boolean(r.demo),
    version: Number(r.version),
    retiredAt: r.retired_at ? new Date(r.retired_at as string).toISOString() : null,
  };
}

export interface SiteFilters {
  ids?: readonly number[];
  references?: readonly string[];
  includeRetired?: boolean;
}

export async function loadSites(knex: Knex, filters: SiteFilters = {}): Promise<SiteRow[]> {
  const where: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (!filters.includeRetired) where.push('s.retired_at IS NULL');
  if (filters.ids) {
    where.push('s.id = ANY(?::int[])');
    bindings.push([...filters.ids]);
  }
  if (filters.references) {
    where.push('s.reference = ANY(?::text[])');
    bindings.push([...filters.references]);
  }
  const { rows } = await knex.raw(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.reference`, bindings);
  return (rows as Array<Record<string, unknown>>).map(rowToRecord);
}

export async function loadSite(knex: Knex, id: number, lock = false): Promise<SiteRow> {
  const { rows } = await knex.raw(`${SELECT} WHERE s.id = ?${lock ? ' FOR UPDATE OF s' : ''}`, [id]);
  if (!rows[0]) throw notFound(`No site has the id ${id}.`);
  return rowToRecord(rows[0]);
}

/** Seven decimals of a degree are about 1 cm: enough, and stable through CSV and GeoJSON round trips. */
const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** The input as it is stored: coordinates rounded, text as given. */
export function normaliseInput<T extends Partial<SiteInput>>(input: T): T {
  const out = { ...input };
  if (out.stretch) out.stretch = { type: 'LineString', coordinates: out.stretch.coordinates.map(([x, y]) => [round7(x), round7(y)]) };
  if (out.parkingPositions) out.parkingPositions = out.parkingPositions.map((p) => ({ ...p, lon: round7(p.lon), lat: round7(p.lat) }));
  return out;
}

/** Problems between fields (which a field's own schema cannot see), named as the client sent them. */
export function recordProblems(record: Partial<SiteInput>, prefix = 'body'): FieldError[] {
  const errors: FieldError[] = [];
  if (record.riskAssessedOn && record.riskAssessmentExpiresOn && record.riskAssessmentExpiresOn < record.riskAssessedOn) {
    errors.push({ field: `${prefix}.riskAssessmentExpiresOn`, code: 'before_assessment', message: `expires ${record.riskAssessmentExpiresOn}, before the assessment of ${record.riskAssessedOn}` });
  }
  if (record.riskAssessmentExpiresOn && !record.riskAssessedOn) {
    errors.push({ field: `${prefix}.riskAssessedOn`, code: 'required', message: 'give the date of the risk assessment that expires on ' + record.riskAssessmentExpiresOn });
  }
  return errors;
}

const geoJson = (stretch: Stretch) => JSON.stringify(stretch);

/**
 * The district for a stretch: the given code (which must exist), else the district holding most of
 * the stretch. Null only when no districts are loaded; a stretch outside every loaded district is refused.
 */
export async function resolveDistrict(knex: Knex, stretch: Stretch, given: string | null, field = 'body.districtCode'): Promise<string | null> {
  const { rows: counts } = await knex.raw('SELECT count(*) AS n FROM districts');
  if (Number(counts[0].n) === 0) {
    if (given) throw invalidRequest([{ field, code: 'unknown_district', message: `no districts are loaded, so "${given}" cannot be checked; load districts first or leave it blank` }]);
    return null;
  }
  if (given) {
    const found = await knex('districts').where({ code: given }).first('code');
    if (!found) throw invalidRequest([{ field, code: 'unknown_district', message: `"${given}" is not a loaded district code (ONS code, e.g. E07000123)` }]);
    return given;
  }
  const { rows } = await knex.raw(
    `SELECT d.code FROM districts d, (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700) AS g) x
     WHERE ST_Intersects(d.geom_bng, x.g)
     ORDER BY ST_Length(ST_Intersection(d.geom_bng, x.g)) DESC, d.code LIMIT 1`,
    [geoJson(stretch)],
  );
  if (!rows[0]) {
    throw invalidRequest([{ field: field.replace(/districtCode$/, 'stretch'), code: 'outside_area', message: 'lies outside every loaded district; draw it inside the area or give districtCode' }]);
  }
  return String(rows[0].code);
}

function columns(knex: Knex, input: Partial<SiteInput>): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  const map: Array<[keyof SiteInput, string, (v: never) => unknown]> = [
    ['reference', 'reference', (v) => v],
    ['category', 'category', (v) => v],
    ['roadNumber', 'road_number', (v) => v],
    ['roadName', 'road_name', (v) => v],
    ['qualifier', 'qualifier', (v) => v],
    ['direction', 'direction', (v) => v],
    ['locality', 'locality', (v) => v],
    ['districtCode', 'district_code', (v) => v],
    ['highwayAuthority', 'highway_authority', (v) => v],
    ['speedLimitMph', 'speed_limit_mph', (v) => v],
    ['limitKind', 'limit_kind', (v) => v],
    ['parkingPositions', 'parking_positions', (v) => JSON.stringify(v)],
    ['riskAssessedOn', 'risk_assessed_on', (v) => v],
    ['riskAssessmentExpiresOn', 'risk_assessment_expires_on', (v) => v],
    ['timeRestrictions', 'time_restrictions', (v) => JSON.stringify(v)],
    ['suspensions', 'suspensions', (v) => JSON.stringify(v)],
    ['warningSigns', 'warning_signs', (v) => v],
    ['visibilityM', 'visibility_m', (v) => v],
    ['notes', 'notes', (v) => v],
    ['demo', 'demo', (v) => v],
  ];
  for (const [key, column, write] of map) if (input[key] !== undefined) c[column] = write(input[key] as never);
  if (input.stretch) {
    const json = geoJson(input.stretch);
    c.geom_4326 = knex.raw('ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)', [json]);
    c.geom = knex.raw('ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700)', [json]);
    c.stretch_length_m = knex.raw('ST_Length(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700))', [json]);
  }
  return c;
}

/** The record without its bookkeeping, as site_changes keeps it. */
function auditCopy(record: SiteRow): Omit<SiteRecord, 'version'> & { version: number } {
  const { districtName: _name, ...rest } = record;
  return rest;
}

/** JSON with object keys sorted: jsonb hands keys back in its own order, so plain JSON.stringify would see changes that are not there. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Names of the fields that differ between two records (the version is bookkeeping, not a field). */
export function changedFields(before: object | null, after: object | null): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k !== 'version' && k !== 'id');
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}

async function recordChange(trx: Knex, siteId: number, actor: string, action: string, before: SiteRow | null, after: SiteRow | null, reason: string | null): Promise<void> {
  await trx('site_changes').insert({
    site_id: siteId,
    actor,
    action,
    before: before ? JSON.stringify(auditCopy(before)) : null,
    after: after ? JSON.stringify(auditCopy(after)) : null,
    reason,
  });
}

async function referenceTaken(trx: Knex, reference: string, exceptId?: number): Promise<void> {
  const q = trx('enforcement_sites').where({ reference });
  if (exceptId !== undefined) q.whereNot({ id: exceptId });
  const other = await q.first('id');
  if (other) throw conflict(`The reference ${reference} is already used by site ${other.id}; references are unique.`);
}

export interface ChangeContext {
  actor: string;
  reason?: string | null;
  /** site_changes action: create | update | retire | import. */
  action?: string;
}

/** Adds a site (inside `trx` when given). The district is derived when not given. */
export async function createSite(knex: Knex, body: NewSiteBody | SiteInput, change: ChangeContext, fieldPrefix = 'body'): Promise<SiteRow> {
  const input = normaliseInput(body as SiteInput);
  const problems = recordProblems(input, fieldPrefix);
  if (problems.length) throw invalidRequest(problems);
  const run = async (trx: Knex.Transaction) => {
    await referenceTaken(trx, input.reference);
    const districtCode = await resolveDistrict(trx, input.stretch, input.districtCode ?? null, `${fieldPrefix}.districtCode`);
    const [row] = await trx('enforcement_sites').insert(columns(trx, { ...input, districtCode })).returning('id');
    const created = await loadSite(trx, Number(row.id));
    await recordChange(trx, created.id, change.actor, change.action ?? 'create', null, created, change.reason ?? null);
    await bumpDataVersion(trx, 'sites');
    return created;
  };
  return knex.isTransaction ? run(knex as Knex.Transaction) : knex.transaction(run);
}

/**
 * Changes a site if `version` is the one stored (else 409 naming both versions). An unchanged record
 * writes nothing and keeps its version. The district is derived again when the stretch moves and no
 * district is given.
 */
export async function updateSite(knex: Knex, id: number, body: SiteChangeBody | (Partial<SiteInput> & { version: number }), change: ChangeContext, fieldPrefix = 'body'): Promise<{ site: SiteRow; changed: boolean }> {
  const { version, ...rest } = body as Partial<SiteInput> & { version: number; reason?: unknown };
  delete (rest as { reason?: unknown }).reason;
  const input = normaliseInput(rest as Partial<SiteInput>);
  const run = async (trx: Knex.Transaction) => {
    const before = await loadSite(trx, id, true);
    if (before.version !== version) {
      throw conflict(`Site ${before.reference} was changed by someone else: you edited version ${version}, the register holds version ${before.version}. Reload it and make your change again.`);
    }
    if (before.retiredAt) throw conflict(`Site ${before.reference} was retired on ${before.retiredAt.slice(0, 10)}; a retired site cannot be changed.`);
    const merged = { ...before, ...input };
    const problems = recordProblems(merged, fieldPrefix);
    if (problems.length) throw invalidRequest(problems);
    if (input.reference && input.reference !== before.reference) await referenceTaken(trx, input.reference, id);
    const stretchMoved = input.stretch !== undefined && canonicalJson(input.stretch) !== canonicalJson(before.stretch);
    if (input.districtCode !== undefined || stretchMoved) {
      input.districtCode = await resolveDistrict(trx, merged.stretch, input.districtCode === undefined ? null : input.districtCode, `${fieldPrefix}.districtCode`);
    }
    const candidate = { ...before, ...input };
    if (changedFields(auditCopy(before), auditCopy(candidate as SiteRow)).filter((f) => f !== 'stretchLengthM').length === 0) return { site: before, changed: false };
    await trx('enforcement_sites')
      .where({ id })
      .update({ ...columns(trx, input), version: before.version + 1, updated_at: trx.fn.now() });
    const after = await loadSite(trx, id);
    await recordChange(trx, id, change.actor, change.action ?? 'update', before, after, change.reason ?? null);
    await bumpDataVersion(trx, 'sites');
    return { site: after, changed: true };
  };
  return knex.isTransaction ? run(knex as Knex.Transaction) : knex.transaction(run);
}

/** Retires a site (kept for plans and the audit trail; never deleted). */
export async function retireSite(knex: Knex, id: number, change: ChangeContext): Promise<SiteRow> {
  return knex.transaction(async (trx) => {
    const before = await loadSite(trx, id, true);
    if (before.retiredAt) throw conflict(`Site ${before.reference} was already retired on ${before.retiredAt.slice(0, 10)}.`);
    await trx('enforcement_sites').where({ id }).update({ retired_at: trx.fn.now(), version: before.version + 1, updated_at: trx.fn.now() });
    const after = await loadSite(trx, id);
    await recordChange(trx, id, change.actor, 'retire', before, after, change.reason ?? null);
    await bumpDataVersion(trx, 'sites');
    return after;
  });
}

export interface SiteChange {
  at: string;
  actor: string;
  action: string;
  fields: string[];
  before: unknown;
  after: unknown;
  reason: string | null;
}

export async function siteChanges(knex: Knex, id: number): Promise<SiteChange[]> {
  await loadSite(knex, id);
  const rows = await knex('site_changes').where({ site_id: id }).orderBy([{ column: 'at' }, { column: 'id' }]).select('at', 'actor', 'action', 'before', 'after', 'reason');
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    fields: changedFields(r.before, r.after),
    before: r.before,
    after: r.after,
    reason: r.reason,
  }));
}

// ---- The view ----

/** The risk the planner ranks by: the hotspot harm when a run exists, else 10 × KSI + injury collisions. */
export function planningRisk(evidence: SiteEvidence): number {
  return evidence.riskScore ?? 10 * evidence.ksi + evidence.injury;
}

export interface SiteView extends SiteRow {
  publishedText: string;
  evidence: Omit<SiteEvidence, 'concerns' | 'survey'> & {
    survey: SiteEvidence['survey'];
    concerns: SiteConcernSummary[];
  };
  eligibility: { eligible: boolean; tier: 1 | 2 | 3 | null; reasons: string[] };
}

export interface AssessedSite {
  row: SiteRow;
  evidence: SiteEvidence;
  eligible: boolean;
  reasons: string[];
  failures: string[];
  tier: 1 | 2 | 3 | null;
}

/** Evidence and eligibility (on `date`, default today in London) for the given rows, tiers among the eligible ones. */
export async function assessSites(knex: Knex, rows: SiteRow[], criteria: SiteCriteria, date = localDate(Date.now())): Promise<AssessedSite[]> {
  const evidence = await siteEvidence(knex, rows.map((r) => r.id), criteria);
  const assessed = rows.map((row) => {
    const e = evidence.get(row.id) as SiteEvidence;
    const result = siteEligibility(
      {
        category: row.category,
        speedLimitMph: row.speedLimitMph,
        stretchLengthM: row.stretchLengthM,
        parkingPositions: row.parkingPositions.length,
        riskAssessedOn: row.riskAssessedOn,
        riskAssessmentExpiresOn: row.riskAssessmentExpiresOn,
        warningSigns: row.warningSigns,
        visibilityM: row.visibilityM,
        retired: row.retiredAt !== null,
        ksi: e.ksi,
        survey: e.survey,
      },
      criteria,
      date,
    );
    return { row, evidence: e, eligible: result.eligible, reasons: result.reasons, failures: result.failures, tier: null as 1 | 2 | 3 | null };
  });
  const tiers = tiersByRisk(assessed.filter((a) => a.eligible).map((a) => ({ id: a.row.id, risk: planningRisk(a.evidence) })));
  for (const a of assessed) a.tier = tiers.get(a.row.id) ?? null;
  return assessed;
}

export function siteView(a: AssessedSite): SiteView {
  return {
    ...a.row,
    publishedText: publishedSiteText(a.row),
    evidence: {
      ...a.evidence,
      concerns: a.evidence.concerns.map(({ reference, category, status, outcome }) => ({ reference, category, status, outcome })),
    },
    eligibility: { eligible: a.eligible, tier: a.tier, reasons: a.reasons },
  };
}
