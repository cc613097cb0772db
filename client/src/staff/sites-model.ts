/**
 * The staff register of enforcement sites as the page handles it: the API's SiteView, sorting and
 * filtering the table, and turning the editor's form values into the API body and back, with the
 * form's own checks. Pure (no DOM), tested in sites-model.test.ts.
 */
import type { SiteCategory, TimeRestrictions } from '../../../geo/planning/types.ts';
import type { SiteConcernSummary, SiteRegisterFields, SiteSurvey, Suspension } from '../../../server/sites/model.ts';
import { publishedSiteText } from '../../../server/sites/text.ts';

export interface ParkingPosition {
  lon: number;
  lat: number;
  directions: string[];
  description: string;
}

/** The API's SiteView as the page reads it: geometry and evidence may be missing (null), never a crash. */
export interface SiteView extends SiteRegisterFields {
  id: number;
  districtName: string | null;
  stretch: GeoJSON.LineString | null;
  stretchLengthM: number | null;
  parkingPositions: ParkingPosition[];
  publishedText: string;
  evidence: {
    periodFrom: string | null;
    periodTo: string | null;
    ksi: number | null;
    injury: number | null;
    ksiPerKm: number | null;
    injuryPerKm: number | null;
    survey: SiteSurvey | null;
    concerns: SiteConcernSummary[];
    riskScore: number | null;
    hotspotRunId: number | null;
  };
  eligibility: { eligible: boolean; tier: number | null; reasons: string[] };
}

export interface SiteChange {
  at: string;
  actor: string;
  action: string;
  fields: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Reads one SiteView defensively (missing evidence and eligibility become empty, not crashes). */
export function normaliseSite(raw: unknown): SiteView {
  const r = (raw ?? {}) as Record<string, unknown>;
  const ev = (r.evidence ?? {}) as Record<string, unknown>;
  const el = (r.eligibility ?? {}) as Record<string, unknown>;
  const survey = ev.survey as SiteSurvey | null | undefined;
  const stretch = r.stretch as GeoJSON.LineString | null | undefined;
  return {
    id: Number(r.id),
    reference: String(r.reference ?? ''),
    category: (r.category as SiteCategory) ?? 'mobile_route',
    roadNumber: str(r.roadNumber),
    roadName: String(r.roadName ?? ''),
    qualifier: str(r.qualifier),
    direction: str(r.direction),
    locality: String(r.locality ?? ''),
    districtCode: str(r.districtCode),
    districtName: str(r.districtName),
    highwayAuthority: str(r.highwayAuthority),
    speedLimitMph: Number(r.speedLimitMph ?? 30),
    limitKind: r.limitKind === 'zone' ? 'zone' : 'limit',
    stretch: stretch && stretch.type === 'LineString' ? stretch : null,
    stretchLengthM: num(r.stretchLengthM),
    parkingPositions: Array.isArray(r.parkingPositions) ? (r.parkingPositions as ParkingPosition[]) : [],
    riskAssessedOn: str(r.riskAssessedOn),
    riskAssessmentExpiresOn: str(r.riskAssessmentExpiresOn),
    timeRestrictions: (r.timeRestrictions as TimeRestrictions) ?? {},
    suspensions: Array.isArray(r.suspensions) ? (r.suspensions as Suspension[]) : [],
    warningSigns: r.warningSigns !== false,
    visibilityM: num(r.visibilityM),
    notes: str(r.notes),
    demo: r.demo === true,
    version: Number(r.version ?? 1),
    publishedText: String(r.publishedText ?? ''),
    retiredAt: str(r.retiredAt),
    evidence: {
      periodFrom: str(ev.periodFrom),
      periodTo: str(ev.periodTo),
      ksi: num(ev.ksi),
      injury: num(ev.injury),
      ksiPerKm: num(ev.ksiPerKm),
      injuryPerKm: num(ev.injuryPerKm),
      survey: survey && typeof survey === 'object' ? survey : null,
      concerns: Array.isArray(ev.concerns) ? (ev.concerns as SiteView['evidence']['concerns']) : [],
      riskScore: num(ev.riskScore),
      hotspotRunId: num(ev.hotspotRunId),
    },
    eligibility: {
      eligible: el.eligible === true,
      tier: num(el.tier),
      reasons: Array.isArray(el.reasons) ? el.reasons.map(String) : [],
    },
  };
}

// ---------- Table ----------

export type SortKey = 'reference' | 'publishedText' | 'category' | 'district' | 'limit' | 'ksiPerKm' | 'p85' | 'risk' | 'eligible';

/** The value a column sorts by; null sorts last whichever the direction. */
export function sortValue(site: SiteView, key: SortKey): string | number | null {
  switch (key) {
    case 'reference':
      return site.reference;
    case 'publishedText':
      return site.publishedText;
    case 'category':
      return site.category;
    case 'district':
      return site.districtName ?? site.districtCode;
    case 'limit':
      return site.speedLimitMph;
    case 'ksiPerKm':
      return site.evidence.ksiPerKm;
    case 'p85':
      return site.evidence.survey?.p85Mph ?? null;
    case 'risk':
      return site.evidence.riskScore;
    case 'eligible':
      // Eligible first by tier (1 best), then the rest.
      return site.eligibility.eligible ? (site.eligibility.tier ?? 4) : 9;
  }
}

export function sortSites(sites: readonly SiteView[], key: SortKey, descending: boolean): SiteView[] {
  return [...sites].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null && vb === null) return a.reference.localeCompare(b.reference);
    if (va === null) return 1;
    if (vb === null) return -1;
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), 'en-GB', { numeric: true });
    return (descending ? -order : order) || a.reference.localeCompare(b.reference, 'en-GB', { numeric: true });
  });
}

// ---------- Editor ----------

/** What the editor form holds, as strings where a person types them. */
export interface SiteFormValues {
  reference: string;
  category: SiteCategory;
  roadNumber: string;
  roadName: string;
  qualifier: string;
  direction: string;
  locality: string;
  districtCode: string;
  highwayAuthority: string;
  speedLimitMph: string;
  limitKind: 'limit' | 'zone';
  /** [lon, lat] points of the stretch in order. */
  stretch: Array<[number, number]>;
  parkingPositions: Array<{ lon: string; lat: string; directions: string; description: string }>;
  riskAssessedOn: string;
  riskAssessmentExpiresOn: string;
  daylightOnly: boolean;
  noWeekends: boolean;
  schoolTimesOnly: boolean;
  /** "07:30-09:30, 14:30-16:30". */
  windows: string;
  suspensions: Suspension[];
  warningSigns: boolean;
  visibilityM: string;
  notes: string;
  reason: string;
}

export function emptyForm(): SiteFormValues {
  return {
    reference: '',
    category: 'mobile_route',
    roadNumber: '',
    roadName: '',
    qualifier: '',
    direction: '',
    locality: '',
    districtCode: '',
    highwayAuthority: '',
    speedLimitMph: '30',
    limitKind: 'limit',
    stretch: [],
    parkingPositions: [],
    riskAssessedOn: '',
    riskAssessmentExpiresOn: '',
    daylightOnly: false,
    noWeekends: false,
    schoolTimesOnly: false,
    windows: '',
    suspensions: [],
    warningSigns: true,
    visibilityM: '',
    notes: '',
    reason: '',
  };
}

export function formFromSite(site: SiteView): SiteFormValues {
  return {
    reference: site.reference,
    category: site.category,
    roadNumber: site.roadNumber ?? '',
    roadName: site.roadName,
    qualifier: site.qualifier ?? '',
    direction: site.direction ?? '',
    locality: site.locality,
    districtCode: site.districtCode ?? '',
    highwayAuthority: site.highwayAuthority ?? '',
    speedLimitMph: String(site.speedLimitMph),
    limitKind: site.limitKind,
    stretch: (site.stretch?.coordinates ?? []).map((c) => [c[0]!, c[1]!] as [number, number]),
    parkingPositions: site.parkingPositions.map((p) => ({ lon: String(p.lon), lat: String(p.lat), directions: (p.directions ?? []).join(', '), description: p.description ?? '' })),
    riskAssessedOn: site.riskAssessedOn ?? '',
    riskAssessmentExpiresOn: site.riskAssessmentExpiresOn ?? '',
    daylightOnly: site.timeRestrictions.daylightOnly === true,
    noWeekends: site.timeRestrictions.noWeekends === true,
    schoolTimesOnly: site.timeRestrictions.schoolTimesOnly === true,
    windows: (site.timeRestrictions.windows ?? []).map((w) => `${w.from}-${w.to}`).join(', '),
    suspensions: site.suspensions.map((s) => ({ ...s })),
    warningSigns: site.warningSigns,
    visibilityM: site.visibilityM === null ? '' : String(site.visibilityM),
    notes: site.notes ?? '',
    reason: '',
  };
}

/** A problem with one field of the form; `field` is the API's body path, e.g. `parkingPositions.0.lat`. */
export interface FormProblem {
  field: string;
  message: string;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** "07:30-09:30, 14:30–16:30" → windows; problems name the window that does not read. */
export function parseWindows(text: string): { windows: Array<{ from: string; to: string }>; problems: string[] } {
  const windows: Array<{ from: string; to: string }> = [];
  const problems: string[] = [];
  for (const part of text.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,2}:\d{2})\s*[-–to]+\s*(\d{1,2}:\d{2})$/.exec(part);
    const pad = (t: string) => t.padStart(5, '0');
    if (!m || !TIME.test(pad(m[1]!)) || !TIME.test(pad(m[2]!))) problems.push(`“${part}” is not a window like 07:30-09:30`);
    else if (pad(m[1]!) >= pad(m[2]!)) problems.push(`“${part}” ends before it starts`);
    else windows.push({ from: pad(m[1]!), to: pad(m[2]!) });
  }
  return { windows, problems };
}

/** The form's own checks before sending (the server checks again and has the last word). */
export function checkForm(values: SiteFormValues, creating: boolean): FormProblem[] {
  const problems: FormProblem[] = [];
  if (creating && !values.reference.trim()) problems.push({ field: 'reference', message: 'Enter a reference, e.g. LAN-0101' });
  if (!values.roadName.trim()) problems.push({ field: 'roadName', message: 'Enter the road name' });
  if (!values.locality.trim()) problems.push({ field: 'locality', message: 'Enter the locality (town or village)' });
  if (values.stretch.length < 2) problems.push({ field: 'stretch', message: 'Draw the stretch: at least two points on the map' });
  values.parkingPositions.forEach((p, i) => {
    const lon = Number(p.lon);
    const lat = Number(p.lat);
    if (p.lon.trim() === '' || !Number.isFinite(lon) || lon < -180 || lon > 180) problems.push({ field: `parkingPositions.${i}.lon`, message: `Parking position ${i + 1}: enter a longitude from -180 to 180` });
    if (p.lat.trim() === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) problems.push({ field: `parkingPositions.${i}.lat`, message: `Parking position ${i + 1}: enter a latitude from -90 to 90` });
  });
  if (values.riskAssessedOn && values.riskAssessmentExpiresOn && values.riskAssessmentExpiresOn < values.riskAssessedOn) {
    problems.push({ field: 'riskAssessmentExpiresOn', message: 'The risk assessment cannot expire before it was made' });
  }
  values.suspensions.forEach((s, i) => {
    if (!s.from || !s.to) problems.push({ field: `suspensions.${i}.from`, message: `Suspension ${i + 1}: give both dates` });
    else if (s.to < s.from) problems.push({ field: `suspensions.${i}.to`, message: `Suspension ${i + 1}: the end date is before the start date` });
  });
  for (const message of parseWindows(values.windows).problems) problems.push({ field: 'timeRestrictions.windows', message: `Time window ${message}` });
  if (values.visibilityM.trim() !== '' && !(Number(values.visibilityM) >= 0)) problems.push({ field: 'visibilityM', message: 'Visibility must be a number of metres' });
  return problems;
}

const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());

/** The POST/PATCH body (PATCH adds `version` and `reason`). */
export function siteBody(values: SiteFormValues): Record<string, unknown> {
  const restrictions: TimeRestrictions = {};
  if (values.daylightOnly) restrictions.daylightOnly = true;
  if (values.noWeekends) restrictions.noWeekends = true;
  if (values.schoolTimesOnly) restrictions.schoolTimesOnly = true;
  const { windows } = parseWindows(values.windows);
  if (windows.length) restrictions.windows = windows;
  return {
    reference: values.reference.trim(),
    category: values.category,
    roadNumber: orNull(values.roadNumber),
    roadName: values.roadName.trim(),
    qualifier: orNull(values.qualifier),
    direction: orNull(values.direction),
    locality: values.locality.trim(),
    districtCode: orNull(values.districtCode),
    highwayAuthority: orNull(values.highwayAuthority),
    speedLimitMph: Number(values.speedLimitMph),
    limitKind: values.limitKind,
    stretch: { type: 'LineString', coordinates: values.stretch.map((p) => [p[0], p[1]]) },
    parkingPositions: values.parkingPositions.map((p) => ({
      lon: Number(p.lon),
      lat: Number(p.lat),
      directions: p.directions
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean),
      description: p.description.trim(),
    })),
    riskAssessedOn: orNull(values.riskAssessedOn),
    riskAssessmentExpiresOn: orNull(values.riskAssessmentExpiresOn),
    timeRestrictions: restrictions,
    suspensions: values.suspensions.map((s) => ({ from: s.from, to: s.to, reason: s.reason.trim() })),
    warningSigns: values.warningSigns,
    visibilityM: values.visibilityM.trim() === '' ? null : Number(values.visibilityM),
    notes: orNull(values.notes),
  };
}

/** The line the public list will show for these values (the server's own function). */
export function previewText(values: SiteFormValues): string {
  return publishedSiteText({
    roadNumber: values.roadNumber,
    roadName: values.roadName,
    qualifier: values.qualifier,
    direction: values.direction,
    speedLimitMph: Number(values.speedLimitMph) || null,
    limitKind: values.limitKind,
    locality: values.locality,
  });
}

/** A server field path (`body.parkingPositions.0.lat`) → the form's field key. */
export function formField(serverField: string): string {
  return serverField.replace(/^body\./, '');
}

/** A changed value as a short readable string for the history table. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && (value as { type?: string }).type === 'LineString') return `line of ${((value as GeoJSON.LineString).coordinates ?? []).length} points`;
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}…` : json;
}
