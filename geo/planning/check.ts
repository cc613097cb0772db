import { addDays, isoToEpochMs, isoWeekday as slowIsoWeekday, localClock as slowLocalClock, localDate as slowLocalDate, shiftWindowMs as slowShiftWindowMs } from '../calendar/time.ts';
import { SCHOOL_TIME_WINDOWS } from './types.ts';
import type { CalendarDay, PlanInputs, PlanSite, PlanVan, PlannedSession, ShiftTemplate, Violation, ViolationKind } from './types.ts';

/**
 * The independent constraint checker: every hard constraint of the van plan, verified from the sessions
 * and the inputs alone (never from anything the optimiser computed), one Violation per breach with a
 * message a planner can act on (van call sign, date, shift, site reference and the numbers).
 *
 * Sessions with `status === 'cancelled'` (the server passes stored sessions as they are) are ignored.
 * Tolerance: one second wherever travel (real seconds) meets clock times (whole minutes).
 */

/** A planned session as the server may pass it: stored sessions carry a status; cancelled ones do not count. */
export type CheckedSession = PlannedSession & { status?: string };

/** Travel (real seconds) against whole-minute clock times: a shortfall up to this is not a breach. */
export const TOLERANCE_MS = 1000;

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

// Luxon is exact but slow (~50 µs a call); a 2500-session plan needs tens of thousands of conversions, so the
// hot ones are memoised. Europe/London changes offset only on whole hours, so an instant's local date and
// offset are those of the start of its UTC hour.
const HOUR_MS = 3_600_000;
const hourDates = new Map<number, string>();
const hourClocks = new Map<number, string>();
const weekdays = new Map<string, number>();
const shiftWindows = new Map<string, [number, number]>();

/** Local (Europe/London) date of an instant. */
export function localDate(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  let date = hourDates.get(hour);
  if (date === undefined) {
    date = slowLocalDate(hour * HOUR_MS);
    hourDates.set(hour, date);
  }
  return date;
}

/** Local clock HH:MM of an instant. */
export function localClock(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  let clock = hourClocks.get(hour);
  if (clock === undefined) {
    clock = slowLocalClock(hour * HOUR_MS);
    hourClocks.set(hour, clock);
  }
  const minutes = Math.floor((ms - hour * HOUR_MS) / 60_000);
  return `${clock.slice(0, 3)}${String(Number(clock.slice(3)) + minutes).padStart(2, '0')}`;
}

/** ISO weekday of a date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  let weekday = weekdays.get(date);
  if (weekday === undefined) {
    weekday = slowIsoWeekday(date);
    weekdays.set(date, weekday);
  }
  return weekday;
}

/** A shift's (or time window's) start and end instants on a date, as geo/calendar/time.ts computes them. */
export function shiftWindowMs(date: string, shift: { starts: string; ends: string }): [number, number] {
  const key = `${date}|${shift.starts}|${shift.ends}`;
  let window = shiftWindows.get(key);
  if (window === undefined) {
    window = slowShiftWindowMs(date, shift);
    shiftWindows.set(key, window);
  }
  return window;
}

const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO 8601 instant with an offset (or Z); NaN for anything else, as isoToEpochMs. */
export function instantMs(iso: string): number {
  const m = INSTANT_PATTERN.exec(iso);
  if (!m) return isoToEpochMs(iso);
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  // Date.parse accepts 30 February and 24:00; the luxon parser the project uses does not.
  if (month < 1 || month > 12 || day < 1 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  return Date.parse(iso);
}

/** Lookups shared by the checker and the metrics. */
export interface PlanIndex {
  sites: Map<number, PlanSite>;
  vans: Map<number, PlanVan>;
  shifts: Map<string, ShiftTemplate>;
  calendar: Map<string, CalendarDay>;
}

export function indexInputs(inputs: PlanInputs): PlanIndex {
  return {
    sites: new Map(inputs.sites.map((s) => [s.id, s])),
    vans: new Map(inputs.vans.map((v) => [v.id, v])),
    shifts: new Map(inputs.shifts.map((t) => [t.code, t])),
    calendar: new Map(inputs.calendar.map((d) => [d.date, d])),
  };
}

/** Sessions that count: everything but cancelled ones. */
export function liveSessions<T extends CheckedSession>(sessions: readonly T[]): T[] {
  return sessions.filter((s) => s.status !== 'cancelled');
}

/** Travel seconds between two travel-matrix indexes; NaN when either is outside the matrix. */
export function travelSeconds(inputs: PlanInputs, from: number, to: number): number {
  const n = inputs.travel.size;
  if (!(from >= 0 && from < n && to >= 0 && to < n)) return Number.NaN;
  return inputs.travel.seconds[from * n + to] ?? Number.NaN;
}

/** Whether a string is a real calendar date YYYY-MM-DD. */
export function isCalendarDate(date: string): boolean {
  return DATE_PATTERN.test(date) && new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)))).toISOString().slice(0, 10) === date;
}

/** Days since 1970-01-01 of a date YYYY-MM-DD (for differences between dates). */
export function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

/** A session with its instants parsed; `timed` when both parse and arrive < depart. */
interface TimedSession {
  session: CheckedSession;
  /** Position in the input list (a stable tie-break). */
  index: number;
  arriveMs: number;
  departMs: number;
  timed: boolean;
  /** The date is a real date inside the plan's month. */
  dated: boolean;
}

/** Local clock of an instant, with its date when that is not `date` (a shift past midnight). */
function clockOn(ms: number, date: string): string {
  const day = localDate(ms);
  return day === date ? localClock(ms) : `${localClock(ms)} on ${day}`;
}

/** An instant rounded up to the whole minute (how the planner times arrivals). */
function ceilMinute(ms: number): number {
  return Math.ceil(ms / 60_000) * 60_000;
}

/** Travel seconds as minutes for a message: "18 min", "18.5 min". */
function minutesText(seconds: number): string {
  const minutes = Math.round(seconds / 6) / 10;
  return `${minutes} min`;
}

const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Checks a plan's sessions against every hard constraint of its inputs; [] when the plan is clean. */
export function checkPlan(inputs: PlanInputs, sessions: PlannedSession[]): Violation[] {
  const index = indexInputs(inputs);
  const violations: Violation[] = [];
  const vanName = (vanId: number) => index.vans.get(vanId)?.callSign ?? `van ${vanId}`;
  const siteName = (siteId: number) => index.sites.get(siteId)?.reference ?? `site ${siteId}`;
  const prefix = (s: PlannedSession) => `${vanName(s.vanId)} ${s.date} ${s.shift}`;
  const report = (kind: ViolationKind, s: PlannedSession, message: string) =>
    violations.push({ kind, message, vanId: s.vanId, date: s.date, shift: s.shift, siteId: s.siteId });

  /** Messages already reported for legs with no travel entry (one per session and leg). */
  const missingTravel = new Set<string>();

  const timedSessions: TimedSession[] = liveSessions(sessions as CheckedSession[]).map((session, i) => {
    const arriveMs = instantMs(session.arrive);
    const departMs = instantMs(session.depart);
    const dated = isCalendarDate(session.date) && session.date.startsWith(`${inputs.month}-`);
    return { session, index: i, arriveMs, departMs, dated, timed: Number.isFinite(arriveMs) && Number.isFinite(departMs) && arriveMs < departMs };
  });

  for (const t of timedSessions) checkSession(t);
  checkShiftSequences();
  checkOverlaps();
  checkMinimumGap();
  checkConsecutiveShifts();

  return sortViolations(violations);

  /** Rules 1, 2, 4, 6 and the per-session part of 3 (bad_time). */
  function checkSession(t: TimedSession): void {
    const s = t.session;
    const where = prefix(s);
    const site = index.sites.get(s.siteId);
    const van = index.vans.get(s.vanId);
    const template = index.shifts.get(s.shift);

    if (!t.dated) {
      const why = isCalendarDate(s.date) ? `is outside the plan's month ${inputs.month}` : 'is not a date (YYYY-MM-DD)';
      report('bad_time', s, `${where}: the session's date "${s.date}" ${why}`);
    }
    if (!site) report('site_not_eligible', s, `${where}: site ${s.siteId} is not on this month's list of eligible sites`);
    else if (site.blockedDates.includes(s.date)) report('site_blocked_on_date', s, `${where}: ${site.reference} may not be used on ${s.date} (suspended or risk assessment expired)`);

    if (!van) report('van_unavailable', s, `${where}: there is no van ${s.vanId} in this month's inputs`);
    else {
      if (van.unavailableDates.includes(s.date)) report('van_unavailable', s, `${where}: ${van.callSign} is unavailable on ${s.date}`);
      if (template && van.shiftCodes.length > 0 && !van.shiftCodes.includes(s.shift)) {
        report('van_shift_not_allowed', s, `${where}: ${van.callSign} works only ${van.shiftCodes.join(', ')} shifts, not ${s.shift}`);
      }
    }

    if (!template) report('shift_not_on_day', s, `${where}: there is no shift template "${s.shift}"`);
    else if (t.dated) {
      const weekday = isoWeekday(s.date);
      const holiday = index.calendar.get(s.date)?.bankHoliday;
      if (!template.weekdays.includes(weekday)) {
        report('shift_not_on_day', s, `${where}: the ${template.code} shift does not run on ${WEEKDAY_NAMES[weekday]}s (${s.date})`);
      } else if (holiday && !template.bankHolidays) {
        report('shift_not_on_day', s, `${where}: the ${template.code} shift does not run on bank holidays and ${s.date} is ${holiday}`);
      }
    }

    if (!Number.isFinite(t.arriveMs) || !Number.isFinite(t.departMs)) {
      const bad = [!Number.isFinite(t.arriveMs) ? `arrive "${s.arrive}"` : '', !Number.isFinite(t.departMs) ? `depart "${s.depart}"` : ''].filter(Boolean);
      report('bad_time', s, `${where}: ${bad.join(' and ')} at ${siteName(s.siteId)} is not an ISO 8601 date-time with an offset`);
      return;
    }
    if (!t.timed) {
      report('bad_time', s, `${where}: at ${siteName(s.siteId)} the departure ${clockOn(t.departMs, s.date)} is not after the arrival ${clockOn(t.arriveMs, s.date)}`);
      return;
    }
    if (t.dated) {
      const arriveDate = localDate(t.arriveMs);
      // A shift past midnight (ends ≤ starts) may have sessions that start the next morning.
      const overnight = template !== undefined && template.ends <= template.starts;
      if (arriveDate !== s.date && !(overnight && arriveDate === addDays(s.date, 1))) {
        report('bad_time', s, `${where}: arrives at ${siteName(s.siteId)} on ${arriveDate}, not on the shift's date ${s.date}`);
      }
    }

    const minutes = inputs.options.sessionMinutes;
    const lengthMs = t.departMs - t.arriveMs;
    if (lengthMs < minutes * 60_000 - TOLERANCE_MS) {
      report('session_too_short', s, `${where}: the session at ${siteName(s.siteId)} (${clockOn(t.arriveMs, s.date)}–${clockOn(t.departMs, s.date)}) lasts ${Math.round(lengthMs / 60_000)} min, less than the ${minutes} min required`);
    }

    if (site) checkRestrictions(t, site);
  }

  /** Rule 6: daylight only, no weekends, school times only, time windows. */
  function checkRestrictions(t: TimedSession, site: PlanSite): void {
    const s = t.session;
    const r = site.restrictions;
    const where = prefix(s);
    const span = `${clockOn(t.arriveMs, s.date)}–${clockOn(t.departMs, s.date)}`;
    const arriveDate = localDate(t.arriveMs);
    const departDate = localDate(t.departMs);

    if (r.daylightOnly) {
      const sunrise = instantMs(index.calendar.get(arriveDate)?.sunrise ?? '');
      const sunset = instantMs(index.calendar.get(departDate)?.sunset ?? '');
      const problems: string[] = [];
      if (Number.isFinite(sunrise) && t.arriveMs < sunrise - TOLERANCE_MS) problems.push(`starts before sunrise at ${localClock(sunrise)}`);
      if (Number.isFinite(sunset) && t.departMs > sunset + TOLERANCE_MS) problems.push(`ends after sunset at ${localClock(sunset)}`);
      // A session over midnight cannot be in daylight whatever the calendar says.
      if (arriveDate !== departDate) problems.push('runs through the night');
      if (problems.length > 0) report('time_restriction', s, `${where}: ${site.reference} is daylight only but the session ${span} ${problems.join(' and ')}`);
    }

    if (r.noWeekends) {
      const weekendDays = [...new Set([arriveDate, departDate])].filter((d) => isoWeekday(d) >= 6);
      if (weekendDays.length > 0) {
        report('time_restriction', s, `${where}: ${site.reference} is never enforced at weekends but the session ${span} falls on ${weekendDays.map((d) => `${WEEKDAY_NAMES[isoWeekday(d)]} ${d}`).join(' and ')}`);
      }
    }

    if (r.schoolTimesOnly) {
      const weekday = isoWeekday(arriveDate);
      const holiday = index.calendar.get(arriveDate)?.bankHoliday;
      const windowsText = SCHOOL_TIME_WINDOWS.map((w) => `${w.from}–${w.to}`).join(' or ');
      if (weekday >= 6) report('time_restriction', s, `${where}: ${site.reference} is enforced in school times only, and ${arriveDate} is a ${WEEKDAY_NAMES[weekday]}`);
      else if (holiday) report('time_restriction', s, `${where}: ${site.reference} is enforced in school times only, and ${arriveDate} is ${holiday}`);
      else if (!insideOneWindow(t, SCHOOL_TIME_WINDOWS)) report('time_restriction', s, `${where}: ${site.reference} is enforced in school times only (${windowsText}) but the session is ${span}`);
    }

    if (r.windows && r.windows.length > 0 && !insideOneWindow(t, r.windows)) {
      report('time_restriction', s, `${where}: ${site.reference} may only be enforced ${r.windows.map((w) => `${w.from}–${w.to}`).join(' or ')} but the session is ${span}`);
    }
  }

  /** Whether [arrive, depart] lies inside one local window, trying windows that open the day before (past midnight). */
  function insideOneWindow(t: TimedSession, windows: ReadonlyArray<{ from: string; to: string }>): boolean {
    const day = localDate(t.arriveMs);
    for (const openedOn of [addDays(day, -1), day]) {
      for (const w of windows) {
        const [from, to] = shiftWindowMs(openedOn, { starts: w.from, ends: w.to });
        if (t.arriveMs >= from - TOLERANCE_MS && t.departMs <= to + TOLERANCE_MS) return true;
      }
    }
    return false;
  }

  /** Rule 3: per (van, date, shift) — orders 1..n, leaving base after the start, travel between sites, back by the end. */
  function checkShiftSequences(): void {
    for (const group of groupBy(timedSessions, (t) => `${t.session.vanId}|${t.session.date}|${t.session.shift}`).values()) {
      group.sort((a, b) => a.session.order - b.session.order || a.arriveMs - b.arriveMs || a.index - b.index);
      const first = group[0]!.session;
      const where = prefix(first);
      const orders = group.map((t) => t.session.order);
      if (orders.some((order, i) => order !== i + 1)) {
        report('order', first, `${where}: the session orders are ${orders.join(', ')}; expected ${orders.map((_, i) => i + 1).join(', ')}`);
      }

      const template = index.shifts.get(first.shift);
      const van = index.vans.get(first.vanId);
      if (!template || !group[0]!.dated) continue;
      const [shiftStart, shiftEnd] = shiftWindowMs(first.date, template);
      const base = { travelIndex: van?.baseTravelIndex, name: `${vanName(first.vanId)}'s base` };
      const at = (t: TimedSession) => ({ travelIndex: index.sites.get(t.session.siteId)?.travelIndex, name: siteName(t.session.siteId) });
      const fromBase = (t: TimedSession) => legSeconds(base, at(t), t.session);
      const toBase = (t: TimedSession) => legSeconds(at(t), base, t.session);

      const head = group[0]!;
      if (head.timed) {
        const drive = fromBase(head);
        const earliest = shiftStart + drive * 1000;
        if (head.arriveMs < earliest - TOLERANCE_MS) {
          const why = drive > 0 ? `the ${minutesText(drive)} drive from base after the ${clockOn(shiftStart, first.date)} start means ${clockOn(ceilMinute(earliest), first.date)} at the earliest` : `the shift starts at ${clockOn(shiftStart, first.date)}`;
          report('starts_before_shift', head.session, `${where}: arrives at ${siteName(head.session.siteId)} at ${clockOn(head.arriveMs, first.date)} but ${why}`);
        }
      }

      for (let i = 1; i < group.length; i++) {
        const before = group[i - 1]!;
        const after = group[i]!;
        if (!before.timed || !after.timed) continue;
        const drive = legSeconds(at(before), at(after), after.session);
        const earliest = before.departMs + drive * 1000;
        if (after.arriveMs < earliest - TOLERANCE_MS) {
          report(
            'travel_too_short',
            after.session,
            `${where}: arrives at ${siteName(after.session.siteId)} at ${clockOn(after.arriveMs, first.date)} but leaves ${siteName(before.session.siteId)} at ${clockOn(before.departMs, first.date)}` +
              (drive > 0 ? ` and the drive takes ${minutesText(drive)}, so ${clockOn(ceilMinute(earliest), first.date)} at the earliest` : ''),
          );
        }
      }

      const tail = group[group.length - 1]!;
      if (tail.timed) {
        const drive = toBase(tail);
        const back = tail.departMs + drive * 1000;
        if (back > shiftEnd + TOLERANCE_MS) {
          const how = drive > 0 ? `and the ${minutesText(drive)} drive to base means ${clockOn(back, first.date)} back` : 'which is';
          report('ends_after_shift', tail.session, `${where}: leaves ${siteName(tail.session.siteId)} at ${clockOn(tail.departMs, first.date)} ${how}, after the shift ends at ${clockOn(shiftEnd, first.date)}`);
        }
      }
    }
  }

  /**
   * Travel seconds for a leg. An unknown van or site counts 0 (reported as its own violation); a leg the travel
   * matrix has no entry for (travel index outside it, or no number there) is reported as `bad_time` on `blamed`,
   * once per session and leg, and then counts 0 so the other rules can still be checked.
   */
  function legSeconds(from: { travelIndex: number | undefined; name: string }, to: { travelIndex: number | undefined; name: string }, blamed: PlannedSession): number {
    if (from.travelIndex === undefined || to.travelIndex === undefined) return 0;
    const seconds = travelSeconds(inputs, from.travelIndex, to.travelIndex);
    if (Number.isFinite(seconds)) return seconds;
    const message = `${prefix(blamed)}: the travel matrix (${inputs.travel.size} locations) has no travel time from ${from.name} (travel index ${from.travelIndex}) to ${to.name} (travel index ${to.travelIndex}), so this leg cannot be checked`;
    if (!missingTravel.has(message)) {
      missingTravel.add(message);
      report('bad_time', blamed, message);
    }
    return 0;
  }

  /** Rule 5: one place at a time, and no two overlapping shift windows worked by one van. */
  function checkOverlaps(): void {
    for (const vanSessions of groupBy(timedSessions.filter((t) => t.timed), (t) => String(t.session.vanId)).values()) {
      vanSessions.sort((a, b) => a.arriveMs - b.arriveMs || a.departMs - b.departMs || a.index - b.index);
      let latest = vanSessions[0]!;
      for (const t of vanSessions.slice(1)) {
        if (t.arriveMs < latest.departMs - TOLERANCE_MS) {
          const a = latest.session;
          const b = t.session;
          report(
            'overlap',
            b,
            `${prefix(b)}: ${vanName(b.vanId)} is at ${siteName(b.siteId)} ${clockOn(t.arriveMs, b.date)}–${clockOn(t.departMs, b.date)} while still at ${siteName(a.siteId)} (${a.date} ${a.shift}, ${clockOn(latest.arriveMs, b.date)}–${clockOn(latest.departMs, b.date)})`,
          );
        }
        if (t.departMs > latest.departMs) latest = t;
      }
    }

    // Worked shift windows: one per (van, date, shift) with sessions.
    const worked = new Map<string, { session: PlannedSession; start: number; end: number }>();
    for (const t of timedSessions) {
      const s = t.session;
      const template = index.shifts.get(s.shift);
      const key = `${s.vanId}|${s.date}|${s.shift}`;
      if (!template || !t.dated || worked.has(key)) continue;
      const [start, end] = shiftWindowMs(s.date, template);
      worked.set(key, { session: s, start, end });
    }
    for (const windows of groupBy([...worked.values()], (w) => String(w.session.vanId)).values()) {
      windows.sort((a, b) => a.start - b.start || a.end - b.end);
      let latest = windows[0]!;
      for (const w of windows.slice(1)) {
        if (w.start < latest.end) {
          const a = latest.session;
          const b = w.session;
          report(
            'overlap',
            b,
            `${prefix(b)}: ${vanName(b.vanId)} works ${a.shift} on ${a.date} (${clockOn(latest.start, a.date)}–${clockOn(latest.end, a.date)}) and ${b.shift} on ${b.date} (${clockOn(w.start, b.date)}–${clockOn(w.end, b.date)}): the shift windows overlap`,
          );
        }
        if (w.end > latest.end) latest = w;
      }
    }
  }

  /** Rule 7: two visits to one site (this plan, or this plan against last month's) fewer than minGapDays apart. */
  function checkMinimumGap(): void {
    const gap = inputs.options.minGapDays;
    if (!(gap > 0)) return;
    type Visit = { siteId: number; date: string; vanId: number; shift: string; session: PlannedSession | null };
    const visits: Visit[] = [
      ...inputs.history.filter((h) => isCalendarDate(h.date)).map((h) => ({ date: h.date, vanId: h.vanId, shift: h.shift, session: null, siteId: h.siteId })),
      ...timedSessions.filter((t) => isCalendarDate(t.session.date)).map((t) => ({ date: t.session.date, vanId: t.session.vanId, shift: t.session.shift, session: t.session, siteId: t.session.siteId })),
    ];
    for (const atSite of groupBy(visits, (v) => String(v.siteId)).values()) {
      // History first on the same date, so each plan visit is compared with the one before it.
      atSite.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : (a.session ? 1 : 0) - (b.session ? 1 : 0)));
      for (let i = 1; i < atSite.length; i++) {
        const a = atSite[i - 1]!;
        const b = atSite[i]!;
        const blamed = b.session ?? a.session;
        if (!blamed) continue;
        const days = dayNumber(b.date) - dayNumber(a.date);
        if (days >= gap) continue;
        const describe = (v: Visit) => `${v.date} (${vanName(v.vanId)} ${v.shift}${v.session ? '' : ', last month'})`;
        const apart = days === 0 ? 'the same day' : `${days} day${days === 1 ? '' : 's'} apart`;
        report('min_gap', blamed, `${prefix(blamed)}: ${siteName(b.siteId)} is visited on ${describe(a)} and again on ${describe(b)}: ${apart}, but the minimum gap is ${gap} days`);
      }
    }
  }

  /**
   * Rule 8: the plan's (date, shift) slots — those with sessions, any van — together with last month's
   * (history's) slots, in shift start order; a site may not be visited in two neighbouring slots. A shift no
   * van works is not a slot, so a site visited on both sides of it IS visited in consecutive shifts, and the
   * month's first worked slot follows the last slot of history.
   */
  function checkConsecutiveShifts(): void {
    type Visit = { siteId: number; date: string; shift: string; vanId: number; session: PlannedSession | null; index: number };
    const slots = new Map<string, number>();
    const visits: Array<Visit & { key: string }> = [];
    const add = (visit: Visit, template: ShiftTemplate) => {
      const key = `${visit.date}|${visit.shift}`;
      if (!slots.has(key)) slots.set(key, shiftWindowMs(visit.date, template)[0]);
      visits.push({ ...visit, key });
    };
    timedSessions.forEach((t) => {
      const template = index.shifts.get(t.session.shift);
      if (template && t.dated) add({ ...t.session, session: t.session, index: t.index }, template);
    });
    inputs.history.forEach((h, i) => {
      const template = index.shifts.get(h.shift);
      if (template && isCalendarDate(h.date)) add({ siteId: h.siteId, date: h.date, shift: h.shift, vanId: h.vanId, session: null, index: -1 - i }, template);
    });
    const ordered = [...slots.entries()].sort(([ka, a], [kb, b]) => a - b || (ka < kb ? -1 : ka > kb ? 1 : 0));
    const slotIndex = new Map(ordered.map(([key], i) => [key, i]));
    const slotOf = (v: Visit & { key: string }) => slotIndex.get(v.key)!;
    const describe = (v: Visit) => `${v.date} ${v.shift} (${vanName(v.vanId)}${v.session ? '' : ', last month'})`;

    for (const atSite of groupBy(visits, (v) => String(v.siteId)).values()) {
      atSite.sort((a, b) => slotOf(a) - slotOf(b) || a.index - b.index);
      for (let i = 1; i < atSite.length; i++) {
        const a = atSite[i - 1]!;
        const b = atSite[i]!;
        const blamed = b.session ?? a.session;
        if (!blamed || slotOf(b) !== slotOf(a) + 1) continue;
        report('consecutive_shifts', blamed, `${prefix(blamed)}: ${siteName(b.siteId)} is visited in consecutive shifts: ${describe(a)} and ${describe(b)}`);
      }
    }
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Date, then van, then shift (stable otherwise), so a planner reads the report day by day. */
function sortViolations(violations: Violation[]): Violation[] {
  const text = (a: string | undefined, b: string | undefined) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  return violations
    .map((v, i) => ({ v, i }))
    .sort((a, b) => text(a.v.date, b.v.date) || (a.v.vanId ?? 0) - (b.v.vanId ?? 0) || text(a.v.shift, b.v.shift) || a.i - b.i)
    .map(({ v }) => v);
}
