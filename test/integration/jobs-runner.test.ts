import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, failInterruptedJobs, INTERRUPTED_MESSAGE } from '../../jobs/runner.ts';
import { createLogger } from '../../server/logger.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';

const silent = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pino logger whose JSON lines land in an array. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe.each(testTargets())('background jobs on the $mode database', (target) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  afterAll(async () => {
    await db?.close();
  });

  const jobRow = async (id: number) => db.knex('background_jobs').where({ id }).first();
  const lease = async (id: number) => db.knex('job_claims').where({ key: `job-lease:${id}` }).first();

  it('runs a job queued → running → succeeded, keeping progress, stage and result', async () => {
    const runner = new JobRunner(db.knex, silent, { instanceId: 'test-instance' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const id = await runner.start('test_job', { district: 'E07000123' }, 'planner@example.org', async (job) => {
      await job.report(0.5, 'scoring segments');
      await gate;
      return { sites: 3 };
    });
    expect(typeof id).toBe('number');

    // While it waits: running, with the reported progress written and a lease held by this instance.
    let row = await jobRow(id);
    for (let i = 0; i < 50 && !(row.status === 'running' && row.progress === 0.5); i++) {
      await sleep(20);
      row = await jobRow(id);
    }
    expect(row).toMatchObject({ kind: 'test_job', status: 'running', progress: 0.5, stage: 'scoring segments', params: { district: 'E07000123' }, started_by: 'planner@example.org' });
    expect(row.started_at).toBeInstanceOf(Date);
    expect(await lease(id)).toMatchObject({ claimed_by: 'test-instance' });
    expect(runner.running()).toEqual([id]);

    release();
    await runner.wait(id);
    expect(await jobRow(id)).toMatchObject({ status: 'succeeded', progress: 1, stage: 'scoring segments', result: { sites: 3 }, message: null });
    expect((await jobRow(id)).finished_at).toBeInstanceOf(Date);
    expect(await lease(id)).toBeUndefined();
    expect(await runner.get(id)).toMatchObject({ id, kind: 'test_job', status: 'succeeded', progress: 1, result: { sites: 3 }, startedBy: 'planner@example.org' });
    expect(runner.running()).toEqual([]);
  });

  it('records a failure with the error’s message, logs it, and never throws to the starter', async () => {
    const { logger, lines } = capturingLogger();
    const runner = new JobRunner(db.knex, logger);
    const id = await runner.start('test_job', {}, undefined, async (job) => {
      await job.report(0.2, 'fitting models');
      throw new Error('No collisions in the period 2019-01-01 to 2023-12-31.');
    });
    await runner.idle();
    expect(await jobRow(id)).toMatchObject({ status: 'failed', message: 'No collisions in the period 2019-01-01 to 2023-12-31.', stage: 'fitting models', result: null });
    expect(await lease(id)).toBeUndefined();
    const logged = lines.find((line) => line.jobId === id && line.level === 50);
    expect(logged?.msg).toMatch(/job failed: No collisions/);
  });

  it('writes progress at most about four times a second however often the job reports, latest value last', async () => {
    const runner = new JobRunner(db.knex, silent);
    let progressWrites = 0;
    const countWrites = (query: { sql: string }) => {
      if (/update "background_jobs" set "progress"/i.test(query.sql)) progressWrites++;
    };
    db.knex.on('query', countWrites);
    let reports = 0;
    const id = await runner.start('test_job', {}, undefined, async (job) => {
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        reports++;
        await job.report(reports / 100_000, `step ${reports}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return null;
    });
    await runner.wait(id);
    db.knex.removeListener('query', countWrites);
    expect(reports).toBeGreaterThan(500);
    expect(progressWrites).toBeGreaterThanOrEqual(2);
    expect(progressWrites).toBeLessThanOrEqual(6);
    expect(await jobRow(id)).toMatchObject({ status: 'succeeded', progress: 1, stage: `step ${reports}`, result: null });
  });

  it('does not deadlock when a job reports progress inside a transaction holding the only connection', async () => {
    const runner = new JobRunner(db.knex, silent, { progressIntervalMs: 10 });
    const id = await runner.start('test_job', {}, 'cli', async (job) =>
      db.knex.transaction(async (trx) => {
        for (let step = 1; step <= 4; step++) {
          await job.report(step / 4, `batch ${step}`);
          await trx.raw('SELECT pg_sleep(0.05)');
        }
        return { batches: 4 };
      }),
    );
    await runner.wait(id);
    expect(await jobRow(id)).toMatchObject({ status: 'succeeded', result: { batches: 4 }, stage: 'batch 4' });
  });

  it('serves live progress from get() before the throttled write lands', async () => {
    const runner = new JobRunner(db.knex, silent, { progressIntervalMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const id = await runner.start('test_job', {}, undefined, async (job) => {
      await job.report(0.1, 'first'); // written at once
      await job.report(0.7, 'second'); // held back by the interval
      await gate;
    });
    await sleep(100);
    expect(await runner.get(id)).toMatchObject({ status: 'running', progress: 0.7, stage: 'second' });
    release();
    await runner.wait(id);
    expect(await runner.get(id)).toMatchObject({ status: 'succeeded', progress: 1, stage: 'second' });
    expect(await runner.get(999_999)).toBeUndefined();
  });

  it('ignores a progress that is not a number (keeping the last one) with a warning, and carries on', async () => {
    const { logger, lines } = capturingLogger();
    const runner = new JobRunner(db.knex, logger, { progressIntervalMs: 0 });
    let seen: unknown;
    const id = await runner.start('test_job', {}, undefined, async (job) => {
      await job.report(0.4, 'counting');
      await job.report(Number.NaN, 'dividing by nothing');
      seen = (await runner.get(job.jobId))?.progress;
      return 'ok';
    });
    await runner.wait(id);
    expect(seen).toBe(0.4);
    expect(await jobRow(id)).toMatchObject({ status: 'succeeded', result: 'ok' });
    expect(lines.some((line) => line.jobId === id && line.level === 40 && /not a number/.test(String(line.msg)))).toBe(true);
  });

  it('idle() resolves only when every job has finished', async () => {
    const runner = new JobRunner(db.knex, silent);
    const ids = [];
    for (const ms of [50, 150, 100]) ids.push(await runner.start('test_job', { ms }, undefined, async () => sleep(ms)));
    await runner.idle();
    const rows = await db.knex('background_jobs').whereIn('id', ids).select('status');
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(runner.running()).toEqual([]);
  });

  it('fails, at start-up, the jobs a dead process left queued or running, and only those', async () => {
    const insert = async (status: string) => (await db.knex('background_jobs').insert({ kind: 'test_left', status, params: '{}' }).returning('id'))[0].id as number;
    const orphan = await insert('running'); // no lease: its process never got to write one, or it was removed
    const stale = await insert('queued');
    await db.knex('job_claims').insert({ key: `job-lease:${stale}`, claimed_by: 'dead-instance' });
    await db.knex.raw(`UPDATE job_claims SET claimed_at = now() - interval '10 minutes' WHERE key = ?`, [`job-lease:${stale}`]);
    const elsewhere = await insert('running'); // another instance is running it right now
    await db.knex('job_claims').insert({ key: `job-lease:${elsewhere}`, claimed_by: 'live-instance' });
    const done = await insert('succeeded');

    expect(await failInterruptedJobs(db.knex)).toBe(2);
    const status = async (id: number) => (await jobRow(id)) as { status: string; message: string | null; finished_at: Date | null };
    expect(await status(orphan)).toMatchObject({ status: 'failed', message: INTERRUPTED_MESSAGE });
    expect((await status(orphan)).finished_at).toBeInstanceOf(Date);
    expect(await status(stale)).toMatchObject({ status: 'failed', message: INTERRUPTED_MESSAGE });
    expect(await status(elsewhere)).toMatchObject({ status: 'running', message: null });
    expect(await status(done)).toMatchObject({ status: 'succeeded' });
    expect(await lease(stale)).toBeUndefined();
    expect(await lease(elsewhere)).toMatchObject({ claimed_by: 'live-instance' });
    // Nothing left to fail the second time; a shorter staleness limit then takes the quiet lease too.
    expect(await failInterruptedJobs(db.knex)).toBe(0);
    await sleep(50);
    expect(await failInterruptedJobs(db.knex, { staleAfterMs: 1 })).toBe(1);
    expect(await status(elsewhere)).toMatchObject({ status: 'failed' });
  });
});
