import { z } from 'zod';
import { addDays } from '../../geo/calendar/time.ts';
import { DEFAULT_OFFENCE_DEADLINES, submissionWindow, type OffenceDeadlineConfig, type SubmissionDeadlines } from './deadlines.ts';
import {
  ELIGIBILITY_KEYS,
  ELIGIBILITY_QUESTIONS,
  MESSAGES,
  NARRATIVE_LIMITS,
  OFFENCE_TYPES,
  REPORTER_ROAD_USERS,
  SECTION_9_DECLARATION,
  type EligibilityKey,
  type MessageCode,
} from './messages.ts';

/**
 * The body of POST /api/snap/submissions: zod schemas of its four parts (eligibility, incident,
 * statement, submitter) with the plain messages of messages.ts, the UK formats (registration,
 * postcode, phone), and `validateSubmission`, which adds the checks that need the date, the force
 * area and the deadline configuration (future dates, the submission window, the map pin, the age on
 * the incident date, the signature against the full name). Unknown fields are accepted and dropped.
 * Imports plain `zod` (not server/http/zod.ts) so the public pages can import it; the route can add
 * OpenAPI metadata with `.openapi()` once server/http/zod.ts has extended zod.
 */

// ---------------------------------------------------------------- UK formats

export type VrmFormat = 'current' | 'prefix' | 'suffix' | 'dateless';

export interface Vrm {
  /** Upper case, no spaces: the form to store and compare (AB12CDE). */
  vrm: string;
  /** As printed on a plate (AB12 CDE). */
  display: string;
  format: VrmFormat;
}

// Registration formats of Great Britain (and Northern Ireland's, which have the dateless shape).
const VRM_FORMATS: Array<{ format: VrmFormat; pattern: RegExp; split: (v: string) => number }> = [
  // Since September 2001: two letters (area), two digits (age), three letters: AB12 CDE.
  { format: 'current', pattern: /^[A-Z]{2}\d{2}[A-Z]{3}$/, split: () => 4 },
  // 1983–2001: a letter (year), 1–3 digits, three letters: A123 BCD.
  { format: 'prefix', pattern: /^[A-Z]\d{1,3}[A-Z]{3}$/, split: (v) => v.length - 3 },
  // 1963–1983: three letters, 1–3 digits, a letter (year): ABC 123D.
  { format: 'suffix', pattern: /^[A-Z]{3}\d{1,3}[A-Z]$/, split: () => 3 },
  // Before 1963, and Northern Ireland: 1–3 letters and 1–4 digits either way round: ABC 123, 1234 AB.
  { format: 'dateless', pattern: /^([A-Z]{1,3}\d{1,4}|\d{1,4}[A-Z]{1,3})$/, split: (v) => v.search(/^[A-Z]/.test(v) ? /\d/ : /[A-Z]/) },
];

/** Parses a UK registration as typed (any case, spaces, hyphens or dots); null when it fits no format. */
export function parseVrm(input: string): Vrm | null {
  const vrm = input.toUpperCase().replace(/[\s.-]+/g, '');
  for (const { format, pattern, split } of VRM_FORMATS) {
    if (pattern.test(vrm)) {
      const at = split(vrm);
      return { vrm, display: `${vrm.slice(0, at)} ${vrm.slice(at)}`, format };
    }
  }
  return null;
}

// Outward code (area, district, optional sub-district letter) then inward code (sector digit, unit letters).
const POSTCODE = /^([A-PR-UWYZ]\d{1,2}|[A-PR-UWYZ][A-HK-Y]\d{1,2}|[A-PR-UWYZ]\d[A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRV-Y])\d[ABD-HJLNP-UW-Z]{2}$/;

/** A UK postcode in its standard form (upper case, one space before the inward code, e.g. PR1 2AB); null when invalid. */
export function normalisePostcode(input: string): string | null {
  const compact = input.toUpperCase().replace(/\s+/g, '');
  if (compact !== 'GIR0AA' && !POSTCODE.test(compact)) return null;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/**
 * A UK phone number as +44 and the national number without its leading 0 (E.164, e.g.
 * +447700900123); null when invalid. Takes 07700 900123, +44 7700 900123, +44 (0)7700 900123, 0044….
 */
export function normaliseUkPhone(input: string): string | null {
  const compact = input.replace(/\(0\)/g, '').replace(/[\s().-]+/g, '');
  const national = /^(?:\+44|0044)([1-9]\d{8,9})$/.exec(compact)?.[1] ?? /^0([1-9]\d{8,9})$/.exec(compact)?.[1];
  return national ? `+44${national}` : null;
}

/** Names compared as a signature: case, spacing and apostrophe style do not matter. */
export function sameName(a: string, b: string): boolean {
  const fold = (s: string) => s.normalize('NFKC').toLocaleLowerCase('en-GB').replace(/[’‘`´]/g, "'").replace(/\s+/g, '');
  return fold(a) === fold(b);
}

/** Whole years of age on `onDate` for someone born on `dateOfBirth` (both YYYY-MM-DD). Born 29 February: a year older on 1 March in other years. */
export function ageOn(dateOfBirth: string, onDate: string): number {
  const years = Number(onDate.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  return onDate.slice(5) < dateOfBirth.slice(5) ? years - 1 : years;
}

// ---------------------------------------------------------------- the statement

// Phrases that point at the footage instead of describing what happened.
const VIDEO_REFERENCE =
  /\b(?:please\s+)?(?:see|watch|view|refer\s+to|check|look\s+at|as\s+(?:shown|seen)\s+(?:in|on)|shown\s+(?:in|on)|(?:it'?s\s+)?all\s+(?:in|on))\s+(?:(?:the|my|this|that|attached|enclosed|uploaded|dashcam|helmet|camera)\s+)*(?:video|footage|clip|recording|film|dashcam|camera)s?\b/giu;
const VIDEO_WORD = /\b(?:video|footage|clip|recording|dashcam|camera|attached)\b/iu;

export type NarrativeProblem = 'narrative_required' | 'narrative_refers_to_video' | 'narrative_too_short' | 'narrative_too_long';

/** Words of the submitter's own account: the narrative's words once phrases such as "see video" are taken out. */
export function ownWordCount(narrative: string): number {
  return narrative.replace(VIDEO_REFERENCE, ' ').split(/[^\p{L}\p{N}'’]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * Why a narrative cannot be a statement, or null. The footage supports a statement but cannot
 * replace it: fewer than NARRATIVE_LIMITS.minOwnWords words of the submitter's own account is
 * refused, as pointing at the video when it mentions the footage, as too short otherwise.
 */
export function narrativeProblem(narrative: string): NarrativeProblem | null {
  const text = narrative.trim();
  if (!text) return 'narrative_required';
  if (text.length > NARRATIVE_LIMITS.maxChars) return 'narrative_too_long';
  if (ownWordCount(text) >= NARRATIVE_LIMITS.minOwnWords) return null;
  return VIDEO_WORD.test(text) || new RegExp(VIDEO_REFERENCE.source, 'iu').test(text) ? 'narrative_refers_to_video' : 'narrative_too_short';
}

/**
 * The signed statement as one text, for its SHA-256 (stored with the submission): the declaration,
 * the narrative, the typed name and the signing time (ISO 8601).
 */
export function statementText(statement: { narrative: string; signatureName: string }, signedAt: string): string {
  return `${SECTION_9_DECLARATION}\n\n${statement.narrative}\n\nSigned: ${statement.signatureName}\nAt: ${signedAt}\n`;
}

// ---------------------------------------------------------------- schemas

const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;
const text = (message: string) => z.string({ error: message }).trim();
/** Optional text: blank, null and "not known" mean not given (null). */
const optionalText = (max: number, tooLong: string) =>
  z
    .string({ error: tooLong })
    .trim()
    .max(max, { message: tooLong })
    .nullish()
    .transform((v) => (!v || /^(?:not\s+known|unknown|n\/?a)$/i.test(v) ? null : v));
const date = (message: string) => z.string({ error: message }).refine(isDate, { message });

/** Limit of the camera clock offset: ten years, in minutes (a camera never set can be years out). */
export const CAMERA_CLOCK_OFFSET_MAX_MINUTES = 10 * 366 * 24 * 60;

const eligibilityAnswer = (key: EligibilityKey) =>
  z.boolean({ error: MESSAGES.required }).refine((answer) => answer === ELIGIBILITY_QUESTIONS[key].continuesWhen, { message: ELIGIBILITY_QUESTIONS[key].refusal });

export const eligibilitySchema = z.object(
  Object.fromEntries(ELIGIBILITY_KEYS.map((key) => [key, eligibilityAnswer(key)])) as Record<EligibilityKey, ReturnType<typeof eligibilityAnswer>>,
  { error: MESSAGES.section_missing },
);

export const incidentSchema = z.object(
  {
    date: date(MESSAGES.date_invalid),
    time: z.string({ error: MESSAGES.time_invalid }).regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, { message: MESSAGES.time_invalid }),
    timeApproximate: z.boolean({ error: MESSAGES.time_approximate_invalid }).default(false),
    /** Minutes the camera clock was ahead of the real time (negative: behind). */
    cameraClockOffsetMinutes: z
      .number({ error: MESSAGES.camera_clock_offset_invalid })
      .int({ message: MESSAGES.camera_clock_offset_invalid })
      .min(-CAMERA_CLOCK_OFFSET_MAX_MINUTES, { message: MESSAGES.camera_clock_offset_invalid })
      .max(CAMERA_CLOCK_OFFSET_MAX_MINUTES, { message: MESSAGES.camera_clock_offset_invalid })
      .default(0),
    location: text(MESSAGES.location_required).min(1, { message: MESSAGES.location_required }).max(300, { message: MESSAGES.location_too_long }),
    /** The map pin, WGS84 degrees; optional (the form works without the map), both or neither. */
    lon: z.number({ error: MESSAGES.pin_invalid }).min(-180, { message: MESSAGES.pin_invalid }).max(180, { message: MESSAGES.pin_invalid }).nullish(),
    lat: z.number({ error: MESSAGES.pin_invalid }).min(-90, { message: MESSAGES.pin_invalid }).max(90, { message: MESSAGES.pin_invalid }).nullish(),
    /** Which way the vehicle was going, in words (optional). */
    direction: optionalText(200, MESSAGES.direction_too_long),
    offenceType: z.enum(OFFENCE_TYPES, { error: MESSAGES.offence_type_invalid }),
    /** What the driver did, in words: required with offenceType "other". */
    offenceDescription: optionalText(500, MESSAGES.offence_description_too_long),
    reporterRoadUser: z.enum(REPORTER_ROAD_USERS, { error: MESSAGES.reporter_road_user_invalid }),
    /** The registration, mandatory; stored upper case without spaces (AB12CDE). */
    vrm: z.string({ error: MESSAGES.vrm_required }).transform((input, ctx) => {
      if (!input.trim()) {
        ctx.addIssue({ code: 'custom', message: MESSAGES.vrm_required });
        return z.NEVER;
      }
      const parsed = parseVrm(input);
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: MESSAGES.vrm_invalid });
        return z.NEVER;
      }
      return parsed.vrm;
    }),
    vehicleMake: optionalText(60, MESSAGES.vehicle_detail_too_long),
    vehicleColour: optionalText(60, MESSAGES.vehicle_detail_too_long),
  },
  { error: MESSAGES.section_missing },
);

export const statementSchema = z.object(
  {
    /** The account in the submitter's own words (see narrativeProblem). */
    narrative: z.string({ error: MESSAGES.narrative_required }).superRefine((narrative, ctx) => {
      const problem = narrativeProblem(narrative);
      if (problem) ctx.addIssue({ code: 'custom', message: MESSAGES[problem] });
    }),
    /** The submitter ticked SECTION_9_DECLARATION. */
    declaration: z.literal(true, { error: MESSAGES.declaration_required }),
    /** The typed name: the signature; must match submitter.fullName. */
    signatureName: text(MESSAGES.signature_required).min(1, { message: MESSAGES.signature_required }).max(200, { message: MESSAGES.signature_too_long }),
  },
  { error: MESSAGES.section_missing },
);

export const submitterSchema = z.object(
  {
    fullName: text(MESSAGES.full_name_required).min(1, { message: MESSAGES.full_name_required }).max(200, { message: MESSAGES.full_name_too_long }),
    dateOfBirth: date(MESSAGES.date_of_birth_invalid),
    address: text(MESSAGES.address_required).min(1, { message: MESSAGES.address_required }).max(500, { message: MESSAGES.address_too_long }),
    /** Stored in the standard form (PR1 2AB). */
    postcode: z.string({ error: MESSAGES.postcode_invalid }).transform((input, ctx) => {
      const postcode = normalisePostcode(input);
      if (postcode) return postcode;
      ctx.addIssue({ code: 'custom', message: MESSAGES.postcode_invalid });
      return z.NEVER;
    }),
    email: text(MESSAGES.email_required)
      .min(1, { message: MESSAGES.email_required })
      .max(320, { message: MESSAGES.email_invalid })
      .pipe(z.email({ message: MESSAGES.email_invalid })),
    /** Optional; stored as +44… (E.164). */
    phone: z
      .string({ error: MESSAGES.phone_invalid })
      .nullish()
      .transform((input, ctx) => {
        if (!input?.trim()) return null;
        const phone = normaliseUkPhone(input);
        if (phone) return phone;
        ctx.addIssue({ code: 'custom', message: MESSAGES.phone_invalid });
        return z.NEVER;
      }),
  },
  { error: MESSAGES.section_missing },
);

/** The whole body (for the OpenAPI document); validateSubmission checks the parts one by one. */
export const submissionBodySchema = z.object({
  eligibility: eligibilitySchema,
  incident: incidentSchema,
  statement: statementSchema,
  submitter: submitterSchema,
});

export type Eligibility = z.output<typeof eligibilitySchema>;
export type Incident = z.output<typeof incidentSchema>;
export type Statement = z.output<typeof statementSchema>;
export type Submitter = z.output<typeof submitterSchema>;
export type SubmissionInput = z.input<typeof submissionBodySchema>;
export interface Submission {
  eligibility: Eligibility;
  incident: Incident;
  statement: Statement;
  submitter: Submitter;
}

// ---------------------------------------------------------------- validation in context

/** The force area's bounding box, WGS84 degrees. */
export interface AreaBounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface ValidationOptions {
  /** Today's local date (Europe/London), YYYY-MM-DD. */
  today: string;
  /** Bounding box of the force area: a map pin outside it is refused. */
  area: AreaBounds;
  /** The offence → deadline mapping (deadlines.ts); the defaults when absent. */
  offenceConfig?: OffenceDeadlineConfig;
}

/** One problem with one field, e.g. `{field: "incident.date", code: "too_late", message: "…"}` (the API's 422 `errors`). */
export interface SubmissionIssue {
  field: string;
  code: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; value: Submission; warnings: SubmissionIssue[]; deadlines: SubmissionDeadlines }
  | { ok: false; errors: SubmissionIssue[] };

/** Codes of the window checks (the others are the keys of MESSAGES and the eligibility refusal codes). */
export const WINDOW_CODES = { refused: 'too_late', late: 'late', pastPostBy: 'past_post_by' } as const;

// Every message maps back to its code: each text in MESSAGES and each eligibility refusal is distinct.
const CODE_OF_MESSAGE = new Map<string, string>([
  ...Object.entries(MESSAGES).map(([code, message]) => [message, code] as [string, string]),
  ...ELIGIBILITY_KEYS.map((key) => [ELIGIBILITY_QUESTIONS[key].refusal, ELIGIBILITY_QUESTIONS[key].refusalCode] as [string, string]),
]);

function issuesOf(section: string, error: z.ZodError): SubmissionIssue[] {
  return error.issues.map((issue) => {
    const field = [section, ...issue.path.map(String)].join('.');
    const code = CODE_OF_MESSAGE.get(issue.message) ?? issue.code;
    return { field, code, message: issue.message };
  });
}

const issue = (field: string, code: MessageCode): SubmissionIssue => ({ field, code, message: MESSAGES[code] });

/**
 * Validates a submission body in full: every field's format and message, then the checks that need
 * today, the area and the deadline configuration. All problems are reported at once, with field
 * paths as in the API (`incident.date`, `submitter.postcode`, …); a late-but-accepted date is a warning.
 */
export function validateSubmission(body: unknown, options: ValidationOptions): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [issue('body', 'body_invalid')] };
  }
  const input = body as Record<string, unknown>;
  const errors: SubmissionIssue[] = [];
  const warnings: SubmissionIssue[] = [];
  const part = <T>(name: string, schema: z.ZodType<T>): T | undefined => {
    const result = schema.safeParse(input[name]);
    if (result.success) return result.data;
    errors.push(...issuesOf(name, result.error));
    return undefined;
  };
  const eligibility = part('eligibility', eligibilitySchema);
  const incident = part('incident', incidentSchema);
  const statement = part('statement', statementSchema);
  const submitter = part('submitter', submitterSchema);
  const config = options.offenceConfig ?? DEFAULT_OFFENCE_DEADLINES;

  let deadlines: SubmissionDeadlines | undefined;
  if (incident) {
    if (incident.date > options.today) {
      errors.push(issue('incident.date', 'date_in_future'));
    } else {
      const window = submissionWindow(incident.date, incident.offenceType, options.today, config);
      deadlines = window.deadlines;
      if (window.status === 'refused') errors.push({ field: 'incident.date', code: WINDOW_CODES.refused, message: window.message! });
      if (window.status === 'warning') {
        warnings.push({ field: 'incident.date', code: window.pastPostBy ? WINDOW_CODES.pastPostBy : WINDOW_CODES.late, message: window.message! });
      }
    }
    const hasLon = incident.lon !== null && incident.lon !== undefined;
    const hasLat = incident.lat !== null && incident.lat !== undefined;
    if (hasLon !== hasLat) {
      errors.push(issue(hasLon ? 'incident.lat' : 'incident.lon', 'pin_incomplete'));
    } else if (hasLon && hasLat) {
      const { west, south, east, north } = options.area;
      const [lon, lat] = [incident.lon!, incident.lat!];
      if (lon < west || lon > east || lat < south || lat > north) errors.push(issue('incident.lon', 'pin_outside_area'));
    }
    if (incident.offenceType === 'other' && !incident.offenceDescription) errors.push(issue('incident.offenceDescription', 'offence_description_required'));
  }
  if (submitter) {
    if (submitter.dateOfBirth > options.today) errors.push(issue('submitter.dateOfBirth', 'date_of_birth_in_future'));
    else if (ageOn(submitter.dateOfBirth, incident?.date ?? options.today) < 18) errors.push(issue('submitter.dateOfBirth', 'under_18'));
  }
  if (statement && submitter && !sameName(statement.signatureName, submitter.fullName)) {
    errors.push(issue('statement.signatureName', 'signature_mismatch'));
  }

  if (errors.length || !eligibility || !incident || !statement || !submitter || !deadlines) return { ok: false, errors };
  return { ok: true, value: { eligibility, incident, statement, submitter }, warnings, deadlines };
}
