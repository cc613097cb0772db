/**
 * Words for the concern codes the API uses. The codes, and the category, status and outcome labels,
 * are the server's own (server/concerns/model.ts, pure: no database); the words only the pages use
 * are here, checked against the server's codes.
 */
import { CATEGORY_LABEL, OUTCOME_LABEL, STATUS_LABEL, type Day, type Source, type Status, type TimeBand } from '../../../server/concerns/model.ts';

/** The words for a code the API sent: its own label when it gave one, else ours, else the code itself. */
function label(labels: Readonly<Record<string, string>>, code: string, given?: string | null): string {
  return given || labels[code] || code;
}

export const categoryLabel = (code: string, given?: string | null): string => label(CATEGORY_LABEL, code, given);
export const statusLabel = (code: string, given?: string | null): string => label(STATUS_LABEL, code, given);
export const outcomeLabel = (code: string, given?: string | null): string => label(OUTCOME_LABEL, code, given);

/** What each status means to the person who reported the concern. */
export const CONCERN_STATUS_HELP: Readonly<Record<string, string>> = {
  received: 'We have your report and will look at it.',
  triaged: 'A road safety officer has read it and decided what is needed.',
  awaiting_speed_data: 'We are measuring vehicle speeds at the place you described.',
  assessed: 'We have looked at the evidence and are deciding what to do.',
  outcome: 'A decision has been made (see below).',
  closed: 'This concern is closed.',
} satisfies Record<Status, string>;

export const CONCERN_SOURCE_LABELS: Readonly<Record<string, string>> = {
  public_form: 'Public form',
  parish_council: 'Parish or town council',
  councillor: 'Councillor',
  community_survey: 'Community survey',
  neighbourhood_policing: 'Neighbourhood policing team',
  community_road_watch: 'Community Road Watch data',
  operation_snap: 'Operation Snap referral',
} satisfies Record<Source, string>;

export const WEEKDAY_LABELS: Readonly<Record<string, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
} satisfies Record<Day, string>;

/** Times of day the API takes (server/concerns/model.ts TIME_BANDS), local time. */
export const TIME_PERIOD_LABELS: Readonly<Record<string, string>> = {
  early_morning: 'Early morning (4am to 7am)',
  morning: 'Morning (7am to 10am)',
  daytime: 'Daytime (10am to 4pm)',
  evening: 'Evening (4pm to 10pm)',
  night: 'Night (10pm to 4am)',
} satisfies Record<TimeBand, string>;

/** "Monday, Friday" / "Morning, 07:30–09:00" for a list of codes. */
export function whenText(days: readonly string[], times: readonly string[]): string {
  const d = days.map((x) => WEEKDAY_LABELS[x] ?? x).join(', ');
  const t = times.map((x) => (TIME_PERIOD_LABELS[x] ?? x.replace('-', '–')).replace(/ \(.*\)$/, '')).join(', ');
  return [d, t].filter(Boolean).join('; ') || 'Not given';
}
