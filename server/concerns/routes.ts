import { randomInt } from 'node:crypto';
import { ipKeyGenerator, type RateLimitRequestHandler } from 'express-rate-limit';
import { currentUser } from '../auth/guard.ts';
import { databaseRateLimiter } from '../auth/rate-limit-store.ts';
import { csvStream, sendCsv } from '../collisions/csv.ts';
import type { AppContext } from '../context.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { HttpError, invalidRequest, notFound } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { assertAreaLoaded, locateInArea, NoAreaError } from './area.ts';
import { CONCERN_CSV_HEADERS, concernCsvValues } from './csv.ts';
import { STATUS_LABEL } from './model.ts';
import { acknowledgementMessage, mailReporter, statusLink, statusPath, updateMessage } from './notify.ts';
import { DEFAULT_POW, ProofOfWork, type PowOptions } from './pow.ts';
import { formatReference, hashStatusToken, newStatusToken, reporterKeyOfEmail, tokenMatches } from './reference.ts';
import {
  concernChallenge,
  concernCreated,
  newConcernBody,
  publicStatus,
  publicStatusQuery,
  referenceParams,
  STAFF_LIST_LIMIT,
  staffDetailSchema,
  staffList,
  staffListQuery,
  triageBody,
  type NewConcernBody,
  type StaffListQuery,
} from './schemas.ts';
import {
  concernBatches,
  countConcerns,
  currentYear,
  findConcern,
  findPublicConcern,
  geometryOf,
  insertConcerns,
  issueStatusToken,
  listConcerns,
  staffDetail,
  staffListItem,
  statusHistory,
  type ConcernListFilters,
} from './store.ts';
import { applyTriage } from './triage.ts';

/** Knobs of the public report form; tests turn them down (PoW cost) or up (rate limit). */
export interface ConcernOptions {
  /** Proof-of-work difficulty and expiry (see pow.ts). */
  pow?: Partial<PowOptions>;
  /** Reports accepted per client IP address in one window (failed attempts do not count). */
  reportsPerWindow?: number;
  /** Length of the rate-limit window, milliseconds. */
  reportWindowMs?: number;
  /** Acknowledgement emails sent to one address per 24 hours (the form must not become a way to flood a mailbox). */
  acknowledgementsPerAddressPerDay?: number;
}

const defaultConcernOptions = {
  reportsPerWindow: 5,
  reportWindowMs: 60 * 60_000,
  acknowledgementsPerAddressPerDay: 5,
} as const;

/** One answer for an unknown reference, a wrong token and no token: no enumeration of references. */
const STATUS_NOT_FOUND = 'No concern matches this link. Check that you opened the whole link from your confirmation, including the part after "token=".';

/** Compared against when the reference is unknown, so the answer takes as long as a wrong token. */
const DUMMY_TOKEN_HASH = hashStatusToken('no such concern');

const errorBody = { description: 'See `errors` for each field' };

/** A filled honeypot: any value other than absent or blank. */
function honeypotFilled(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return typeof value !== 'string' || value.trim() !== '';
}

/** The calendar year in Europe/London now (for the decoy reference answered to bots). */
function londonYear(): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(new Date()));
}

function reportRateLimiter(ctx: AppContext, limit: number, windowMs: number): RateLimitRequestHandler {
  return databaseRateLimiter({
    ctx,
    prefix: 'concern-report-ip:',
    limit,
    windowMs,
    key: (req) => ipKeyGenerator(req.ip ?? ''),
    // A report refused for a mistake (a 400) does not use up the allowance.
    skipFailedRequests: true,
    onLimited: (req) => req.log?.warn({ limiter: 'concern-report-ip' }, 'concern report rate limit reached'),
    message: (wait) => `Too many reports from this connection: at most ${limit} in ${Math.round(windowMs / 60_000)} minutes. Try again in ${wait}.`,
  });
}

/** Community concerns: the public report form and status page, and staff triage. */
export function concernRoutes(ctx: AppContext, options: ConcernOptions = {}): AnyRoute[] {
  const { knex } = ctx.db;
  const settings = { ...defaultConcernOptions, ...options };
  const proofOfWork = new ProofOfWork(knex, { ...DEFAULT_POW, ...options.pow });

  async function acknowledge(body: NewConcernBody & { email: string }, reference: string, token: string, reporterKey: string): Promise<void> {
    const { rows } = await knex.raw(`SELECT count(*) AS n FROM concerns WHERE reporter_key = ? AND created_at > now() - interval '24 hours'`, [reporterKey]);
    if (Number(rows[0].n) > settings.acknowledgementsPerAddressPerDay) {
      ctx.logger.warn({ reference }, 'acknowledgement not sent: this address already had the daily number of acknowledgements');
      return;
    }
    await mailReporter(ctx, body.email, acknowledgementMessage(reference, body.category, statusLink(ctx.config, ctx.logger, reference, token)), reference);
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/concern-challenge',
      summary: 'A proof-of-work challenge for the concern report form (ALTCHA)',
      description:
        'The `altcha` widget fetches this, solves it in the browser (no third-party service) and puts the result in the form as `altcha`. ' +
        `A challenge expires after ${proofOfWork.options.expiresMinutes} minutes and can be used for one report.`,
      tags: ['concerns'],
      responses: { 200: { description: 'An ALTCHA v2 challenge', schema: concernChallenge } },
      handler: async (_input, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await proofOfWork.challenge());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/concerns',
      summary: 'Report a road safety concern',
      description:
        'A point or a stretch of road inside the area, a category, when it happens, a description, and optionally an email for updates. ' +
        `Needs a solved challenge from GET /api/concern-challenge (\`altcha\`); at most ${settings.reportsPerWindow} reports per connection per ` +
        `${Math.round(settings.reportWindowMs / 60_000)} minutes. The answer holds the reference and the private status link; with an email, ` +
        'an acknowledgement with the link is sent too.',
      tags: ['concerns'],
      request: { body: newConcernBody },
      responses: {
        201: { description: 'Stored; keep the token, it is shown once', schema: concernCreated },
        400: errorBody,
        429: { description: 'Too many reports from this connection; see Retry-After' },
        503: { description: 'No district boundaries are loaded, so reports cannot be placed' },
      },
      before: [reportRateLimiter(ctx, settings.reportsPerWindow, settings.reportWindowMs)],
      handler: async ({ body }: { body: NewConcernBody }, req, res) => {
        if (honeypotFilled(body.website)) {
          // Answered like a success so a bot learns nothing; nothing is stored or sent.
          req.log?.warn({ category: body.category, honeypot: String(body.website).slice(0, 100) }, 'concern report with the honeypot field filled: not stored');
          const reference = formatReference(londonYear(), randomInt(1, 1_000_000));
          const token = newStatusToken();
          res.status(201).json({ reference, token, statusUrl: statusPath(reference, token) });
          return;
        }
        const pow = await proofOfWork.verify(body.altcha);
        if (!pow.ok) throw invalidRequest([{ field: 'body.altcha', code: 'proof_of_work', message: pow.message }]);
        try {
          await assertAreaLoaded(knex);
        } catch (err) {
          if (err instanceof NoAreaError) throw new HttpError(503, 'no_area', `Reports cannot be accepted yet. ${err.message}`);
          throw err;
        }
        const [located] = await locateInArea(knex, [body.location]);
        if (!located?.inside) {
          throw invalidRequest([
            {
              field: 'body.location',
              code: 'outside_area',
              message: `is outside the area this service covers${body.location.type === 'LineString' ? ' (all of the stretch must be inside)' : ''}; mark a place within the district boundaries`,
            },
          ]);
        }
        const email = body.email?.trim();
        const reporterKey = email ? reporterKeyOfEmail(email) : null;
        const year = await currentYear(knex);
        const created = await knex.transaction(async (trx) => {
          if (!(await proofOfWork.consume(trx, pow))) {
            throw invalidRequest([{ field: 'body.altcha', code: 'proof_of_work_used', message: 'this anti-spam check was already used; run it again and send the form' }]);
          }
          const [concern] = await insertConcerns(
            trx,
            [
              {
                year,
                category: body.category,
                source: 'public_form',
                whenDays: body.whenDays,
                whenTimes: body.whenTimes,
                description: body.description,
                locationText: body.locationText ?? null,
                reporterName: body.name ?? null,
                reporterEmail: email ?? null,
                reporterKey,
                geometry: body.location,
                districtCode: located.districtCode,
              },
            ],
            'public',
          );
          await bumpDataVersion(trx, 'concerns');
          return concern as { reference: string; token: string };
        });
        req.log?.info({ reference: created.reference, category: body.category, district: located.districtCode }, 'concern reported');
        if (email && reporterKey) await acknowledge({ ...body, email }, created.reference, created.token, reporterKey);
        res.status(201).json({ reference: created.reference, token: created.token, statusUrl: statusPath(created.reference, created.token) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/concerns/:reference',
      summary: 'The status of a concern, for the person who reported it',
      description:
        'Needs the private token from the report. Answers 404 with the same message for an unknown reference, a wrong token and a missing token. ' +
        'Holds no reporter data, description or staff notes.',
      tags: ['concerns'],
      request: { params: referenceParams, query: publicStatusQuery },
      responses: { 200: { description: 'Status, outcome and history', schema: publicStatus }, 404: { description: STATUS_NOT_FOUND } },
      handler: async ({ params, query }, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        const row = await findPublicConcern(knex, params.reference);
        const matches = tokenMatches(query.token ?? '', row?.token_hashes ?? [DUMMY_TOKEN_HASH]);
        if (!row || !query.token || !matches) throw notFound(STATUS_NOT_FOUND);
        res.json({
          reference: row.reference,
          category: row.category,
          status: row.status,
          statusLabel: STATUS_LABEL[row.status],
          outcome: row.outcome,
          outcomeNote: row.outcome_note,
          createdAt: new Date(row.created_at).toISOString(),
          updatedAt: new Date(row.updated_at).toISOString(),
          history: await statusHistory(knex, row.id),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/staff/concerns',
      summary: 'Concerns for triage, newest first, as JSON, GeoJSON or CSV',
      description: 'Lists carry no reporter contact (only whether there is one); the single-concern view has it.',
      tags: ['concerns'],
      request: { query: staffListQuery },
      responses: {
        200: { description: 'The matching concerns', schema: staffList, contentTypes: ['application/geo+json', 'text/csv'] },
        400: errorBody,
      },
      handler: async ({ query }: { query: StaffListQuery }, _req, res) => {
        // The query's filter fields are the list filters (format, limit and offset are not read).
        const filters: ConcernListFilters = query;
        const matched = await countConcerns(knex, filters);
        if (query.format === 'csv') {
          res.setHeader('X-Total-Count', String(matched));
          const batches =
            query.limit === undefined && query.offset === 0
              ? concernBatches(knex, filters)
              : (async function* () {
                  yield await listConcerns(knex, filters, { limit: query.limit, offset: query.offset });
                })();
          await sendCsv(res, 'concerns.csv', csvStream(CONCERN_CSV_HEADERS, concernCsvValues, batches));
          return;
        }
        const rows = await listConcerns(knex, filters, { limit: query.limit ?? STAFF_LIST_LIMIT.default, offset: query.offset });
        if (query.format === 'geojson') {
          res.type('application/geo+json').json({
            type: 'FeatureCollection',
            numberMatched: matched,
            numberReturned: rows.length,
            features: rows.map((row) => {
              const geometry = geometryOf(row);
              return { type: 'Feature', id: row.reference, geometry, properties: staffListItem(row, geometry) };
            }),
          });
          return;
        }
        const concerns = rows.map((row) => {
          const geometry = geometryOf(row);
          return { ...staffListItem(row, geometry), geometry };
        });
        res.json({ numberMatched: matched, numberReturned: rows.length, concerns });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/staff/concerns/:reference',
      summary: 'One concern with the reporter contact, duplicates, nearby concerns and every change',
      tags: ['concerns'],
      request: { params: referenceParams },
      responses: { 200: { description: 'The concern', schema: staffDetailSchema }, 404: { description: 'No concern has that reference' } },
      handler: async ({ params }, _req, res) => {
        const row = await findConcern(knex, params.reference);
        if (!row) throw notFound(`No concern has the reference "${params.reference}".`);
        res.setHeader('Cache-Control', 'no-store');
        res.json(await staffDetail(knex, row));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/staff/concerns/:reference',
      summary: 'Triage a concern: status, outcome, duplicate link, note',
      description:
        'Statuses run received → triaged → awaiting_speed_data → assessed → outcome → closed: forward to any later one, back one step with a note; ' +
        'anything else is a 409 naming the allowed next statuses. An outcome goes with status outcome (given alone, it moves the concern there); ' +
        'no_action needs outcomeNote, the reason the reporter sees. duplicateOf links this concern to another (not itself, no cycles). ' +
        'Every change is recorded with who made it and the values before and after; the reporter, if they gave an email, is told of status and outcome changes.',
      tags: ['concerns'],
      request: { params: referenceParams, body: triageBody },
      responses: {
        200: { description: 'The concern after the change', schema: staffDetailSchema },
        400: errorBody,
        404: { description: 'No concern has that reference' },
        409: { description: 'The status move is not allowed (the message names the allowed next statuses), or the duplicate link would make a cycle' },
      },
      handler: async ({ params, body }, req, res) => {
        const result = await applyTriage(knex, params.reference, body, currentUser(req).email);
        if (result.reporterEmail && (result.statusChanged || result.outcomeChanged)) {
          const token = await issueStatusToken(knex, result.concernId);
          const { status, outcome, outcomeNote } = result.after;
          await mailReporter(
            ctx,
            result.reporterEmail,
            updateMessage(params.reference, status, outcome, outcomeNote, statusLink(ctx.config, ctx.logger, params.reference, token)),
            params.reference,
          );
        }
        const row = await findConcern(knex, params.reference);
        if (!row) throw notFound(`No concern has the reference "${params.reference}".`);
        res.json(await staffDetail(knex, row));
      },
    }),
  ];
}
