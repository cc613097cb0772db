/**
 * Scheduled jobs (node-cron 4, Europe/London wall-clock time), coordinated across instances.
 *
 * Every instance with SCHEDULER_ENABLED runs the same schedule. At each slot node-cron asks its run
 * coordinator (`distributed: true`) whether to run, with the key `<task name>:<slot ISO time>`; our
 * coordinator answers with `claimSlot` on `job_claims`, so exactly one instance runs each slot. The
 * body starts a background job (jobs/runner.ts) and waits for it, so `noOverlap` also covers a run
 * that outlasts the next slot.
 *
 * Limits: a slot that passes while no instance is up is not run later (the next slot is); a run cut
 * short by a crash is marked failed by failInterruptedJobs at the next start and is not retried —
 * staff can start one by hand (POST /api/hotspot-runs or `roadsafe hotspots compute`).
 */
import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { AppContext } from '../server/context.ts';
import { HOTSPOT_JOB_KIND } from '../server/hotspots/queries.ts';
import type { Logger } from '../server/logger.ts';
import { claimSlot } from './claims.ts';
import type { JobContext, JobRunner } from './runner.ts';

/** Wall-clock zone of every schedule: "02:00 on the 1st" means 02:00 in the UK, GMT or BST. */
export const SCHEDULE_TIMEZONE = 'Europe/London';
/** Task name of the monthly hotspot run (also the prefix of its claim keys). */
export const HOTSPOT_TASK_NAME = 'hotspots-monthly';

export interface ScheduledJob {
  /** Unique task name, the same on every instance: it forms the claim key. */
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds) in Europe/London time. */
  schedule: string;
  /** background_jobs.kind of the job each slot starts. */
  kind: string;
  /** background_jobs.params of that job. */
  params?: Record<string, unknown>;
  /** The work; its return value is stored as the job's result. */
  run(job: JobContext, ctx: AppContext): Promise<unknown>;
}

export interface Scheduler {
  /** The node-cron tasks by name (for inspection: getNextRuns, status). Empty when disabled. */
  tasks: ReadonlyMap<string, ScheduledTask>;
  /** Stops firing new slots. Jobs already running carry on; await `runner.idle()` to let them end. */
  stop(): Promise<void>;
}

/** The monthly full hotspot run: the published ranking, started as a `hotspot_run` job. */
export function hotspotRunTask(schedule: string): ScheduledJob {
  return {
    name: HOTSPOT_TASK_NAME,
    schedule,
    kind: HOTSPOT_JOB_KIND,
    params: { scope: 'full', trigger: 'schedule' },
    async run(job, ctx) {
      // Imported when the slot fires, so the scheduler does not load the whole pipeline at start-up.
      const { runHotspots } = await import('../server/hotspots/run.ts');
      return runHotspots(ctx.db.knex, { scope: 'full', startedBy: 'schedule', jobId: job.jobId, onProgress: (fraction, stage) => job.report(fraction, stage) });
    },
  };
}

/**
 * Starts the scheduled jobs (default: the monthly hotspot run on `config.HOTSPOT_SCHEDULE`) unless
 * `config.SCHEDULER_ENABLED` is false. Throws on an invalid cron expression, naming it.
 */
export function startScheduler(ctx: AppContext, runner: JobRunner, jobs?: readonly ScheduledJob[]): Scheduler {
  const log = ctx.logger.child({ component: 'scheduler', instance: runner.instanceId });
  if (!ctx.config.SCHEDULER_ENABLED) {
    log.info('scheduler disabled (SCHEDULER_ENABLED=false)');
    return { tasks: new Map(), stop: async () => {} };
  }
  const specs = jobs ?? [hotspotRunTask(ctx.config.HOTSPOT_SCHEDULE)];
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw new Error(`Two scheduled jobs are named "${spec.name}"; names form claim keys and must be unique.`);
    names.add(spec.name);
    const check = cron.validateDetailed(spec.schedule);
    if (!check.valid) {
      const detail = check.errors.map((e) => e.message).join('; ');
      throw new Error(`Schedule of "${spec.name}" ("${spec.schedule}") is not a valid cron expression: ${detail}.`);
    }
  }

  const knex = ctx.db.knex;
  const coordinator = { shouldRun: (key: string) => claimSlot(knex, key, runner.instanceId) };
  const tasks = new Map<string, ScheduledTask>();
  for (const spec of specs) {
    const task = cron.createTask(
      spec.schedule,
      async ({ date }) => {
        const jobId = await runner.start(spec.kind, spec.params ?? {}, 'schedule', (job) => spec.run(job, ctx));
        log.info({ task: spec.name, slot: date.toISOString(), jobId }, 'scheduled job started');
        await runner.wait(jobId);
      },
      {
        name: spec.name,
        timezone: SCHEDULE_TIMEZONE,
        noOverlap: true,
        distributed: true,
        runCoordinator: coordinator,
        logger: cronLogger(log),
      },
    );
    task.on('execution:skipped', ({ date, reason }) => log.debug({ task: spec.name, slot: date.toISOString(), reason }, 'slot run by another instance or skipped'));
    tasks.set(spec.name, task);
  }
  for (const task of tasks.values()) void task.start();
  log.info({ tasks: specs.map((s) => ({ name: s.name, schedule: s.schedule, next: tasks.get(s.name)?.getNextRun()?.toISOString() })) }, 'scheduler started');

  return {
    tasks,
    async stop() {
      // destroy() also removes the task from node-cron's global registry.
      for (const task of tasks.values()) await task.destroy();
      tasks.clear();
    },
  };
}

/** node-cron's logger interface over pino (it would otherwise print to the console). */
function cronLogger(log: Logger): CronLogger {
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message, err) => (message instanceof Error ? log.error({ err: message }, message.message) : log.error({ err }, message)),
    debug: (message, err) => (message instanceof Error ? log.debug({ err: message }, message.message) : log.debug({ err }, message)),
  };
}
