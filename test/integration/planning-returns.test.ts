import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREA_ZONE } from '../../geo/calendar/time.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { comingMonth, createRegister, type TestRegister } from './planning-fixtures.ts';

interface Session {
  id: number;
  date: string;
  siteId: number;
  status: string;
  fallbackSiteIds: number[];
}

/** A crew's return naming the site it used instead: it must be another site the plan allowed that day. */
describe.each(testTargets())('returns that used a fallback site on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planning-returns-'));
  const t = useTestApp(target, { DATA_DIR: dataDir });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const month = comingMonth();
  const ret = { hoursDelivered: 1.5, vehiclesChecked: 300, detections: { speeding: 9, seatBelt: 0, mobilePhone: 1, notInProperControl: 0 } };

  let register: TestRegister;
  let planner: StaffClient;
  let supervisor: StaffClient;
  let planId: number;
  let session: Session;
  let yesterday: string;

  const get = (url: string, client: StaffClient) => fetch(`${t.app.url}${url}`, { headers: client.headers() });
  const send = async (method: string, url: string, body: unknown, client: StaffClient) => {
    const res = await fetch(`${t.app.url}${url}`, { method, headers: client.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const putReturn = (body: unknown) => send('PUT', `/api/plan-sessions/${session.id}/return`, body, planner);
  /** Sites on the month's list other than the planned one. */
  const otherSites = () => register.sites.map((s) => s.id).filter((id) => id !== session.siteId);
  const fieldErrors = (body: Record<string, unknown>) => (body.errors as Array<{ field: string; code: string; message: string }>) ?? [];

  beforeAll(async () => {
    register = await createRegister(t.db.knex, month);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'supervisor@roadsafe.example.org', ['supervisor']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    supervisor = await signIn(t.app.url, 'supervisor@roadsafe.example.org');
    const started = await send('POST', '/api/plans', { month, seed: 21 }, planner);
    expect(started.status).toBe(202);
    planId = started.body.id as number;
    let sessions: Session[] = [];
    for (let i = 0; i < 600; i++) {
      const plan = (await (await get(`/api/plans/${planId}`, planner)).json()) as { status: string; sessions: Session[] };
      if (plan.status !== 'generating') {
        expect(plan.status).toBe('draft');
        sessions = plan.sessions;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await send('POST', `/api/plans/${planId}/approve`, {}, planner)).status).toBe(200);
    expect((await send('POST', `/api/plans/${planId}/publish`, {}, supervisor)).status).toBe(200);
    session = sessions.find((s) => s.status === 'planned')!;
    expect(session).toBeDefined();
    // The plan is for next month: move the session to yesterday (UK), as if its day had come.
    yesterday = DateTime.now().setZone(AREA_ZONE).minus({ days: 1 }).toISODate()!;
    await t.db.knex.raw(
      `UPDATE plan_sessions SET date = ?::date, arrive = arrive - (date - ?::date) * interval '1 day', depart = depart - (date - ?::date) * interval '1 day' WHERE id = ?`,
      [yesterday, yesterday, yesterday, session.id],
    );
  });

  it('answers 422 on body.actualSiteId when usedFallback names no site', async () => {
    const res = await putReturn({ ...ret, usedFallback: true });
    expect(res.status).toBe(422);
    expect(fieldErrors(res.body)).toEqual([expect.objectContaining({ field: 'body.actualSiteId', code: 'required' })]);
  });

  it('answers 422 on body.actualSiteId when the fallback is the planned site itself', async () => {
    const res = await putReturn({ ...ret, usedFallback: true, actualSiteId: session.siteId });
    expect(res.status).toBe(422);
    expect(fieldErrors(res.body)).toEqual([expect.objectContaining({ field: 'body.actualSiteId', code: 'same_as_planned' })]);
  });

  it("answers 422 on body.actualSiteId for a site not on the plan's list (suspended all month, or unknown)", async () => {
    for (const actualSiteId of [register.suspended.id, register.expired.id, 999_999]) {
      const res = await putReturn({ ...ret, usedFallback: true, actualSiteId });
      expect(res.status).toBe(422);
      expect(fieldErrors(res.body)).toEqual([expect.objectContaining({ field: 'body.actualSiteId', code: 'not_eligible' })]);
    }
  });

  it("answers 422 on body.actualSiteId for a listed site blocked on the session's date in the plan's snapshot", async () => {
    const blocked = otherSites()[0]!;
    // Block it that day in the snapshot only: the register still allows it, the plan did not.
    const row = (await t.db.knex('plans').where({ id: planId }).first('inputs')) as { inputs: { sites: Array<{ id: number; blockedDates: string[] }> } };
    row.inputs.sites.find((s) => s.id === blocked)!.blockedDates.push(yesterday);
    await t.db.knex('plans').where({ id: planId }).update({ inputs: JSON.stringify(row.inputs) });
    const res = await putReturn({ ...ret, usedFallback: true, actualSiteId: blocked });
    expect(res.status).toBe(422);
    expect(fieldErrors(res.body)).toEqual([expect.objectContaining({ field: 'body.actualSiteId', code: 'not_eligible' })]);
    expect(fieldErrors(res.body)[0]!.message).toContain(yesterday);
    expect(await t.db.knex('deployment_returns').where({ session_id: session.id }).first('session_id')).toBeUndefined();
  });

  it('answers 422 on body.usedFallback when another site is named without usedFallback', async () => {
    const res = await putReturn({ ...ret, actualSiteId: otherSites()[1] });
    expect(res.status).toBe(422);
    expect(fieldErrors(res.body).map((e) => e.field)).toEqual(['body.usedFallback']);
  });

  it('records a return at an eligible fallback site', async () => {
    // The session's fallback when it has one, else another site on the month's list.
    const actualSiteId = session.fallbackSiteIds.find((id) => id !== otherSites()[0]) ?? otherSites()[1]!;
    const res = await putReturn({ ...ret, usedFallback: true, actualSiteId });
    expect(res.status).toBe(200);
    expect(res.body.delivered).toMatchObject({ usedFallback: true, actualSiteId, hoursDelivered: 1.5 });
    const plain = await putReturn(ret);
    expect(plain.status).toBe(200);
    expect(plain.body.delivered).toMatchObject({ usedFallback: false, actualSiteId: null });
  });
});
