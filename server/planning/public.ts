import type { Knex } from 'knex';
import { csvLine } from '../collisions/csv.ts';
import { notFound } from '../http/errors.ts';
import { siteDetails, type InputsSnapshot, type SiteDetail, type StretchGeometry } from './inputs.ts';

/**
 * The public monthly list: every site a van may visit in a published month, by district and
 * category, with the partnership's published line and the stretch. It is built from the published
 * plan's list of eligible sites (a superset of the scheduled ones) as its inputs snapshot froze
 * them, and by construction holds no date, time, shift, van or session: only site fields are read.
 */

export interface PublicSite {
  siteId: number;
  category: string;
  text: string;
  roadNumber: string | null;
  /** mph */
  speedLimit: number;
  locality: string;
  geometry: StretchGeometry;
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
  for (const s of scheduled) listed.add(Number(s.site_id));
  // Every site field comes from the plan's snapshot, as it stood when the plan was made: editing or
  // retiring a site in the register never changes a published month. Only a snapshot made before
  // the stretch was kept in it (or a site missing from it) is completed from the register.
  const details = new Map<number, SiteDetail & { geometry: StretchGeometry }>();
  const incomplete: number[] = [];
  for (const id of listed) {
    const detail = plan.inputs.siteDetails[id];
    if (detail?.geometry) details.set(id, { ...detail, geometry: detail.geometry });
    else incomplete.push(id);
  }
  if (incomplete.length) {
    const { rows } = await knex.raw<{ rows: Array<{ id: number; geometry: string }> }>('SELECT id, ST_AsGeoJSON(geom_4326, 6) AS geometry FROM enforcement_sites WHERE id = ANY(?::int[])', [incomplete]);
    const geometries = new Map(rows.map((r) => [Number(r.id), JSON.parse(r.geometry) as StretchGeometry]));
    const missing = incomplete.filter((id) => !plan.inputs.siteDetails[id]);
    const fresh = await siteDetails(knex, missing, new Map());
    for (const id of incomplete) {
      const detail = plan.inputs.siteDetails[id] ?? fresh[id];
      const geometry = geometries.get(id);
      if (detail && geometry) details.set(id, { ...detail, geometry });
    }
  }
  const codes = [...new Set([...details.values()].map((d) => d.districtCode).filter((c): c is string => c !== null))];
  const names = new Map(((await knex('districts').whereIn('code', codes).select('code', 'name')) as Array<{ code: string; name: string }>).map((r) => [r.code, r.name]));
  const byDistrict = new Map<string, PublicDistrict>();
  for (const detail of details.values()) {
    const code = detail.districtCode ?? null;
    const key = code ?? '';
    const district = byDistrict.get(key) ?? { code, name: (code && names.get(code)) ?? code ?? 'Outside the districts', sites: [] };
    district.sites.push({
      siteId: detail.id,
      category: detail.category,
      text: detail.text,
      roadNumber: detail.roadNumber,
      speedLimit: detail.speedLimitMph,
      locality: detail.locality,
      geometry: detail.geometry,
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
