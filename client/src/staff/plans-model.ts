/**
 * The monthly van plan as the staff page shows it: the API's plan shapes, the calendar grid (days ×
 * vans), local clock times, the quality measures with their targets, and the delivery summary read
 * defensively. Pure (no DOM), tested in plans-model.test.ts.
 */
import type { PlanMetrics, Violation } from '../../../geo/planning/types.ts';
import type { PlanSessionView, PlanStatus, PlanSummary } from '../../../server/planning/model.ts';

export type { PlanSessionView, PlanSummary };

export interface PlanDetail {
  id: number;
  month: string;
  version: number;
  seed: number;
  status: PlanStatus;
  travelMode: string | null;
  progress: { fraction: number; stage: string } | null;
  sessions: PlanSessionView[];
  metrics: PlanMetrics | null;
  violations: Violation[];
  notes: string[];
  error: string | null;
  createdBy: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  publishedBy: string | null;
  publishedAt: string | null;
  supersedesPlanId: number | null;
  correctionReason: string | null;
}

export const STATUS_LABELS: Record<PlanStatus, string> = {
  generating: 'Generating',
  draft: 'Draft',
  approved: 'Approved',
  published: 'Published',
  superseded: 'Superseded',
  failed: 'Failed',
};

export function normalisePlan(raw: unknown): PlanDetail {
  const r = (raw ?? {}) as Record<string, unknown>;
  const progress = r.progress as { fraction?: unknown; stage?: unknown } | null | undefined;
  return {
    id: Number(r.id),
    month: String(r.month ?? ''),
    version: Number(r.version ?? 1),
    seed: Number(r.seed ?? 0),
    status: (r.status as PlanStatus) ?? 'draft',
    travelMode: typeof r.travelMode === 'string' ? r.travelMode : null,
    progress: progress && typeof progress === 'object' ? { fraction: Number(progress.fraction ?? 0), stage: String(progress.stage ?? '') } : null,
    sessions: Array.isArray(r.sessions) ? (r.sessions as PlanSessionView[]) : [],
    metrics: (r.metrics as PlanMetrics | null | undefined) ?? null,
    violations: Array.isArray(r.violations) ? (r.violations as Violation[]) : [],
    notes: Array.isArray(r.notes) ? r.notes.map(String) : [],
    error: typeof r.error === 'string' ? r.error : null,
    createdBy: typeof r.createdBy === 'string' ? r.createdBy : null,
    approvedBy: typeof r.approvedBy === 'string' ? r.approvedBy : null,
    approvedAt: typeof r.approvedAt === 'string' ? r.approvedAt : null,
    publishedBy: typeof r.publishedBy === 'string' ? r.publishedBy : null,
    publishedAt: typeof r.publishedAt === 'string' ? r.publishedAt : null,
    supersedesPlanId: typeof r.supersedesPlanId === 'number' ? r.supersedesPlanId : null,
    correctionReason: typeof r.correctionReason === 'string' ? r.correctionReason : null,
  };
}

// ---------- Dates and times ----------

/** Every date of 'YYYY-MM' (UTC arithmetic on dates only, so no time zone can shift a day). */
export function datesOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: days }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export function weekdayShort(date: string): string {
  return WEEKDAYS[isoWeekday(date) - 1]!;
}

const LONDON_CLOCK = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * The London clock time (HH:MM) of an ISO instant ("2026-03-29T09:05:00+01:00" → "09:05"), whatever
 * the reader's own time zone: crews work to local time.
 */
export function localClock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : LONDON_CLOCK.format(ms);
}

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in London, YYYY-MM-DD (a crew's return can be recorded from the session's day on). */
export function londonToday(now: Date = new Date()): string {
  return LONDON_DATE.format(now);
}

/** Minutes between two ISO instants. */
export function minutesBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 60_000);
}

// ---------- Calendar ----------

export interface VanColumn {
  vanId: number;
  callSign: string;
}

/** The vans of a plan's sessions, by call sign. */
export function planVans(sessions: readonly PlanSessionView[]): VanColumn[] {
  const byId = new Map<number, string>();
  for (const s of sessions) if (!byId.has(s.vanId)) byId.set(s.vanId, s.vanCallSign ?? `Van ${s.vanId}`);
  return [...byId].map(([vanId, callSign]) => ({ vanId, callSign })).sort((a, b) => a.callSign.localeCompare(b.callSign, 'en-GB', { numeric: true }));
}

export interface ShiftCell {
  shift: string;
  sessions: PlanSessionView[];
}

/** sessions of one (date, van) grouped by shift in start order, sessions by their order. */
export type CalendarGrid = Map<string, Map<number, ShiftCell[]>>;

export function calendarGrid(sessions: readonly PlanSessionView[]): CalendarGrid {
  const grid: CalendarGrid = new Map();
  const sorted = [...sessions].sort((a, b) => a.arrive.localeCompare(b.arrive) || a.order - b.order);
  for (const s of sorted) {
    let day = grid.get(s.date);
    if (!day) grid.set(s.date, (day = new Map()));
    let cells = day.get(s.vanId);
    if (!cells) day.set(s.vanId, (cells = []));
    let cell = cells.find((c) => c.shift === s.shift);
    if (!cell) cells.push((cell = { shift: s.shift, sessions: [] }));
    cell.sessions.push(s);
  }
  for (const day of grid.values()) for (const cells of day.values()) for (const c of cells) c.sessions.sort((a, b) => a.order - b.order);
  return grid;
}

/** The sessions of one day, per van and shift, in order: what the day view lists. */
export function daySessions(sessions: readonly PlanSessionView[], date: string): Array<{ vanId: number; callSign: string; shift: string; sessions: PlanSessionView[] }> {
  const groups = new Map<string, { vanId: number; callSign: string; shift: string; sessions: PlanSessionView[] }>();
  for (const s of sessions) {
    if (s.date !== date) continue;
    const key = `${s.vanId}|${s.shift}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { vanId: s.vanId, callSign: s.vanCallSign ?? `Van ${s.vanId}`, shift: s.shift, sessions: [] }));
    g.sessions.push(s);
  }
  const list = [...groups.values()];
  for (const g of list) g.sessions.sort((a, b) => a.order - b.order);
  return list.sort((a, b) => a.callSign.localeCompare(b.callSign, 'en-GB', { numeric: true }) || (a.sessions[0]?.arrive ?? '').localeCompare(b.sessions[0]?.arrive ?? ''));
}

// ---------- Quality measures ----------

/** Readable names for the measures of PlanMetrics.targets (unknown keys are spelt out from their camelCase). */
export const MEASURE_LABELS: Record<string, string> = {
  violations: 'Hard-constraint violations',
  riskCoverage: 'Risk coverage (site-days within the halo of a visit)',
  topTierBelowMinimum: 'Top-tier sites below their minimum visits',
  spearmanHoursRisk: 'Hours follow risk (Spearman ρ)',
  breadth: 'Breadth (share of eligible sites visited)',
  topDecileHoursShare: 'Top-decile sites’ share of hours',
  districtFairness: 'District fairness (hours share ÷ risk share)',
  fairnessWithinBand: 'District fairness (hours share ÷ risk share)',
  unpredictabilityEntropy: 'Unpredictability (normalised entropy)',
  sameAsLastWeek: '“Same as last week” hit rate vs chance',
  sameAsLastWeekHitRate: '“Same as last week” hit rate',
  rotationBreaches: 'Rotation breaches (minimum gap, consecutive shifts)',
  weekendShare: 'Weekend share of hours',
  darknessShare: 'Darkness share of hours',
  productiveShare: 'Productive time (enforcing ÷ rostered)',
  concernDaysMedian: 'Concern response, median days',
  concernDaysP95: 'Concern response, 95th percentile days',
  concernDays: 'Concern response (days from approval to first visit)',
};

export function measureLabel(key: string): string {
  return MEASURE_LABELS[key] ?? key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
}

/**
 * A measure's value written the way its target is: as a percentage when the target is (weekend share
 * "25%–30%"), else as the plain number (coverage "≥ 0.8", entropy "≥ 0.85"), whole numbers as they are.
 */
export function formatMeasure(value: number | null, target = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (target.includes('%')) return `${(value * 100).toFixed(1)}%`;
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2);
}

export interface MeasureRow {
  key: string;
  label: string;
  value: string;
  target: string;
  met: boolean;
}

export function measureRows(metrics: PlanMetrics | null): MeasureRow[] {
  if (!metrics?.targets) return [];
  return Object.entries(metrics.targets).map(([key, t]) => ({ key, label: measureLabel(key), value: formatMeasure(t.value, t.target), target: t.target, met: t.met }));
}

// ---------- Delivery ----------

export interface DeliveryRow {
  label: string;
  plannedHours: number;
  deliveredHours: number;
  sessionsPlanned: number | null;
  sessionsReturned: number | null;
}

const numberOf = (...values: unknown[]): number => {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return 0;
};
const maybeNumber = (...values: unknown[]): number | null => {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return null;
};

/** Rows of a planned-vs-delivered breakdown (per site or district), whatever the label field is called. */
export function deliveryRows(raw: unknown): DeliveryRow[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((r: Record<string, unknown>) => ({
    label: String(r.text ?? r.siteText ?? r.districtName ?? r.name ?? r.districtCode ?? r.reference ?? r.siteId ?? '–'),
    plannedHours: numberOf(r.plannedHours, r.hoursPlanned, (r.planned as Record<string, unknown> | undefined)?.hours),
    deliveredHours: numberOf(r.deliveredHours, r.hoursDelivered, (r.delivered as Record<string, unknown> | undefined)?.hours),
    sessionsPlanned: maybeNumber(r.plannedSessions, r.sessionsPlanned, r.sessions, (r.planned as Record<string, unknown> | undefined)?.sessions),
    sessionsReturned: maybeNumber(r.returnedSessions, r.sessionsReturned, r.returns, (r.delivered as Record<string, unknown> | undefined)?.sessions),
  }));
}

export const OFFENCE_LABELS: Record<string, string> = {
  speeding: 'Speeding',
  seatBelt: 'Seat belt',
  mobilePhone: 'Mobile phone',
  notInProperControl: 'Not in proper control',
};

/** Detections by offence from the delivery answer: an object {speeding: n, …} or rows [{offence, count}]. */
export function offenceCounts(raw: unknown): Array<{ label: string; value: number }> {
  if (Array.isArray(raw)) return raw.map((r: Record<string, unknown>) => ({ label: OFFENCE_LABELS[String(r.offence)] ?? String(r.offence ?? r.label ?? '–'), value: numberOf(r.count, r.detections, r.value) }));
  if (raw && typeof raw === 'object') return Object.entries(raw as Record<string, unknown>).filter(([, v]) => typeof v === 'number').map(([k, v]) => ({ label: OFFENCE_LABELS[k] ?? k, value: v as number }));
  return [];
}
