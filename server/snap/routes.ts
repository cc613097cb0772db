import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Knex } from 'knex';
import { localDate } from '../../geo/calendar/time.ts';
import { appendAudit } from '../audit/log.ts';
import { databaseRateLimiter } from '../auth/rate-limit-store.ts';
import { DEFAULT_POW, ProofOfWork, type PowOptions } from '../concerns/pow.ts';
import { reporterKeyOfEmail } from '../concerns/reference.ts';
import type { AppContext } from '../context.ts';
import { HttpError, notFound, unauthorized } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import { computeDeadlines, DEFAULT_OFFENCE_DEADLINES, type OffenceDeadlineConfig } from './deadlines.ts';
import { MESSAGES, OFFENCE_TYPE_LABEL, type OffenceType } from './messages.ts';
import { notifySubmitter, sendVerificationCode, snapStatusPath, VERIFICATION_CODE_MINUTES } from './notify.ts';
import {
  BEFORE_DECISION,
  canTransition,
  NO_FURTHER_ACTION_REASON_LABEL,
  OUTCOME_CATEGORY_LABEL,
  PUBLIC_STAGE,
  publicOutcome,
  TransitionError,
  type NoFurtherActionReason,
  type SubmissionState,
} from './states.ts';
import {
  allocateSnapReference,
  bySubmitter,
  changeState,
  districtOfPin,
  filesOf,
  forceAreaBounds,
  isoDate,
  stagesOf,
  type SubmissionRow,
} from './store.ts';
import { statementText, submissionBodySchema, validateSubmission, type SubmissionIssue } from './submission-schema.ts';
import { authenticateSubmitter, bearerToken, hashToken } from './submitter-auth.ts';
import { announceSettlement, SET_ASIDE, settleSubmission, sweepAbandonedUploads, sweepAbandonedUploadsNow } from './uploads/files.ts';
import { uploadAbandonedAfterMs } from './uploads/settings.ts';

/**
 * Operation Snap, the submitter's side: the proof-of-work challenge, creating a submission (with
 * its section 9 statement), confirming the email address with a code, the status page's data,
 * saying the footage is all uploaded (then settled by uploads/files.ts), and withdrawing. Every route but the first two needs
 * `Authorization: Bearer <token>` (the token from the 201 answer): 401 without it, 404 with a
 * wrong one (the same answer as an unknown reference). The tus uploads are in uploads/.
 */

/** Knobs tests turn (a cheap proof of work); production uses the defaults. */
export interface SnapOptions {
  pow?: Partial<PowOptions>;
  /** Submissions created per client IP address in one window (refused attempts do not count). */
  submissionsPerWindow?: number;
  submissionWindowMs?: number;
  /** New verification codes asked for per client IP address in one window. */
  codesPerWindow?: number;
  codeWindowMs?: number;
  /** Offence type → notice and submission window (deadlines.ts). */
  offenceConfig?: OffenceDeadlineConfig;
}

/**
 * Ten an hour per address: generous enough for mobile networks, where many phones share one
 * address (CGNAT), and still a wall for a script; the proof of work makes each one cost.
 */
const DEFAULTS = { submissionsPerWindow: 10, submissionWindowMs: 60 * 60_000, codesPerWindow: 5, codeWindowMs: 60 * 60_000 } as const;

/** Wrong codes allowed before a new code must be asked for. */
export const VERIFICATION_ATTEMPTS = 5;

/** One answer for an unknown reference and a wrong token, so a token learns nothing about other submissions. */
const NOT_FOUND_MESSAGE = 'No submission matches this reference and link. Open the whole link from your email, or check the reference.';

// ---------------------------------------------------------------- schemas (validation and the OpenAPI document)

const issueSchema = z.object({ field: z.string(), code: z.string(), message: z.string() });
const deadlinesSchema = z.object({
  noticeBy: z.string().openapi({ description: 'Day 14: the last day a notice of intended prosecution can be served (YYYY-MM-DD)' }),
  postBy: z.string().openapi({ description: 'The last day the notice can be posted (two working days before noticeBy)' }),
  submitBy: z.string().openapi({ description: 'The end of the submission window' }),
});

/**
 * The body as documented. Validation is `validateSubmission` in the handler (422 with the plain
 * messages, never the generic 400), so the route's schema accepts anything and only carries the
 * documentation: the JSON Schema of the submission (zod's own conversion, as zod-to-openapi cannot
 * describe a schema that never refuses).
 */
const submissionRequest = (() => {
  const documented = submissionBodySchema
    .extend({
      website: z.string().optional().meta({ description: 'Honeypot: a hidden field people never fill in. Send it empty or leave it out.' }),
      altcha: z.string().optional().meta({ description: "The solved proof of work from GET /api/snap/challenge (the ALTCHA widget's payload, base64)" }),
    })
    .loose()
    .meta({ description: 'Extra fields are allowed and ignored. Refusals answer 422 with one entry per problem.' });
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(documented, { io: 'input', unrepresentable: 'any' });
  // The JSON Schema object is an OpenAPI 3.1 schema object; the metadata type does not say so.
  return z.unknown().openapi(jsonSchema as never);
})();

const createdSchema = z.object({
  reference: z.string().openapi({ example: 'SNAP-2026-000123' }),
  token: z.string().openapi({ description: 'The secret for every later request (Authorization: Bearer …). Shown once; only its hash is stored.' }),
  state: z.string(),
  statusUrl: z.string().openapi({ description: 'The status page; the token is in the fragment' }),
  deadlines: deadlinesSchema.extend({ warnUntil: z.string(), noticeRequired: z.boolean() }),
  warnings: z.array(issueSchema),
  verificationEmailSent: z.boolean(),
});

const referenceParams = z.object({ reference: z.string().max(40).openapi({ example: 'SNAP-2026-000123' }) });
const verifyBody = z.object({
  code: z
    .string({ error: 'required: the 6-digit code from the email' })
    .trim()
    .regex(/^\d{6}$/, { message: 'must be the 6-digit code from the email, for example 123456' }),
});

const statusSchema = z.object({
  reference: z.string(),
  state: z.string(),
  stateLabel: z.string(),
  whatNext: z.string(),
  emailVerified: z.boolean(),
  incident: z.object({ date: z.string(), offenceType: z.string(), offenceLabel: z.string() }),
  stages: z.array(z.object({ state: z.string(), label: z.string(), at: z.string(), whatNext: z.string(), note: z.string().nullable() })),
  files: z.array(
    z.object({
      uploadId: z.string().openapi({ description: 'The tus upload id of the file' }),
      uploadUrl: z.string().nullable().openapi({
        description:
          'While the file is unfinished (`uploading`, or `abandoned` after a day without data): its tus upload URL, relative to this server. ' +
          'HEAD and PATCH resume it; DELETE (tus termination, with the same Authorization header) cancels it and frees its place. Null once the whole file has arrived.',
      }),
      name: z.string(),
      size: z.number(),
      receivedBytes: z.number(),
      sha256: z.string().nullable(),
      state: z.string(),
      message: z.string().nullable(),
    }),
  ),
  deadlines: deadlinesSchema,
  outcome: z.object({ category: z.string(), label: z.string(), reason: z.string().nullable() }).nullable(),
  canUpload: z.boolean(),
  canComplete: z.boolean(),
  canWithdraw: z.boolean(),
});

const stateAnswer = z.object({ reference: z.string(), state: z.string() });
const tokenResponses = {
  401: { description: 'No `Authorization: Bearer` header' },
  404: { description: NOT_FOUND_MESSAGE },
};

// ---------------------------------------------------------------- helpers

/** A filled honeypot: any value other than absent or blank. */
function honeypotFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return typeof value !== 'string' || value.trim() !== '';
}

const refused = (errors: SubmissionIssue[]) =>
  new HttpError(422, 'submission_refused', errors.map((e) => `${e.field}: ${e.message}`).join(' '), errors);

/** sha256 of the code salted with the reference, so equal codes of two submissions hash differently. */
function codeHash(reference: string, code: string): string {
  return hashToken(`${reference}:${code}`);
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The submission a request's token opens: 401 without a Bearer header, 404 for anything else that does not match. */
async function submitterOf(knex: Knex, req: Request, res: Response, reference: string): Promise<SubmissionRow> {
  res.setHeader('Cache-Control', 'no-store');
  const header = req.headers.authorization;
  if (!bearerToken(header)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="snap"');
    throw unauthorized('Send the secret from your status link as "Authorization: Bearer <token>".');
  }
  const row = await authenticateSubmitter(knex, reference, header);
  if (!row) throw notFound(NOT_FOUND_MESSAGE);
  return row;
}

/** A refused state move as an HTTP answer. */
function transitionHttpError(err: TransitionError): HttpError {
  const status = err.code === 'role_not_allowed' || err.code === 'supervisor_approval_required' ? 403 : err.code === 'reason_code_required' || err.code === 'unknown_state' ? 400 : 409;
  return new HttpError(status, err.code, err.message);
}

async function withTransitionErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TransitionError) throw transitionHttpError(err);
    throw err;
  }
}

const submitter = (row: Pick<SubmissionRow, 'reference'>) => bySubmitter(row.reference);

/** The moves `complete` makes from each state it is allowed in (then settling decides the rest). */
const COMPLETE_PATH: Partial<Record<string, SubmissionState[]>> = {
  uploading: ['processing'],
  // A new round: files refused before it no longer count (uploads/files.ts filesInPlay).
  needs_resubmission: ['uploading', 'processing'],
  // Only reachable with files put in by other means than tus (which moves to uploading on the first file).
  awaiting_footage: ['uploading', 'processing'],
};

// ---------------------------------------------------------------- routes

export function snapRoutes(ctx: AppContext, options: SnapOptions = {}): AnyRoute[] {
  const { knex } = ctx.db;
  const settings = { ...DEFAULTS, ...options };
  const offenceConfig = options.offenceConfig ?? DEFAULT_OFFENCE_DEADLINES;
  const proofOfWork = new ProofOfWork(knex, { ...DEFAULT_POW, ...options.pow });
  const abandonAfterMs = uploadAbandonedAfterMs(ctx.config);

  const perIp = (prefix: string, limit: number, windowMs: number, what: string): RateLimitRequestHandler =>
    databaseRateLimiter({
      ctx,
      prefix,
      limit,
      windowMs,
      key: (req) => ipKeyGenerator(req.ip ?? ''),
      // A refused attempt (a mistake in the form, a wrong token) does not use up the allowance.
      skipFailedRequests: true,
      onLimited: (req) => req.log?.warn({ limiter: prefix }, `${what} rate limit reached`),
      message: (wait) => `Too many ${what} from this connection: at most ${limit} in ${Math.round(windowMs / 60_000)} minutes. Try again in ${wait}.`,
    });

  /** The status page's data: never the driver's identity or registration, nor the submitter's details. */
  async function statusOf(row: SubmissionRow) {
    // Unfinished uploads idle for a day are set aside before they are shown (and stop blocking `complete`).
    await sweepAbandonedUploadsNow(knex, row.id, abandonAfterMs);
    const [stages, files] = await Promise.all([stagesOf(knex, row.id), filesOf(knex, row.id)]);
    const state = row.state as SubmissionState;
    const category = publicOutcome(stages.map((s) => s.state as SubmissionState));
    const live = files.filter((f) => !(SET_ASIDE as readonly string[]).includes(f.state));
    const usable = live.some((f) => f.state !== 'rejected');
    const uploading = live.some((f) => f.state === 'uploading');
    return {
      reference: row.reference,
      state,
      stateLabel: PUBLIC_STAGE[state].label,
      whatNext: PUBLIC_STAGE[state].next,
      emailVerified: row.email_verified_at !== null,
      incident: { date: isoDate(row.incident_date)!, offenceType: row.offence_type, offenceLabel: OFFENCE_TYPE_LABEL[row.offence_type as OffenceType] ?? row.offence_type },
      stages: stages.map((s) => ({
        state: s.state,
        label: PUBLIC_STAGE[s.state as SubmissionState]?.label ?? s.state,
        at: new Date(s.at).toISOString(),
        whatNext: PUBLIC_STAGE[s.state as SubmissionState]?.next ?? '',
        note: s.public_note,
      })),
      files: files.map((f) => ({
        uploadId: f.upload_id,
        uploadUrl: f.state === 'uploading' || f.state === 'abandoned' ? `/api/snap/uploads/${f.upload_id}` : null,
        name: f.original_name,
        size: Number(f.size_bytes),
        receivedBytes: Number(f.received_bytes),
        sha256: f.sha256,
        state: f.state,
        message: f.message,
      })),
      deadlines: { noticeBy: isoDate(row.notice_by)!, postBy: isoDate(row.post_by)!, submitBy: isoDate(row.submit_by)! },
      outcome: category
        ? {
            category,
            label: OUTCOME_CATEGORY_LABEL[category],
            reason: category === 'no_further_action' && row.reason_code ? (NO_FURTHER_ACTION_REASON_LABEL[row.reason_code as NoFurtherActionReason] ?? null) : null,
          }
        : null,
      canUpload: ['awaiting_footage', 'uploading', 'needs_resubmission'].includes(state),
      canComplete: COMPLETE_PATH[state] !== undefined && usable && !uploading,
      canWithdraw: BEFORE_DECISION.includes(state),
    };
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/snap/challenge',
      summary: 'A proof-of-work challenge for the Operation Snap form (ALTCHA)',
      description:
        'The `altcha` widget fetches this, solves it in the browser (no third-party service) and the form sends the result as `altcha`. ' +
        `A challenge expires after ${proofOfWork.options.expiresMinutes} minutes and can be used for one submission.`,
      tags: ['snap'],
      responses: { 200: { description: 'An ALTCHA v2 challenge' } },
      handler: async (_input, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await proofOfWork.challenge());
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/submissions',
      summary: 'Start an Operation Snap submission: eligibility, incident, section 9 statement, your details',
      description:
        'Checks every field (422 `{errors: [{field, code, message}]}` with the plain message for each problem: not in the area, a collision, ' +
        'parking, speed only, under 18, "see video" as the statement, a signature that is not your name, too late, …). ' +
        'Needs a solved challenge from GET /api/snap/challenge (`altcha`) and an empty honeypot (`website`). ' +
        `At most ${settings.submissionsPerWindow} submissions per connection per ${Math.round(settings.submissionWindowMs / 60_000)} minutes. ` +
        `Answers the reference and the secret token, and emails a 6-digit code (valid ${VERIFICATION_CODE_MINUTES} minutes) with the reference and the status link; ` +
        'the footage can be uploaded once the code is confirmed (POST …/verify).',
      tags: ['snap'],
      request: { body: submissionRequest },
      responses: {
        201: { description: 'Started (state draft); keep the token, it is shown once', schema: createdSchema },
        400: { description: 'Not JSON' },
        422: { description: 'Refused: see `errors` for each field and what to do instead' },
        429: { description: 'Too many submissions from this connection; see Retry-After' },
      },
      before: [perIp('snap-submission-ip:', settings.submissionsPerWindow, settings.submissionWindowMs, 'submissions')],
      handler: async (_input, req, res) => {
        const raw = (req.body ?? {}) as Record<string, unknown>;
        const today = localDate(Date.now());
        if (honeypotFilled(raw.website)) {
          // Answered like a success so a bot learns nothing; nothing is stored or sent.
          req.log?.warn({ honeypot: String(raw.website).slice(0, 100) }, 'snap submission with the honeypot field filled: not stored');
          const deadlines = computeDeadlines(today, 'careless_driving', DEFAULT_OFFENCE_DEADLINES);
          const reference = `SNAP-${today.slice(0, 4)}-${String(randomInt(1, 1_000_000)).padStart(6, '0')}`;
          const token = randomBytes(32).toString('base64url');
          res.status(201).json({
            reference,
            token,
            state: 'draft',
            statusUrl: snapStatusPath(reference, token),
            deadlines: { noticeBy: deadlines.noticeBy, postBy: deadlines.postBy, submitBy: deadlines.submitBy, warnUntil: deadlines.warnUntil, noticeRequired: true },
            warnings: [],
            verificationEmailSent: true,
          });
          return;
        }
        const pow = await proofOfWork.verify(typeof raw.altcha === 'string' ? raw.altcha : undefined);
        if (!pow.ok) throw refused([{ field: 'altcha', code: 'proof_of_work', message: pow.message }]);

        const checked = validateSubmission(raw, { today, area: await forceAreaBounds(knex), offenceConfig });
        if (!checked.ok) throw refused(checked.errors);
        const { eligibility, incident, statement, submitter: person } = checked.value;

        let districtCode: string | null = null;
        const pinned = incident.lon !== null && incident.lon !== undefined && incident.lat !== null && incident.lat !== undefined;
        if (pinned) {
          const place = await districtOfPin(knex, incident.lon!, incident.lat!);
          // Inside the area's bounding box but in no district (e.g. a neighbouring county's corner).
          if (place.loaded && !place.districtCode) {
            throw refused([{ field: 'incident.lon', code: 'pin_outside_area', message: MESSAGES.pin_outside_area }]);
          }
          districtCode = place.districtCode;
        }

        // The columns are NOT NULL: an offence configured without a notice still gets the standard clock for ordering the queue.
        const fallback = computeDeadlines(incident.date, incident.offenceType, DEFAULT_OFFENCE_DEADLINES);
        const deadlines = checked.deadlines;
        const token = randomBytes(32).toString('base64url');
        const code = newCode();
        const signedAt = new Date().toISOString();
        const statementSha256 = createHash('sha256').update(statementText(statement, signedAt), 'utf8').digest('hex');
        const sentAt = new Date();

        const created = await knex.transaction(async (trx) => {
          if (!(await proofOfWork.consume(trx, pow))) {
            throw refused([{ field: 'altcha', code: 'proof_of_work_used', message: 'this anti-spam check was already used; run it again and send the form' }]);
          }
          const reference = await allocateSnapReference(trx, Number(today.slice(0, 4)));
          const point = pinned ? trx.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [incident.lon!, incident.lat!]) : null;
          const [row] = (await trx('snap_submissions')
            .insert({
              reference,
              token_hash: hashToken(token),
              state: 'draft',
              eligibility: JSON.stringify(eligibility),
              incident_date: incident.date,
              incident_time: incident.time,
              time_approximate: incident.timeApproximate,
              camera_clock_offset_minutes: incident.cameraClockOffsetMinutes,
              location_text: incident.location,
              direction: incident.direction,
              offence_type: incident.offenceType,
              offence_other: incident.offenceDescription,
              reporter_road_user: incident.reporterRoadUser,
              vrm: incident.vrm,
              vehicle_make: incident.vehicleMake,
              vehicle_colour: incident.vehicleColour,
              statement_narrative: statement.narrative,
              statement_sha256: statementSha256,
              signature_name: statement.signatureName,
              statement_signed_at: signedAt,
              submitter_name: person.fullName,
              submitter_dob: person.dateOfBirth,
              submitter_address: person.address,
              submitter_postcode: person.postcode,
              submitter_email: person.email,
              submitter_key: reporterKeyOfEmail(person.email),
              submitter_phone: person.phone,
              verification_code_hash: codeHash(reference, code),
              verification_attempts: 0,
              verification_sent_at: sentAt,
              notice_by: deadlines.noticeBy ?? fallback.noticeBy,
              post_by: deadlines.postBy ?? fallback.postBy,
              submit_by: deadlines.submitBy,
              district_code: districtCode,
              geom_4326: point,
              geom: point ? trx.raw('ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700)', [incident.lon!, incident.lat!]) : null,
            })
            .returning(['id', 'reference', 'submitter_email'])) as Array<Pick<SubmissionRow, 'id' | 'reference' | 'submitter_email'>>;
          await trx('snap_stages').insert({ submission_id: row!.id, state: 'draft' });
          await appendAudit(trx, {
            actorKind: 'submitter',
            actorId: reference,
            action: 'submission.created',
            subjectKind: 'submission',
            subjectId: row!.id,
            reference,
            // No personal data here: the audit log outlives the retention period.
            details: {
              state: 'draft',
              offenceType: incident.offenceType,
              incidentDate: incident.date,
              statementSha256,
              warnings: checked.warnings.map((w) => w.code),
            },
          });
          return row!;
        });
        req.log?.info({ reference: created.reference, offenceType: incident.offenceType, district: districtCode }, 'snap submission started');
        const sent = await sendVerificationCode(ctx, created, code, token);
        res.status(201).json({
          reference: created.reference,
          token,
          state: 'draft',
          statusUrl: snapStatusPath(created.reference, token),
          deadlines: {
            noticeBy: deadlines.noticeBy,
            postBy: deadlines.postBy,
            submitBy: deadlines.submitBy,
            warnUntil: deadlines.warnUntil,
            noticeRequired: deadlines.noticeRequired,
          },
          warnings: checked.warnings,
          verificationEmailSent: sent,
        });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/snap/submissions/:reference',
      summary: 'The status of a submission, for the person who sent it',
      description:
        'Each stage with its date and what happens next, the files with their hash and any message, the deadlines and the outcome category. ' +
        'Never the driver\'s identity or the registration. Needs `Authorization: Bearer <token>`.',
      tags: ['snap'],
      request: { params: referenceParams },
      responses: { 200: { description: 'The status', schema: statusSchema }, ...tokenResponses },
      handler: async ({ params }, req, res) => {
        const row = await submitterOf(knex, req, res, params.reference);
        res.json(await statusOf(row));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/submissions/:reference/verify',
      summary: 'Confirm the email address with the 6-digit code',
      description:
        `The code works for ${VERIFICATION_CODE_MINUTES} minutes and ${VERIFICATION_ATTEMPTS} tries; after that ask for a new one (POST …/resend-code). ` +
        'A wrong, expired or used-up code answers 422 with `attemptsLeft`. Once confirmed the submission waits for footage. ' +
        'Confirming again answers 200 (a retried request on a poor connection must not fail).',
      tags: ['snap'],
      request: { params: referenceParams, body: verifyBody },
      responses: {
        200: { description: 'Confirmed', schema: stateAnswer.extend({ emailVerified: z.literal(true) }) },
        400: { description: 'Not a 6-digit code' },
        ...tokenResponses,
        422: { description: '`{error, message, attemptsLeft}`: wrong, expired, or too many tries' },
      },
      handler: async ({ params, body }, req, res) => {
        const found = await submitterOf(knex, req, res, params.reference);
        const token = bearerToken(req.headers.authorization)!;
        const outcome = await withTransitionErrors(() =>
          knex.transaction(async (trx) => {
            const row = (await trx('snap_submissions').where({ id: found.id }).forUpdate().first()) as SubmissionRow;
            if (row.email_verified_at) return { kind: 'done' as const, row };
            const left = VERIFICATION_ATTEMPTS - row.verification_attempts;
            if (!row.verification_code_hash || left <= 0) {
              return { kind: 'refused' as const, error: 'too_many_attempts', attemptsLeft: 0, message: 'That code has been tried too many times. Ask for a new code and enter it.' };
            }
            const sentAtMs = row.verification_sent_at ? new Date(row.verification_sent_at).getTime() : 0;
            if (Date.now() - sentAtMs > VERIFICATION_CODE_MINUTES * 60_000) {
              return { kind: 'refused' as const, error: 'code_expired', attemptsLeft: left, message: `That code has expired (codes work for ${VERIFICATION_CODE_MINUTES} minutes). Ask for a new code and enter it.` };
            }
            if (!sameHash(codeHash(row.reference, body.code), row.verification_code_hash)) {
              await trx('snap_submissions').where({ id: row.id }).increment('verification_attempts', 1);
              const now = left - 1;
              return {
                kind: 'refused' as const,
                error: 'code_wrong',
                attemptsLeft: now,
                message: now > 0 ? `That code is not right. Check the latest email from us; you can try ${now} more time${now === 1 ? '' : 's'}.` : 'That code is not right, and it has now been tried too many times. Ask for a new code and enter it.',
              };
            }
            await trx('snap_submissions').where({ id: row.id }).update({ email_verified_at: trx.fn.now(), verification_code_hash: null, updated_at: trx.fn.now() });
            const updated = await changeState(trx, row.id, 'awaiting_footage', { ...submitter(row), details: { emailVerified: true } });
            return { kind: 'verified' as const, row: updated };
          }),
        );
        if (outcome.kind === 'refused') {
          res.status(422).json({ error: outcome.error, message: outcome.message, attemptsLeft: outcome.attemptsLeft, requestId: String(req.id ?? '') });
          return;
        }
        if (outcome.kind === 'verified') await notifySubmitter(ctx, outcome.row, 'awaiting_footage', token);
        res.json({ reference: outcome.row.reference, state: outcome.row.state, emailVerified: true });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/submissions/:reference/resend-code',
      summary: 'Send a new verification code',
      description:
        `Replaces the previous code (valid ${VERIFICATION_CODE_MINUTES} minutes, ${VERIFICATION_ATTEMPTS} tries). ` +
        `At most ${settings.codesPerWindow} per connection per ${Math.round(settings.codeWindowMs / 60_000)} minutes.`,
      tags: ['snap'],
      request: { params: referenceParams },
      responses: {
        202: { description: 'Sent', schema: stateAnswer.extend({ codeExpiresAt: z.string() }) },
        ...tokenResponses,
        409: { description: 'The email address is already confirmed' },
        429: { description: 'Too many codes asked for from this connection; see Retry-After' },
        503: { description: 'The email could not be sent; try again later' },
      },
      before: [perIp('snap-code-ip:', settings.codesPerWindow, settings.codeWindowMs, 'new codes')],
      handler: async ({ params }, req, res) => {
        const row = await submitterOf(knex, req, res, params.reference);
        if (row.email_verified_at || row.state !== 'draft') {
          throw new HttpError(409, 'already_verified', 'Your email address is already confirmed: there is no code to send. Carry on with your submission.');
        }
        const code = newCode();
        const sentAt = new Date();
        await knex('snap_submissions')
          .where({ id: row.id })
          .update({ verification_code_hash: codeHash(row.reference, code), verification_attempts: 0, verification_sent_at: sentAt, updated_at: knex.fn.now() });
        if (!(await sendVerificationCode(ctx, row, code, bearerToken(req.headers.authorization)!))) {
          throw new HttpError(503, 'mail_unavailable', 'We could not send the email just now. Try again in a few minutes.');
        }
        res.status(202).json({ reference: row.reference, state: row.state, codeExpiresAt: new Date(sentAt.getTime() + VERIFICATION_CODE_MINUTES * 60_000).toISOString() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/submissions/:reference/complete',
      summary: 'Say all the footage is uploaded: the submission goes to the reviewers once every file is checked',
      description:
        'Needs at least one file that has not been refused, and none still uploading (an upload that received nothing for a day is set aside as ' +
        '`abandoned` and neither counts nor blocks; cancel an unfinished one with DELETE on its `uploadUrl`). The submission moves to processing; when every ' +
        'file is already checked it is settled at once, otherwise when the last check finishes, and the status page shows it: ' +
        '`submitted`; `needs_resubmission` when a file of this round was refused (its message says why: upload a replacement, or ' +
        'complete again to send the others without it); `quarantined` (malware); `on_hold` (a checker unavailable: tried again). ' +
        'An email tells the submitter the outcome, once.',
      tags: ['snap'],
      request: { params: referenceParams },
      responses: {
        200: { description: 'Sent on: `state` is where it stands now (processing while checks run)', schema: stateAnswer },
        ...tokenResponses,
        409: { description: 'No usable file, a file still uploading, the email not confirmed, or the submission past this step' },
      },
      handler: async ({ params }, req, res) => {
        const found = await submitterOf(knex, req, res, params.reference);
        const token = bearerToken(req.headers.authorization)!;
        const { row, settled } = await withTransitionErrors(() =>
          knex.transaction(async (trx) => {
            const current = (await trx('snap_submissions').where({ id: found.id }).forUpdate().first()) as SubmissionRow;
            const path = COMPLETE_PATH[current.state];
            if (!path) {
              if (current.state === 'draft') throw new HttpError(409, 'email_not_verified', 'Confirm your email address with the code we sent before sending footage.');
              throw new HttpError(409, 'already_sent', `This submission is already past this step (${PUBLIC_STAGE[current.state as SubmissionState]?.label ?? current.state}).`);
            }
            // Unfinished uploads idle for a day are set aside: they do not block sending the others.
            await sweepAbandonedUploads(trx, current, abandonAfterMs);
            const files = (await trx('snap_files').where({ submission_id: current.id }).whereNotIn('state', SET_ASIDE).select('state')) as Array<{ state: string }>;
            if (files.some((f) => f.state === 'uploading')) {
              throw new HttpError(409, 'files_not_ready', 'A file is still uploading. Let it finish (or cancel it), then send your submission.');
            }
            const usable = files.filter((f) => f.state !== 'rejected').length;
            if (usable === 0) {
              throw new HttpError(
                409,
                'no_footage',
                files.length === 0
                  ? 'Upload at least one video file before sending your submission.'
                  : 'None of your files could be used: the message next to each says why. Upload a replacement, then send your submission.',
              );
            }
            for (const to of path) await changeState(trx, current.id, to, { ...bySubmitter(current.reference), details: { files: usable } });
            // Usually every file is checked by now, so this settles it at once; otherwise the last check does.
            const outcome = await settleSubmission(trx, current.id);
            return { row: (await trx('snap_submissions').where({ id: current.id }).first()) as SubmissionRow, settled: outcome };
          }),
        );
        if (settled) await announceSettlement({ ...ctx, knex }, row.id, settled, token);
        res.json({ reference: row.reference, state: row.state });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/submissions/:reference/withdraw',
      summary: 'Withdraw a submission before a decision',
      description: 'Allowed until a decision is made; the case is then not acted on. A confirmation email is sent.',
      tags: ['snap'],
      request: { params: referenceParams },
      responses: {
        200: { description: 'Withdrawn', schema: stateAnswer },
        ...tokenResponses,
        409: { description: 'A decision has already been made, or it is already withdrawn' },
      },
      handler: async ({ params }, req, res) => {
        const found = await submitterOf(knex, req, res, params.reference);
        if (found.state === 'withdrawn') throw new HttpError(409, 'already_withdrawn', 'This submission is already withdrawn.');
        if (!canTransition(found.state, 'withdrawn', { actorRole: 'submitter' })) {
          throw new HttpError(409, 'decided', 'A decision has already been made on this submission, so it can no longer be withdrawn. Call 101 if you need to talk to us about it.');
        }
        const row = await withTransitionErrors(() => knex.transaction((trx) => changeState(trx, found.id, 'withdrawn', submitter(found))));
        await notifySubmitter(ctx, row, 'withdrawn', bearerToken(req.headers.authorization)!);
        res.json({ reference: row.reference, state: row.state });
      },
    }),
  ];
}
