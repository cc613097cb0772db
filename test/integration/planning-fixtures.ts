import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { AREA_ZONE } from '../../geo/calendar/time.ts';

/**
 * A small register for the planning tests, written straight into the tables: two Lancashire
 * districts (Preston, Fylde) with simple square boundaries, eight 1 km mobile sites (each with two
 * serious collisions along it in the last year, so 2 KSI/km: eligible by the default criteria), one
 * suspended all month, one with an expired risk assessment, two vans at two bases working the
 * default early and late shifts.
 */

export const PRESTON = 'E07000123';
export const FYLDE = 'E07000119';

/** The month after today's (UK): a first version may still be published for it. */
export function comingMonth(now = new Date()): string {
  return DateTime.fromJSDate(now, { zone: AREA_ZONE }).plus({ months: 1 }).toFormat('yyyy-MM');
}

async function district(knex: Knex, code: string, name: string, x: number, y: number): Promise<void> {
  const square = `ST_Multi(ST_MakeEnvelope(${x}, ${y}, ${x + 20_000}, ${y + 20_000}, 27700))`; // squares may overlap when scaled: only the names matter here
  await knex.raw(`INSERT INTO districts (code, name, source, geom, geom_bng) VALUES (?, ?, 'test', ST_Transform(${square}, 4326), ${square})`, [code, name]);
}

export interface RegisterSite {
  id: number;
  reference: string;
}

/** Inserts a 1 km east–west site starting at (x, y) with two serious collisions along it. */
async function siteAt(
  knex: Knex,
  n: number,
  districtCode: string,
  x: number,
  y: number,
  extra: { suspensions?: unknown[]; expiresOn?: string; roadName?: string; roadNumber?: string | null; locality?: string; lengthM?: number; parking?: { x: number; y: number } } = {},
): Promise<RegisterSite> {
  const lengthM = extra.lengthM ?? 1000;
  const line = `ST_SetSRID(ST_MakeLine(ST_MakePoint(${x}, ${y}), ST_MakePoint(${x + lengthM}, ${y})), 27700)`;
  const parking = extra.parking ?? { x: x + lengthM / 2, y: y + 15 };
  const { rows: park } = await knex.raw(`SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326) p`, [parking.x, parking.y]);
  const reference = `TST-${String(n).padStart(4, '0')}`;
  const today = DateTime.now().setZone(AREA_ZONE);
  const { rows } = await knex.raw(
    `INSERT INTO enforcement_sites (reference, category, road_number, road_name, qualifier, direction, locality, district_code, highway_authority,
        speed_limit_mph, limit_kind, stretch_length_m, parking_positions, risk_assessed_on, risk_assessment_expires_on, suspensions, warning_signs, visibility_m, geom, geom_4326)
     VALUES (?, 'mobile_route', ?, ?, ?, 'both directions', ?, ?, 'Lancashire County Council', 30, 'limit', ?, ?::jsonb, ?, ?, ?::jsonb, true, 120, ${line}, ST_Transform(${line}, 4326))
     RETURNING id`,
    [
      reference,
      extra.roadNumber !== undefined ? extra.roadNumber : `A${580 + n}`,
      extra.roadName ?? `Test Road ${n}`,
      `from Lane ${n} to Lane ${n + 1}`,
      extra.locality ?? (districtCode === PRESTON ? 'Preston' : 'Kirkham'),
      districtCode,
      lengthM,
      JSON.stringify([{ lon: Number(park[0].lon), lat: Number(park[0].lat), directions: ['eastbound', 'westbound'], description: `Lay-by ${n}` }]),
      today.minus({ months: 2 }).toISODate(),
      extra.expiresOn ?? today.plus({ years: 2 }).toISODate(),
      JSON.stringify(extra.suspensions ?? []),
    ],
  );
  const id = Number(rows[0].id);
  for (let k = 0; k < 2 + (n % 3); k++) {
    const date = today.minus({ days: 30 + 40 * k + n });
    const along = ((200 + 250 * k) * lengthM) / 1000;
    await knex.raw(
      `INSERT INTO collisions (collision_index, collision_year, collision_reference, police_force, severity, number_of_vehicles, number_of_casualties, date, day_of_week, easting, northing, district_code, geom, geom_4326)
       VALUES (?, ?, ?, 4, 2, 2, 1, ?, 1, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 27700), ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326))`,
      [`T${n}-${k}`, date.year, `T${n}${k}`, date.toISODate(), x + along, y, districtCode, x + along, y, x + along, y],
    );
  }
  return { id, reference };
}

async function baseAt(knex: Knex, name: string, districtCode: string, x: number, y: number): Promise<number> {
  const point = `ST_SetSRID(ST_MakePoint(${x}, ${y}), 27700)`;
  const { rows } = await knex.raw(`INSERT INTO van_bases (name, district_code, geom, geom_4326) VALUES (?, ?, ${point}, ST_Transform(${point}, 4326)) RETURNING id`, [name, districtCode]);
  return Number(rows[0].id);
}

/** Where the register is laid out: its Preston corner (EPSG:27700) and a scale for the distances between sites. */
export interface Placement {
  x: number;
  y: number;
  scale: number;
}
export const LANCASHIRE: Placement = { x: 350_000, y: 425_000, scale: 1 };

export interface TestRegister {
  sites: RegisterSite[];
  suspended: RegisterSite;
  expired: RegisterSite;
  vans: Array<{ id: number; callSign: string }>;
}

/** The register above, for `month`. */
export async function createRegister(knex: Knex, month: string, place: Placement = LANCASHIRE): Promise<TestRegister> {
  const at = (x: number, y: number) => [place.x + (x - LANCASHIRE.x) * place.scale, place.y + (y - LANCASHIRE.y) * place.scale] as const;
  const site = (knex: Knex, n: number, d: string, x: number, y: number, extra?: Parameters<typeof siteAt>[5]) => siteAt(knex, n, d, ...at(x, y), extra);
  const base = (knex: Knex, name: string, d: string, x: number, y: number) => baseAt(knex, name, d, ...at(x, y));
  await district(knex, PRESTON, 'Preston', ...at(345_000, 420_000));
  await district(knex, FYLDE, 'Fylde', ...at(325_000, 420_000));
  const sites: RegisterSite[] = [];
  for (let n = 1; n <= 5; n++) sites.push(await site(knex, n, PRESTON, 350_000 + 1500 * (n % 3), 425_000 + 1800 * n));
  for (let n = 6; n <= 8; n++) sites.push(await site(knex, n, FYLDE, 333_000 + 1500 * (n % 2), 425_000 + 2000 * (n - 5)));
  const suspended = await site(knex, 9, PRESTON, 352_000, 436_000, { suspensions: [{ from: `${month}-01`, to: `${month}-31`, reason: 'roadworks' }] });
  const expired = await site(knex, 10, FYLDE, 334_000, 433_000, { expiresOn: DateTime.now().minus({ days: 1 }).toISODate()! });
  const preston = await base(knex, 'Preston base', PRESTON, 353_000, 430_000);
  const kirkham = await base(knex, 'Kirkham base', FYLDE, 340_000, 430_000);
  const vans: TestRegister['vans'] = [];
  for (const [callSign, baseId, crew] of [
    ['VAN-01', preston, 'Red watch'],
    ['VAN-02', kirkham, 'Blue watch'],
  ] as const) {
    const [row] = (await knex('vans').insert({ call_sign: callSign, base_id: baseId, crew, shift_codes: ['early', 'late'] }).returning('id')) as Array<{ id: number }>;
    vans.push({ id: row!.id, callSign });
  }
  await knex('shift_templates').insert([
    { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bank_holidays: true },
    { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bank_holidays: true },
  ]);
  return { sites, suspended, expired, vans };
}

export const LEEDS = 'E08000035';

/**
 * Six sites and two van bases in Leeds city centre, each parking point (EPSG:27700, to the metre) on a
 * junction of the main strongly connected part of the Leeds OSM extract (leeds-city-centre.osm), so
 * every leg can be driven along its roads. Default early and late shifts, two vans.
 */
export const LEEDS_STOPS = {
  sites: [
    { road: 'Eastgate', number: null, x: 430_413, y: 433_719 },
    { road: 'Regent Street', number: 'A61', x: 430_753, y: 433_795 },
    { road: 'St Peters Street', number: 'A61', x: 430_726, y: 433_588 },
    { road: 'Duke Street', number: null, x: 430_791, y: 433_425 },
    { road: 'St Cecilia Street', number: null, x: 430_889, y: 433_509 },
    { road: 'Centenary Square', number: null, x: 430_902, y: 433_624 },
  ],
  bases: [
    { name: 'New York Road base', x: 430_808, y: 433_845 },
    { name: 'Duke Street base', x: 430_784, y: 433_344 },
  ],
} as const;

export async function createLeedsRegister(knex: Knex): Promise<Pick<TestRegister, 'sites' | 'vans'>> {
  await district(knex, LEEDS, 'Leeds', 420_000, 425_000);
  const sites: RegisterSite[] = [];
  for (const [k, stop] of LEEDS_STOPS.sites.entries()) {
    // A 500 m stretch (mobile sites need ≥ 0.4 km) centred on the parking point; only the parking point matters for travel.
    sites.push(await siteAt(knex, 21 + k, LEEDS, stop.x - 250, stop.y, { roadName: stop.road, roadNumber: stop.number, locality: 'Leeds', lengthM: 500, parking: stop }));
  }
  const vans: TestRegister['vans'] = [];
  for (const [k, base] of LEEDS_STOPS.bases.entries()) {
    const baseId = await baseAt(knex, base.name, LEEDS, base.x, base.y);
    const [row] = (await knex('vans').insert({ call_sign: `LDS-0${k + 1}`, base_id: baseId, crew: null, shift_codes: ['early', 'late'] }).returning('id')) as Array<{ id: number }>;
    vans.push({ id: row!.id, callSign: `LDS-0${k + 1}` });
  }
  await knex('shift_templates').insert([
    { code: 'early', name: 'Early', starts: '07:00', ends: '14:30', weekdays: [1, 2, 3, 4, 5, 6, 7], bank_holidays: true },
    { code: 'late', name: 'Late', starts: '14:30', ends: '22:00', weekdays: [1, 2, 3, 4, 5, 6, 7], bank_holidays: true },
  ]);
  return { sites, vans };
}
