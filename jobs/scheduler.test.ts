import type { Knex } from 'knex';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../server/config.ts';
import type { AppContext } from '../server/context.ts';
import type { Database } from '../server/db/database.ts';
import { createLogger } from '../server/logger.ts';
import { JobRunner } from './runner.ts';
import { HOTSPOT_TASK_NAME, hotspotRunTask, startScheduler, type Scheduler } from './scheduler.ts';

// The scheduled task imports the pipeline when a slot fires; here it is replaced to see what it is asked.
const runHotspots = vi.hoisted(() => vi.fn());
vi.mock('../server/hotspots/run.ts', () => ({ runHotspots }));

// No database is touched until a slot fires, which these tests never let happen.
const knex = {} as Knex;
const context = (env: Record<string, string> = {}): AppContext => ({
  db: { knex } as Database,
  config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }),
  logger: createLogger('silent'),
  version: 'test',
});
const runner = new JobRunner(knex, createLogger('silent'));

describe('startScheduler', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    vi.useRealTimers();
  });

  it('runs the hotspot task at 02:00 London time on the 1st of each month, GMT and BST alike', () => {
    // Only Date is faked: node-cron computes the next runs from "now".
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-15T12:00:00Z'));
    scheduler = startScheduler(context(), runner);
    const task = scheduler.tasks.get(HOTSPOT_TASK_NAME);
    expect(task?.getPattern()).toBe('0 2 1 * *');
    const runs = task?.getNextRuns(10).map((d) => d.toISOString());
    expect(runs).toEqual([
      '2026-03-01T02:00:00.000Z', // GMT (UTC+0)
      '2026-04-01T01:00:00.000Z', // BST (UTC+1) from 29 March
      '2026-05-01T01:00:00.000Z',
      '2026-06-01T01:00:00.000Z',
      '2026-07-01T01:00:00.000Z',
      '2026-08-01T01:00:00.000Z',
      '2026-09-01T01:00:00.000Z',
      '2026-10-01T01:00:00.000Z',
      '2026-11-01T02:00:00.000Z', // GMT again from 25 October
      '2026-12-01T02:00:00.000Z',
    ]);
  });

  it('uses HOTSPOT_SCHEDULE from the configuration', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-10T00:00:00Z'));
    scheduler = startScheduler(context({ HOTSPOT_SCHEDULE: '30 3 * * 1' }), runner);
    // Mondays at 03:30 BST = 02:30 UTC.
    expect(scheduler.tasks.get(HOTSPOT_TASK_NAME)?.getNextRuns(2).map((d) => d.toISOString())).toEqual(['2026-06-15T02:30:00.000Z', '2026-06-22T02:30:00.000Z']);
  });

  it('schedules nothing when SCHEDULER_ENABLED is false', async () => {
    scheduler = startScheduler(context({ SCHEDULER_ENABLED: 'false' }), runner);
    expect(scheduler.tasks.size).toBe(0);
    await scheduler.stop();
  });

  it('names an invalid cron expression and refuses duplicate task names', () => {
    expect(() => startScheduler(context({ HOTSPOT_SCHEDULE: '0 25 1 * *' }), runner)).toThrow(/Schedule of "hotspots-monthly" \("0 25 1 \* \*"\) is not a valid cron expression: 25 is a invalid expression for hour/);
    const task = hotspotRunTask('0 2 1 * *');
    expect(() => startScheduler(context(), runner, [task, task])).toThrow(/Two scheduled jobs are named "hotspots-monthly"/);
  });

  it('stops: the tasks are destroyed and leave node-cron’s registry', async () => {
    scheduler = startScheduler(context(), runner);
    const task = scheduler.tasks.get(HOTSPOT_TASK_NAME);
    expect(task?.getStatus()).toBe('idle');
    await scheduler.stop();
    expect(task?.getStatus()).toBe('destroyed');
    expect(scheduler.tasks.size).toBe(0);
  });
});

describe('hotspotRunTask', () => {
  it('starts a full, published run as a hotspot_run job, passing the job id and forwarding progress', async () => {
    runHotspots.mockImplementation(async (_knex: unknown, request: { onProgress: (f: number, s: string) => Promise<void> }) => {
      await request.onProgress(0.3, 'snapping collisions');
      return { runId: 17 };
    });
    const reports: Array<[number, string]> = [];
    const task = hotspotRunTask('0 2 1 * *');
    expect(task).toMatchObject({ name: 'hotspots-monthly', kind: 'hotspot_run', params: { scope: 'full', trigger: 'schedule' } });
    const ctx = context();
    const result = await task.run({ jobId: 5, report: async (p, stage) => void reports.push([p, stage]) }, ctx);
    expect(result).toEqual({ runId: 17 });
    expect(runHotspots).toHaveBeenCalledWith(knex, expect.objectContaining({ scope: 'full', startedBy: 'schedule', jobId: 5 }));
    expect(reports).toEqual([[0.3, 'snapping collisions']]);
  });
});
