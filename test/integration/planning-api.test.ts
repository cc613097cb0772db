import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREA_ZONE } from '../../geo/calendar/time.ts';
import { planListResponse, planViewSchema, publicSiteListSchema, routesResponse } from '../../server/planning/schemas.ts';
import { useTestApp } from '../support/app.ts';
import { runCliOn } from '../support/capture.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { comingMonth, createRegister, FYLDE, PRESTON, type TestRegister } from './planning-fixtures.ts';

interface Session {
  id: number;
  vanId: number;
  vanCallSign: string;
  date: string;
  shift: string;
  order: number;
  siteId: number;
  siteText: string;
  districtCode: string;
  arrive: string;
  depart: string;
  fallbackSiteIds: number[];
  status: string;
  reason: string;
  delivered: null | { hoursDelivered: number };
}
interface Plan {
  id: number;
  month: string;
  version: number;
  seed: number;
  status: string;
  travelMode: string;
  sessions: Session[];
  metrics: { sessions: number; targets: Record<string, { met: boolean }> } | null;
  violations: Array<{ kind: string; message: string }>;
  allocation: unknown[];
  notes: string[];
  excludedSites: Array<{ siteId: number; reason: string }>;
  error: string | null;
  approvedBy: string | null;
  publishedBy: string | null;
  supersedesPlanId: number | null;
  correctionReason: string | null;
  progress: unknown;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;

describe.each(testTargets())('monthly van plans on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planning-api-'));
  const t = useTestApp(target, { DATA_DIR: dataDir });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const month = comingMonth();

  let register: TestRegister;
  let planner: StaffClient;
  /** Holds both planner and supervisor roles: may approve, but then must not publish the same plan. */
  let plannerSupervisor: StaffClient;
  let supervisor: StaffClient;
  let plan: Plan;
  /** The version-1 draft the command line made with seed 4242 (no violations). */
  let cliPlanId: number;

  const get = (url: string, client: StaffClient | null = planner) => fetch(`${t.app.url}${url}`, { headers: client?.headers() ?? {} });
  const send = async (method: string, url: string, body: unknown, client: StaffClient) => {
    const res = await fetch(`${t.app.url}${url}`, { method, headers: client.headers({ csrf: true, json: true }), body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = (url: string, body: unknown, client = planner) => send('POST', url, body, client);
  const getPlan = async (id: number) => (await (await get(`/api/plans/${id}`)).json()) as Plan;
  const waitForPlan = async (id: number) => {
    for (let i = 0; i < 600; i++) {
      const p = await getPlan(id);
      if (p.status !== 'generating') return p;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`plan ${id} still generating`);
  };
  const comparable = (sessions: Session[]) => sessions.map(({ vanId, date, shift, order, siteId, arrive, depart, fallbackSiteIds }) => ({ vanId, date, shift, order, siteId, arrive, depart, fallbackSiteIds }));

  beforeAll(async () => {
    register = await createRegister(t.db.knex, month);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'both@roadsafe.example.org', ['planner', 'supervisor']);
    await createStaff(t.db.knex, 'supervisor@roadsafe.example.org', ['supervisor']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    plannerSupervisor = await signIn(t.app.url, 'both@roadsafe.example.org');
    supervisor = await signIn(t.app.url, 'supervisor@roadsafe.example.org');
  });

  it('refuses a plan request with a bad month or option, naming the field', async () => {
    const res = await post('/api/plans', { month: '2026-13', options: { sessionMinutes: 5 } });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.month', 'body.options.sessionMinutes']));
  });

  it('generates a plan in the background and answers with a draft whose sessions carry ISO times with offsets', async () => {
    const res = await post('/api/plans', { month, seed: 4242 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'generating', jobId: expect.any(Number) });
    plan = await waitForPlan(res.body.id as number);
    expect(plan.error).toBeNull();
    expect(plan).toMatchObject({ month, version: 1, seed: 4242, status: 'draft', travelMode: 'straight_line', progress: null });
    expect(plan.notes).toContain('No road network loaded: travel times are straight-line distance × 1.3 at 48 km/h');
    expect(plan.sessions.length).toBeGreaterThan(10);
    for (const s of plan.sessions) {
      expect(s.arrive).toMatch(ISO_WITH_OFFSET);
      expect(s.depart).toMatch(ISO_WITH_OFFSET);
      expect(s.date.startsWith(month)).toBe(true);
      expect(s.status).toBe('planned');
      expect(['VAN-01', 'VAN-02']).toContain(s.vanCallSign);
      expect(s.siteText).toMatch(/^A\d+ Test Road \d+, from Lane/);
    }
    expect(plan.violations).toEqual([]);
    expect(plan.metrics?.sessions).toBe(plan.sessions.length);
  });

  it('never schedules a suspended site or one whose risk assessment has expired, and says why they were left out', () => {
    const scheduled = new Set(plan.sessions.map((s) => s.siteId));
    expect(scheduled.has(register.suspended.id)).toBe(false);
    expect(scheduled.has(register.expired.id)).toBe(false);
    expect(plan.excludedSites.map((e) => e.siteId)).toEqual(expect.arrayContaining([register.suspended.id, register.expired.id]));
  });

  it('gives the same sessions for the same seed from the command line, printed as GET /api/plans/:id shows them', async () => {
    const cli = await runCliOn(t.db, ['plan', 'generate', '--month', month, '--seed', '4242', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const printed = JSON.parse(cli.stdout) as Plan;
    cliPlanId = printed.id;
    expect(comparable(printed.sessions)).toEqual(comparable(plan.sessions));
    expect(printed).toEqual(await getPlan(printed.id));
    expect(cli.stderr).toMatch(/planning/);
  });

  it("draws each van shift's route of a day as one LineString with its stops", async () => {
    const date = plan.sessions[0]!.date;
    const res = await get(`/api/plans/${plan.id}/routes?date=${date}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { features: Array<{ geometry: { type: string; coordinates: number[][] }; properties: { mode: string; stops: Array<{ siteId: number }>; seconds: number } }> };
    const sameDay = plan.sessions.filter((s) => s.date === date);
    expect(body.features.length).toBe(new Set(sameDay.map((s) => `${s.vanId}|${s.shift}`)).size);
    for (const f of body.features) {
      expect(f.geometry.type).toBe('LineString');
      expect(f.geometry.coordinates.length).toBe(f.properties.stops.length + 2);
      expect(f.properties.mode).toBe('straight_line');
      expect(f.properties.seconds).toBeGreaterThan(0);
    }
    expect((await get(`/api/plans/${plan.id}/routes?date=1999-01-01`)).status).toBe(400);
  });

  it('answers the plan, the list and the routes in exactly the shapes /api/openapi.json documents', async () => {
    const strict = (schema: { safeParse(v: unknown): { error?: unknown } }, value: unknown) => expect(schema.safeParse(value).error).toBeUndefined();
    strict(planViewSchema, await (await get(`/api/plans/${plan.id}`)).json());
    strict(planListResponse, await (await get(`/api/plans?month=${month}`)).json());
    strict(routesResponse, await (await get(`/api/plans/${plan.id}/routes?date=${plan.sessions[0]!.date}`)).json());
    const doc = (await (await get('/api/openapi.json', null)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const ok = (path: string) => doc.paths[path]!.get!.responses['200']!.content!['application/json']!.schema.$ref;
    expect(ok('/api/plans/{id}')).toBe('#/components/schemas/Plan');
    expect(ok('/api/plans')).toBe('#/components/schemas/PlanList');
    expect(ok('/api/public/enforcement-sites')).toBe('#/components/schemas/PublicEnforcementSites');
    const { Plan: planDoc, PlanSession: sessionDoc, PublicEnforcementSites: publicDoc } = doc.components.schemas;
    expect(Object.keys(planDoc!.properties!)).toEqual(expect.arrayContaining(['id', 'month', 'version', 'seed', 'status', 'travelMode', 'options', 'progress', 'sessions', 'metrics', 'violations', 'allocation', 'notes', 'createdBy', 'approvedBy', 'approvedAt', 'publishedBy', 'publishedAt', 'supersedesPlanId', 'correctionReason']));
    expect(Object.keys(sessionDoc!.properties!).sort()).toEqual(['arrive', 'date', 'delivered', 'depart', 'districtCode', 'fallbackSiteIds', 'id', 'order', 'reason', 'shift', 'siteId', 'siteText', 'status', 'vanCallSign', 'vanId']);
    expect(JSON.stringify(publicDoc)).toMatch(/"siteId".*"category".*"text".*"roadNumber".*"speedLimit".*"locality".*"geometry"/);
    expect(JSON.stringify(publicDoc)).not.toMatch(/"(date|arrive|depart|shift|vanId)"/);
  });

  it('requires a reason for every edit', async () => {
    const res = await post(`/api/plans/${plan.id}/edits`, { action: 'cancel', sessionId: plan.sessions[0]!.id });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toMatch(/body.reason/);
  });

  it('shows the violations of an edit that breaks the minimum gap, logs it with its reason, and then refuses approval', async () => {
    const cli = await runCliOn(t.db, ['plan', 'generate', '--month', month, '--seed', '7', '--json']);
    const other = JSON.parse(cli.stdout) as Plan;
    // Two sessions a day or two apart at different sites: swapping the later one to the earlier one's site breaks the 3-day gap.
    const pair = other.sessions
      .flatMap((a) => other.sessions.filter((b) => b.siteId !== a.siteId && b.date > a.date && Date.parse(b.date) - Date.parse(a.date) <= 2 * 86_400_000).map((b) => [a, b] as const))
      .at(0);
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    const res = await post(`/api/plans/${other.id}/edits`, { action: 'swap', sessionId: b.id, siteId: a.siteId, reason: 'crew asked for a site near the depot' });
    expect(res.status).toBe(200);
    const edited = res.body.plan as Plan;
    expect(edited.violations.some((v) => v.kind === 'min_gap')).toBe(true);
    expect(edited.sessions.find((s) => s.id === b.id)?.siteId).toBe(a.siteId);
    const approve = await post(`/api/plans/${other.id}/approve`, {});
    expect(approve.status).toBe(409);
    expect(approve.body.message).toMatch(/violation/);
    const events = (await (await get(`/api/plans/${other.id}/events`)).json()) as { events: Array<{ action: string; reason: string; before: { siteId: number }; after: { siteId: number } }> };
    expect(events.events.find((e) => e.action === 'swap')).toMatchObject({ reason: 'crew asked for a site near the depot', before: { siteId: b.siteId }, after: { siteId: a.siteId } });
    // Approval re-runs the checker on the stored inputs and sessions rather than trusting the stored list, and stores the fresh one.
    await t.db.knex('plans').where({ id: other.id }).update({ violations: '[]' });
    const again = await post(`/api/plans/${other.id}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/min_gap/);
    expect((await getPlan(other.id)).violations.some((v) => v.kind === 'min_gap')).toBe(true);
  });

  it('gives each edit action its own fields and names the field of an edit that does not fit the plan', async () => {
    const s = plan.sessions.find((x) => x.status === 'planned')!;
    const edit = (body: Record<string, unknown>) => post(`/api/plans/${plan.id}/edits`, { reason: 'field test', ...body });
    const fieldsOf = (res: { body: Record<string, unknown> }) => (res.body.errors as Array<{ field: string; message: string }>).map((e) => e.field);
    // Fields an action does not take are refused, not ignored.
    const extra = await edit({ action: 'cancel', sessionId: s.id, siteId: register.sites[0]!.id });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.errors)).toMatch(/siteId/);
    const missing = await edit({ action: 'add', vanId: s.vanId, date: s.date, shift: s.shift });
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing)).toContain('body.siteId');
    const noSession = await edit({ action: 'swap', siteId: register.sites[0]!.id });
    expect(fieldsOf(noSession)).toContain('body.sessionId');
    expect(fieldsOf(await edit({ action: 'teleport', sessionId: s.id }))).toContain('body.action');
    // Values outside the plan: 422 naming each field.
    const van = await edit({ action: 'move', sessionId: s.id, vanId: 999_999 });
    expect(van.status).toBe(422);
    expect(fieldsOf(van)).toEqual(['body.vanId']);
    const shiftAndDate = await edit({ action: 'move', sessionId: s.id, shift: 'night', date: '2001-01-05' });
    expect(shiftAndDate.status).toBe(422);
    expect(fieldsOf(shiftAndDate).sort()).toEqual(['body.date', 'body.shift']);
    const site = await edit({ action: 'add', vanId: s.vanId, date: s.date, shift: s.shift, siteId: register.suspended.id });
    expect(site.status).toBe(422);
    expect(fieldsOf(site)).toEqual(['body.siteId']);
    expect((await edit({ action: 'cancel', sessionId: 999_999 })).status).toBe(404);
  });

  it('answers 422 with the reason when an added session cannot fit in the shift', async () => {
    const s = plan.sessions[0]!;
    const shiftSessions = plan.sessions.filter((x) => x.vanId === s.vanId && x.date === s.date && x.shift === s.shift);
    // Four two-hour sessions plus travel do not fit in a 7.5-hour shift.
    let res;
    for (let i = shiftSessions.length; i < 4; i++) {
      res = await post(`/api/plans/${plan.id}/edits`, { action: 'add', vanId: s.vanId, date: s.date, shift: s.shift, siteId: register.sites[(i + 3) % register.sites.length]!.id, reason: 'test capacity' });
      if (res.status === 422) break;
    }
    expect(res!.status).toBe(422);
    expect(res!.body.message).toMatch(/cannot be timed/);
  });

  it('cancels a session with a reason and keeps it listed as cancelled', async () => {
    // The adds above may have broken rules: regenerate a clean plan for the workflow tests.
    const res = await post('/api/plans', { month, seed: 99 });
    plan = await waitForPlan(res.body.id as number);
    const victim = plan.sessions.at(-1)!;
    const cancel = await post(`/api/plans/${plan.id}/edits`, { action: 'cancel', sessionId: victim.id, reason: 'van booked for a school event' });
    expect(cancel.status).toBe(200);
    plan = cancel.body.plan as Plan;
    expect(plan.sessions.find((s) => s.id === victim.id)?.status).toBe('cancelled');
    expect(plan.violations).toEqual([]);
  });

  it('publishes only an approved plan, and only by a second person with the supervisor role', async () => {
    expect((await post(`/api/plans/${plan.id}/publish`, {}, supervisor)).status).toBe(409);
    const approved = await post(`/api/plans/${plan.id}/approve`, {}, plannerSupervisor);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', approvedBy: 'both@roadsafe.example.org' });
    const self = await post(`/api/plans/${plan.id}/publish`, {}, plannerSupervisor);
    expect(self.status).toBe(403);
    expect(self.body.message).toMatch(/second person/);
    const published = await post(`/api/plans/${plan.id}/publish`, {}, supervisor);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', publishedBy: 'supervisor@roadsafe.example.org' });
    plan = published.body as unknown as Plan;
  });

  it('keeps a published plan immutable and refuses a new generation of its month', async () => {
    const edit = await post(`/api/plans/${plan.id}/edits`, { action: 'cancel', sessionId: plan.sessions[0]!.id, reason: 'try' });
    expect(edit.status).toBe(409);
    expect(edit.body.message).toMatch(/corrections/);
    expect((await post('/api/plans', { month })).status).toBe(409);
  });

  it('lists every scheduled site publicly, by district with names, and nothing that reveals a date, time, shift or van', async () => {
    const months = (await (await get('/api/public/enforcement-months', null)).json()) as { months: string[] };
    expect(months.months).toEqual([month]);
    const res = await get(`/api/public/enforcement-sites?month=${month}`, null);
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { month: string; districts: Array<{ code: string; name: string; sites: Array<Record<string, unknown>> }> };
    // Exactly the documented shape (strict: no field beyond it).
    expect(publicSiteListSchema.safeParse(body).error).toBeUndefined();
    expect(body.districts.map((d) => [d.code, d.name])).toEqual([
      [FYLDE, 'Fylde'],
      [PRESTON, 'Preston'],
    ]);
    const listed = new Set(body.districts.flatMap((d) => d.sites.map((s) => s.siteId as number)));
    for (const s of plan.sessions.filter((x) => x.status === 'planned')) expect(listed.has(s.siteId)).toBe(true);
    expect(listed.has(register.suspended.id)).toBe(false);
    for (const s of body.districts.flatMap((d) => d.sites)) {
      expect(Object.keys(s).sort()).toEqual(['category', 'geometry', 'locality', 'roadNumber', 'siteId', 'speedLimit', 'text']);
    }
    for (const s of plan.sessions) {
      expect(text).not.toContain(s.date);
      expect(text).not.toContain(s.arrive);
      expect(text).not.toContain(s.arrive.slice(11, 16));
    }
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|VAN-0|early|late|shift|vanId/i);
    const csv = await (await get(`/api/public/enforcement-sites?month=${month}&format=csv`, null)).text();
    expect(csv.split('\r\n').filter(Boolean).length).toBe(listed.size + 1);
    expect(csv).not.toMatch(/\d{4}-\d{2}-\d{2}|VAN-0/);
    const geojson = (await (await get(`/api/public/enforcement-sites?month=${month}&format=geojson`, null)).json()) as { features: unknown[] };
    expect(geojson.features.length).toBe(listed.size);
    expect((await get('/api/public/enforcement-sites?month=2001-01', null)).status).toBe(404);
  });

  it('exports the sessions as CSV, a van calendar as iCalendar and a printable tasking sheet', async () => {
    const planned = plan.sessions.filter((s) => s.status === 'planned');
    const csv = await (await get(`/api/plans/${plan.id}/export?format=csv`)).text();
    expect(csv.split('\r\n').filter(Boolean).length).toBe(plan.sessions.length + 1);
    const van = register.vans[0]!;
    const ics = await get(`/api/plans/${plan.id}/calendar?vanId=${van.id}`);
    expect(ics.headers.get('content-type')).toMatch(/text\/calendar/);
    const icsText = await ics.text();
    expect(icsText.match(/BEGIN:VEVENT/g)?.length).toBe(planned.filter((s) => s.vanId === van.id).length);
    expect(icsText).toContain('TZID=Europe/London');
    expect(icsText).toContain('BEGIN:VTIMEZONE');
    const first = planned.find((s) => s.fallbackSiteIds.length > 0)!;
    const html = await (await get(`/api/plans/${plan.id}/tasking?date=${first.date}&vanId=${first.vanId}`)).text();
    expect(html).toContain('@media print');
    expect(html).toContain(first.siteText.replaceAll('&', '&amp;'));
    expect(html).toContain(first.arrive.slice(11, 16));
    expect(html).toMatch(/Parking positions/);
    expect(html).toMatch(/Fallback sites/);
    expect(html).toMatch(/Travel back to base: \d+ min/);
  });

  it('refuses a return for a session whose day has not come yet', async () => {
    const future = plan.sessions.find((x) => x.status === 'planned')!;
    const ret = { hoursDelivered: 1.5, vehiclesChecked: 420, detections: { speeding: 12, seatBelt: 1, mobilePhone: 2, notInProperControl: 0 } };
    const res = await send('PUT', `/api/plan-sessions/${future.id}/return`, ret, supervisor);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(new RegExp(`Session ${future.id} is planned for ${future.date}, which has not come yet \\(today is \\d{4}-\\d{2}-\\d{2} in the UK\\)`));
  });

  it('records returns only for published sessions, validates them, and reports planned against delivered', async () => {
    const s = plan.sessions.find((x) => x.status === 'planned')!;
    // The plan is for next month: move this session to yesterday (UK), times and all, as if its day had come.
    const yesterday = DateTime.now().setZone(AREA_ZONE).minus({ days: 1 }).toISODate()!;
    const moveSession = (to: string) =>
      t.db.knex.raw(`UPDATE plan_sessions SET date = ?::date, arrive = arrive - (date - ?::date) * interval '1 day', depart = depart - (date - ?::date) * interval '1 day' WHERE id = ?`, [to, to, to, s.id]);
    await moveSession(yesterday);
    const ret = { hoursDelivered: 1.5, vehiclesChecked: 420, detections: { speeding: 12, seatBelt: 1, mobilePhone: 2, notInProperControl: 0 } };
    const bad = await send('PUT', `/api/plan-sessions/${s.id}/return`, { ...ret, hoursDelivered: -1 }, planner);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toMatch(/body.hoursDelivered/);
    const fallback = await send('PUT', `/api/plan-sessions/${s.id}/return`, { ...ret, usedFallback: true }, planner);
    expect(fallback.status).toBe(422); // well formed but inconsistent with the session (server/planning/returns.ts)
    expect(JSON.stringify(fallback.body.errors)).toMatch(/body.actualSiteId/);
    const ok = await send('PUT', `/api/plan-sessions/${s.id}/return`, ret, supervisor);
    expect(ok.status).toBe(200);
    expect(ok.body.delivered).toMatchObject({ hoursDelivered: 1.5, vehiclesChecked: 420, detections: ret.detections });
    const delivery = (await (await get(`/api/plans/${plan.id}/delivery`)).json()) as {
      totals: { deliveredHours: number; returnedSessions: number; plannedSessions: number };
      byOffence: Record<string, number>;
      bySite: Array<{ siteId: number; deliveredHours: number }>;
      byDistrict: Array<{ districtName: string }>;
      sessionsWithoutReturn: Array<{ sessionId: number }>;
    };
    expect(delivery.totals).toMatchObject({ deliveredHours: 1.5, returnedSessions: 1 });
    expect(delivery.byOffence).toEqual(ret.detections);
    expect(delivery.bySite.find((x) => x.siteId === s.siteId)?.deliveredHours).toBe(1.5);
    expect(delivery.sessionsWithoutReturn.length).toBe(delivery.totals.plannedSessions - 1);
    expect(delivery.byDistrict.map((d) => d.districtName).sort()).toEqual(['Fylde', 'Preston']);
    expect((await getPlan(plan.id)).sessions.find((x) => x.id === s.id)?.delivered).toMatchObject({ hoursDelivered: 1.5 });
    // A draft's sessions take no returns.
    const drafts = (await (await get(`/api/plans?month=${month}`)).json()) as { plans: Array<{ id: number; status: string }> };
    const draft = drafts.plans.find((p) => p.status === 'draft')!;
    const draftSession = (await getPlan(draft.id)).sessions[0]!;
    expect((await send('PUT', `/api/plan-sessions/${draftSession.id}/return`, ret, planner)).status).toBe(409);
    await moveSession(s.date); // back where the plan put it (its return stays)
  });

  it('corrects a published plan as a new draft version that supersedes it once published', async () => {
    expect((await post(`/api/plans/${plan.id}/corrections`, {})).status).toBe(400);
    const res = await post(`/api/plans/${plan.id}/corrections`, { reason: 'VAN-02 off the road for repairs' });
    expect(res.status).toBe(201);
    const correction = res.body as unknown as Plan;
    expect(correction).toMatchObject({ month, version: 2, status: 'draft', seed: plan.seed, supersedesPlanId: plan.id, correctionReason: 'VAN-02 off the road for repairs' });
    expect(comparable(correction.sessions)).toEqual(comparable(plan.sessions));
    // The crews' returns come along with their sessions, and a delivered session is not edited.
    const delivered = correction.sessions.filter((s) => s.delivered);
    expect(delivered.map((s) => s.delivered?.hoursDelivered)).toEqual([1.5]);
    expect(delivered[0]!.id).not.toBe((await getPlan(plan.id)).sessions.find((s) => s.delivered)!.id);
    const refused = await post(`/api/plans/${correction.id}/edits`, { action: 'cancel', sessionId: delivered[0]!.id, reason: 'van off the road' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/crew's return/);
    // Nor is a session whose day has passed.
    const past = correction.sessions.find((s) => s.status === 'planned' && !s.delivered)!;
    const yesterday = DateTime.now().setZone(AREA_ZONE).minus({ days: 1 }).toISODate()!;
    await t.db.knex('plan_sessions').where({ id: past.id }).update({ date: yesterday });
    const old = await post(`/api/plans/${correction.id}/edits`, { action: 'swap', sessionId: past.id, siteId: past.siteId, reason: 'try' });
    expect(old.status).toBe(409);
    expect(old.body.message).toMatch(/before today/);
    await t.db.knex('plan_sessions').where({ id: past.id }).update({ date: past.date });
    const victim = correction.sessions.find((s) => s.status === 'planned' && !s.delivered)!;
    expect((await post(`/api/plans/${correction.id}/edits`, { action: 'cancel', sessionId: victim.id, reason: 'van off the road' })).status).toBe(200);
    expect((await post(`/api/plans/${correction.id}/approve`, {})).status).toBe(200);
    // A correction may be published during its month too; this one is published before it.
    expect((await post(`/api/plans/${correction.id}/publish`, {}, supervisor)).status).toBe(200);
    expect((await getPlan(plan.id)).status).toBe('superseded');
    const list = (await (await get(`/api/plans?month=${month}`)).json()) as { plans: Array<{ id: number; status: string; version: number }> };
    expect(list.plans.filter((p) => p.status === 'published').map((p) => p.id)).toEqual([correction.id]);
    expect((await get(`/api/public/enforcement-sites?month=${month}`, null)).status).toBe(200);
  });

  it('refuses to publish another first version over the published plan: only a correction replaces it', async () => {
    expect((await post(`/api/plans/${cliPlanId}/approve`, {})).status).toBe(200);
    const res = await post(`/api/plans/${cliPlanId}/publish`, {}, supervisor);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/already has a published plan \(\d+\) and plan \d+ is not a correction of it/);
    expect((await getPlan(cliPlanId)).status).toBe('approved');
  });

  it('re-checks the live register and fleet at approval and publication, locks the plan, and needs a named approver', async () => {
    const list = (await (await get(`/api/plans?month=${month}`)).json()) as { plans: Array<{ id: number; status: string }> };
    const published = list.plans.find((p) => p.status === 'published')!;
    const res = await post(`/api/plans/${published.id}/corrections`, { reason: 'register changes' });
    expect(res.status).toBe(201);
    const draft = res.body as unknown as Plan;
    const s = draft.sessions.find((x) => x.status === 'planned' && !x.delivered)!;
    const reference = register.sites.find((r) => r.id === s.siteId)!.reference;
    const approve = () => post(`/api/plans/${draft.id}/approve`, {});

    // A suspension on the session's day.
    await t.db.knex('enforcement_sites').where({ id: s.siteId }).update({ suspensions: JSON.stringify([{ from: s.date, to: s.date, reason: 'roadworks' }]) });
    let refused = await approve();
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`site ${reference} on ${s.date}`);
    expect(refused.body.message).toMatch(/suspended that day/);
    await t.db.knex('enforcement_sites').where({ id: s.siteId }).update({ suspensions: '[]' });

    // The van off the road that day.
    const [absence] = (await t.db.knex('van_unavailability').insert({ van_id: s.vanId, from_date: s.date, to_date: s.date, reason: 'maintenance' }).returning('id')) as Array<{ id: number }>;
    refused = await approve();
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`van ${s.vanCallSign} on ${s.date}`);
    expect(refused.body.message).toMatch(/van unavailable that day/);
    await t.db.knex('van_unavailability').where({ id: absence!.id }).delete();

    // Two approvals at once: one wins, the other finds the plan approved.
    const both = await Promise.all([approve(), post(`/api/plans/${draft.id}/approve`, {}, plannerSupervisor)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);

    // A site retired after approval stops publication.
    await t.db.knex('enforcement_sites').where({ id: s.siteId }).update({ retired_at: t.db.knex.fn.now() });
    refused = await post(`/api/plans/${draft.id}/publish`, {}, supervisor);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`site ${reference} on ${s.date}`);
    expect(refused.body.message).toMatch(/retired/);
    await t.db.knex('enforcement_sites').where({ id: s.siteId }).update({ retired_at: null });

    // Without a recorded approver the second-person rule cannot hold.
    const { approved_by: approver } = (await t.db.knex('plans').where({ id: draft.id }).first('approved_by')) as { approved_by: number };
    await t.db.knex('plans').where({ id: draft.id }).update({ approved_by: null });
    refused = await post(`/api/plans/${draft.id}/publish`, {}, supervisor);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/no recorded approver/);
    await t.db.knex('plans').where({ id: draft.id }).update({ approved_by: approver });

    // Two publications at once: exactly one.
    const publishes = await Promise.all([post(`/api/plans/${draft.id}/publish`, {}, supervisor), post(`/api/plans/${draft.id}/publish`, {}, supervisor)]);
    expect(publishes.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await getPlan(published.id)).status).toBe('superseded');
    const events = (await (await get(`/api/plans/${draft.id}/events`)).json()) as { events: Array<{ action: string }> };
    expect(events.events.filter((e) => e.action === 'publish').length).toBe(1);
    expect(events.events.filter((e) => e.action === 'approve').length).toBe(1);
  });
});
