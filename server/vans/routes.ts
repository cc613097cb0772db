import type { Knex } from 'knex';
import { monthCalendar } from '../../geo/calendar/month.ts';
import { currentUser } from '../auth/guard.ts';
import type { AppContext } from '../context.ts';
import { bumpDataVersion } from '../db/data-versions.ts';
import { conflict, invalidRequest, notFound, type FieldError } from '../http/errors.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { z } from '../http/zod.ts';
import {
  calendarDayView,
  calendarQuery,
  newVanBody,
  shiftCodeParams,
  shiftTemplateBody,
  shiftTemplateView,
  unavailabilityBody,
  unavailabilityIdParams,
  unavailabilityView,
  vanBaseView,
  vanIdParams,
  vanPatchBody,
  vanView,
  type NewVanBody,
  type ShiftTemplateBody,
  type UnavailabilityBody,
  type VanPatchBody,
} from './schemas.ts';
import { findVan, listShiftTemplates, listVanBases, listVans, upsertShiftTemplate } from './store.ts';

const errorBody = { description: 'See `message` (and `errors` for each field)' };

/** The base and shift codes a van refers to must exist; each problem names its field and value. */
async function referenceProblems(knex: Knex, body: { baseId?: number; shiftCodes?: string[] }): Promise<FieldError[]> {
  const problems: FieldError[] = [];
  if (body.baseId !== undefined && !(await knex('van_bases').where({ id: body.baseId }).first('id'))) {
    problems.push({ field: 'body.baseId', code: 'unknown_base', message: `no van base has id ${body.baseId}; see GET /api/van-bases` });
  }
  if (body.shiftCodes?.length) {
    const known = new Set((await knex('shift_templates').select('code')).map((r: { code: string }) => r.code));
    body.shiftCodes.forEach((code, i) => {
      if (!known.has(code)) {
        problems.push({
          field: `body.shiftCodes.${i}`,
          code: 'unknown_shift',
          message: `no shift template "${code}"; known: ${[...known].sort().join(', ') || 'none yet (PUT /api/shift-templates/:code)'}`,
        });
      }
    });
  }
  return problems;
}

/** A second van with the same call sign answers 409 naming the holder. */
async function assertCallSignFree(knex: Knex, callSign: string, exceptId?: number): Promise<void> {
  const holder = await knex('vans')
    .whereRaw('lower(call_sign) = lower(?)', [callSign])
    .modify((q) => (exceptId === undefined ? q : q.whereNot('id', exceptId)))
    .first('id', 'call_sign');
  if (holder) throw conflict(`Call sign "${callSign}" is already used by van ${holder.id} (${holder.call_sign}).`);
}

/** Vans, their bases and availability, shift templates, and the month's calendar. */
export function vanRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  const area = { lat: ctx.config.AREA_LATITUDE, lon: ctx.config.AREA_LONGITUDE };

  return [
    defineRoute({
      method: 'get',
      path: '/api/vans',
      summary: 'Camera vans with their base, shifts and unavailability',
      tags: ['vans'],
      responses: { 200: { description: 'Every van, inactive ones too, by call sign', schema: z.object({ vans: z.array(vanView) }) } },
      handler: async (_input, _req, res) => {
        res.json({ vans: await listVans(knex) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/vans',
      summary: 'Add a camera van',
      description: 'A unique call sign, a base (GET /api/van-bases), optionally a crew name and the shift templates it works (empty = all).',
      tags: ['vans'],
      request: { body: newVanBody },
      responses: {
        201: { description: 'Added', schema: z.object({ van: vanView }) },
        400: errorBody,
        409: { description: 'The call sign is already used' },
      },
      handler: async ({ body }: { body: NewVanBody }, req, res) => {
        // The write and its data version commit together (a racing duplicate call sign fails the insert: 409).
        const row = await knex.transaction(async (trx) => {
          const problems = await referenceProblems(trx, body);
          if (problems.length) throw invalidRequest(problems);
          await assertCallSignFree(trx, body.callSign);
          const [inserted] = await trx('vans')
            .insert({ call_sign: body.callSign, base_id: body.baseId, crew: body.crew, shift_codes: body.shiftCodes, active: body.active })
            .returning('id');
          await bumpDataVersion(trx, 'vans');
          return inserted as { id: number };
        });
        req.log?.info({ vanId: row.id, callSign: body.callSign, by: currentUser(req).id }, 'van added');
        res.status(201).json({ van: await findVan(knex, Number(row.id)) });
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/vans/:id',
      summary: 'Change a camera van (call sign, base, crew, shifts, active)',
      description: 'An inactive van keeps its history but is not planned.',
      tags: ['vans'],
      request: { params: vanIdParams, body: vanPatchBody },
      responses: {
        200: { description: 'Changed', schema: z.object({ van: vanView }) },
        400: errorBody,
        404: { description: 'No such van' },
        409: { description: 'The call sign is already used' },
      },
      handler: async ({ params, body }: { params: { id: number }; body: VanPatchBody }, req, res) => {
        const change: Record<string, unknown> = {};
        if (body.callSign !== undefined) change.call_sign = body.callSign;
        if (body.baseId !== undefined) change.base_id = body.baseId;
        if (body.crew !== undefined) change.crew = body.crew;
        if (body.shiftCodes !== undefined) change.shift_codes = body.shiftCodes;
        if (body.active !== undefined) change.active = body.active;
        await knex.transaction(async (trx) => {
          if (!(await trx('vans').where({ id: params.id }).first('id'))) throw notFound(`No van with id ${params.id}.`);
          const problems = await referenceProblems(trx, body);
          if (problems.length) throw invalidRequest(problems);
          if (body.callSign !== undefined) await assertCallSignFree(trx, body.callSign, params.id);
          await trx('vans').where({ id: params.id }).update(change);
          await bumpDataVersion(trx, 'vans');
        });
        req.log?.info({ vanId: params.id, changed: Object.keys(change), by: currentUser(req).id }, 'van changed');
        res.json({ van: await findVan(knex, params.id) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/van-bases',
      summary: 'Van bases (where shifts start and end)',
      tags: ['vans'],
      responses: { 200: { description: 'Every base, by name; lon/lat in WGS84', schema: z.object({ bases: z.array(vanBaseView) }) } },
      handler: async (_input, _req, res) => {
        res.json({ bases: await listVanBases(knex) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/vans/:id/unavailability',
      summary: 'Record days a van cannot work (maintenance, leave, training)',
      description: 'Inclusive dates `fromDate` ≤ `toDate` (at most a year per record). The planner never schedules the van on these days.',
      tags: ['vans'],
      request: { params: vanIdParams, body: unavailabilityBody },
      responses: {
        201: { description: 'Recorded; the van as it now stands', schema: z.object({ unavailability: unavailabilityView, van: vanView }) },
        400: errorBody,
        404: { description: 'No such van' },
      },
      handler: async ({ params, body }: { params: { id: number }; body: UnavailabilityBody }, req, res) => {
        const row = await knex.transaction(async (trx) => {
          if (!(await trx('vans').where({ id: params.id }).first('id'))) throw notFound(`No van with id ${params.id}.`);
          const [inserted] = await trx('van_unavailability')
            .insert({ van_id: params.id, from_date: body.fromDate, to_date: body.toDate, reason: body.reason, note: body.note })
            .returning('id');
          await bumpDataVersion(trx, 'vans');
          return inserted as { id: number };
        });
        req.log?.info({ vanId: params.id, from: body.fromDate, to: body.toDate, reason: body.reason, by: currentUser(req).id }, 'van unavailability recorded');
        const van = (await findVan(knex, params.id))!;
        res.status(201).json({ unavailability: van.unavailability.find((u) => u.id === Number(row.id)), van });
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/van-unavailability/:id',
      summary: 'Remove an unavailability record (the van can be planned on those days again)',
      tags: ['vans'],
      request: { params: unavailabilityIdParams },
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such record' } },
      handler: async ({ params }: { params: { id: number } }, req, res) => {
        await knex.transaction(async (trx) => {
          const deleted = await trx('van_unavailability').where({ id: params.id }).delete();
          if (!deleted) throw notFound(`No van unavailability record with id ${params.id}.`);
          await bumpDataVersion(trx, 'vans');
        });
        req.log?.info({ unavailabilityId: params.id, by: currentUser(req).id }, 'van unavailability removed');
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/shift-templates',
      summary: 'Shift templates (e.g. early, late, weekend)',
      tags: ['vans'],
      responses: { 200: { description: 'Every template, by start time', schema: z.object({ shifts: z.array(shiftTemplateView) }) } },
      handler: async (_input, _req, res) => {
        res.json({ shifts: await listShiftTemplates(knex) });
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/shift-templates/:code',
      summary: 'Create or replace a shift template',
      description:
        'Local (Europe/London) start and end `HH:MM`; an end earlier than the start means the shift ends the next day. ' +
        '`weekdays` are ISO (1 = Monday … 7 = Sunday); `bankHolidays` false keeps it off England and Wales bank holidays.',
      tags: ['vans'],
      request: { params: shiftCodeParams, body: shiftTemplateBody },
      responses: {
        200: { description: 'Replaced', schema: z.object({ shift: shiftTemplateView }) },
        201: { description: 'Created', schema: z.object({ shift: shiftTemplateView }) },
        400: errorBody,
      },
      handler: async ({ params, body }: { params: { code: string }; body: ShiftTemplateBody }, req, res) => {
        const shift = { code: params.code, ...body };
        const created = await knex.transaction(async (trx) => {
          const isNew = await upsertShiftTemplate(trx, shift);
          await bumpDataVersion(trx, 'vans');
          return isNew;
        });
        req.log?.info({ shift: params.code, created, by: currentUser(req).id }, 'shift template saved');
        res.status(created ? 201 : 200).json({ shift });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/calendar',
      summary: "The month's calendar: bank holidays, sunrise and sunset, clock changes",
      description:
        'England and Wales bank holidays (substitute days and one-offs included); sunrise and sunset at the area centre ' +
        '(AREA_LATITUDE, AREA_LONGITUDE) as ISO instants with offset; the UTC offset at local noon (0 GMT, 60 BST).',
      tags: ['vans'],
      request: { query: calendarQuery },
      responses: {
        200: {
          description: 'One entry per day',
          schema: z.object({ month: z.string(), area: z.object({ lat: z.number(), lon: z.number() }), days: z.array(calendarDayView) }),
        },
        400: errorBody,
      },
      handler: async ({ query }: { query: { month: string } }, _req, res) => {
        res.json({ month: query.month, area, days: monthCalendar(query.month, area) });
      },
    }),
  ];
}
