import type { Knex } from 'knex';
import type { ShiftTemplate } from '../../geo/planning/types.ts';
import type { UnavailabilityReason } from './schemas.ts';

/** Vans, their bases, availability and the shift templates: rows ↔ API views. */

export interface VanUnavailabilityView {
  id: number;
  fromDate: string;
  toDate: string;
  reason: UnavailabilityReason;
  note: string | null;
}

export interface VanView {
  id: number;
  callSign: string;
  baseId: number;
  baseName: string;
  crew: string | null;
  shiftCodes: string[];
  active: boolean;
  demo: boolean;
  unavailability: VanUnavailabilityView[];
}

export interface VanBaseView {
  id: number;
  name: string;
  districtCode: string | null;
  /** WGS84 degrees. */
  lon: number;
  lat: number;
  demo: boolean;
}

interface VanRow {
  id: number;
  call_sign: string;
  base_id: number;
  base_name: string;
  crew: string | null;
  shift_codes: string[];
  active: boolean;
  demo: boolean;
}

interface UnavailabilityRow {
  id: number;
  van_id: number;
  from_date: string;
  to_date: string;
  reason: UnavailabilityReason;
  note: string | null;
}

const toUnavailability = (r: UnavailabilityRow): VanUnavailabilityView => ({
  id: r.id,
  fromDate: r.from_date,
  toDate: r.to_date,
  reason: r.reason,
  note: r.note,
});

/** Unavailability rows with dates as text (pg would turn a date into a local-midnight Date). */
function unavailabilityRows(knex: Knex, vanIds?: number[]) {
  const q = knex('van_unavailability')
    .select('id', 'van_id', 'reason', 'note', knex.raw(`to_char(from_date, 'YYYY-MM-DD') AS from_date`), knex.raw(`to_char(to_date, 'YYYY-MM-DD') AS to_date`))
    .orderBy([{ column: 'van_id' }, { column: 'from_date' }, { column: 'id' }]);
  if (vanIds) q.whereIn('van_id', vanIds);
  return q as unknown as Promise<UnavailabilityRow[]>;
}

/** Vans (all, or those with the given ids) with their base name and availability records, by call sign. */
export async function listVans(knex: Knex, ids?: number[]): Promise<VanView[]> {
  const q = knex('vans as v')
    .join('van_bases as b', 'b.id', 'v.base_id')
    .select('v.id', 'v.call_sign', 'v.base_id', 'b.name as base_name', 'v.crew', 'v.shift_codes', 'v.active', 'v.demo')
    .orderBy('v.call_sign');
  if (ids) q.whereIn('v.id', ids);
  const vans: VanRow[] = await q;
  const absences = await unavailabilityRows(
    knex,
    vans.map((v) => v.id),
  );
  return vans.map((v) => ({
    id: v.id,
    callSign: v.call_sign,
    baseId: v.base_id,
    baseName: v.base_name,
    crew: v.crew,
    shiftCodes: v.shift_codes ?? [],
    active: v.active,
    demo: v.demo,
    unavailability: absences.filter((a) => a.van_id === v.id).map(toUnavailability),
  }));
}

export async function findVan(knex: Knex, id: number): Promise<VanView | undefined> {
  return (await listVans(knex, [id]))[0];
}

export async function listVanBases(knex: Knex): Promise<VanBaseView[]> {
  const rows: Array<{ id: number; name: string; district_code: string | null; lon: number; lat: number; demo: boolean }> = await knex('van_bases')
    .select('id', 'name', 'district_code', 'demo', knex.raw('ST_X(geom_4326) AS lon'), knex.raw('ST_Y(geom_4326) AS lat'))
    .orderBy('name');
  return rows.map((r) => ({ id: r.id, name: r.name, districtCode: r.district_code, lon: Number(r.lon), lat: Number(r.lat), demo: r.demo }));
}

/**
 * Adds a van base at a WGS84 point (stored in both projections). There is no HTTP route for bases:
 * they change rarely and come from the demo seed or an administrator's script.
 */
export async function insertVanBase(knex: Knex, base: { name: string; districtCode?: string | null; lon: number; lat: number; demo?: boolean }): Promise<number> {
  const point = knex.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [base.lon, base.lat]);
  const [row] = await knex('van_bases')
    .insert({
      name: base.name,
      district_code: base.districtCode ?? null,
      demo: base.demo ?? false,
      geom_4326: point,
      geom: knex.raw('ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700)', [base.lon, base.lat]),
    })
    .returning('id');
  return Number(row.id);
}

interface ShiftRow {
  code: string;
  name: string;
  starts: string;
  ends: string;
  weekdays: number[];
  bank_holidays: boolean;
}

const toShift = (r: ShiftRow): ShiftTemplate => ({
  code: r.code,
  name: r.name,
  starts: r.starts,
  ends: r.ends,
  weekdays: (r.weekdays ?? []).map(Number),
  bankHolidays: r.bank_holidays,
});

/** Shift templates ordered by start time, then code. */
export async function listShiftTemplates(knex: Knex): Promise<ShiftTemplate[]> {
  const rows: ShiftRow[] = await knex('shift_templates').select('*').orderBy([{ column: 'starts' }, { column: 'code' }]);
  return rows.map(toShift);
}

/** Creates or replaces a shift template; true if it was new. */
export async function upsertShiftTemplate(knex: Knex, shift: ShiftTemplate): Promise<boolean> {
  const existed = await knex('shift_templates').where({ code: shift.code }).first('code');
  await knex('shift_templates')
    .insert({ code: shift.code, name: shift.name, starts: shift.starts, ends: shift.ends, weekdays: shift.weekdays, bank_holidays: shift.bankHolidays })
    .onConflict('code')
    .merge();
  return !existed;
}

/** The default templates of the brief: early and late every day (bank holidays too), weekend Sat–Sun. */
export const DEFAULT_SHIFT_TEMPLATES: readonly ShiftTemplate[] = [
  { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true },
  { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bankHolidays: true },
  { code: 'weekend', name: 'Weekend', starts: '09:00', ends: '17:00', weekdays: [6, 7], bankHolidays: true },
];

/** Inserts the default shift templates that are missing (existing codes are left as they are). */
export async function ensureDefaultShiftTemplates(knex: Knex): Promise<number> {
  let added = 0;
  for (const s of DEFAULT_SHIFT_TEMPLATES) {
    const inserted = await knex('shift_templates')
      .insert({ code: s.code, name: s.name, starts: s.starts, ends: s.ends, weekdays: s.weekdays, bank_holidays: s.bankHolidays })
      .onConflict('code')
      .ignore()
      .returning('code');
    added += inserted.length;
  }
  return added;
}
