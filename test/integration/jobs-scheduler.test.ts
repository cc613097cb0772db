import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimHolder, claimSlot } from '../../jobs/claims.ts';
import { JobRunner } from '../../jobs/runner.ts';
import { startScheduler, type ScheduledJob } from '../../jobs/scheduler.ts';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { createLogger } from '../../server/logger.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';

const silent = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testTargets())('scheduled jobs across instances on the $mode database', (target) => {
  let db: TestDatabase;
  /** The second instance's connection: its own pool on PostgreSQL; PGlite is one session, so shared there. */
  let otherKnex: Knex;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    otherKnex =
      target.mode === 'postgresql'
        ? knexFactory({ client: 'pg', connection: target.url, searchPath: [db.schema, 'public'], pool: { min: 0, max: 3 } })
        : db.knex;
  });
  afterAll(async () => {
    if (otherKnex && otherKnex !== db?.knex) await otherKnex.destroy();
    await db?.close();
  });

  it('claimSlot gives a key to the first claimant only', async () => {
    expect(await claimSlot(db.knex, 'test-claim:2026-12-01T02:00:00.000Z', 'instance-a')).toBe(true);
    expect(await claimSlot(otherKnex, 'test-claim:2026-12-01T02:00:00.000Z', 'instance-b')).toBe(false);
    expect(await claimSlot(db.knex, 'test-claim:2026-12-01T02:00:00.000Z', 'instance-a')).toBe(false);
    expect(await claimHolder(db.knex, 'test-claim:2026-12-01T02:00:00.000Z')).toMatchObject({ claimedBy: 'instance-a' });
    expect(await claimSlot(otherKnex, 'test-claim:2027-01-01T02:00:00.000Z', 'instance-b')).toBe(true);
    await expect(claimSlot(db.knex, '', 'instance-a')).rejects.toThrow(/must not be empty/);
  });

  it.runIf(target.mode === 'postgresql')('claimSlot has exactly one winner among simultaneous claimants on separate connections', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => claimSlot(i % 2 === 0 ? db.knex : otherKnex, 'test-race:2026-12-01T02:00:00.000Z', `instance-${i}`)),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
  });

  it('forgets slot claims older than the retention period when a new slot is claimed, never job leases', async () => {
    await db.knex('job_claims').insert([
      { key: 'test-old:2020-01-01T02:00:00.000Z', claimed_by: 'x' },
      { key: 'job-lease:424242', claimed_by: 'x' },
    ]);
    await db.knex.raw(`UPDATE job_claims SET claimed_at = now() - interval '500 days' WHERE key IN ('test-old:2020-01-01T02:00:00.000Z', 'job-lease:424242')`);
    expect(await claimSlot(db.knex, 'test-new:2026-12-01T02:00:00.000Z', 'instance-a')).toBe(true);
    expect(await claimHolder(db.knex, 'test-old:2020-01-01T02:00:00.000Z')).toBeUndefined();
    expect(await claimHolder(db.knex, 'job-lease:424242')).toBeDefined();
  });

  it('runs each slot exactly once when two instances’ schedulers fire it together', async () => {
    const runs: Array<{ instance: string; jobId: number }> = [];
    let notElected = 0;
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULER_ENABLED: 'true' });
    const instance = (name: string, knex: Knex) => {
      const ctx: AppContext = { db: { ...db, knex }, config, logger: silent, version: 'test' };
      const runner = new JobRunner(knex, silent, { instanceId: name });
      const tick: ScheduledJob = {
        name: 'test-every-second',
        schedule: '* * * * * *',
        kind: 'test_tick',
        params: { from: 'scheduler test' },
        async run(job) {
          runs.push({ instance: name, jobId: job.jobId });
          await job.report(0.5, 'ticking');
          await sleep(300); // long enough that both instances are inside the same slot
          return { instance: name };
        },
      };
      const scheduler = startScheduler(ctx, runner, [tick]);
      scheduler.tasks.get('test-every-second')?.on('execution:skipped', ({ reason }) => {
        if (reason === 'not-elected') notElected++;
      });
      return { runner, scheduler };
    };
    const a = instance('instance-a', db.knex);
    const b = instance('instance-b', otherKnex);
    await sleep(3_500);
    await a.scheduler.stop();
    await b.scheduler.stop();
    await a.runner.idle();
    await b.runner.idle();

    const claims = await db.knex('job_claims').where('key', 'like', 'test-every-second:%').orderBy('key').select('key', 'claimed_by');
    const jobs = await db.knex('background_jobs').where({ kind: 'test_tick' }).orderBy('id').select('id', 'status', 'started_by', 'result', 'params');
    expect(claims.length).toBeGreaterThanOrEqual(1);
    // One claim per slot, one job per claim, one body run per job — on whichever instance claimed it.
    expect(new Set(claims.map((c: { key: string }) => c.key)).size).toBe(claims.length);
    expect(jobs).toHaveLength(claims.length);
    expect(runs).toHaveLength(claims.length);
    // The race really happened: the other instance fired too and was told no.
    expect(notElected).toBeGreaterThanOrEqual(1);
    expect(notElected).toBeLessThanOrEqual(claims.length);
    expect(runs.map((r) => r.instance).sort()).toEqual(claims.map((c: { claimed_by: string }) => c.claimed_by).sort());
    for (const job of jobs) {
      expect(job).toMatchObject({ status: 'succeeded', started_by: 'schedule', params: { from: 'scheduler test' } });
      expect(runs.find((r) => r.jobId === job.id)?.instance).toBe(job.result.instance);
    }
  });
});
