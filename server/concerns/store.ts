import type { Knex } from 'knex';
import { geometryJson, type ConcernGeometry } from './location.ts';
import {
  allowedNextStatuses,
  CATEGORY_LABEL,
  OUTCOME_LABEL,
  STATUS_LABEL,
  type Category,
  type Day,
  type Outcome,
  type Source,
  type Status,
} from './model.ts';
import { allocateReferences, hashStatusToken, newStatusToken } from './reference.ts';

/** SQL and row mapping for concerns: insert, find, list, events. */

/** A concern's two geometry columns, WGS84 and British National Grid, from its (checked) geometry. */
export function geometryColumns(knex: Knex, geometry: ConcernGeometry) {
  const json = geometryJson(geometry);
  return {
    geom_4326: knex.raw('ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)', [json]),
    geom: knex.raw('ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326), 27700)', [json]),
  };
}

/** Local midnight (Europe/London) of a YYYY-MM-DD day: the creation time an imported concern keeps. */
export function localMidnight(knex: Knex, day: string): Knex.Raw {
  return knex.raw(`(?::date)::timestamp AT TIME ZONE 'Europe/London'`, [day]);
}

export interface NewConcern {
  /** Year of the reference (CON-YYYY-…). */
  year: number;
  category: Category;
  source: Source;
  whenDays: Day[];
  whenTimes: string[];
  description: string;
  locationText: string | null;
  reporterName: string | null;
  reporterEmail: string | null;
  reporterKey: string | null;
  geometry: ConcernGeometry;
  districtCode: string | null;
  externalRef?: string | null;
  /** Local date (YYYY-MM-DD) the concern was raised, for imported rows; default now. */
  reportedOn?: string;
}

export interface CreatedConcern {
  id: number;
  reference: string;
  /** The private status-link token (shown once; only its hash is stored). */
  token: string;
}

/**
 * Inserts concerns with their references, tokens and 'created' events, inside the caller's
 * transaction. References are allocated per year in input order.
 */
export async function insertConcerns(
  trx: Knex.Transaction,
  concerns: readonly NewConcern[],
  actor: string,
  eventChanges: (concern: NewConcern) => Record<string, unknown> = () => ({}),
): Promise<CreatedConcern[]> {
  const references = new Map<number, string[]>();
  for (const year of new Set(concerns.map((c) => c.year))) {
    references.set(year, await allocateReferences(trx, year, concerns.filter((c) => c.year === year).length));
  }
  const created: CreatedConcern[] = [];
  for (const concern of concerns) {
    const reference = references.get(concern.year)?.shift() as string;
    const token = newStatusToken();
    const tokenHash = hashStatusToken(token);
    const [row] = (await trx('concerns')
      .insert({
        reference,
        token_hash: tokenHash,
        category: concern.category,
        source: concern.source,
        when_days: JSON.stringify(concern.whenDays),
        when_times: JSON.stringify(concern.whenTimes),
        description: concern.description,
        location_text: concern.locationText,
        district_code: concern.districtCode,
        reporter_name: concern.reporterName,
        reporter_email: concern.reporterEmail,
        reporter_key: concern.reporterKey,
        external_ref: concern.externalRef ?? null,
        ...geometryColumns(trx, concern.geometry),
        // An imported concern keeps the day it was raised (local midnight), which the scoring run decays by.
        ...(concern.reportedOn ? { created_at: localMidnight(trx, concern.reportedOn), updated_at: trx.fn.now() } : {}),
      })
      .returning(['id'])) as Array<{ id: number }>;
    const id = (row as { id: number }).id;
    await trx('concern_access_tokens').insert({ token_hash: tokenHash, concern_id: id });
    await trx('concern_events').insert({
      concern_id: id,
      actor,
      action: 'created',
      to_status: 'received',
      changes: JSON.stringify(eventChanges(concern)),
    });
    created.push({ id, reference, token });
  }
  return created;
}

/** Issues another status-link token for a concern (sent in an update email); returns the token. */
export async function issueStatusToken(knex: Knex, concernId: number): Promise<string> {
  const token = newStatusToken();
  await knex('concern_access_tokens').insert({ token_hash: hashStatusToken(token), concern_id: concernId });
  return token;
}

/** The current year in Europe/London by the database clock (what a new reference is numbered in). */
export async function currentYear(knex: Knex): Promise<number> {
  const { rows } = await knex.raw(`SELECT extract(year FROM now() AT TIME ZONE 'Europe/London')::int AS year`);
  return Number(rows[0].year);
}

// ---- Reading ----

export interface ConcernRow {
  id: number;
  reference: string;
  category: Category;
  source: Source;
  when_days: Day[];
  when_times: string[];
  description: string;
  location_text: string | null;
  district_code: string | null;
  district_name: string | null;
  reporter_name: string | null;
  reporter_email: string | null;
  status: Status;
  outcome: Outcome | null;
  outcome_note: string | null;
  duplicate_of: number | null;
  duplicate_of_reference: string | null;
  duplicate_count: number | string;
  external_ref: string | null;
  created_at: Date;
  updated_at: Date;
  geometry: string;
  length_m: number | null;
}

/** Columns of the staff views, over `concerns c`. */
function concernColumns(knex: Knex) {
  return [
    'c.id',
    'c.reference',
    'c.category',
    'c.source',
    'c.when_days',
    'c.when_times',
    'c.description',
    'c.location_text',
    'c.district_code',
    'd.name as district_name',
    'c.reporter_name',
    'c.reporter_email',
    'c.status',
    'c.outcome',
    'c.outcome_note',
    'c.duplicate_of',
    'o.reference as duplicate_of_reference',
    knex.raw('(SELECT count(*) FROM concerns x WHERE x.duplicate_of = c.id) AS duplicate_count'),
    'c.external_ref',
    'c.created_at',
    'c.updated_at',
    knex.raw('ST_AsGeoJSON(c.geom_4326, 6) AS geometry'),
    knex.raw(`CASE WHEN GeometryType(c.geom) = 'LINESTRING' THEN round(ST_Length(c.geom)::numeric, 1)::float8 END AS length_m`),
  ];
}

function concernsQuery(knex: Knex): Knex.QueryBuilder {
  return knex('concerns as c')
    .leftJoin('districts as d', 'd.code', 'c.district_code')
    .leftJoin('concerns as o', 'o.id', 'c.duplicate_of')
    .select(concernColumns(knex));
}

export async function findConcern(knex: Knex, reference: string): Promise<ConcernRow | undefined> {
  return (await concernsQuery(knex).where('c.reference', reference).first()) as ConcernRow | undefined;
}

/** What the public status check needs: the status fields and every token hash of the concern. */
export interface PublicConcernRow {
  id: number;
  reference: string;
  category: Category;
  status: Status;
  outcome: Outcome | null;
  outcome_note: string | null;
  created_at: Date;
  updated_at: Date;
  token_hashes: string[];
}

export async function findPublicConcern(knex: Knex, reference: string): Promise<PublicConcernRow | undefined> {
  return (await knex('concerns as c')
    .where('c.reference', reference)
    .first(
      'c.id',
      'c.reference',
      'c.category',
      'c.status',
      'c.outcome',
      'c.outcome_note',
      'c.created_at',
      'c.updated_at',
      knex.raw('ARRAY(SELECT t.token_hash FROM concern_access_tokens t WHERE t.concern_id = c.id ORDER BY t.created_at) AS token_hashes'),
    )) as PublicConcernRow | undefined;
}

/** The status changes of a concern, oldest first (the reporter's history). */
export async function statusHistory(knex: Knex, concernId: number): Promise<Array<{ at: string; status: Status }>> {
  const rows = (await knex('concern_events')
    .where({ concern_id: concernId })
    .whereIn('action', ['created', 'status'])
    .orderBy([{ column: 'at' }, { column: 'id' }])
    .select('at', 'to_status')) as Array<{ at: Date; to_status: Status }>;
  return rows.map((r) => ({ at: new Date(r.at).toISOString(), status: r.to_status }));
}

export interface ConcernEvent {
  at: string;
  actor: string;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  changes: Record<string, unknown>;
  note: string | null;
}

async function concernEvents(knex: Knex, concernId: number): Promise<ConcernEvent[]> {
  const rows = (await knex('concern_events')
    .where({ concern_id: concernId })
    .orderBy([{ column: 'at' }, { column: 'id' }])
    .select('at', 'actor', 'action', 'from_status', 'to_status', 'changes', 'note')) as Array<{
    at: Date;
    actor: string;
    action: string;
    from_status: string | null;
    to_status: string | null;
    changes: Record<string, unknown>;
    note: string | null;
  }>;
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    changes: r.changes,
    note: r.note,
  }));
}

/** Concerns marked as duplicates of this one. */
async function duplicatesOf(knex: Knex, concernId: number) {
  const rows = (await knex('concerns')
    .where({ duplicate_of: concernId })
    .orderBy('created_at')
    .select('reference', 'category', 'status', 'created_at')) as Array<{ reference: string; category: Category; status: Status; created_at: Date }>;
  return rows.map((r) => ({ reference: r.reference, category: r.category, status: r.status, statusLabel: STATUS_LABEL[r.status], createdAt: new Date(r.created_at).toISOString() }));
}

/** Metres within which other recent concerns are offered to staff as possible duplicates. */
const NEARBY_RADIUS_M = 150;
/** Days back the possible-duplicate search looks. */
const NEARBY_DAYS = 365;

/** Other concerns near this one (not already linked to it), nearest first: candidates for marking as duplicates. */
async function nearbyConcerns(knex: Knex, concernId: number) {
  const { rows } = await knex.raw(
    `SELECT o.reference, o.category, o.status, o.created_at, round(ST_Distance(o.geom, c.geom)::numeric, 1)::float8 AS distance_m
     FROM concerns c
     JOIN concerns o ON o.id <> c.id AND ST_DWithin(o.geom, c.geom, ?)
     WHERE c.id = ?
       AND o.created_at > c.created_at - ? * interval '1 day'
       AND o.created_at < c.created_at + ? * interval '1 day'
       AND o.duplicate_of IS DISTINCT FROM c.id AND c.duplicate_of IS DISTINCT FROM o.id
     ORDER BY ST_Distance(o.geom, c.geom), o.created_at
     LIMIT 10`,
    [NEARBY_RADIUS_M, concernId, NEARBY_DAYS, NEARBY_DAYS],
  );
  return (rows as Array<{ reference: string; category: Category; status: Status; created_at: Date; distance_m: number }>).map((r) => ({
    reference: r.reference,
    category: r.category,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    distanceM: Number(r.distance_m),
  }));
}

// ---- Staff list ----

export interface ConcernListFilters {
  status?: Status[];
  category?: Category[];
  district?: string[];
  source?: Source[];
  from?: string;
  to?: string;
  bbox?: { minLon: number; minLat: number; maxLon: number; maxLat: number };
  duplicate?: boolean;
  q?: string;
}

function applyListFilters(query: Knex.QueryBuilder, f: ConcernListFilters): Knex.QueryBuilder {
  if (f.status) query.whereIn('c.status', f.status);
  if (f.category) query.whereIn('c.category', f.category);
  if (f.district) query.whereIn('c.district_code', f.district);
  if (f.source) query.whereIn('c.source', f.source);
  // Dates are local (Europe/London) days, inclusive.
  if (f.from) query.whereRaw(`c.created_at >= (?::date)::timestamp AT TIME ZONE 'Europe/London'`, [f.from]);
  if (f.to) query.whereRaw(`c.created_at < (?::date + 1)::timestamp AT TIME ZONE 'Europe/London'`, [f.to]);
  if (f.bbox) query.whereRaw('c.geom_4326 && ST_MakeEnvelope(?, ?, ?, ?, 4326)', [f.bbox.minLon, f.bbox.minLat, f.bbox.maxLon, f.bbox.maxLat]);
  if (f.duplicate !== undefined) query.where((q) => (f.duplicate ? q.whereNotNull('c.duplicate_of') : q.whereNull('c.duplicate_of')));
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query.where((q) => q.whereILike('c.reference', like).orWhereILike('c.location_text', like).orWhereILike('c.description', like).orWhereILike('c.external_ref', like));
  }
  return query;
}

export async function countConcerns(knex: Knex, filters: ConcernListFilters): Promise<number> {
  const row = await applyListFilters(knex('concerns as c'), filters).count({ n: '*' }).first();
  return Number((row as { n: string | number } | undefined)?.n ?? 0);
}

/** One page, newest first (ties by id, so pages are stable). */
export async function listConcerns(knex: Knex, filters: ConcernListFilters, page: { limit?: number; offset: number }): Promise<ConcernRow[]> {
  const query = applyListFilters(concernsQuery(knex), filters).orderBy([
    { column: 'c.created_at', order: 'desc' },
    { column: 'c.id', order: 'desc' },
  ]);
  if (page.limit !== undefined) query.limit(page.limit);
  if (page.offset) query.offset(page.offset);
  return (await query) as ConcernRow[];
}

/** Every matching concern in batches (CSV export), newest first, by keyset so memory stays flat. */
export async function* concernBatches(knex: Knex, filters: ConcernListFilters, batchSize = 1000): AsyncGenerator<ConcernRow[]> {
  let after: { createdAtKey: string; id: number } | undefined;
  while (true) {
    const query = applyListFilters(concernsQuery(knex), filters)
      // The timestamp as text keeps its microseconds (a JS Date would drop them and skip rows).
      .select(knex.raw('c.created_at::text AS created_at_key'))
      .orderBy([
        { column: 'c.created_at', order: 'desc' },
        { column: 'c.id', order: 'desc' },
      ])
      .limit(batchSize);
    if (after) query.whereRaw('(c.created_at, c.id) < (?::timestamptz, ?)', [after.createdAtKey, after.id]);
    const rows = (await query) as Array<ConcernRow & { created_at_key: string }>;
    if (rows.length === 0) return;
    yield rows;
    const last = rows[rows.length - 1] as ConcernRow & { created_at_key: string };
    after = { createdAtKey: last.created_at_key, id: last.id };
    if (rows.length < batchSize) return;
  }
}

// ---- Views ----

/**
 * What staff see of a concern in lists (no reporter contact: that is in the single-concern view).
 * Callers that also show the geometry pass it in, so it is parsed once.
 */
export function staffListItem(row: ConcernRow, geometry: ConcernGeometry = geometryOf(row)) {
  return {
    reference: row.reference,
    category: row.category,
    categoryLabel: CATEGORY_LABEL[row.category],
    status: row.status,
    statusLabel: STATUS_LABEL[row.status],
    outcome: row.outcome,
    outcomeLabel: row.outcome ? OUTCOME_LABEL[row.outcome] : null,
    outcomeNote: row.outcome_note,
    source: row.source,
    externalRef: row.external_ref,
    districtCode: row.district_code,
    districtName: row.district_name,
    locationText: row.location_text,
    description: row.description,
    whenDays: row.when_days,
    whenTimes: row.when_times,
    duplicateOf: row.duplicate_of_reference,
    duplicateCount: Number(row.duplicate_count),
    hasContact: row.reporter_email !== null,
    geometryType: geometry.type,
    lengthM: row.length_m === null ? null : Number(row.length_m),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function geometryOf(row: ConcernRow): ConcernGeometry {
  return JSON.parse(row.geometry) as ConcernGeometry;
}

/** Everything staff see about one concern, reporter contact and history included. */
export async function staffDetail(knex: Knex, row: ConcernRow) {
  // One at a time: the embedded database is a single session.
  const duplicates = await duplicatesOf(knex, row.id);
  const nearby = await nearbyConcerns(knex, row.id);
  const events = await concernEvents(knex, row.id);
  const geometry = geometryOf(row);
  return {
    ...staffListItem(row, geometry),
    geometry,
    reporter: row.reporter_email || row.reporter_name ? { name: row.reporter_name, email: row.reporter_email } : null,
    allowedNextStatuses: allowedNextStatuses(row.status),
    duplicates,
    nearby,
    events,
  };
}
