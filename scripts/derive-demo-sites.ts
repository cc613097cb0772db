/**
 * Derives the DEMO enforcement site register (demo-data/enforcement-sites-demo.geojson) from real data:
 *  - the Lancashire Road Safety Partnership's published mobile camera site lines (2021–2023, as
 *    reprinted in local newspapers): road number, road name, qualifier, direction, limit, locality;
 *  - the Lancashire electoral wards (2013), to turn a locality into an area;
 *  - the real 2023 STATS19 collisions shipped in demo-data/, to place each stretch on the road.
 * The published lines carry no coordinates, so every stretch here is an honest reconstruction, not
 * the partnership's register; see demo-data/ENFORCEMENT-SITES.md for the method and what was skipped.
 *
 * Run: `npx tsx scripts/derive-demo-sites.ts [--sources DIR] [--out FILE]` (DIR defaults to
 * ../shared/data, holding enforcement-sites/ and boundaries/). Deterministic: same inputs, same file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Risk assessment dates are spread over the year before this date and expire a year after each (stable tests). */
export const DEMO_REFERENCE_DATE = '2026-11-01';
/** Stretch length bounds (m) of a mobile site under the default criteria; a small margin keeps re-projection inside them. */
const MIN_STRETCH_M = 420;
const MAX_STRETCH_M = 4900;
/** How far outside the locality's wards a collision may lie (m), tried in turn. */
const SEARCH_MARGINS_M = [0, 1000, 3000];
/** Radii (m) around a lone collision from which the road's other collisions give its direction, tried in turn. */
/** Collisions wanted before the search stops widening (a stretch through one collision is a guess at its direction). */
const ENOUGH_CANDIDATES = 3;
/** Weight of a collision outside the locality's wards when choosing the stretch (inside = 1). */
const OUTSIDE_WEIGHT = 0.3;
/** Weight of a collision already under another village's site on the same road. */
const USED_WEIGHT = 0.05;
const AXIS_RADII_M = [3000, 8000];
/**
 * Longest straight line between two consecutive collisions of a stretch (m): without the road's
 * geometry a longer chord would cut corners, so a run stops at a bigger gap.
 */
const MAX_GAP_M = 1500;
/** Collisions closer than this along the road are merged into one vertex (m): stops zig-zags at junctions. */
const MERGE_M = 60;

// ---------------------------------------------------------------------------------------------
// Published lines → fields

export interface SourceLine {
  month: string;
  category: string;
  text: string;
  roadNumber: string | null;
  speedLimit: string;
}

export interface ParsedLine {
  roadNumber: string | null;
  roadName: string;
  qualifier: string | null;
  direction: string | null;
  /** mph, or 'NSL' (national speed limit), or null when the line gives none. */
  speedLimit: number | 'NSL' | null;
  /** As published (typos corrected, see LOCALITY_SPELLINGS); null when the line names none. */
  locality: string | null;
}

/** Misspellings in the newspaper copies, corrected to the place names on the ward map. */
export const LOCALITY_SPELLINGS: Record<string, string> = { Exton: 'Euxton', Bickerstaff: 'Bickerstaffe', 'Walton-Le-Dale': 'Walton-le-Dale' };

const QUALIFIER_START = /\b(from|between|nr|near|outside|o\/s)\b/i;

function tidy(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** "Nr To Alston Lane" → "near Alston Lane"; "From X To Y" → "from X to Y"; "between X and Y" → "from X to Y". */
export function normaliseQualifier(q: string): string {
  let s = tidy(q);
  s = s.replace(/^(nr|near)(\s+to)?\b\.?/i, 'near');
  s = s.replace(/^outside\b/i, 'outside');
  s = s.replace(/^between\s+(.+?)\s+and\s+(.+)$/i, 'from $1 to $2');
  s = s.replace(/^from\b/i, 'from').replace(/\s+to\s+/i, ' to ');
  s = s.replace(/\bnear to\b/i, 'near').replace(/\bNear To\b/, 'near');
  s = s.replace(/\s+To\s+Near\s+To\s+/i, ' to near ');
  if (!/^(from|near|outside)\b/.test(s) && /\s+to\s+/i.test(s)) s = `from ${s}`;
  return s;
}

/** Splits one published line into register fields. `knownPlaces` lets "A6 Garstang Road Fulwood" find its locality. */
export function parseSiteLine(text: string, csvRoadNumber: string | null, knownPlaces: readonly string[]): ParsedLine {
  let s = ` ${text.replace(/–/g, '-')} `;
  let speedLimit: ParsedLine['speedLimit'] = null;
  s = s.replace(/\(\s*(\d+)\s*mph\s*\)/i, (_m, n: string) => {
    speedLimit = Number(n);
    return ',';
  });
  s = s.replace(/\(\s*NSL\s*\)/i, () => {
    speedLimit = 'NSL';
    return ',';
  });
  let direction: string | null = null;
  s = s.replace(/\b(east|west|north|south)bound\b|\bboth directions\b/i, (m) => {
    direction = m.toLowerCase();
    return ',';
  });
  s = s.trim();
  const numbered = /^([ABM]\d+)\b\s*,?\s*/i.exec(s);
  const roadNumber = numbered ? numbered[1]!.toUpperCase() : csvRoadNumber || null;
  if (numbered) s = s.slice(numbered[0].length);
  const parts = s
    .split(',')
    .map((p) => tidy(p))
    .filter(Boolean);

  const placeAtEnd = (part: string): string | null => {
    for (const place of [...knownPlaces].sort((a, b) => b.length - a.length)) {
      const re = new RegExp(`\\s${place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
      if (re.test(` ${part}`) && part.length > place.length) return place;
    }
    return null;
  };
  const looksLikeLocality = (part: string) => !QUALIFIER_START.test(part) && !/\s+to\s+/i.test(part) && part.split(' ').length <= 4;

  let locality: string | null = null;
  if (parts.length >= 2 && looksLikeLocality(parts[parts.length - 1]!)) {
    locality = parts.pop()!;
  } else if (parts.length >= 1) {
    const last = parts[parts.length - 1]!;
    const place = placeAtEnd(last);
    if (place) {
      parts[parts.length - 1] = last.slice(0, last.length - place.length).trim();
      locality = place;
    }
  }
  let roadName = parts.shift() ?? '';
  const qualifierParts = [...parts];
  const inName = QUALIFIER_START.exec(roadName);
  if (inName && inName.index > 0) {
    qualifierParts.unshift(roadName.slice(inName.index));
    roadName = roadName.slice(0, inName.index).trim();
  }
  // "Lancaster Rd Pilling, …, Pilling": the locality repeated at the end of the name.
  if (locality && roadName.toLowerCase().endsWith(` ${locality.toLowerCase()}`)) roadName = roadName.slice(0, -locality.length - 1).trim();
  if (locality) locality = LOCALITY_SPELLINGS[locality] ?? locality;
  const qualifier = qualifierParts.length ? normaliseQualifier(qualifierParts.join(', ')) : null;
  return { roadNumber, roadName: tidy(roadName), qualifier, direction, speedLimit, locality };
}

/** Road names compared loosely: "Rd" = "Road", "By Pass" = "Bypass", case and punctuation ignored. */
export function canonicalName(name: string): string {
  return name
    .toLowerCase()
    .replace(/\bby[\s-]?pass\b/g, 'bypass')
    .replace(/\brd\b/g, 'road')
    .replace(/\bst\b/g, 'street')
    .replace(/\bln\b/g, 'lane')
    .replace(/[^a-z0-9/ ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .split('/')
    .map((part) => part.trim())
    .sort()
    .join('/');
}

const namesCompatible = (a: string, b: string) => {
  const x = canonicalName(a);
  const y = canonicalName(b);
  return x === y || (x.length > 0 && y.length > 0 && (x.includes(y) || y.includes(x)));
};

// ---------------------------------------------------------------------------------------------
// Places: wards, districts and a small gazetteer

type Ring = Array<[number, number]>;
interface Ward {
  code: string;
  name: string;
  districtCode: string;
  /** Rings in EPSG:27700 metres (outer and holes; a point is inside by the even-odd rule). */
  rings: Ring[];
}

/**
 * Towns and villages in the published lines that are not ward names, with the 2013 wards that hold
 * them (district code, ward name). Written by hand from the ward map; each placement is then
 * confirmed by collisions on the named road inside or near these wards.
 */
export const GAZETTEER: Record<string, Array<[string, string]>> = {
  Morecambe: [['E07000121', 'Harbour'], ['E07000121', 'Poulton'], ['E07000121', 'Westgate'], ['E07000121', 'Torrisholme'], ['E07000121', 'Bare']],
  Caton: [['E07000121', 'Lower Lune Valley']],
  Hornby: [['E07000121', 'Upper Lune Valley']],
  Melling: [['E07000121', 'Upper Lune Valley']],
  Arkholme: [['E07000121', 'Upper Lune Valley']],
  Fulwood: [['E07000123', 'Cadley'], ['E07000123', 'College'], ['E07000123', 'Greyfriars'], ['E07000123', 'Sharoe Green'], ['E07000123', 'Garrison']],
  Grimsargh: [['E07000123', 'Preston Rural East']],
  Clitheroe: [['E07000124', 'Edisford and Low Moor'], ['E07000124', 'Littlemoor'], ['E07000124', 'Primrose'], ['E07000124', 'Salthill'], ["E07000124", "St Mary's"]],
  Longridge: [['E07000124', 'Derby and Thornley'], ['E07000124', 'Dilworth'], ['E07000124', 'Alston and Hothersall']],
  'Knowle Green': [['E07000124', 'Ribchester'], ['E07000124', 'Dilworth'], ['E07000124', 'Aighton, Bailey and Chaigley']],
  'Mellor Brook': [['E07000124', 'Mellor']],
  Sawley: [['E07000124', 'Chatburn'], ['E07000124', 'Gisburn, Rimington']],
  Ormskirk: [['E07000127', 'Derby'], ['E07000127', 'Knowsley'], ['E07000127', 'Scott'], ['E07000127', 'Aughton Park']],
  Croston: [['E07000118', 'Lostock'], ['E07000118', 'Eccleston and Mawdesley']],
  Thornton: [['E07000128', 'Bourne'], ['E07000128', 'Norcross'], ['E07000128', 'Jubilee'], ['E07000128', 'Victoria']],
  Rawtenstall: [['E07000125', 'Longholme'], ['E07000125', 'Hareholme'], ['E07000125', 'Cribden']],
  Haslingden: [['E07000125', 'Helmshore'], ['E07000125', 'Worsley'], ['E07000125', 'Greenfield']],
  Acre: [['E07000125', 'Worsley'], ['E07000125', 'Greenfield']],
  Bacup: [['E07000125', 'Irwell'], ['E07000125', 'Greensclough'], ['E07000125', 'Stacksteads']],
  Weir: [['E07000125', 'Greensclough'], ['E07000125', 'Irwell']],
  Barnoldswick: [['E07000122', 'Coates'], ['E07000122', 'Craven']],
  Laneshawbridge: [['E07000122', 'Boulsworth']],
};

/** Ward names that are ordinary words in road names ("Clifton Business Park"), never taken as a trailing locality. */
const GENERIC_WARD_NAMES = new Set(['Park', 'Central', 'Victoria', 'Town Centre', 'University', 'Castle', 'Mount', 'Trinity', 'Bank Hall', 'Central', 'Ashton', 'Clifton', 'Derby', 'Overton', 'Scott', 'Stanley', 'Warren', 'Waterloo', 'Whitefield']);

export interface PlaceIndex {
  wards: Ward[];
  districtNames: Map<string, string>;
  /** Every place name a line may end with (ward name parts, districts, gazetteer). */
  knownPlaces: string[];
}

/** The wards standing for a locality, and how they were found (for the derivation text). */
export function wardsForLocality(locality: string, places: PlaceIndex): { wards: Ward[]; how: string } | null {
  const wanted = locality.toLowerCase();
  const pieces = locality.split('/').map((p) => p.trim());
  if (pieces.length > 1) {
    const found = pieces.map((p) => wardsForLocality(p, places)).filter((x): x is NonNullable<typeof x> => x !== null);
    if (!found.length) return null;
    return { wards: [...new Set(found.flatMap((f) => f.wards))], how: found.map((f) => f.how).join('; ') };
  }
  const district = [...places.districtNames].find(([, name]) => name.toLowerCase() === wanted);
  if (district) return { wards: places.wards.filter((w) => w.districtCode === district[0]), how: `the wards of the district of ${district[1]}` };
  const exact = places.wards.filter((w) => w.name.toLowerCase() === wanted);
  const byName = exact.length
    ? exact
    : places.wards.filter((w) =>
        w.name
          .toLowerCase()
          .split(/\s+and\s+|\s+with\s+|-with-|,\s*/)
          .some((part) => part === wanted || part.startsWith(`${wanted} `)),
      );
  if (byName.length) return { wards: byName, how: `ward name${byName.length > 1 ? 's' : ''} ${byName.map((w) => w.name).join(', ')}` };
  const listed = GAZETTEER[locality];
  if (listed) {
    const wards = listed.map(([code, name]) => places.wards.find((w) => w.districtCode === code && w.name === name)).filter((w): w is Ward => !!w);
    if (wards.length) return { wards, how: `gazetteer: ${locality} lies in ward${wards.length > 1 ? 's' : ''} ${wards.map((w) => w.name).join(', ')}` };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Collisions and geometry (EPSG:27700 metres; WGS84 only on the way out)

export interface Collision {
  index: string;
  x: number;
  y: number;
  lon: number;
  lat: number;
  severity: 1 | 2 | 3;
  roads: string[];
  speedLimit: number | null;
  trunk: boolean;
  districtCode: string;
}

const ROAD_LETTER: Record<string, string> = { '1': 'M', '2': 'A', '3': 'A', '4': 'B' };

function readCollisions(file: string): Collision[] {
  const rows: Array<Record<string, string>> = parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true });
  const road = (cls: string | undefined, num: string | undefined) => {
    const letter = ROAD_LETTER[cls ?? ''];
    return letter && num && Number(num) > 0 ? `${letter}${Number(num)}` : null;
  };
  return rows
    .filter((r) => Number(r.location_easting_osgr) > 0 && Number(r.longitude) !== -1)
    .map((r) => ({
      index: r.accident_index!,
      x: Number(r.location_easting_osgr),
      y: Number(r.location_northing_osgr),
      lon: Number(r.longitude),
      lat: Number(r.latitude),
      severity: Number(r.accident_severity) as 1 | 2 | 3,
      roads: [road(r.first_road_class, r.first_road_number), road(r.second_road_class, r.second_road_number)].filter((x): x is string => !!x),
      speedLimit: Number(r.speed_limit) > 0 ? Number(r.speed_limit) : null,
      trunk: r.trunk_road_flag === '1',
      districtCode: r.local_authority_ons_district!,
    }));
}

/** Least-squares affine map fitted on point pairs: out = a + b·x + c·y for each output coordinate. */
export function fitAffine(pairs: Array<{ from: [number, number]; to: [number, number] }>): (p: [number, number]) => [number, number] {
  const mx = pairs.reduce((s, p) => s + p.from[0], 0) / pairs.length;
  const my = pairs.reduce((s, p) => s + p.from[1], 0) / pairs.length;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  const sx = [0, 0];
  const sy = [0, 0];
  const mean = [0, 0];
  for (const p of pairs) for (const k of [0, 1]) mean[k]! += p.to[k]! / pairs.length;
  for (const p of pairs) {
    const dx = p.from[0] - mx;
    const dy = p.from[1] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
    for (const k of [0, 1]) {
      sx[k]! += dx * (p.to[k]! - mean[k]!);
      sy[k]! += dy * (p.to[k]! - mean[k]!);
    }
  }
  const det = sxx * syy - sxy * sxy;
  const coef = [0, 1].map((k) => ({ b: (sx[k]! * syy - sy[k]! * sxy) / det, c: (sy[k]! * sxx - sx[k]! * sxy) / det }));
  return ([x, y]) => [0, 1].map((k) => mean[k]! + coef[k]!.b * (x - mx) + coef[k]!.c * (y - my)) as [number, number];
}

function insideRings(x: number, y: number, rings: Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function distanceToRings(x: number, y: number, rings: Ring[]): number {
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      const [ax, ay] = ring[i - 1]!;
      const [bx, by] = ring[i]!;
      const dx = bx - ax;
      const dy = by - ay;
      const t = dx || dy ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))) : 0;
      best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
    }
  }
  return best;
}

/** Metres from a point to a ward (0 inside). */
function distanceToWard(x: number, y: number, ward: Ward): number {
  return insideRings(x, y, ward.rings) ? 0 : distanceToRings(x, y, ward.rings);
}

/** Unit vector of the principal axis of points (largest eigenvector of the covariance). */
export function principalAxis(points: ReadonlyArray<{ x: number; y: number }>): [number, number] {
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const axis: [number, number] = [Math.cos(angle), Math.sin(angle)];
  // A fixed sense (west→east, else south→north) so the order is the same on every run.
  return axis[0] < -1e-9 || (Math.abs(axis[0]) <= 1e-9 && axis[1] < 0) ? [-axis[0], -axis[1]] : axis;
}

const lengthOf = (line: ReadonlyArray<[number, number]>) => line.reduce((s, p, i) => (i ? s + Math.hypot(p[0] - line[i - 1]![0], p[1] - line[i - 1]![1]) : 0), 0);

/** The point `distance` metres along a line. */
export function pointAlong(line: ReadonlyArray<[number, number]>, distance: number): [number, number] {
  let left = distance;
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    const seg = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (left <= seg && seg > 0) return [a[0] + ((b[0] - a[0]) * left) / seg, a[1] + ((b[1] - a[1]) * left) / seg];
    left -= seg;
  }
  return line[line.length - 1]!;
}

interface Vertex {
  x: number;
  y: number;
  collisions: Collision[];
}

/** Collisions ordered along the axis, those within MERGE_M of the running vertex merged into it. */
function orderedVertices(collisions: readonly Collision[], axis: [number, number]): Vertex[] {
  const sorted = [...collisions].sort((a, b) => a.x * axis[0] + a.y * axis[1] - (b.x * axis[0] + b.y * axis[1]) || a.index.localeCompare(b.index));
  const out: Vertex[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && Math.hypot(c.x - last.x, c.y - last.y) < MERGE_M) {
      last.collisions.push(c);
      last.x = last.collisions.reduce((s, k) => s + k.x, 0) / last.collisions.length;
      last.y = last.collisions.reduce((s, k) => s + k.y, 0) / last.collisions.length;
    } else {
      out.push({ x: c.x, y: c.y, collisions: [c] });
    }
  }
  return out;
}

/** Harm of collisions: KSI 10, slight 1, times `weight` (collisions outside the locality count less). */
const harmOf = (cs: readonly Collision[], weight: (c: Collision) => number) => cs.reduce((s, c) => s + (c.severity <= 2 ? 10 : 1) * weight(c), 0);

/**
 * The run of vertices whose polyline is at most MAX_STRETCH_M long, with no gap over MAX_GAP_M, with the most harm
 * (KSI collisions count 10, slight 1), ties to the shorter; `taken` vertices are excluded.
 */
function densestWindow(vertices: Vertex[], weight: (c: Collision) => number): { from: number; to: number } | null {
  const taken = new Set<Vertex>();
  let best: { from: number; to: number; harm: number; length: number } | null = null;
  for (let i = 0; i < vertices.length; i++) {
    if (taken.has(vertices[i]!)) continue;
    let length = 0;
    for (let j = i; j < vertices.length && !taken.has(vertices[j]!); j++) {
      const gap = j > i ? Math.hypot(vertices[j]!.x - vertices[j - 1]!.x, vertices[j]!.y - vertices[j - 1]!.y) : 0;
      length += gap;
      if (length > MAX_STRETCH_M || gap > MAX_GAP_M) break;
      const harm = harmOf(
        vertices.slice(i, j + 1).flatMap((v) => v.collisions),
        weight,
      );
      if (!best || harm > best.harm || (harm === best.harm && length < best.length)) best = { from: i, to: j, harm, length };
    }
  }
  return best && { from: best.from, to: best.to };
}

/** Extends a line straight along `axis` at both ends until it is at least MIN_STRETCH_M long. */
function extendToMinimum(line: Array<[number, number]>, axis: [number, number]): Array<[number, number]> {
  const short = MIN_STRETCH_M + 20 - lengthOf(line);
  if (short <= 0) return line;
  const half = short / 2;
  const first = line[0]!;
  const last = line[line.length - 1]!;
  return [[first[0] - axis[0] * half, first[1] - axis[1] * half], ...line, [last[0] + axis[0] * half, last[1] + axis[1] * half]];
}

// ---------------------------------------------------------------------------------------------
// Lines → sites

export interface DemoSite {
  reference: string;
  category: 'mobile_route' | 'community_concern' | 'motorway';
  roadNumber: string | null;
  roadName: string;
  qualifier: string | null;
  direction: string | null;
  locality: string;
  districtCode: string;
  highwayAuthority: string;
  speedLimitMph: number;
  limitKind: 'limit';
  /** WGS84 [lon, lat]. */
  stretch: Array<[number, number]>;
  stretchLengthM: number;
  parkingPositions: Array<{ lon: number; lat: number; directions: string[]; description: string }>;
  riskAssessedOn: string;
  riskAssessmentExpiresOn: string;
  timeRestrictions: Record<string, never>;
  suspensions: never[];
  warningSigns: boolean;
  visibilityM: number;
  notes: string;
  demo: true;
  derivation: string;
  sourceLines: Array<{ month: string; category: string; text: string }>;
  collisionIndexes: string[];
}

export interface SkippedLine {
  texts: string[];
  months: string[];
  reason: string;
}

const CATEGORY: Record<string, DemoSite['category']> = {
  mobile: 'mobile_route',
  'speed management': 'community_concern',
  'lancashire roadwatch': 'community_concern',
  motorways: 'motorway',
};

interface Group {
  lines: Array<SourceLine & { parsed: ParsedLine; order: number }>;
  locality: string | null;
  localityHow: string;
}

/** Groups repeated lines (same road, locality, compatible name and qualifier) into one site each. */
export function groupLines(lines: Array<SourceLine & { parsed: ParsedLine; order: number }>, places: PlaceIndex): Group[] {
  const groups: Group[] = [];
  const pieces = (l: string) => l.toLowerCase().split('/').map((p) => p.trim());
  const sameLocality = (a: string, b: string) => pieces(a).some((p) => pieces(b).includes(p));
  const withLocality = lines.filter((l) => l.parsed.locality);
  const without = lines.filter((l) => !l.parsed.locality);
  const sameRoad = (a: ParsedLine, b: ParsedLine) => (a.roadNumber ?? '') === (b.roadNumber ?? '') || !a.roadNumber || !b.roadNumber;
  const fits = (g: Group, p: ParsedLine, loose: boolean) =>
    g.lines.some((l) => sameRoad(l.parsed, p) && (loose ? namesCompatible(l.parsed.roadName, p.roadName) : canonicalName(l.parsed.roadName) === canonicalName(p.roadName))) &&
    // A qualified line joins only a site with no other qualifier: two qualifiers on one road are two sites.
    (!p.qualifier || g.lines.every((l) => !l.parsed.qualifier || canonicalName(l.parsed.qualifier) === canonicalName(p.qualifier!)));
  // Qualified lines first, so a bare repeat ("A584 Preston New Rd, Freckleton") joins a qualified site.
  const ordered = [...withLocality].sort((a, b) => Number(!a.parsed.qualifier) - Number(!b.parsed.qualifier) || a.order - b.order);
  for (const line of ordered) {
    const locality = line.parsed.locality!;
    const group = groups.find((g) => sameLocality(g.locality!, locality) && fits(g, line.parsed, true));
    if (group) {
      group.lines.push(line);
    } else {
      groups.push({ lines: [line], locality, localityHow: 'named in the line' });
    }
  }
  for (const line of without) {
    const exact = groups.find((g) => fits(g, line.parsed, false) && g.lines.some((l) => l.parsed.roadNumber === line.parsed.roadNumber));
    if (exact) {
      exact.lines.push(line);
      continue;
    }
    // A place named inside the road name or qualifier ("Haslingden Bypass", "outside Howick … School").
    const haystack = ` ${line.parsed.roadName} ${line.parsed.qualifier ?? ''} `.toLowerCase();
    const place = [...places.knownPlaces].sort((a, b) => b.length - a.length).find((p) => haystack.includes(` ${p.toLowerCase()} `));
    if (place) {
      const group = groups.find((g) => sameLocality(g.locality!, place) && fits(g, line.parsed, true));
      if (group) group.lines.push(line);
      else groups.push({ lines: [line], locality: place, localityHow: `not named in the line; ${place} taken from "${line.parsed.roadName}${line.parsed.qualifier ? ` ${line.parsed.qualifier}` : ''}"` });
    } else {
      groups.push({ lines: [line], locality: null, localityHow: 'not named in the line' });
    }
  }
  for (const g of groups) g.lines.sort((a, b) => a.order - b.order);
  return groups.sort((a, b) => a.lines[0]!.order - b.lines[0]!.order);
}

function highwayAuthority(category: DemoSite['category'], districtCode: string, trunk: boolean): string {
  if (category === 'motorway' || trunk) return 'National Highways';
  if (districtCode === 'E06000008') return 'Blackburn with Darwen Borough Council';
  if (districtCode === 'E06000009') return 'Blackpool Council';
  return 'Lancashire County Council';
}

const mode = <T>(values: T[]): T | undefined => {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))[0]?.[0];
};

const DIRECTION_VECTORS: Record<string, [number, number]> = { eastbound: [1, 0], westbound: [-1, 0], northbound: [0, 1], southbound: [0, -1] };

/**
 * The order along `axis` of sites sharing one road and locality: when their qualifiers chain
 * ("from A to B", "from B to C") and a direction of travel is given, the chain follows it; else the
 * order of the lines. `known` says which.
 */
export function travelOrder(groups: readonly Group[], axis: [number, number]): number[] & { known?: boolean } {
  const identity = groups.map((_, i) => i);
  const ends = groups.map((g) => {
    const q = g.lines.map((l) => l.parsed.qualifier).find((x) => x && /^from .+ to .+$/.test(x));
    const m = q ? /^from (.+) to (.+)$/.exec(q) : null;
    return m ? { from: canonicalName(m[1]!), to: canonicalName(m[2]!) } : null;
  });
  const direction = groups.map((g) => g.lines.map((l) => l.parsed.direction).find(Boolean)).find(Boolean);
  const vector = direction ? DIRECTION_VECTORS[direction] : undefined;
  if (!vector || ends.some((e) => !e)) return identity;
  const start = ends.findIndex((e) => !ends.some((o) => o !== e && o!.to === e!.from));
  const chain: number[] = [];
  for (let i = start; i >= 0 && chain.length < groups.length && !chain.includes(i); i = ends.findIndex((o) => o!.from === ends[i]!.to)) chain.push(i);
  if (chain.length !== groups.length) return identity;
  // Parts run along the axis; travel against the axis means the chain's first site is the last part.
  const along = vector[0] * axis[0] + vector[1] * axis[1] >= 0;
  const order: number[] & { known?: boolean } = identity.map((i) => (along ? chain.indexOf(i) : groups.length - 1 - chain.indexOf(i)));
  order.known = true;
  return order;
}

export interface DerivedRegister {
  sites: DemoSite[];
  skipped: SkippedLine[];
}

export interface DerivationInputs {
  lines: SourceLine[];
  wardsGeoJson: { features: Array<{ properties: Record<string, string>; geometry: { type: string; coordinates: unknown } }> };
  districtsGeoJson: { features: Array<{ properties: Record<string, string> }> };
  collisions: Collision[];
}

/** The whole derivation, pure: published lines + wards + collisions → sites and the lines skipped with why. */
export function deriveRegister(input: DerivationInputs): DerivedRegister {
  const { collisions } = input;
  // WGS84 ↔ BNG from the collisions themselves (they carry both); refined locally for output.
  const toBng = fitAffine(collisions.map((c) => ({ from: [c.lon, c.lat], to: [c.x, c.y] })));
  const districtNames = new Map(input.districtsGeoJson.features.map((f) => [f.properties.LAD17CD!, f.properties.LAD17NM!]));
  const wards: Ward[] = input.wardsGeoJson.features.map((f) => {
    const polygons = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Array<Array<Array<[number, number]>>>;
    return {
      code: f.properties.WD13CD!,
      name: f.properties.WD13NM!,
      districtCode: f.properties.LAD_CODE!,
      rings: polygons.flatMap((poly) => poly.map((ring) => ring.map((p) => toBng(p)))),
    };
  });
  const knownPlaces = [
    ...new Set([
      ...wards.flatMap((w) => w.name.split(/\s+and\s+|\s+with\s+|-with-|,\s*/).map((p) => p.replace(/\s+(North|South|East|West|Central|Park)( .*)?$/, ''))),
      ...districtNames.values(),
      ...Object.keys(GAZETTEER),
      ...Object.keys(LOCALITY_SPELLINGS),
    ]),
  ].filter((p) => p.length >= 4 && !GENERIC_WARD_NAMES.has(p));
  const places: PlaceIndex = { wards, districtNames, knownPlaces };

  const parsed = input.lines.map((l, order) => ({ ...l, order, parsed: parseSiteLine(l.text, l.roadNumber, knownPlaces) }));
  const firstOrder = new Map<string, number>();
  for (const l of parsed) if (!firstOrder.has(l.text)) firstOrder.set(l.text, l.order);
  const groups = groupLines(parsed, places);

  const sites: Array<Omit<DemoSite, 'reference' | 'riskAssessedOn' | 'riskAssessmentExpiresOn'>> = [];
  const skipped: SkippedLine[] = [];
  const skip = (g: Group, reason: string) => skipped.push({ texts: [...new Set(g.lines.map((l) => l.text))], months: [...new Set(g.lines.map((l) => l.month))], reason });

  // Phase 1: where each site may lie (the collisions on its road in or near its locality).
  interface Located {
    g: Group;
    category: DemoSite['category'];
    best: Group['lines'][number];
    roadNumber: string;
    candidates: Collision[];
    axis: [number, number];
    areaText: string;
    areaKey: string;
    axisNote: string;
    /** Indexes of the candidates inside the locality's wards. */
    inside: Set<string>;
    /** The locality is a whole district (Preston, Burnley): its sites may overlap a village's on the same road. */
    districtWide: boolean;
  }
  const located: Located[] = [];
  for (const g of groups) {
    const category = CATEGORY[g.lines[0]!.category.toLowerCase()];
    if (!category) {
      skip(g, `unknown category "${g.lines[0]!.category}"`);
      continue;
    }
    // The richest line speaks for the site: a locality, a limit, a qualifier, then the latest.
    const best = [...g.lines].sort(
      (a, b) =>
        Number(!!b.parsed.locality) - Number(!!a.parsed.locality) ||
        Number(b.parsed.speedLimit !== null) - Number(a.parsed.speedLimit !== null) ||
        Number(!!b.parsed.qualifier) - Number(!!a.parsed.qualifier) ||
        b.month.localeCompare(a.month) ||
        b.order - a.order,
    )[0]!;
    const roadNumber = best.parsed.roadNumber ?? g.lines.map((l) => l.parsed.roadNumber).find(Boolean) ?? null;
    if (!roadNumber) {
      skip(g, 'no road number: STATS19 records unclassified and unnumbered roads without a name, so the road cannot be found among the collisions');
      continue;
    }
    const onRoad = collisions.filter((c) => c.roads.includes(roadNumber));
    if (!onRoad.length) {
      skip(g, `no 2023 collision in Lancashire on the ${roadNumber}`);
      continue;
    }
    let candidates: Collision[] = [];
    let areaText: string;
    let localityWards: Ward[] = [];
    if (category === 'motorway') {
      candidates = onRoad;
      areaText = `all ${onRoad.length} collisions on the ${roadNumber} in Lancashire in 2023 (the line names no locality)`;
    } else {
      if (!g.locality) {
        skip(g, 'names no locality and matches no other line on the same road');
        continue;
      }
      const found = wardsForLocality(g.locality, places);
      if (!found) {
        skip(g, `locality "${g.locality}" matches no Lancashire ward, district or gazetteer entry`);
        continue;
      }
      localityWards = found.wards;
      let margin = 0;
      for (const m of SEARCH_MARGINS_M) {
        const widened = onRoad.filter((c) => found.wards.some((w) => distanceToWard(c.x, c.y, w) <= m));
        // Widen only to find more: keep the nearer set when the wider one adds nothing.
        if (widened.length > candidates.length) {
          candidates = widened;
          margin = m;
        }
        if (candidates.length >= ENOUGH_CANDIDATES) break;
      }
      if (!candidates.length) {
        skip(g, `no 2023 collision on the ${roadNumber} within ${SEARCH_MARGINS_M.at(-1)! / 1000} km of ${g.locality} (${found.how})`);
        continue;
      }
      const where = margin === 0 ? `inside ${found.wards.length > 1 ? 'those wards' : 'that ward'}` : `within ${margin / 1000} km of ${found.wards.length > 1 ? 'those wards' : 'that ward'}`;
      areaText = `locality ${g.locality} (${g.localityHow}) → ${found.how}; ${candidates.length} collision${candidates.length > 1 ? 's' : ''} of 2023 on the ${roadNumber} ${where}`;
    }
    // The axis of the road here: from these collisions, or (one collision) from the road's collisions around it.
    let axisPoints = candidates;
    let axisNote = '';
    for (const radius of AXIS_RADII_M) {
      if (new Set(axisPoints.map((c) => `${c.x},${c.y}`)).size >= 2) break;
      axisPoints = onRoad.filter((c) => Math.hypot(c.x - candidates[0]!.x, c.y - candidates[0]!.y) <= radius);
      axisNote = ` (the road's direction from its ${axisPoints.length} collisions within ${radius / 1000} km)`;
    }
    if (new Set(axisPoints.map((c) => `${c.x},${c.y}`)).size < 2) {
      skip(g, `only one collision on the ${roadNumber} near ${g.locality ?? 'the road'} and none within ${AXIS_RADII_M.at(-1)! / 1000} km to give the road's direction`);
      continue;
    }
    const areaKey = `${roadNumber}|${localityWards.map((w) => w.code).join(',')}`;
    const inside = new Set(candidates.filter((c) => !localityWards.length || localityWards.some((w) => distanceToWard(c.x, c.y, w) === 0)).map((c) => c.index));
    const districtWide = areaText.includes('the wards of the district');
    located.push({ g, category, best, roadNumber, candidates, axis: principalAxis(axisPoints), areaText, areaKey, axisNote, inside, districtWide });
  }

  // Phase 2: sites sharing a road and locality split its collisions into consecutive parts along the road.
  const partOf = new Map<Located, { vertices: Vertex[]; note: string }>();
  for (const key of new Set(located.map((l) => l.areaKey))) {
    const sharing = located.filter((l) => l.areaKey === key);
    const all = orderedVertices(sharing[0]!.candidates, sharing[0]!.axis);
    if (sharing.length === 1 || all.length < sharing.length) {
      for (const l of sharing) partOf.set(l, { vertices: orderedVertices(l.candidates, l.axis), note: '' });
      continue;
    }
    const order = travelOrder(sharing.map((l) => l.g), sharing[0]!.axis);
    sharing.forEach((l, i) => {
      const k = order[i]!;
      const from = Math.floor((k * all.length) / sharing.length);
      const to = Math.floor(((k + 1) * all.length) / sharing.length);
      partOf.set(l, {
        vertices: all.slice(from, to),
        note: ` The ${sharing.length} published lines on the ${l.roadNumber} here share those collisions: this is part ${k + 1} of ${sharing.length} along the road${!order.known ? ' (which part is which is not known from the text)' : ', in the order of the lines\' "from … to …" and direction'}.`,
      });
    });
  }

  // Collisions already under an earlier site of another village on the same road (road → indexes).
  const usedOnRoad = new Map<string, Set<string>>();
  for (const l of located) {
    const { g, category, best, roadNumber, axis } = l;
    const { vertices, note } = partOf.get(l)!;
    const used = usedOnRoad.get(roadNumber) ?? new Set<string>();
    // A collision inside the locality's wards counts fully, one found by widening the search 0.3, one
    // already under a neighbouring village's site hardly at all (two villages' sites should not coincide).
    const window = densestWindow(vertices, (c) => (l.inside.has(c.index) ? 1 : OUTSIDE_WEIGHT) * (used.has(c.index) && !l.districtWide ? USED_WEIGHT : 1));
    if (!window) {
      skip(g, `no collision left on the ${roadNumber} near ${g.locality} for this line`);
      continue;
    }
    const chosen = vertices.slice(window.from, window.to + 1);
    const chosenCollisions = chosen.flatMap((v) => v.collisions);
    const shared = l.districtWide ? [] : chosenCollisions.filter((c) => used.has(c.index));
    const sharedWith = sites.filter((s) => s.roadNumber === roadNumber && s.collisionIndexes.some((i) => shared.some((c) => c.index === i))).map((s) => `${s.roadNumber} ${s.roadName}, ${s.locality}`);
    if (shared.length && shared.length === chosenCollisions.length) {
      skip(g, `the only collisions on the ${roadNumber} near ${g.locality} are those already placing ${sharedWith.join('; ')}: placing it there would put two places on one stretch`);
      continue;
    }
    const overlapNote = shared.length ? ` ${shared.length} of these collisions also place ${sharedWith.join('; ')} (neighbouring lines on one road).` : '';
    if (!l.districtWide) for (const c of chosenCollisions) used.add(c.index);
    usedOnRoad.set(roadNumber, used);
    const raw: Array<[number, number]> = chosen.map((v) => [v.x, v.y]);
    const line = extendToMinimum(raw, axis);
    const lengthM = lengthOf(line);

    // Back to WGS84 with an affine map fitted on the nearest collisions (sub-metre over a few km).
    const mid = pointAlong(line, lengthM / 2);
    const near = [...collisions].sort((a, b) => Math.hypot(a.x - mid[0], a.y - mid[1]) - Math.hypot(b.x - mid[0], b.y - mid[1]) || a.index.localeCompare(b.index)).slice(0, 40);
    const toWgs = fitAffine(near.map((c) => ({ from: [c.x, c.y], to: [c.lon, c.lat] })));
    const round6 = (p: [number, number]): [number, number] => [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
    const stretch = line.map((p) => round6(toWgs(p)));
    const parking = round6(toWgs(mid));

    const districtCode = mode(chosenCollisions.map((c) => c.districtCode))!;
    const limits = chosenCollisions.map((c) => c.speedLimit).filter((v): v is number => v !== null);
    const publishedLimit = [...g.lines].reverse().map((x) => x.parsed.speedLimit).find((v) => typeof v === 'number');
    const collisionLimit = mode(limits) ?? 30;
    const speedLimitMph = typeof publishedLimit === 'number' ? publishedLimit : collisionLimit;
    const limitText =
      typeof publishedLimit === 'number'
        ? `${speedLimitMph} mph as published${g.lines.some((x) => typeof x.parsed.speedLimit === 'number' && x.parsed.speedLimit !== publishedLimit) ? ' in the latest line (earlier lines differ)' : ''}`
        : `${speedLimitMph} mph, the limit most of the collisions used were recorded at${g.lines.some((x) => x.parsed.speedLimit === 'NSL') ? ' (the line says national speed limit)' : ' (the line gives none)'}`;
    const trunk = chosenCollisions.filter((c) => c.trunk).length * 2 > chosenCollisions.length;
    const direction = [...g.lines].reverse().map((x) => x.parsed.direction).find(Boolean) ?? null;
    const locality = category === 'motorway' && !g.locality ? districtNames.get(districtCode)! : g.locality!;
    const ksi = chosenCollisions.filter((c) => c.severity <= 2).length;
    const derivation = [
      `Published as ${[...new Set(g.lines.map((x) => `"${x.text}"`))].join(', ')} (${[...new Set(g.lines.map((x) => x.month))].join(', ')}).`,
      `Placed by ${l.areaText}.${note}${overlapNote}`,
      `Stretch: ${chosenCollisions.length} of them (${ksi} KSI) in the most harmful run of at most ${MAX_STRETCH_M / 1000} km without a gap over ${MAX_GAP_M / 1000} km, ordered along their principal axis${l.axisNote}` +
        (lengthOf(raw) < MIN_STRETCH_M ? `, extended straight along that axis to at least ${MIN_STRETCH_M} m` : '') +
        `: ${(lengthM / 1000).toFixed(2)} km.`,
      `Speed limit ${limitText}. District ${districtNames.get(districtCode)} (where those collisions are). Parking position: the middle of the stretch (not surveyed).`,
      category === 'motorway' && !g.locality ? 'Locality: the district name, as the line gives none.' : '',
    ]
      .filter(Boolean)
      .join(' ');
    sites.push({
      category,
      roadNumber,
      roadName: category === 'motorway' && !best.parsed.roadName ? 'motorway' : best.parsed.roadName,
      qualifier: best.parsed.qualifier,
      direction,
      locality,
      districtCode,
      highwayAuthority: highwayAuthority(category, districtCode, trunk),
      speedLimitMph,
      limitKind: 'limit',
      stretch,
      stretchLengthM: Math.round(lengthM),
      parkingPositions: [{ lon: parking[0], lat: parking[1], directions: [direction ?? 'both directions'], description: 'DEMO: the middle of the stretch; not a surveyed parking place' }],
      timeRestrictions: {},
      suspensions: [],
      warningSigns: true,
      visibilityM: speedLimitMph <= 40 ? 60 : 100,
      notes: 'DEMO site derived from the partnership’s published list and 2023 collisions; not a record of the partnership’s register.',
      demo: true,
      derivation,
      sourceLines: g.lines.map((x) => ({ month: x.month, category: x.category, text: x.text })),
      collisionIndexes: chosenCollisions.map((c) => c.index).sort(),
    });
  }
  // Keep the order of first publication whatever the phases did.
  sites.sort((a, b) => firstOrder.get(a.sourceLines[0]!.text)! - firstOrder.get(b.sourceLines[0]!.text)!);

  // References and risk assessments in a stable order; assessments spread over the year before the reference date.
  const reference = DateTime.fromISO(DEMO_REFERENCE_DATE, { zone: 'UTC' });
  const numbered = sites.map((s, i) => {
    const assessed = reference.minus({ days: 7 + ((i * 53) % 350) });
    return {
      reference: `DEMO-${String(i + 1).padStart(3, '0')}`,
      ...s,
      riskAssessedOn: assessed.toISODate()!,
      riskAssessmentExpiresOn: assessed.plus({ years: 1 }).toISODate()!,
    };
  });
  return { sites: numbered, skipped };
}

// ---------------------------------------------------------------------------------------------
// The script

export function readSourceLines(file: string): SourceLine[] {
  const rows: Array<Record<string, string>> = parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true });
  return rows.map((r) => ({ month: r.month!, category: r.category!, text: r.site_text!, roadNumber: r.road_number || null, speedLimit: r.speed_limit_mph ?? '' }));
}

export const SOURCE_FILES = {
  lines: 'enforcement-sites/lancashire-mobile-camera-sites-press-2021-2023.csv',
  wards: 'boundaries/lancashire-wards-2013.geojson',
};

export function deriveFromFiles(sourcesDir: string): DerivedRegister {
  return deriveRegister({
    lines: readSourceLines(path.join(sourcesDir, SOURCE_FILES.lines)),
    wardsGeoJson: JSON.parse(fs.readFileSync(path.join(sourcesDir, SOURCE_FILES.wards), 'utf8')),
    districtsGeoJson: JSON.parse(fs.readFileSync(path.join(REPO, 'demo-data/lancashire-lad-2017.geojson'), 'utf8')),
    collisions: readCollisions(path.join(REPO, 'demo-data/lancashire-collisions-2023.csv')),
  });
}

/** The register as a GeoJSON FeatureCollection (skipped lines as a foreign member). */
export function toGeoJson(register: DerivedRegister) {
  return {
    type: 'FeatureCollection',
    name: 'enforcement-sites-demo',
    description:
      'DEMO enforcement site register derived from the Lancashire Road Safety Partnership published site lines (2021–2023) and the 2023 STATS19 collisions; not the partnership register. See demo-data/ENFORCEMENT-SITES.md.',
    referenceDate: DEMO_REFERENCE_DATE,
    features: register.sites.map(({ stretch, ...properties }) => ({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: stretch } })),
    skipped: register.skipped,
  };
}

function main(argv: string[]): void {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
  };
  const sources = path.resolve(arg('--sources', path.join(REPO, '../shared/data')));
  const out = path.resolve(arg('--out', path.join(REPO, 'demo-data/enforcement-sites-demo.geojson')));
  const register = deriveFromFiles(sources);
  fs.writeFileSync(out, `${JSON.stringify(toGeoJson(register), null, 1)}\n`);
  console.log(`${register.sites.length} demo sites written to ${path.relative(process.cwd(), out)}; ${register.skipped.length} published lines (after merging repeats) skipped:`);
  for (const s of register.skipped) console.log(`  - ${s.texts.join(' | ')}: ${s.reason}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
