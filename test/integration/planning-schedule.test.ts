import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AREA_ZONE } from '../../geo/calendar/time.ts';
import { readOutbox } from '../../server/mail/send.ts';
import { checkMonthPublished, draftNextMonthPlan, planningScheduledJobs, PLAN_DRAFT_TASK_NAME, PLAN_PUBLISH_CHECK_TASK_NAME } from '../../server/planning/schedule.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn } from '../support/staff.ts';
import { comingMonth, createRegister } from './planning-fixtures.ts';

describe.each(testTargets())('scheduled planning jobs on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planning-schedule-'));
  const t = useTestApp(target, { DATA_DIR: dataDir, PUBLIC_URL: 'https://roadsafe.example.org/' });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const month = comingMonth();
  /** The 20th of this month, 06:00 UK time: the default draft slot. */
  const draftDay = DateTime.now().setZone(AREA_ZONE).set({ day: 20, hour: 6, minute: 0 }).toJSDate();
  /** 07:00 on the 1st of the coming month: the default publish check. */
  const firstOfMonth = DateTime.fromISO(`${month}-01T07:00`, { zone: AREA_ZONE }).toJSDate();

  beforeAll(async () => {
    await createRegister(t.db.knex, month);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    await createStaff(t.db.knex, 'away@roadsafe.example.org', ['planner']);
    await t.db.knex('users').where({ email: 'away@roadsafe.example.org' }).update({ disabled: true });
    await createStaff(t.db.knex, 'supervisor@roadsafe.example.org', ['supervisor']);
  });
  const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  /** GET /api/plans as a planner sees it. */
  const plansList = async (m?: string) => {
    const planner = await signIn(t.app.url, 'planner@roadsafe.example.org');
    const res = await fetch(`${t.app.url}/api/plans${m ? `?month=${m}` : ''}`, { headers: planner.headers() });
    expect(res.status).toBe(200);
    return (await res.json()) as { plans: Array<{ id: number }>; alerts: Array<{ month: string; planId: number | null }> };
  };
  const mailsTo = async (to: string) => (await readOutbox({ dataDir })).filter((m) => m.to === to);

  it('declares the draft and publish-check tasks on the configured schedules', () => {
    const jobs = planningScheduledJobs(t.app.ctx.config);
    expect(jobs.map((j) => [j.name, j.schedule])).toEqual([
      [PLAN_DRAFT_TASK_NAME, '0 6 20 * *'],
      [PLAN_PUBLISH_CHECK_TASK_NAME, '0 7 1 * *'],
    ]);
  });

  it("drafts next month's plan and tells every active planner", async () => {
    const outcome = await draftNextMonthPlan(t.app.ctx, { now: draftDay });
    expect(outcome).toMatchObject({ month, skipped: null, notified: ['planner@roadsafe.example.org'] });
    const plan = await t.db.knex('plans').where({ id: outcome.planId! }).first('status', 'month');
    expect(plan).toEqual({ status: 'draft', month });
    const [mail] = await mailsTo('planner@roadsafe.example.org');
    expect(mail?.subject).toBe(`Draft van plan for ${month} is ready for review`);
    expect(mail?.text).toContain(`https://roadsafe.example.org/staff/plans?plan=${outcome.planId}`);
    expect(await mailsTo('away@roadsafe.example.org')).toEqual([]);
  });

  it('does not draft a second plan for a month that has one', async () => {
    const outcome = await draftNextMonthPlan(t.app.ctx, { now: draftDay });
    expect(outcome.planId).toBeNull();
    expect(outcome.skipped).toMatch(/already has plan/);
    expect(await t.db.knex('plans').where({ month }).count({ n: '*' })).toEqual([{ n: expect.anything() }]);
  });

  it('alerts supervisors and records an alert when the month starts without a published plan, and publishes nothing', async () => {
    const outcome = await checkMonthPublished(t.app.ctx, { now: firstOfMonth });
    expect(outcome).toMatchObject({ month, published: false, notified: ['supervisor@roadsafe.example.org'] });
    const [mail] = await mailsTo('supervisor@roadsafe.example.org');
    expect(mail?.subject).toBe(`No published van plan for ${month}`);
    expect(mail?.text).toMatch(/Nothing is published automatically/);
    const alert = await t.db.knex('plan_events').where({ plan_id: outcome.alertedPlanId!, action: 'alert' }).first('actor', 'reason');
    expect(alert).toMatchObject({ actor: 'scheduler', reason: expect.stringContaining('without a published van plan') });
    expect(await t.db.knex('plans').where({ month, status: 'published' }).first()).toBeUndefined();
    const { alerts } = await plansList(month);
    expect(alerts).toEqual([{ month, at: expect.stringMatching(ISO_WITH_OFFSET), message: expect.stringContaining(`Its latest plan is ${outcome.alertedPlanId}`), planId: outcome.alertedPlanId, notified: ['supervisor@roadsafe.example.org'] }]);
  });

  it('records the alert where staff can see it even when the month has no plan at all', async () => {
    const empty = DateTime.fromISO(`${month}-01`, { zone: AREA_ZONE }).plus({ months: 1 });
    const outcome = await checkMonthPublished(t.app.ctx, { now: empty.set({ hour: 7 }).toJSDate() });
    const emptyMonth = empty.toFormat('yyyy-MM');
    expect(outcome).toMatchObject({ month: emptyMonth, published: false, alertedPlanId: null, notified: ['supervisor@roadsafe.example.org'] });
    const list = await plansList(emptyMonth);
    expect(list.plans).toEqual([]);
    expect(list.alerts).toEqual([
      { month: emptyMonth, at: expect.stringMatching(ISO_WITH_OFFSET), message: `${emptyMonth} has started without a published van plan. No plan has been generated for it.`, planId: null, notified: ['supervisor@roadsafe.example.org'] },
    ]);
    // Unfiltered, the list carries every month's alerts, newest first.
    expect((await plansList()).alerts.map((a) => a.month)).toEqual([emptyMonth, month]);
  });

  it('stays quiet when the month has a published plan', async () => {
    const mailed = (await mailsTo('supervisor@roadsafe.example.org')).length;
    await t.db.knex('plans').where({ month }).update({ status: 'published' });
    const outcome = await checkMonthPublished(t.app.ctx, { now: firstOfMonth });
    expect(outcome).toMatchObject({ published: true, notified: [] });
    expect(await mailsTo('supervisor@roadsafe.example.org')).toHaveLength(mailed);
    expect((await plansList(month)).alerts).toHaveLength(1);
  });
});
