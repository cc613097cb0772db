/**
 * What the pages use from the hotspot API (GET /api/hotspots, /api/hotspots/:siteId,
 * /api/hotspot-method, /api/hotspot-runs), read defensively: a missing field shows as a dash rather
 * than breaking the page. Unit kinds are the scoring run's own (server/hotspots/pipeline-types.ts,
 * which has no imports).
 */
import type { PlanGroup, SiteUnit, UnitKind } from '../../../server/hotspots/pipeline-types.ts';
import { ROAD_USER_LABELS, type RoadUserGroup } from '../map/filters.ts';
import { DAY_NAMES } from '../shared/format.ts';

export type { SiteUnit, UnitKind };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};
const count = (v: unknown): number => num(v) ?? 0;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const bool = (v: unknown): boolean => v === true || v === 'true' || v === 1;

export const UNITS = ['segment', 'junction', 'window', 'cell'] as const satisfies readonly SiteUnit[];

export const UNIT_LABELS: Record<SiteUnit, string> = {
  segment: 'Road sections',
  junction: 'Junctions',
  window: 'Sliding windows along roads',
  cell: 'Grid cells (hexagons)',
};

export const UNIT_SINGULAR: Record<SiteUnit, string> = {
  segment: 'Road section',
  junction: 'Junction',
  window: 'Stretch of road',
  cell: 'Grid cell',
};

/** The units a run of each kind ranks, in the order the pages offer them. */
export function unitsForKind(kind: UnitKind | undefined): SiteUnit[] {
  return kind === 'grid' ? ['cell'] : kind === 'network' ? ['segment', 'junction', 'window'] : [...UNITS];
}

/**
 * Casualty road-user groups as the breakdowns and the hotspot filters name them: the map's groups
 * and the plan's age groups (the hotspot filters take server/hotspots/pipeline-types.ts PLAN_GROUPS).
 */
export const ROAD_USER_GROUP_LABELS: Record<RoadUserGroup | PlanGroup, string> = {
  ...ROAD_USER_LABELS,
  young: 'Young road users (17–24)',
  child: 'Children (under 16)',
};

export interface HotspotRun {
  id: number | null;
  unitKind: UnitKind | undefined;
  scope: string;
  districtCode: string;
  periodFrom: string;
  periodTo: string;
  cameraFrom: string;
  methodVersion: string;
  valueTableVersion: string;
  params: Json;
  filters: Json;
  createdAt: string;
}

export interface HotspotSite {
  siteId: string;
  unit: SiteUnit | string;
  rank: number | null;
  previousRank: number | null;
  rankChange: number | null;
  roadLabel: string;
  ref: string;
  name: string;
  roadClass: string;
  speedLimit: number | null;
  urban: boolean | null;
  districtCode: string;
  lengthM: number | null;
  fatal: number;
  serious: number;
  slight: number;
  roadUserCounts: Record<string, number>;
  ksi36m: number | null;
  ksiPerKm36m: number | null;
  muKsi: number | null;
  muAll: number | null;
  expectedKsi: number | null;
  expectedAll: number | null;
  excessKsi: number | null;
  excessAll: number | null;
  pExcessKsi: number | null;
  pExcessAll: number | null;
  pExcess: number | null;
  harmScore: number | null;
  priorityScore: number | null;
  candidate: boolean;
  corridor: boolean;
  corridorId: number | null;
  giZ: number | null;
  giQ: number | null;
  clusterMaxInCircle: number | null;
  clusterSite: boolean;
  concernCount: number | null;
  concernFactor: number | null;
  concernOnly: boolean;
  eligible: boolean;
  eligibilityReason: string;
  peakDay: number | null;
  peakHour: number | null;
  peakCount: number | null;
  runId: number | null;
  geometry: GeoJSON.Geometry | null;
}

export interface HotspotList {
  run: HotspotRun | undefined;
  units: UnitKind | undefined;
  sites: HotspotSite[];
}

function unitKind(v: unknown): UnitKind | undefined {
  return v === 'network' || v === 'grid' ? v : undefined;
}

export function normaliseRun(raw: unknown): HotspotRun | undefined {
  if (!isObject(raw)) return undefined;
  return {
    id: num(raw.id ?? raw.runId),
    unitKind: unitKind(raw.unitKind ?? raw.units),
    scope: str(raw.scope),
    districtCode: str(raw.districtCode ?? raw.district),
    periodFrom: str(raw.periodFrom).slice(0, 10),
    periodTo: str(raw.periodTo).slice(0, 10),
    cameraFrom: str(raw.cameraFrom).slice(0, 10),
    methodVersion: str(raw.methodVersion),
    valueTableVersion: str(raw.valueTableVersion),
    params: isObject(raw.params) ? raw.params : {},
    filters: isObject(raw.filters) ? raw.filters : {},
    createdAt: str(raw.createdAt),
  };
}

function counts(v: unknown): Record<string, number> {
  if (!isObject(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, n]) => [k, count(n)]));
}

/** One ranked site from a GeoJSON feature (or a flat object with a `geometry`). */
export function normaliseSite(raw: unknown): HotspotSite {
  const feature = isObject(raw) ? raw : {};
  const p = isObject(feature.properties) ? feature.properties : feature;
  const geometry = isObject(feature.geometry) ? (feature.geometry as unknown as GeoJSON.Geometry) : null;
  return {
    siteId: str(p.siteId),
    unit: str(p.unit),
    rank: num(p.rank),
    previousRank: num(p.previousRank),
    rankChange: num(p.rankChange),
    roadLabel: str(p.roadLabel),
    ref: str(p.ref),
    name: str(p.name),
    roadClass: str(p.roadClass),
    speedLimit: num(p.speedLimit),
    urban: p.urban === null || p.urban === undefined ? null : bool(p.urban),
    districtCode: str(p.districtCode),
    lengthM: num(p.lengthM),
    fatal: count(p.fatal),
    serious: count(p.serious),
    slight: count(p.slight),
    roadUserCounts: counts(p.roadUserCounts),
    ksi36m: num(p.ksi36m),
    ksiPerKm36m: num(p.ksiPerKm36m),
    muKsi: num(p.muKsi),
    muAll: num(p.muAll),
    expectedKsi: num(p.expectedKsi),
    expectedAll: num(p.expectedAll),
    excessKsi: num(p.excessKsi),
    excessAll: num(p.excessAll),
    pExcessKsi: num(p.pExcessKsi),
    pExcessAll: num(p.pExcessAll),
    pExcess: num(p.pExcess),
    harmScore: num(p.harmScore),
    priorityScore: num(p.priorityScore),
    candidate: bool(p.candidate),
    corridor: bool(p.corridor),
    corridorId: num(p.corridorId),
    giZ: num(p.giZ),
    giQ: num(p.giQ),
    clusterMaxInCircle: num(p.clusterMaxInCircle),
    clusterSite: bool(p.clusterSite),
    concernCount: num(p.concernCount),
    concernFactor: num(p.concernFactor),
    concernOnly: bool(p.concernOnly),
    eligible: bool(p.eligible),
    eligibilityReason: str(p.eligibilityReason),
    peakDay: num(p.peakDay),
    peakHour: num(p.peakHour),
    peakCount: num(p.peakCount),
    runId: num(p.runId),
    geometry,
  };
}

export function normaliseList(raw: unknown): HotspotList {
  const o = isObject(raw) ? raw : {};
  const run = normaliseRun(o.run);
  return {
    run,
    units: unitKind(o.units) ?? run?.unitKind,
    sites: (Array.isArray(o.features) ? o.features : []).map(normaliseSite),
  };
}

/** A name people recognise for a site: its road label, else road number/name, else its kind and id. */
export function siteLabel(site: Pick<HotspotSite, 'roadLabel' | 'ref' | 'name' | 'unit' | 'siteId'>): string {
  const road = site.roadLabel || [site.ref, site.name].filter(Boolean).join(' ');
  if (road) return road;
  const kind = UNIT_SINGULAR[site.unit as SiteUnit] ?? 'Site';
  return `${kind} ${site.siteId.replace(/^[a-z]+:/, '')}`;
}

export interface YearCounts {
  year: number;
  fatal: number;
  serious: number;
  slight: number;
}

export interface SiteCollision {
  collisionIndex: string;
  date: string;
  time: string;
  severity: string;
  distanceM: number | null;
  ambiguous: boolean;
}

export interface SiteConcern {
  reference: string;
  category: string;
  status: string;
  createdMonth: string;
}

export interface SiteDetail {
  site: HotspotSite;
  /** The run the site was ranked in. */
  run: HotspotRun | undefined;
  collisions: SiteCollision[];
  trend: YearCounts[];
  /** matrix[day][hour], day 0 = Sunday (DfT order). */
  matrix: number[][];
  breakdowns: Record<string, Record<string, number>>;
  concerns: SiteConcern[];
}

const SEVERITY_NAMES: Record<string, string> = { '1': 'fatal', '2': 'serious', '3': 'slight' };

export function normaliseDetail(raw: unknown): SiteDetail {
  const o = isObject(raw) ? raw : {};
  const siteRaw = isObject(o.site) ? o.site : {};
  // The site arrives as properties plus geometry, or as a GeoJSON feature.
  const site = normaliseSite(isObject(siteRaw.properties) ? siteRaw : { properties: siteRaw, geometry: siteRaw.geometry });
  const breakdowns: Record<string, Record<string, number>> = {};
  if (isObject(o.breakdowns)) for (const [k, v] of Object.entries(o.breakdowns)) breakdowns[k] = counts(v);
  return {
    site,
    run: normaliseRun(o.run),
    collisions: (Array.isArray(o.collisions) ? o.collisions : []).filter(isObject).map((c) => ({
      collisionIndex: str(c.collisionIndex),
      date: str(c.date).slice(0, 10),
      time: str(c.time).slice(0, 5),
      severity: SEVERITY_NAMES[str(c.severity)] ?? str(c.severity),
      distanceM: num(c.distanceM),
      ambiguous: bool(c.ambiguous),
    })),
    trend: (Array.isArray(o.trend) ? o.trend : [])
      .filter(isObject)
      .map((t) => ({ year: count(t.year), fatal: count(t.fatal), serious: count(t.serious), slight: count(t.slight) }))
      .sort((a, b) => a.year - b.year),
    matrix: Array.isArray(o.matrix) ? o.matrix.map((row) => (Array.isArray(row) ? row.map(count) : [])) : [],
    breakdowns,
    concerns: (Array.isArray(o.concerns) ? o.concerns : []).filter(isObject).map((c) => ({
      reference: str(c.reference),
      category: str(c.category),
      status: str(c.status),
      createdMonth: str(c.createdMonth).slice(0, 7),
    })),
  };
}

export interface ValueTable {
  version: string;
  priceYear: number | null;
  fatalGbp: number | null;
  seriousGbp: number | null;
  slightGbp: number | null;
  source: string;
}

export interface MethodStatement {
  methodVersion: string;
  /** Paragraphs of the method in words, when the API gives them. */
  statement: string[];
  valueTable: ValueTable | undefined;
  defaults: Json;
  latestRun: HotspotRun | undefined;
  /** Units the latest run used, or what a new run would use. */
  units: UnitKind | undefined;
}

function paragraphs(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v.flatMap(paragraphs);
  if (isObject(v)) return paragraphs(v.text ?? v.summary ?? v.steps);
  return [];
}

export function normaliseMethod(raw: unknown): MethodStatement {
  const o = isObject(raw) ? raw : {};
  const vt = isObject(o.valueTable) ? o.valueTable : isObject(o.collisionValues) ? o.collisionValues : undefined;
  const latestRun = normaliseRun(o.latestRun ?? o.run);
  return {
    methodVersion: str(o.methodVersion ?? o.version) || latestRun?.methodVersion || '',
    statement: paragraphs(o.statement ?? o.method ?? o.summary ?? o.description),
    valueTable: vt
      ? {
          version: str(vt.version),
          priceYear: num(vt.priceYear),
          fatalGbp: num(vt.fatalGbp),
          seriousGbp: num(vt.seriousGbp),
          slightGbp: num(vt.slightGbp),
          source: str(vt.source),
        }
      : undefined,
    defaults: isObject(o.defaults) ? o.defaults : isObject(o.params) ? o.params : isObject(o.defaultParams) ? o.defaultParams : {},
    latestRun,
    units: unitKind(o.units ?? o.unitKind) ?? latestRun?.unitKind,
  };
}

/** A background run as GET /api/hotspot-runs/:id reports it (`id` is the job id; `runId` the hotspot run, once created). */
export interface RunStatus extends HotspotRun {
  jobId: number | null;
  runId: number | null;
  status: string;
  progress: number;
  stage: string;
  message: string;
  startedBy: string;
  summary: Json;
  finishedAt: string;
}

export function normaliseRunStatus(raw: unknown): RunStatus {
  const o = isObject(raw) ? raw : {};
  const run = normaliseRun(o) ?? normaliseRun({})!;
  const progress = num(o.progress) ?? 0;
  return {
    ...run,
    jobId: num(o.jobId ?? o.id),
    runId: num(o.runId),
    status: str(o.status),
    // 0–1 as stored; a server that reports percentages is read as such.
    progress: progress > 1 ? progress / 100 : progress,
    stage: str(o.stage),
    message: str(o.message),
    startedBy: str(o.startedBy),
    summary: isObject(o.summary) ? o.summary : {},
    finishedAt: str(o.finishedAt),
  };
}

/** The list of GET /api/hotspot-runs, whether a bare array or wrapped in an object. */
export function normaliseRunList(raw: unknown): RunStatus[] {
  const list = Array.isArray(raw) ? raw : isObject(raw) ? (Object.values(raw).find(Array.isArray) ?? []) : [];
  return list.map(normaliseRunStatus);
}

export function peakLabel(site: Pick<HotspotSite, 'peakDay' | 'peakHour' | 'peakCount'>): string {
  if (site.peakDay === null || site.peakHour === null || !site.peakCount) return '–';
  // DfT day_of_week numbering: 1 Sunday … 7 Saturday.
  const day = DAY_NAMES[site.peakDay - 1] ?? String(site.peakDay);
  const hour = String(site.peakHour).padStart(2, '0');
  return `${day} ${hour}:00–${hour}:59 (${site.peakCount} collision${site.peakCount === 1 ? '' : 's'})`;
}
