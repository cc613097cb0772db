/**
 * The public concern report's rules, without the DOM: what must be filled in, the body sent to
 * POST /api/concerns, and the server's field errors mapped back to the form's fields.
 */
import { CATEGORIES, DESCRIPTION_LENGTH, LOCATION_TEXT_MAX, NAME_MAX } from '../../../server/concerns/model.ts';

export type ReportField = 'location' | 'locationText' | 'category' | 'whenDays' | 'whenTimes' | 'description' | 'email' | 'name' | 'altcha';

export interface FieldProblem {
  /** The form field, or undefined for a problem with the whole report. */
  field?: ReportField;
  message: string;
}

export type ReportLocation = GeoJSON.Point | GeoJSON.LineString;

export interface ReportValues {
  location: ReportLocation | undefined;
  /** Points placed on a stretch not yet long enough (one point), to say what is missing. */
  pendingPoints: number;
  locationText: string;
  category: string;
  whenDays: string[];
  whenPeriods: string[];
  /** 'HH:MM' or ''. */
  timeFrom: string;
  timeTo: string;
  description: string;
  email: string;
  name: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The times list the API takes: the chosen periods, then "HH:MM-HH:MM" when both ends are given. */
export function whenTimes(values: Pick<ReportValues, 'whenPeriods' | 'timeFrom' | 'timeTo'>): string[] {
  const times = [...values.whenPeriods];
  if (TIME.test(values.timeFrom) && TIME.test(values.timeTo)) times.push(`${values.timeFrom}-${values.timeTo}`);
  return times;
}

/** Everything the person must fix before the report is sent, in the order of the form. */
export function validateReport(values: ReportValues): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!values.location) {
    problems.push({
      field: 'location',
      message: values.pendingPoints === 1 ? 'Add at least one more point to the stretch of road, or place a pin instead' : 'Show where it happens: place a pin on the map or draw the stretch of road',
    });
  }
  if (values.locationText.length > LOCATION_TEXT_MAX) problems.push({ field: 'locationText', message: `The place name must be ${LOCATION_TEXT_MAX} characters or fewer` });
  if (!values.category) problems.push({ field: 'category', message: 'Choose the type of concern' });
  else if (!(CATEGORIES as readonly string[]).includes(values.category)) problems.push({ field: 'category', message: 'Choose one of the listed types of concern' });
  const from = values.timeFrom.trim();
  const to = values.timeTo.trim();
  if ((from && !to) || (!from && to)) problems.push({ field: 'whenTimes', message: 'Enter both the start and the end of the time, or leave both empty' });
  else if ((from && !TIME.test(from)) || (to && !TIME.test(to))) problems.push({ field: 'whenTimes', message: 'Enter times on the 24-hour clock, like 07:30' });
  const description = values.description.trim();
  if (!description) problems.push({ field: 'description', message: 'Describe what happens' });
  else if (description.length < DESCRIPTION_LENGTH.min) problems.push({ field: 'description', message: `Describe what happens in at least ${DESCRIPTION_LENGTH.min} characters` });
  else if (description.length > DESCRIPTION_LENGTH.max) problems.push({ field: 'description', message: `The description must be ${DESCRIPTION_LENGTH.max} characters or fewer` });
  const email = values.email.trim();
  if (email && !EMAIL.test(email)) problems.push({ field: 'email', message: 'Enter an email address in the correct format, like name@example.org, or leave it empty' });
  if (values.name.trim().length > NAME_MAX) problems.push({ field: 'name', message: `Your name must be ${NAME_MAX} characters or fewer` });
  return problems;
}

/** The JSON body of POST /api/concerns. Empty optional fields are left out. */
export function reportBody(values: ReportValues, altcha: string, website: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    category: values.category,
    location: values.location,
    description: values.description.trim(),
    altcha,
    website,
  };
  if (values.whenDays.length) body.whenDays = values.whenDays;
  const times = whenTimes(values);
  if (times.length) body.whenTimes = times;
  if (values.locationText.trim()) body.locationText = values.locationText.trim();
  if (values.email.trim()) body.email = values.email.trim();
  if (values.name.trim()) body.name = values.name.trim();
  return body;
}

const SERVER_FIELDS: Record<string, ReportField> = {
  location: 'location',
  locationText: 'locationText',
  category: 'category',
  whenDays: 'whenDays',
  whenTimes: 'whenTimes',
  description: 'description',
  email: 'email',
  name: 'name',
  altcha: 'altcha',
};

/**
 * The server's field errors (`body.location.coordinates`, `body.category`…) as form problems; one
 * per field (the first), and anything unknown (the honeypot, say) as a problem with the report.
 */
export function problemsFromServer(errors: ReadonlyArray<{ field: string; message: string }>, fallback: string): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const key = error.field.replace(/^body\./, '').split('.')[0] ?? '';
    const field = SERVER_FIELDS[key];
    if (field && seen.has(field)) continue;
    if (field) seen.add(field);
    problems.push(field ? { field, message: serverMessage(field, error.message) } : { message: error.message });
  }
  return problems.length ? problems : [{ message: fallback }];
}

/** Server messages are written for developers ("Invalid input…"); say the same to people where we can. */
function serverMessage(field: ReportField, message: string): string {
  if (field === 'altcha') return `The anti-spam check failed (${message.replace(/\.$/, '')}). Send the report again.`;
  if (field === 'location' && /area|outside|within|inside/i.test(message)) return `The place must be inside the partnership area: ${message.replace(/\.$/, '')}`;
  return message;
}
