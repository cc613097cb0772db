import type { Knex } from 'knex';
import { csvLine } from '../collisions/csv.ts';
import { notFound } from '../http/errors.ts';
import type { InputsSnapshot } from './inputs.ts';

/**
 * The public monthly list: every site a van may visit in a published month, by district and
 * category, with the partnership's published line and the stretch. It is built from the published
 * plan's list of eligible sites (a superset of the scheduled ones) and by construction holds no
 * date, time, shift, van or session: only site fields are selected.
 */

export interface PublicSite {
  siteId: number;
  category: string;
  text: string;
  roadNumber: string | null;
  /** mph */
  speedLimit: number;
  locality: string;
  geometry: { type: 'LineString'; coordinates: Array<[number, number]> };
}

export interface PublicDistrict {
  code: string | null;
  name: string;
  sites: PublicSite[];
}

const CATEGORY_ORDER = ['mobile_route', 'community_concern', 'motorway', 'fixed_site'];

/** Months with a published plan, newest first. */
export async function publishedMonths(knex: Knex): Promise<string[]> {
  const rows = (await knex('plans').where({ status: 'published' }).distinct('month').orderBy('month', 'desc')) as Array<{ month: string }>;
  return rows.map((r) => r.month);
}

/** The published list of a month, or a 404 saying which months are published. */
export async function publicSiteList(knex: Knex, month: string): Promise<{ month: string; districts: PublicDistrict[] }> {
  const plan = (await knex('plans').where({ month, status: 'published' }).first('id', 'inputs')) as { id: number; inputs: InputsSnapshot } | undefined;
  if (!plan) {
    const months = await publishedMonths(knex);
    throw notFound(`No enforcement site list is published for ${month}.${months.length ? ` Published months: ${months.join(', ')}.` : ' None is published yet.'}`);
  }
  const listed = new Set(plan.inputs.sites.map((s) => s.id));
  // Everything scheduled must be listed; edits only use listed sites, but the union makes it hold by construction.
  const scheduled = (await knex('plan_sessions').where({ plan_id: plan.id, status: 'planned' }).distinct('site_id')) as Array<{ site_id: number }>;
  for (const s of scheduled) listed.add(s.site_id);
  const rows = (await knex('enforcement_sites as s')
    .leftJoin('districts as d', 'd.code', 's.district_code')
    .whereIn('s.id', [...listed])
    .select('s.id', 's.category', 's.road_number', 's.speed_limit_mph', 's.locality', 's.district_code', 'd.name as district_name', knex.raw('ST_AsGeoJSON(s.geom_4326, 6) AS geometry'))) as Array<{
    id: number;
    category: string;
    road_number: string | null;
    speed_limit_mph: number;
    locality: string;
    district_code: string | null;
    district_name: string | null;
    geometry: string;
  }>;
  const byDistrict = new Map<string, PublicDistrict>();
  for (const r of rows) {
    const detail = plan.inputs.siteDetails[r.id];
    const key = r.district_code ?? '';
    const district = byDistrict.get(key) ?? { code: r.district_code, name: r.district_name ?? (r.district_code ? r.district_code : 'Outside the districts'), sites: [] };
    district.sites.push({
      siteId: r.id,
      category: r.category,
      // The line as it stood when the plan was made (the register may have changed since).
      text: detail?.text ?? '',
      roadNumber: detail?.roadNumber ?? r.road_number,
      speedLimit: detail?.speedLimitMph ?? r.speed_limit_mph,
      locality: detail?.locality ?? r.locality,
      geometry: JSON.parse(r.geometry) as PublicSite['geometry'],
    });
    byDistrict.set(key, district);
  }
  const districts = [...byDistrict.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const d of districts) d.sites.sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.text.localeCompare(b.text) || a.siteId - b.siteId);
  return { month, districts };
}

export function publicListCsv(list: { districts: PublicDistrict[] }): string {
  const header = ['district_code', 'district_name', 'category', 'site_id', 'text', 'road_number', 'speed_limit_mph', 'locality', 'wkt'];
  const lines = [csvLine(header)];
  for (const d of list.districts) {
    for (const s of d.sites) {
      const wkt = `LINESTRING(${s.geometry.coordinates.map(([x, y]) => `${x} ${y}`).join(', ')})`;
      lines.push(csvLine([d.code, d.name, s.category, s.siteId, s.text, s.roadNumber, s.speedLimit, s.locality, wkt]));
    }
  }
  return lines.join('');
}

export function publicListGeoJson(list: { month: string; districts: PublicDistrict[] }) {
  return {
    type: 'FeatureCollection' as const,
    month: list.month,
    features: list.districts.flatMap((d) =>
      d.sites.map((s) => ({
        type: 'Feature' as const,
        id: s.siteId,
        geometry: s.geometry,
        properties: { siteId: s.siteId, category: s.category, text: s.text, roadNumber: s.roadNumber, speedLimit: s.speedLimit, locality: s.locality, districtCode: d.code, districtName: d.name },
      })),
    ),
  };
}
