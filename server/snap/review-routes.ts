import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { currentUser } from '../auth/guard.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import {
  approveCourt,
  auditDisclosure,
  auditMediaView,
  casePage,
  claimCase,
  DECISION_OUTCOMES,
  mediaFileOf,
  recordDecision,
  releaseCase,
  reviewQueue,
  type MediaFile,
  type Reviewer,
} from './review.ts';
import { NO_FURTHER_ACTION_REASONS } from './states.ts';
import { FootageMissingError, type ByteRange } from './storage/footage-store.ts';
import { snapUploadsFor } from './uploads/service.ts';

/**
 * Operation Snap, the reviewers' routes: the queue, claim and release, the case page, decisions and
 * court approval, and the footage (played with range requests, or the original downloaded with a
 * reason, logged as a disclosure). Roles are in server/access.ts: reviewer, decision_maker and
 * supervisor only; admin (configuration) and auditor (logs) never reach a case or its footage.
 */

const referenceParams = z.object({ reference: z.string().max(40).openapi({ example: 'SNAP-2026-000123' }) });
const mediaParams = referenceParams.extend({ fileId: z.coerce.number().int().positive().openapi({ example: 12 }) });

const decisionBody = z.object({
  outcome: z.enum(DECISION_OUTCOMES),
  reasonCode: z.enum(NO_FURTHER_ACTION_REASONS).optional().openapi({ description: 'Required with no_further_action' }),
  notes: z.string().max(5000).optional().openapi({ description: 'Staff only; never shown to the submitter or written to the audit log' }),
});
const approveBody = z.object({
  approve: z.boolean().default(true).openapi({ description: 'false refuses the referral (the case stays where it is)' }),
  notes: z.string().max(5000).optional(),
});
const originalQuery = z.object({
  reason: z
    .string({ error: 'required: why the original is being downloaded (recorded as a disclosure)' })
    .trim()
    .min(1, { message: 'required: why the original is being downloaded (recorded as a disclosure)' })
    .max(1000),
});

const claimSchema = z.object({ reference: z.string(), state: z.string(), claimedBy: z.number().nullable() });
const decisionSchema = z.object({
  reference: z.string(),
  state: z.string(),
  decision: z.object({ id: z.number(), outcome: z.string(), reasonCode: z.string().nullable(), status: z.string() }),
});

const caseResponses = {
  401: { description: 'Not signed in' },
  403: { description: 'Not a reviewer, decision maker or supervisor' },
  404: { description: 'No such case' },
};

const reviewerOf = (req: Request): Reviewer => currentUser(req);

/** File name safe for Content-Disposition (ASCII fallback plus RFC 5987). */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  ts: 'video/mp2t',
  mts: 'video/mp2t',
};
const contentTypeOf = (name: string) => CONTENT_TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/**
 * Sends a stored file with HTTP range support: 206 + Content-Range for one satisfiable range, 416 for
 * an unsatisfiable one, 200 for none (or several ranges, or a malformed header). Returns the range
 * sent (for the audit entry) or null for the whole file; `before` runs once the answer is known
 * (the audit entry is written before any byte leaves).
 */
async function sendStored(
  ctx: AppContext,
  req: Request,
  res: Response,
  key: string,
  headers: { contentType: string; disposition: string },
  before: (range: string | null) => Promise<void>,
): Promise<void> {
  const { store } = await snapUploadsFor(ctx);
  const stat = await store.stat(key);
  if (!stat) throw new HttpError(404, 'not_found', 'The stored file is missing. Report this: the case needs an integrity check.');
  const size = stat.sizeBytes;
  const parsed = req.headers.range ? req.range(size, { combine: true }) : undefined;
  if (parsed === -1) {
    res.status(416).setHeader('Content-Range', `bytes */${size}`);
    res.json({ error: 'range_not_satisfiable', message: `The file has ${size} bytes.` });
    return;
  }
  const range: ByteRange | null = Array.isArray(parsed) && parsed.type === 'bytes' && parsed.length === 1 ? { start: parsed[0]!.start, end: parsed[0]!.end } : null;
  const rangeText = range ? `${range.start}-${range.end}` : null;
  await before(rangeText);
  let body;
  try {
    body = range ? await store.read(key, range) : await store.read(key);
  } catch (err) {
    if (err instanceof FootageMissingError) throw new HttpError(404, 'not_found', 'The stored file is missing.');
    throw err;
  }
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', headers.contentType);
  res.setHeader('Content-Disposition', headers.disposition);
  res.setHeader('Cache-Control', 'private, no-store');
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(size));
  }
  if (req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  await pipeline(body, res).catch((err: unknown) => {
    // A player that seeks closes its connection mid-stream: not an error worth more than a debug line.
    if (res.destroyed || res.writableEnded) ctx.logger.debug({ err }, 'footage stream ended early');
    else throw err;
  });
}

export function snapReviewRoutes(ctx: AppContext): AnyRoute[] {
  const knex = ctx.db.knex;
  return [
    defineRoute({
      method: 'get',
      path: '/api/snap/queue',
      summary: 'The reviewers’ queue: cases waiting for review, most urgent last posting date first',
      description: 'Counts due today, at risk (last posting date within two working days) and missed. No submitter or driver details.',
      tags: ['snap-review'],
      responses: { 200: { description: 'The queue' }, 401: caseResponses[401], 403: caseResponses[403] },
      handler: async (_input, _req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await reviewQueue(knex));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/snap/cases/:reference',
      summary: 'A case: incident, statement, vehicle, files with their hashes, stages, decisions and related cases',
      description: 'Recorded in the audit log as `case.viewed`.',
      tags: ['snap-review'],
      request: { params: referenceParams },
      responses: { 200: { description: 'The case' }, ...caseResponses },
      handler: async ({ params }, req, res) => {
        res.setHeader('Cache-Control', 'no-store');
        res.json(await casePage(knex, params.reference, reviewerOf(req)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/cases/:reference/claim',
      summary: 'Claim a case (submitted → in triage)',
      tags: ['snap-review'],
      request: { params: referenceParams },
      responses: { 200: { description: 'Claimed', schema: claimSchema }, ...caseResponses, 409: { description: 'Claimed by someone else, or not waiting for review' } },
      handler: async ({ params }, req, res) => {
        res.json(await claimCase(knex, params.reference, reviewerOf(req)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/cases/:reference/release',
      summary: 'Release a claimed case back to the queue (in triage → submitted)',
      description: 'The holder, or a supervisor.',
      tags: ['snap-review'],
      request: { params: referenceParams },
      responses: { 200: { description: 'Released', schema: claimSchema }, ...caseResponses, 409: { description: 'Not claimed, or claimed by someone else' } },
      handler: async ({ params }, req, res) => {
        res.json(await releaseCase(knex, params.reference, reviewerOf(req)));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/cases/:reference/decision',
      summary: 'Record a decision',
      description:
        'A reviewer may record no further action (with a reason code); decision makers and supervisors any outcome. ' +
        'A decision maker’s court referral is stored awaiting a supervisor’s approval (202) and the case does not move until approved.',
      tags: ['snap-review'],
      request: { params: referenceParams, body: decisionBody },
      responses: {
        200: { description: 'Decided', schema: decisionSchema },
        202: { description: 'Court referral waiting for a supervisor’s approval', schema: decisionSchema },
        400: { description: 'Invalid body, or no reason code for no further action' },
        ...caseResponses,
        409: { description: 'Not a legal move from the case’s state, or claimed by someone else' },
      },
      handler: async ({ params, body }, req, res) => {
        const answer = await recordDecision(knex, params.reference, reviewerOf(req), body);
        res.status(answer.decision.status === 'awaiting_approval' ? 202 : 200).json(answer);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/snap/cases/:reference/approve-court',
      summary: 'A supervisor approves (or refuses) the court referral waiting on a case',
      tags: ['snap-review'],
      request: { params: referenceParams, body: approveBody },
      responses: { 200: { description: 'Approved or refused', schema: decisionSchema }, ...caseResponses, 409: { description: 'No referral waiting' } },
      handler: async ({ params, body }, req, res) => {
        res.json(await approveCourt(knex, params.reference, reviewerOf(req), body));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/snap/cases/:reference/media/:fileId',
      summary: 'Play a file: the browser-playable viewing copy if one was made, else the original (HTTP range requests)',
      description: 'Recorded as `media.viewed` (one entry per person and file every 15 minutes of seeking).',
      tags: ['snap-review'],
      request: { params: mediaParams },
      responses: {
        200: { description: 'The whole file', contentTypes: ['video/mp4', 'application/octet-stream'] },
        206: { description: 'The requested byte range (Content-Range)', contentTypes: ['video/mp4', 'application/octet-stream'] },
        416: { description: 'Range not satisfiable' },
        ...caseResponses,
      },
      handler: async ({ params }, req, res) => {
        const user = reviewerOf(req);
        const file: MediaFile = await mediaFileOf(knex, params.reference, params.fileId);
        const viewing = file.viewingKey !== null;
        const key = file.viewingKey ?? file.originalKey;
        await sendStored(
          ctx,
          req,
          res,
          key,
          { contentType: viewing ? 'video/mp4' : contentTypeOf(file.name), disposition: disposition('inline', viewing ? `${file.fileId}.mp4` : file.name) },
          (range) => auditMediaView(knex, params.reference, file, user, { copy: viewing ? 'viewing' : 'original', range }),
        );
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/snap/cases/:reference/media/:fileId/original',
      summary: 'Download the original file, with a reason (recorded as a disclosure)',
      description: '`reason` is required and is stored as the justification of a `media.disclosed` audit entry. Range requests are honoured (each is recorded).',
      tags: ['snap-review'],
      request: { params: mediaParams, query: originalQuery },
      responses: {
        200: { description: 'The original, byte for byte', contentTypes: ['application/octet-stream'] },
        206: { description: 'The requested byte range', contentTypes: ['application/octet-stream'] },
        400: { description: 'No reason given' },
        ...caseResponses,
      },
      handler: async ({ params, query }, req, res) => {
        const user = reviewerOf(req);
        const file = await mediaFileOf(knex, params.reference, params.fileId);
        res.setHeader('X-Content-SHA256', file.sha256 ?? '');
        await sendStored(
          ctx,
          req,
          res,
          file.originalKey,
          { contentType: 'application/octet-stream', disposition: disposition('attachment', file.name) },
          (range) => auditDisclosure(knex, params.reference, file, user, query.reason, range),
        );
      },
    }),
  ];
}
