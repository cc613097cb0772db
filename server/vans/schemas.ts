import { DateTime } from 'luxon';
import { z } from '../http/zod.ts';

/** Request and response schemas of the vans, bases, shift templates and calendar API. */

export const UNAVAILABILITY_REASONS = ['maintenance', 'leave', 'training', 'other'] as const;
export type UnavailabilityReason = (typeof UNAVAILABILITY_REASONS)[number];

/** Longest single unavailability record, days (a longer absence is entered as several). */
export const MAX_UNAVAILABILITY_DAYS = 366;

const required = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined);

const idNumber = z.coerce
  .number({ error: 'must be a whole number' })
  .int({ message: 'must be a whole number' })
  .positive({ message: 'must be a positive whole number' })
  .max(2_147_483_647, { message: 'is too large' });

export const vanIdParams = z.object({ id: idNumber });
export const unavailabilityIdParams = z.object({ id: idNumber });

export const SHIFT_CODE_PATTERN = /^[a-z][a-z0-9_-]{0,29}$/;
const shiftCode = z
  .string({ error: (issue) => required('a shift code such as early')(issue) ?? 'must be text' })
  .regex(SHIFT_CODE_PATTERN, { message: 'must be 1–30 lower-case letters, digits, "-" or "_", starting with a letter (e.g. early)' });
export const shiftCodeParams = z.object({ code: shiftCode });

export const CALL_SIGN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,29}$/;
const callSign = z
  .string({ error: (issue) => required('a call sign such as VAN-01')(issue) ?? 'must be text' })
  .trim()
  .regex(CALL_SIGN_PATTERN, { message: 'must be 1–30 letters, digits, spaces, "-" or "_", starting with a letter or digit (e.g. VAN-01)' });

const crew = z
  .string({ error: 'must be text' })
  .trim()
  .max(100, { message: 'must be at most 100 characters' })
  .nullable()
  .transform((v) => v || null);

const shiftCodes = z
  .array(shiftCode, { error: 'must be a list of shift codes (empty = every shift)' })
  .max(20, { message: 'give at most 20 shift codes' })
  .refine((codes) => new Set(codes).size === codes.length, { message: 'lists a shift code twice' })
  .openapi({ description: 'Shift templates this van works; empty means all', example: ['early', 'late'] });

const baseId = idNumber.openapi({ description: 'GET /api/van-bases' });

export const newVanBody = z
  .object({
    callSign,
    baseId,
    crew: crew.optional().transform((v) => v ?? null),
    shiftCodes: shiftCodes.default([]),
    active: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .openapi('NewVan');
export type NewVanBody = z.infer<typeof newVanBody>;

export const vanPatchBody = z
  .object({
    callSign: callSign.optional(),
    baseId: baseId.optional(),
    crew: crew.optional(),
    shiftCodes: shiftCodes.optional(),
    active: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of callSign, baseId, crew, shiftCodes, active' })
  .openapi('VanChange');
export type VanPatchBody = z.infer<typeof vanPatchBody>;

/** A real calendar date `YYYY-MM-DD`. */
const isoDate = (what: string) =>
  z
    .string({ error: (issue) => required(`${what} as YYYY-MM-DD`)(issue) ?? 'must be a date YYYY-MM-DD' })
    .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && DateTime.fromISO(v).isValid, { message: 'must be a real date YYYY-MM-DD, e.g. 2026-03-09' });

export const unavailabilityBody = z
  .object({
    fromDate: isoDate('the first unavailable day'),
    toDate: isoDate('the last unavailable day (inclusive)'),
    reason: z.enum(UNAVAILABILITY_REASONS, {
      error: (issue) => required(`one of ${UNAVAILABILITY_REASONS.join(', ')}`)(issue) ?? `must be one of: ${UNAVAILABILITY_REASONS.join(', ')}`,
    }),
    note: z
      .string({ error: 'must be text' })
      .trim()
      .max(500, { message: 'must be at most 500 characters' })
      .optional()
      .transform((v) => v || null),
  })
  .superRefine((b, ctx) => {
    if (b.toDate < b.fromDate) {
      ctx.addIssue({ code: 'custom', path: ['toDate'], message: `must be on or after fromDate (${b.fromDate}); got ${b.toDate}` });
    } else if (DateTime.fromISO(b.toDate).diff(DateTime.fromISO(b.fromDate), 'days').days + 1 > MAX_UNAVAILABILITY_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['toDate'], message: `a record may cover at most ${MAX_UNAVAILABILITY_DAYS} days; enter a longer absence as several` });
    }
  })
  .openapi('VanUnavailabilityInput');
export type UnavailabilityBody = z.infer<typeof unavailabilityBody>;

export const CLOCK_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
const clock = (what: string) =>
  z
    .string({ error: (issue) => required(`${what} as HH:MM`)(issue) ?? 'must be a clock time HH:MM' })
    .regex(CLOCK_PATTERN, { message: 'must be a 24-hour clock time HH:MM, e.g. 07:00' });

export const shiftTemplateBody = z
  .object({
    name: z
      .string({ error: (issue) => required('a name such as Early')(issue) ?? 'must be text' })
      .trim()
      .min(1, { message: 'must not be empty' })
      .max(60, { message: 'must be at most 60 characters' }),
    starts: clock('the local start time'),
    ends: clock('the local end time (earlier than starts = the next day)'),
    weekdays: z
      .array(z.number({ error: 'each weekday must be a number 1–7' }).int().min(1, { message: 'weekdays run 1 (Monday) to 7 (Sunday)' }).max(7, { message: 'weekdays run 1 (Monday) to 7 (Sunday)' }), {
        error: (issue) => required('the ISO weekdays it runs on, 1 = Monday … 7 = Sunday')(issue) ?? 'must be a list of ISO weekdays 1–7',
      })
      .min(1, { message: 'give at least one weekday (1 = Monday … 7 = Sunday)' })
      .refine((d) => new Set(d).size === d.length, { message: 'lists a weekday twice' })
      .transform((d) => [...d].sort((a, b) => a - b)),
    bankHolidays: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .refine((b) => b.starts !== b.ends, { path: ['ends'], message: 'must differ from starts (a shift cannot last 0 or 24 hours)' })
  .openapi('ShiftTemplateInput');
export type ShiftTemplateBody = z.infer<typeof shiftTemplateBody>;

export const calendarQuery = z.object({
  month: z
    .string({ error: (issue) => required('month as YYYY-MM')(issue) ?? 'must be a month YYYY-MM' })
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a month YYYY-MM, e.g. 2026-03' })
    .refine((m) => Number(m.slice(0, 4)) >= 1990 && Number(m.slice(0, 4)) <= 2100, { message: 'must be a month between 1990 and 2100' }),
});

// ---- Responses ----

export const unavailabilityView = z
  .object({ id: z.number(), fromDate: z.string(), toDate: z.string(), reason: z.enum(UNAVAILABILITY_REASONS), note: z.string().nullable() })
  .openapi('VanUnavailability');

export const vanView = z
  .object({
    id: z.number(),
    callSign: z.string(),
    baseId: z.number(),
    baseName: z.string(),
    crew: z.string().nullable(),
    shiftCodes: z.array(z.string()),
    active: z.boolean(),
    demo: z.boolean(),
    unavailability: z.array(unavailabilityView),
  })
  .openapi('Van');

export const vanBaseView = z
  .object({ id: z.number(), name: z.string(), districtCode: z.string().nullable(), lon: z.number(), lat: z.number(), demo: z.boolean() })
  .openapi('VanBase');

export const shiftTemplateView = z
  .object({ code: z.string(), name: z.string(), starts: z.string(), ends: z.string(), weekdays: z.array(z.number()), bankHolidays: z.boolean() })
  .openapi('ShiftTemplate');

export const calendarDayView = z
  .object({
    date: z.string(),
    weekday: z.number(),
    bankHoliday: z.string().nullable(),
    sunrise: z.string(),
    sunset: z.string(),
    utcOffsetMinutes: z.number(),
  })
  .openapi('CalendarDay');
