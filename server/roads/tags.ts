/**
 * OpenStreetMap highway tags → the road attributes the service keeps (pure; no database).
 *
 * - Which ways are roads: `highway` ∈ KEPT_HIGHWAYS; `service` only with `includeService`, the path
 *   classes (footway, cycleway, path, track, pedestrian, bridleway, steps) only with `includePaths`.
 * - `maxspeed` → whole mph (see parseMaxspeed): "30 mph" (the usual UK tag), bare numbers are km/h
 *   (the OSM default unit) and are converted, "national" and the GB:nsl_* codes give the national
 *   limit of the class.
 * - `oneway` → 1 along the way, -1 against it, 0 both ways; roundabouts and motorways imply 1.
 * - road class: motorway | a_road | b_road | minor, from `highway` and `ref` (see roadClass).
 */

export const MAIN_HIGHWAYS = [
  'motorway',
  'motorway_link',
  'trunk',
  'trunk_link',
  'primary',
  'primary_link',
  'secondary',
  'secondary_link',
  'tertiary',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
] as const;
const SERVICE_HIGHWAYS = ['service'] as const;
export const PATH_HIGHWAYS = ['footway', 'cycleway', 'path', 'track', 'pedestrian', 'bridleway', 'steps'] as const;

/** Road classes, highest first. */
export const ROAD_CLASSES = ['motorway', 'a_road', 'b_road', 'minor'] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

export interface HighwayFilter {
  /** Keep highway=service (driveways, car parks, access roads). Default false. */
  includeService?: boolean;
  /** Keep footways, cycleways, paths, tracks, pedestrian streets, bridleways and steps. Default false. */
  includePaths?: boolean;
}

/** The highway values an import keeps with these options. */
export function keptHighways(options: HighwayFilter = {}): Set<string> {
  return new Set<string>([
    ...MAIN_HIGHWAYS,
    ...(options.includeService ? SERVICE_HIGHWAYS : []),
    ...(options.includePaths ? PATH_HIGHWAYS : []),
  ]);
}

const KMH_PER_MPH = 1.609344;
const KNOTS_TO_MPH = 1.150779;

/** The national speed limit (mph) for a class: 70 on motorways and dual carriageways, else 60. */
function nationalLimitMph(highway: string, dualCarriageway: boolean): number {
  if (highway === 'motorway' || highway === 'motorway_link') return 70;
  return dualCarriageway ? 70 : 60;
}

/** UK coded limits seen in `maxspeed`, `maxspeed:type` and `source:maxspeed`. */
function codedLimit(value: string, highway: string, dual: boolean): number | undefined {
  switch (value.toLowerCase()) {
    case 'national':
    case 'gb:national':
    case 'uk:national':
      return nationalLimitMph(highway, dual);
    case 'gb:nsl_single':
    case 'uk:nsl_single':
      return 60;
    case 'gb:nsl_dual':
    case 'uk:nsl_dual':
    case 'gb:motorway':
    case 'uk:motorway':
      return 70;
    case 'gb:zone20':
      return 20;
    case 'gb:zone30':
      return 30;
    default:
      return undefined;
  }
}

export interface MaxspeedResult {
  /** Whole mph, or null when there is no tag or it gives no number (none, walk, signals, variable, …). */
  mph: number | null;
  /** True when a tag was present but could not be read as a limit (counted in the import result). */
  unparsed: boolean;
}

/**
 * Reads an OSM `maxspeed` value as whole mph. "30 mph", "30mph" → 30; "50", "50 km/h" → 31 (km/h
 * is OSM's default unit, so bare numbers are km/h — UK tags normally say "mph"); "10 knots" → 12;
 * "national" / "GB:nsl_single" / "GB:nsl_dual" → the national limit of the class. A list
 * ("30 mph;40 mph") gives its first value. Limits outside 1–150 mph are rejected as unparsed.
 */
export function parseMaxspeed(value: string | undefined, highway: string, dualCarriageway = false): MaxspeedResult {
  if (value === undefined || value.trim() === '') return { mph: null, unparsed: false };
  const first = (value.split(';')[0] ?? '').trim();
  const coded = codedLimit(first, highway, dualCarriageway);
  if (coded !== undefined) return { mph: coded, unparsed: false };
  const match = /^(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh|kph|knots)?$/i.exec(first);
  if (!match) return { mph: null, unparsed: !/^(none|walk|signals|variable|unknown)$/i.test(first) };
  const number = Number(match[1]);
  const unit = (match[2] ?? 'km/h').toLowerCase();
  const mph = Math.round(unit === 'mph' ? number : unit === 'knots' ? number * KNOTS_TO_MPH : number / KMH_PER_MPH);
  return mph >= 1 && mph <= 150 ? { mph, unparsed: false } : { mph: null, unparsed: true };
}

/** The limit a way's tags give: `maxspeed`, else the lower of `maxspeed:forward`/`:backward`, else a coded `maxspeed:type`/`source:maxspeed`. */
export function wayMaxspeed(tags: Readonly<Record<string, string>>, highway: string, dualCarriageway: boolean): MaxspeedResult {
  const direct = parseMaxspeed(tags.maxspeed, highway, dualCarriageway);
  if (direct.mph !== null || direct.unparsed) return direct;
  const directional = [tags['maxspeed:forward'], tags['maxspeed:backward']]
    .map((v) => parseMaxspeed(v, highway, dualCarriageway).mph)
    .filter((v): v is number => v !== null);
  if (directional.length) return { mph: Math.min(...directional), unparsed: false };
  for (const key of ['maxspeed:type', 'source:maxspeed']) {
    const value = tags[key];
    const coded = value === undefined ? undefined : codedLimit(value.trim(), highway, dualCarriageway);
    if (coded !== undefined) return { mph: coded, unparsed: false };
  }
  return { mph: null, unparsed: false };
}

/**
 * Direction of travel: 1 along the way's node order, -1 against it, 0 both ways. `oneway` yes/true/1
 * → 1, -1/reverse → -1, no/false/0 → 0; "reversible" and "alternating" (direction changes by time)
 * → 0. Untagged roundabouts (`junction=roundabout|circular`) and motorways are one-way, as OSM implies.
 */
export function parseOneway(tags: Readonly<Record<string, string>>): -1 | 0 | 1 {
  const value = tags.oneway?.trim().toLowerCase();
  if (value === 'yes' || value === 'true' || value === '1') return 1;
  if (value === '-1' || value === 'reverse') return -1;
  if (value !== undefined && value !== '') return 0;
  const junction = tags.junction?.trim().toLowerCase();
  if (junction === 'roundabout' || junction === 'circular' || tags.highway === 'motorway') return 1;
  return 0;
}

/**
 * motorway: highway motorway/motorway_link, or a ref like M6 or A1(M);
 * a_road: trunk/primary (and links) or a ref starting A + digit;
 * b_road: secondary (and link) or a ref starting B + digit; everything else is minor.
 * A list of refs ("A6;B5411") takes the highest class any of them gives.
 */
export function roadClass(highway: string, ref: string | null | undefined): RoadClass {
  const refs = (ref ?? '')
    .split(';')
    .map((r) => r.trim().toUpperCase().replace(/\s+/g, ''))
    .filter(Boolean);
  if (highway === 'motorway' || highway === 'motorway_link' || refs.some((r) => /^M\d/.test(r) || /\(M\)$/.test(r))) return 'motorway';
  if (/^(trunk|primary)(_link)?$/.test(highway) || refs.some((r) => /^A\d/.test(r))) return 'a_road';
  if (/^secondary(_link)?$/.test(highway) || refs.some((r) => /^B\d/.test(r))) return 'b_road';
  return 'minor';
}

/** Highway classes that are town streets whatever the surroundings (urban when no limit is tagged). */
export const TOWN_STREET_HIGHWAYS: ReadonlySet<string> = new Set(['residential', 'living_street']);
/** Classes never urban when untagged: motorways (national limit applies everywhere). */
export const NEVER_URBAN_UNTAGGED: ReadonlySet<string> = new Set(['motorway', 'motorway_link']);

/** Urban speed limit in mph: a tagged limit at or below this makes a road urban. */
export const URBAN_LIMIT_MPH = 40;

/**
 * Default speeds (mph) for travel time when no limit is tagged: the legal limit for main roads,
 * typical speeds for minor classes. In a built-up area (urban), no class is faster than 30 mph
 * (the UK default limit on lit roads), motorways excepted.
 */
const DEFAULT_SPEED_MPH: Readonly<Record<string, number>> = {
  motorway: 70,
  motorway_link: 40,
  trunk: 60,
  trunk_link: 40,
  primary: 60,
  primary_link: 40,
  secondary: 60,
  secondary_link: 40,
  tertiary: 50,
  tertiary_link: 30,
  unclassified: 40,
  residential: 30,
  living_street: 10,
  service: 15,
  track: 15,
  cycleway: 12,
  bridleway: 10,
  path: 10,
  footway: 3,
  pedestrian: 3,
  steps: 2,
};

/** Speed (mph) used for an edge's travel time: the tagged limit, else the class default (capped at 30 in towns). */
export function travelSpeedMph(highway: string, maxspeedMph: number | null, urban: boolean, dualCarriageway: boolean): number {
  if (maxspeedMph !== null) return maxspeedMph;
  let speed = DEFAULT_SPEED_MPH[highway] ?? 30;
  if (dualCarriageway && (highway === 'trunk' || highway === 'primary')) speed = 70;
  return urban && !NEVER_URBAN_UNTAGGED.has(highway) ? Math.min(speed, 30) : speed;
}

/** What the import keeps of a way's tags, interpreted. */
export interface WayAttributes {
  highway: string;
  name: string | null;
  ref: string | null;
  maxspeedMph: number | null;
  /** A maxspeed-type tag was present but gave no limit (reported as a count). */
  maxspeedUnparsed: boolean;
  oneway: -1 | 0 | 1;
  /** One carriageway of a dual carriageway: tagged dual_carriageway=yes, or a one-way motorway/trunk/primary that is not a roundabout. */
  dualCarriageway: boolean;
}

/** A text tag trimmed, or null when missing or blank. */
function text(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** The attributes of a way the import keeps, or null when its highway class is not kept (or it is an area). */
export function wayAttributes(tags: Readonly<Record<string, string>>, kept: ReadonlySet<string>): WayAttributes | null {
  const highway = tags.highway?.trim();
  if (!highway || !kept.has(highway)) return null;
  // A closed way tagged area=yes is a square or car park outline, not a road to drive along.
  if (tags.area === 'yes') return null;
  const oneway = parseOneway(tags);
  const roundabout = /^(roundabout|circular)$/.test(tags.junction?.trim() ?? '');
  const dualCarriageway = tags.dual_carriageway === 'yes' || (oneway !== 0 && !roundabout && /^(motorway|trunk|primary)$/.test(highway));
  const speed = wayMaxspeed(tags, highway, dualCarriageway);
  return { highway, name: text(tags.name), ref: text(tags.ref), maxspeedMph: speed.mph, maxspeedUnparsed: speed.unparsed, oneway, dualCarriageway };
}
