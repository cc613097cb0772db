import { bankHolidayOn } from '../../geo/calendar/month.ts';
import { addDays, daysBetween, isoWeekday } from '../../geo/calendar/time.ts';
import { OFFENCE_TYPES, windowPastPostingMessage, windowRefusedMessage, windowWarningMessage, type OffenceType } from './messages.ts';

/**
 * The legal clock of a submission, from the incident date. Dates are `YYYY-MM-DD` in Europe/London;
 * "today" is the caller's local date (geo/calendar/time.ts `localDate(Date.now())`).
 *
 * - noticeBy: section 1 of the Road Traffic Offenders Act 1988: for the offences it covers (careless
 *   and dangerous driving, failing to comply with traffic signs such as red lights and solid white
 *   lines, …) a driver cannot be convicted unless a Notice of Intended Prosecution is served on the
 *   driver or the registered keeper "within 14 days of the commission of the offence". The day of
 *   the offence does not count: day 1 is the day after, so day 14 is the incident date + 14 days.
 * - postBy: section 1(1A) allows service by post, and first-class post is deemed served on the
 *   second working day after posting (Interpretation Act 1978 s7, "in the ordinary course of post";
 *   Criminal Procedure Rules r4.11: "the second business day after the day on which it was posted").
 *   Working (business) days exclude Saturdays, Sundays and England & Wales bank holidays, which
 *   include Christmas Day, Good Friday and the substitute days. The last posting date is therefore the
 *   working day two working days before the last working day on or before day 14 (a notice cannot be
 *   deemed served on a weekend or bank holiday).
 * - submitBy: the force's submission window (default 7 days after the incident, a warning up to 10,
 *   refused after), so there is time to review before postBy.
 */

export interface OffenceDeadlineRule {
  /**
   * Whether a Notice of Intended Prosecution is required within 14 days (RTOA 1988 s1 and Schedule 1).
   * A legal question for the force (e.g. hand-held phone use, seat belts): configuration, not code.
   */
  noticeRequired: boolean;
  /** Days after the incident date within which footage is accepted without a warning (the last day is incident + windowDays). */
  windowDays: number;
  /** Days after the incident date up to which footage is accepted with a warning; refused after. */
  warnUntilDays: number;
}

export type OffenceDeadlineConfig = Record<OffenceType, OffenceDeadlineRule>;

/** The force's usual window: 7 days, a warning up to 10, refused after. */
export const DEFAULT_WINDOW = { windowDays: 7, warnUntilDays: 10 } as const;

/**
 * Defaults: every offence type needs a notice. The spec leaves e.g. hand-held phone use and seat
 * belts as a legal question (they are not listed in RTOA 1988 Schedule 1), so the safe default is to
 * treat every case as if the 14-day clock applies; a force may set `noticeRequired: false` per
 * offence type in configuration once its lawyers agree.
 */
export const DEFAULT_OFFENCE_DEADLINES: OffenceDeadlineConfig = Object.fromEntries(
  OFFENCE_TYPES.map((type) => [type, { noticeRequired: true, ...DEFAULT_WINDOW }]),
) as OffenceDeadlineConfig;

/**
 * The full mapping from defaults and per-offence overrides (e.g. from configuration). Throws a
 * RangeError naming the offence type and value when a rule is not sensible.
 */
export function offenceDeadlineConfig(overrides: Partial<Record<OffenceType, Partial<OffenceDeadlineRule>>> = {}): OffenceDeadlineConfig {
  const config = { ...DEFAULT_OFFENCE_DEADLINES };
  for (const [type, override] of Object.entries(overrides)) {
    if (!(OFFENCE_TYPES as readonly string[]).includes(type)) {
      throw new RangeError(`unknown offence type in the deadline configuration: ${type} (known: ${OFFENCE_TYPES.join(', ')})`);
    }
    const rule = { ...DEFAULT_OFFENCE_DEADLINES[type as OffenceType], ...override };
    if (!Number.isInteger(rule.windowDays) || rule.windowDays < 0) {
      throw new RangeError(`windowDays of ${type} must be a whole number of days ≥ 0 (got ${rule.windowDays})`);
    }
    if (!Number.isInteger(rule.warnUntilDays) || rule.warnUntilDays < rule.windowDays) {
      throw new RangeError(`warnUntilDays of ${type} must be a whole number of days ≥ windowDays ${rule.windowDays} (got ${rule.warnUntilDays})`);
    }
    if (typeof rule.noticeRequired !== 'boolean') throw new RangeError(`noticeRequired of ${type} must be true or false (got ${String(rule.noticeRequired)})`);
    config[type as OffenceType] = rule;
  }
  return config;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function assertDate(date: string, what: string): void {
  // addDays round-trips a real date; 2026-02-30 comes back as another day.
  if (!DATE.test(date) || addDays(date, 0) !== date) throw new RangeError(`${what} must be a date YYYY-MM-DD (got ${date})`);
}

/** A working day: Monday to Friday and not an England & Wales bank holiday. */
export function isWorkingDay(date: string): boolean {
  return isoWeekday(date) <= 5 && bankHolidayOn(date) === null;
}

/** The working day `count` working days before `date` (count ≥ 1; `date` itself need not be a working day). */
export function workingDaysBefore(date: string, count: number): string {
  let day = date;
  for (let left = count; left > 0; ) {
    day = addDays(day, -1);
    if (isWorkingDay(day)) left--;
  }
  return day;
}

/** The working day `count` working days after `date` (the day first-class post posted on `date` is deemed served, for count 2). */
export function workingDaysAfter(date: string, count: number): string {
  let day = date;
  for (let left = count; left > 0; ) {
    day = addDays(day, 1);
    if (isWorkingDay(day)) left--;
  }
  return day;
}

/** The last working day on or before `date`. */
export function lastWorkingDayOnOrBefore(date: string): string {
  let day = date;
  while (!isWorkingDay(day)) day = addDays(day, -1);
  return day;
}

/** Days in the notice period (RTOA 1988 s1: "within 14 days of the commission of the offence"). */
export const NOTICE_DAYS = 14;
/** Working days from posting to deemed service by first-class post. */
export const POSTAL_SERVICE_WORKING_DAYS = 2;

export interface SubmissionDeadlines {
  noticeRequired: boolean;
  /** Day 14: the last day a Notice of Intended Prosecution may be served; null when no notice is required. */
  noticeBy: string | null;
  /** The last day to post the notice first class so it is deemed served by noticeBy; null when no notice is required. */
  postBy: string | null;
  /** The last day of the submission window (no warning up to and including it). */
  submitBy: string;
  /** The last day a late submission is accepted with a warning. */
  warnUntil: string;
}

/** The deadlines of an incident on `incidentDate` (YYYY-MM-DD) for an offence type. */
export function computeDeadlines(incidentDate: string, offenceType: OffenceType, config: OffenceDeadlineConfig = DEFAULT_OFFENCE_DEADLINES): SubmissionDeadlines {
  assertDate(incidentDate, 'the incident date');
  const rule = config[offenceType];
  if (!rule) throw new RangeError(`unknown offence type: ${offenceType} (known: ${OFFENCE_TYPES.join(', ')})`);
  const noticeBy = rule.noticeRequired ? addDays(incidentDate, NOTICE_DAYS) : null;
  // Served on the second working day after posting, and service can only fall on a working day.
  const postBy = noticeBy ? workingDaysBefore(lastWorkingDayOnOrBefore(noticeBy), POSTAL_SERVICE_WORKING_DAYS) : null;
  return {
    noticeRequired: rule.noticeRequired,
    noticeBy,
    postBy,
    submitBy: addDays(incidentDate, rule.windowDays),
    warnUntil: addDays(incidentDate, rule.warnUntilDays),
  };
}

export type WindowStatus = 'ok' | 'warning' | 'refused';

export interface SubmissionWindow {
  status: WindowStatus;
  /** Whole days from the incident date to today (0 on the day itself; negative for a future date). */
  daysAgo: number;
  /** True when a notice is required and today is after its last posting date. */
  pastPostBy: boolean;
  /** The plain message for a warning or refusal; null when ok. */
  message: string | null;
  deadlines: SubmissionDeadlines;
}

/**
 * Whether footage of an incident may be submitted `today`: ok up to and including submitBy, a
 * warning up to and including warnUntil, refused after. Within the warning days the last posting
 * date may already have gone (e.g. at Easter or Christmas, when postBy can be day 8): the warning
 * then says so. A future incident date is not the window's business (the submission check refuses it).
 */
export function submissionWindow(incidentDate: string, offenceType: OffenceType, today: string, config: OffenceDeadlineConfig = DEFAULT_OFFENCE_DEADLINES): SubmissionWindow {
  assertDate(today, 'today');
  const deadlines = computeDeadlines(incidentDate, offenceType, config);
  const rule = config[offenceType];
  const daysAgo = daysBetween(incidentDate, today);
  const pastPostBy = deadlines.postBy !== null && today > deadlines.postBy;
  if (today > deadlines.warnUntil) {
    return { status: 'refused', daysAgo, pastPostBy, message: windowRefusedMessage(daysAgo, rule.warnUntilDays), deadlines };
  }
  if (today > deadlines.submitBy || pastPostBy) {
    const message = pastPostBy ? windowPastPostingMessage(daysAgo, deadlines.postBy!) : windowWarningMessage(daysAgo, rule.windowDays, deadlines.postBy);
    return { status: 'warning', daysAgo, pastPostBy, message, deadlines };
  }
  return { status: 'ok', daysAgo, pastPostBy, message: null, deadlines };
}

export type DeadlineUrgency = 'missed' | 'due_today' | 'at_risk' | 'in_time';

/** Working days of warning before postBy that make a case "at risk" in the reviewer queue. */
export const AT_RISK_WORKING_DAYS = 2;

/**
 * Where a case stands against its last posting date, for the reviewer queue's counts: missed (postBy
 * has gone), due today, at risk (postBy within the next AT_RISK_WORKING_DAYS working days) or in time.
 * A case with no notice requirement (postBy null) is always in time.
 */
export function deadlineUrgency(postBy: string | null, today: string): DeadlineUrgency {
  if (postBy === null) return 'in_time';
  if (today > postBy) return 'missed';
  if (today === postBy) return 'due_today';
  return postBy <= workingDaysAfter(today, AT_RISK_WORKING_DAYS) ? 'at_risk' : 'in_time';
}
