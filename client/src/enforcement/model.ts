/**
 * The public monthly list of enforcement sites as the page shows it: category words and colours, the
 * default month, the district/road filter and the counts. Pure (no DOM), so it is tested on its own.
 * The list says where camera vans may visit in a month, never when: it holds no dates, times or vans.
 */
import type { SiteCategory } from '../../../geo/planning/types.ts';

export const CATEGORY_ORDER: readonly SiteCategory[] = ['mobile_route', 'community_concern', 'motorway', 'fixed_site'];

/** Headings for each category, as partnerships publish them. */
export const CATEGORY_LABELS: Record<SiteCategory, string> = {
  mobile_route: 'Mobile camera routes',
  community_concern: 'Community concern sites',
  motorway: 'Motorway sites',
  fixed_site: 'Fixed camera sites also used by vans',
};

/** One word per category for table cells and legends. */
export const CATEGORY_SHORT: Record<SiteCategory, string> = {
  mobile_route: 'Mobile route',
  community_concern: 'Community concern',
  motorway: 'Motorway',
  fixed_site: 'Fixed site',
};

/**
 * Line colours on the map (Okabe–Ito palette: distinguishable with the common colour-vision
 * deficiencies, and far from the map's greys). The legend and the list repeat the category in words.
 */
export const CATEGORY_COLOURS: Record<SiteCategory, string> = {
  mobile_route: '#0072b2', // blue
  community_concern: '#d55e00', // vermilion
  motorway: '#7b3294', // purple
  fixed_site: '#009e73', // bluish green
};

export function isCategory(value: unknown): value is SiteCategory {
  return typeof value === 'string' && (CATEGORY_ORDER as readonly string[]).includes(value);
}

/** One line of the published list (GET /api/public/enforcement-sites). */
export interface PublicSite {
  siteId: number;
  category: SiteCategory;
  text: string;
  roadNumber: string | null;
  speedLimit: string | number | null;
  locality: string | null;
  geometry: GeoJSON.Geometry | null;
}

export interface PublicDistrict {
  code: string;
  name: string;
  sites: PublicSite[];
}

export interface PublicList {
  month: string;
  districts: PublicDistrict[];
}

/** Reads the API answer defensively: unknown categories go under mobile routes, missing text becomes empty. */
export function normalisePublicList(raw: unknown): PublicList {
  const body = (raw ?? {}) as { month?: unknown; districts?: unknown };
  const districts = Array.isArray(body.districts) ? body.districts : [];
  return {
    month: typeof body.month === 'string' ? body.month : '',
    districts: districts.map((d: Record<string, unknown>) => ({
      code: String(d.code ?? ''),
      name: String(d.name ?? d.code ?? 'Unknown district'),
      sites: (Array.isArray(d.sites) ? d.sites : []).map((s: Record<string, unknown>) => ({
        siteId: Number(s.siteId),
        category: isCategory(s.category) ? s.category : 'mobile_route',
        text: String(s.text ?? ''),
        roadNumber: typeof s.roadNumber === 'string' ? s.roadNumber : null,
        speedLimit: typeof s.speedLimit === 'string' || typeof s.speedLimit === 'number' ? s.speedLimit : null,
        locality: typeof s.locality === 'string' ? s.locality : null,
        geometry: (s.geometry as GeoJSON.Geometry | null | undefined) ?? null,
      })),
    })),
  };
}

/** 'YYYY-MM' of a Date in Europe/London. */
export function londonMonth(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' }).formatToParts(now);
  const year = parts.find((p) => p.type === 'year')?.value ?? '1970';
  const month = parts.find((p) => p.type === 'month')?.value ?? '01';
  return `${year}-${month}`;
}

/** The month after 'YYYY-MM'. */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/**
 * Which month the page opens on: the one asked for in the address if published; else the current
 * month if published; else next month (published before it starts); else the newest published one.
 */
export function defaultMonth(published: readonly string[], current: string, asked?: string | null): string | undefined {
  if (asked && published.includes(asked)) return asked;
  if (published.includes(current)) return current;
  if (published.includes(nextMonth(current))) return nextMonth(current);
  return [...published].sort().at(-1);
}

export interface ListFilter {
  /** District code, or '' for all. */
  district: string;
  /** Words that must all appear in the road number, road name (the text) or locality; case-insensitive. */
  road: string;
}

function words(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
}

/** Whether a site matches every word of the road search (road number, text with the road name, locality). */
export function matchesRoad(site: PublicSite, query: string): boolean {
  const wanted = words(query);
  if (wanted.length === 0) return true;
  const haystack = `${site.roadNumber ?? ''} ${site.text} ${site.locality ?? ''}`.toLowerCase();
  return wanted.every((w) => haystack.includes(w));
}

/** The districts (in name order) and their sites matching the filter; districts left empty are dropped. */
export function filterList(list: PublicList, filter: ListFilter): PublicDistrict[] {
  return list.districts
    .filter((d) => !filter.district || d.code === filter.district)
    .map((d) => ({ ...d, sites: d.sites.filter((s) => matchesRoad(s, filter.road)) }))
    .filter((d) => d.sites.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A district's sites grouped by category in the published order, each group sorted by its text. */
export function groupByCategory(sites: readonly PublicSite[]): Array<{ category: SiteCategory; sites: PublicSite[] }> {
  return CATEGORY_ORDER.map((category) => ({
    category,
    sites: sites.filter((s) => s.category === category).sort((a, b) => a.text.localeCompare(b.text, 'en-GB', { numeric: true })),
  })).filter((g) => g.sites.length > 0);
}

export function countSites(districts: readonly PublicDistrict[]): number {
  return districts.reduce((n, d) => n + d.sites.length, 0);
}

/** Map features: one per site with a geometry, carrying only its category and published text. */
export function siteFeatures(districts: readonly PublicDistrict[]): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  for (const d of districts) {
    for (const s of d.sites) {
      if (!s.geometry) continue;
      features.push({ type: 'Feature', id: s.siteId, geometry: s.geometry, properties: { category: s.category, text: s.text, district: d.name } });
    }
  }
  return { type: 'FeatureCollection', features };
}
