import type { DayHour } from '../charts/heat-grid.ts';
import type { MonthCounts } from '../charts/month-chart.ts';
import type { Severity } from './filters.ts';

/**
 * What the page uses from the collision API, read defensively: the page must degrade (show a dash)
 * rather than break if a field is renamed or missing.
 */

export interface DistrictCount {
  code: string;
  name: string;
  total: number;
  fatal: number;
  serious: number;
  slight: number;
}

export interface RoadUserCount {
  group: string;
  fatal: number;
  serious: number;
  slight: number;
  total: number;
}

export interface Summary {
  total: number;
  bySeverity: Record<Severity, number>;
  /** Killed or seriously injured: fatal + serious collisions. */
  ksi: number;
  byMonth: MonthCounts[];
  byDistrict: DistrictCount[];
  dayHour: DayHour;
  /** Casualties (not collisions) by road-user group; null when no casualty data is loaded. */
  casualtiesByRoadUser: RoadUserCount[] | null;
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first present (not null/undefined) value among several possible field names. */
export function pick(obj: Json, ...keys: string[]): unknown {
  for (const key of keys) if (obj[key] !== undefined && obj[key] !== null) return obj[key];
  return undefined;
}

function severityCounts(v: unknown): Record<Severity, number> {
  const o = isObject(v) ? v : {};
  return { fatal: num(o.fatal), serious: num(o.serious), slight: num(o.slight) };
}

const DEFAULT_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function normaliseSummary(raw: unknown): Summary {
  const o = isObject(raw) ? raw : {};
  const bySeverity = severityCounts(o.bySeverity);
  const byMonth = (Array.isArray(o.byMonth) ? o.byMonth : []).filter(isObject).map((m) => {
    const counts = severityCounts(m);
    return { month: str(m.month).slice(0, 7), ...counts, total: num(m.total) || counts.fatal + counts.serious + counts.slight };
  });
  const byDistrict = (Array.isArray(o.byDistrict) ? o.byDistrict : []).filter(isObject).map((d) => {
    const counts = severityCounts(isObject(d.bySeverity) ? d.bySeverity : d);
    return {
      code: str(pick(d, 'code', 'district', 'districtCode')),
      name: str(pick(d, 'name', 'districtName')) || str(pick(d, 'code', 'district')) || 'Unknown',
      ...counts,
      total: num(pick(d, 'total', 'count')) || counts.fatal + counts.serious + counts.slight,
    };
  });
  const dh = isObject(o.dayHour) ? o.dayHour : {};
  const counts = Array.isArray(dh.counts) ? dh.counts.map((row) => (Array.isArray(row) ? row.map(num) : [])) : [];
  let days = Array.isArray(dh.days) ? dh.days.map(str) : DEFAULT_DAYS.slice(0, counts.length || 7);
  // The API follows DfT (Sunday first); British readers expect the week to start on Monday.
  if (days.length === 7 && /^sun/i.test(days[0] ?? '') && counts.length === 7) {
    days = [...days.slice(1), days[0]!];
    counts.push(counts.shift()!);
  }
  const hours = Array.isArray(dh.hours) ? dh.hours.map(num) : Array.from({ length: 24 }, (_, i) => i);
  let casualties: RoadUserCount[] | null = null;
  const rawCasualties = o.casualtiesByRoadUser;
  if (Array.isArray(rawCasualties)) {
    casualties = rawCasualties.filter(isObject).map((c) => {
      const sev = severityCounts(isObject(c.bySeverity) ? c.bySeverity : c);
      return { group: str(pick(c, 'group', 'roadUser', 'roadUserGroup')), ...sev, total: num(c.total) || sev.fatal + sev.serious + sev.slight };
    });
  } else if (isObject(rawCasualties)) {
    casualties = Object.entries(rawCasualties).map(([group, v]) => {
      const sev = severityCounts(v);
      return { group, ...sev, total: num(isObject(v) ? v.total : 0) || sev.fatal + sev.serious + sev.slight };
    });
  }
  return {
    total: num(o.total),
    bySeverity,
    ksi: num(pick(o, 'ksi')) || bySeverity.fatal + bySeverity.serious,
    byMonth,
    byDistrict,
    dayHour: { days, hours, counts },
    casualtiesByRoadUser: casualties,
  };
}

/** A collision for the popup and the table, whatever the exact field names of the response. */
export interface CollisionDetails {
  collisionIndex: string;
  date: string;
  time: string;
  severity: Severity | undefined;
  districtName: string;
  road: string;
  speedLimit: string;
  light: string;
  weather: string;
  surface: string;
  junction: string;
  area: string;
  casualties: number | undefined;
  vehicles: number | undefined;
  /** One line per casualty when the response lists them (e.g. "Pedestrian, 34, slight"). */
  casualtyLines: string[];
  lon: number | undefined;
  lat: number | undefined;
}

/** A coded value as text: a label string, `{label}` / `{name}` objects, or the raw code. */
export function labelOf(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (isObject(v)) return str(pick(v, 'label', 'name', 'description')) || str(v.code);
  return '';
}

const SEVERITY_BY_CODE: Record<string, Severity> = { '1': 'fatal', '2': 'serious', '3': 'slight', fatal: 'fatal', serious: 'serious', slight: 'slight' };

export function severityOf(v: unknown): Severity | undefined {
  const label = labelOf(v).toLowerCase();
  return SEVERITY_BY_CODE[label] ?? (isObject(v) ? SEVERITY_BY_CODE[str(v.code)] : undefined);
}

function countOrList(v: unknown): { count: number | undefined; list: Json[] } {
  if (Array.isArray(v)) return { count: v.length, list: v.filter(isObject) };
  if (typeof v === 'number' || typeof v === 'string') return { count: num(v), list: [] };
  return { count: undefined, list: [] };
}

function casualtyLine(c: Json): string {
  const who = labelOf(pick(c, 'casualtyType', 'casualty_type', 'roadUserGroup', 'road_user_group', 'casualtyClass', 'casualty_class'));
  const age = num(pick(c, 'age', 'ageOfCasualty', 'age_of_casualty'));
  const severity = severityOf(pick(c, 'severityName', 'casualtySeverity', 'casualty_severity', 'severity'));
  return [who, age > 0 ? `aged ${age}` : '', severity ?? ''].filter(Boolean).join(', ');
}

/** Reads a collision from a GeoJSON feature, `{collision, casualties, vehicles}`, or a flat object. */
export function normaliseCollision(raw: unknown): CollisionDetails {
  let o: Json = isObject(raw) ? raw : {};
  let lon: number | undefined;
  let lat: number | undefined;
  let casualtiesRaw: unknown;
  let vehiclesRaw: unknown;
  if (o.type === 'Feature') {
    const geometry = isObject(o.geometry) ? o.geometry : {};
    if (Array.isArray(geometry.coordinates)) [lon, lat] = geometry.coordinates.map(num);
    o = isObject(o.properties) ? o.properties : {};
  } else if (isObject(o.collision)) {
    casualtiesRaw = o.casualties;
    vehiclesRaw = o.vehicles;
    o = { ...o.collision };
  }
  const cas = countOrList(casualtiesRaw ?? pick(o, 'casualtyList'));
  const veh = countOrList(vehiclesRaw ?? pick(o, 'vehicleList'));
  // The collision's own counts win: casualty and vehicle rows may not be loaded at all.
  const ownCount = (...keys: string[]) => {
    const v = pick(o, ...keys);
    return typeof v === 'number' || (typeof v === 'string' && v !== '') ? num(v) : undefined;
  };
  const casualtyCount = ownCount('casualties', 'numberOfCasualties', 'number_of_casualties') ?? (cas.list.length ? cas.count : undefined);
  const vehicleCount = ownCount('vehicles', 'numberOfVehicles', 'number_of_vehicles') ?? (veh.list.length ? veh.count : undefined);
  const location = isObject(o.location) ? o.location : {};
  const speed = pick(o, 'speedLimit', 'speed_limit');
  const roadClass = labelOf(pick(o, 'firstRoadClass', 'first_road_class'));
  const roadNumber = labelOf(pick(o, 'roadNumber', 'road', 'firstRoad'));
  lon ??= num(pick(location, 'longitude') ?? pick(o, 'longitude', 'lon', 'lon_4326')) || undefined;
  lat ??= num(pick(location, 'latitude') ?? pick(o, 'latitude', 'lat', 'lat_4326')) || undefined;
  return {
    collisionIndex: str(pick(o, 'collisionIndex', 'collision_index')),
    date: str(o.date),
    time: str(o.time),
    severity: severityOf(pick(o, 'severityName', 'severity')),
    districtName: labelOf(pick(o, 'districtName', 'district_name')) || labelOf(o.district),
    road: roadNumber || roadClass,
    speedLimit: typeof speed === 'number' || (typeof speed === 'string' && /^\d+$/.test(speed)) ? `${speed} mph` : labelOf(speed),
    light: labelOf(pick(o, 'lightConditions', 'light_conditions')),
    weather: labelOf(pick(o, 'weatherConditions', 'weather_conditions')),
    surface: labelOf(pick(o, 'roadSurfaceConditions', 'road_surface_conditions', 'surfaceConditions')),
    junction: labelOf(pick(o, 'junctionDetail', 'junction_detail')),
    area: labelOf(pick(o, 'urbanOrRural', 'urbanOrRuralArea', 'urban_or_rural_area')),
    casualties: casualtyCount,
    vehicles: vehicleCount,
    casualtyLines: cas.list.map(casualtyLine).filter(Boolean),
    lon,
    lat,
  };
}
