import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { DEMO_MARKER, loadDemoDataIfEmpty, nextMonth } from '../../server/demo/load.ts';
import { todayInUk } from '../../server/planning/workflow.ts';
import { createLogger } from '../../server/logger.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

describe.each(testTargets())('first-run demo data on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let ctx: AppContext;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    ctx = { db, config: loadConfig({ NODE_ENV: 'test' }), logger: createLogger('silent'), version: 'test' };
  });
  afterAll(async () => {
    await db?.close();
  });

  it('loads the 14 Lancashire districts and the 2,762 collisions of 2023 into an empty database and marks it', async () => {
    expect(await loadDemoDataIfEmpty(ctx)).toEqual({ districts: 14, collisions: 2762 });
    const { rows } = await db.knex.raw(`SELECT (SELECT count(*) FROM districts) AS d, (SELECT count(*) FROM collisions) AS c`);
    expect(rows[0]).toEqual({ d: '14', c: '2762' });
    const marker = await db.knex('app_state').where({ key: DEMO_MARKER }).first('value');
    expect(marker.value).toMatchObject({ districts: 14, collisions: 2762 });
  });

  it('also loads the DEMO site register, eight vans, and publishes a clean DEMO plan for next month', async () => {
    const sites = await db.knex('enforcement_sites').where({ demo: true }).count<{ n: string }[]>({ n: '*' });
    expect(Number(sites[0]!.n)).toBeGreaterThan(50);
    expect(Number((await db.knex('vans').where({ demo: true }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(8);
    const plan = await db.knex('plans').first('id', 'month', 'status', 'violations');
    expect(plan).toMatchObject({ month: nextMonth(todayInUk()), status: 'published', violations: [] });
    const sessions = await db.knex('plan_sessions').where({ plan_id: plan.id }).count<{ n: string }[]>({ n: '*' });
    expect(Number(sessions[0]!.n)).toBeGreaterThan(50);
    const actors = (await db.knex('plan_events').where({ plan_id: plan.id }).pluck('actor')) as string[];
    expect(new Set(actors)).toEqual(new Set(['demo']));
  });

  it('names the month after any date, across the year end', () => {
    expect(nextMonth('2026-11-21')).toBe('2026-12');
    expect(nextMonth('2026-12-31')).toBe('2027-01');
  });

  it('does nothing on a later start, even after the demo collisions were deleted', async () => {
    await db.knex.raw('TRUNCATE collisions CASCADE');
    await db.knex('districts').del();
    expect(await loadDemoDataIfEmpty(ctx)).toBeUndefined();
    expect(Number((await db.knex.raw('SELECT count(*) AS n FROM collisions')).rows[0].n)).toBe(0);
  });
});
