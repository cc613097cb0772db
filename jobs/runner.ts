/**
 * Background jobs: long work (a full hotspot run, later plan generation) started from the API, the
 * CLI or the scheduler, run in this process, with its status, progress and outcome kept in
 * `background_jobs` so any instance can answer "how is job 42 doing?".
 *
 * Lifecycle: queued → running → succeeded | failed (with the error's message). Jobs run in-process:
 * a job dies with its process. While it runs, the instance keeps a lease row fresh in `job_claims`
 * (`job-lease:<id>`); at start-up `failInterruptedJobs` marks queued/running jobs whose lease has gone
 * stale as failed ("interrupted by a restart"), and leaves alone jobs another live instance is running.
 */
import type { Knex } from 'knex';
import type { Logger } from '../server/logger.ts';
import { JOB_LEASE_PREFIX, newInstanceId } from './claims.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A background_jobs row, camelCased. */
export interface JobRow {
  id: number;
  kind: string;
  status: JobStatus;
  /** 0–1 */
  progress: number;
  /** What the job is doing now, for people. */
  stage: string | null;
  /** The error message when failed. */
  message: string | null;
  params: Record<string, unknown>;
  /** What the work returned (JSON), when succeeded. */
  result: unknown;
  /** User email, "cli" or "schedule". */
  startedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobContext {
  jobId: number;
  /**
   * Records progress (0–1, clamped; a non-number is ignored with a warning) and the current stage.
   * Cheap to call often: the row is written at
   * most every `progressIntervalMs` (latest value wins). Never waits for the database, so it is safe
   * to call while the job holds the only connection in a transaction (the embedded database has one).
   */
  report(progress: number, stage: string): Promise<void>;
}

export interface JobRunnerOptions {
  /** This process's name among instances (default: host#pid#random). */
  instanceId?: string;
  /** Least time between two progress writes for one job, ms (default 250: at most 4 writes a second). */
  progressIntervalMs?: number;
  /** How often a running job's lease is refreshed, ms (default 30 s). */
  leaseRefreshMs?: number;
}

/** Message stored on jobs that were queued or running when their process stopped. */
export const INTERRUPTED_MESSAGE = 'interrupted by a restart';
/** A lease not refreshed for this long (ms) means its process is gone (4 missed refreshes by default). */
export const DEFAULT_LEASE_STALE_MS = 120_000;
/** Longest stage text kept. */
const MAX_STAGE_LENGTH = 200;

interface RunningJob {
  id: number;
  kind: string;
  progress: number;
  stage: string | null;
  finished: boolean;
  lastWriteAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Progress writes, chained so they land in order and before the final status. */
  writes: Promise<void>;
  done: Promise<void>;
}

export class JobRunner {
  readonly instanceId: string;
  private readonly jobs = new Map<number, RunningJob>();
  private readonly progressIntervalMs: number;
  private readonly leaseRefreshMs: number;

  constructor(
    private readonly knex: Knex,
    private readonly logger: Logger,
    options: JobRunnerOptions = {},
  ) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.leaseRefreshMs = options.leaseRefreshMs ?? 30_000;
  }

  /**
   * Inserts a background_jobs row (queued) and its lease in one transaction, then runs `work` in this
   * process. Returns the job id at once; status, progress, stage, result and message are kept in the row.
   * Errors thrown by `work` are caught, logged and stored; they never reach the caller.
   */
  async start(kind: string, params: object, startedBy: string | undefined, work: (job: JobContext) => Promise<unknown>): Promise<number> {
    if (!kind) throw new RangeError('A job needs a kind (e.g. "hotspot_run").');
    const id = await this.knex.transaction(async (trx) => {
      const [row] = await trx('background_jobs')
        .insert({ kind, status: 'queued', params: JSON.stringify(params), started_by: startedBy ?? null })
        .returning<Array<{ id: number }>>('id');
      if (!row) throw new Error('Inserting the background job returned no id.');
      await trx('job_claims').insert({ key: leaseKey(row.id), claimed_by: this.instanceId });
      return row.id;
    });
    const job: RunningJob = { id, kind, progress: 0, stage: null, finished: false, lastWriteAt: 0, timer: undefined, writes: Promise.resolve(), done: Promise.resolve() };
    this.jobs.set(id, job);
    job.done = this.run(job, work).finally(() => this.jobs.delete(id));
    return id;
  }

  /** The job's row; for a job running here, with its latest progress even if not yet written. */
  async get(jobId: number): Promise<JobRow | undefined> {
    const row = await this.knex('background_jobs').where({ id: jobId }).first<JobRow | undefined>(...JOB_COLUMNS);
    if (!row) return undefined;
    const job: JobRow = { ...row, progress: Number(row.progress) };
    const live = this.jobs.get(jobId);
    if (live && job.status === 'running') {
      job.progress = live.progress;
      job.stage = live.stage;
    }
    return job;
  }

  /** Resolves when the job, if this runner is running it, has finished (success or failure recorded). */
  async wait(jobId: number): Promise<void> {
    await this.jobs.get(jobId)?.done;
  }

  /** Ids of the jobs this runner is running now. */
  running(): number[] {
    return [...this.jobs.keys()];
  }

  /** Resolves when no job started by this runner is still running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs.values()].map((job) => job.done));
  }

  private async run(job: RunningJob, work: (job: JobContext) => Promise<unknown>): Promise<void> {
    const started = Date.now();
    const log = this.logger.child({ jobId: job.id, kind: job.kind });
    let lease: NodeJS.Timeout | undefined;
    try {
      await this.knex('background_jobs').where({ id: job.id }).update({ status: 'running', started_at: this.knex.fn.now() });
      log.info('job started');
      lease = this.keepLease(job.id, log);
      const context: JobContext = { jobId: job.id, report: (progress, stage) => this.report(job, progress, stage, log) };
      let result: unknown;
      let failure: unknown;
      try {
        result = await work(context);
      } catch (err) {
        failure = err;
      }
      await this.settleProgress(job);
      if (failure === undefined) {
        await this.finish(job.id, { status: 'succeeded', progress: 1, stage: job.stage, result: toJson(result, log) });
        log.info({ durationMs: Date.now() - started }, 'job succeeded');
      } else {
        const message = errorMessage(failure);
        await this.finish(job.id, { status: 'failed', stage: job.stage, message, result: null });
        log.error({ err: failure, durationMs: Date.now() - started }, `job failed: ${message}`);
      }
    } catch (err) {
      // The database refused the bookkeeping itself (e.g. it went away): nothing more can be recorded.
      log.error({ err }, 'could not record the job’s outcome');
    } finally {
      if (lease) clearInterval(lease);
    }
  }

  private report(job: RunningJob, progress: number, stage: string, log: Logger): Promise<void> {
    if (job.finished) return Promise.resolve();
    // A bad fraction (e.g. 0/0 before anything is counted) is a display glitch, not a reason to fail the run.
    if (typeof progress === 'number' && !Number.isNaN(progress)) job.progress = Math.min(1, Math.max(0, progress));
    else log.warn({ progress: String(progress), stage }, 'ignored a job progress that is not a number');
    job.stage = String(stage).slice(0, MAX_STAGE_LENGTH);
    if (job.timer) return Promise.resolve(); // a write is already due; it will carry these values
    const wait = job.lastWriteAt + this.progressIntervalMs - Date.now();
    if (wait <= 0) this.writeProgress(job, log);
    else job.timer = setTimeout(() => this.writeProgress(job, log), wait);
    return Promise.resolve();
  }

  private writeProgress(job: RunningJob, log: Logger): void {
    job.timer = undefined;
    job.lastWriteAt = Date.now();
    job.writes = job.writes.then(async () => {
      if (job.finished) return;
      try {
        await this.knex('background_jobs').where({ id: job.id, status: 'running' }).update({ progress: job.progress, stage: job.stage });
      } catch (err) {
        log.warn({ err }, 'could not record job progress');
      }
    });
  }

  /** Cancels a pending progress write and waits for any in flight, so the final status lands last. */
  private async settleProgress(job: RunningJob): Promise<void> {
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    job.finished = true;
    await job.writes;
  }

  private async finish(jobId: number, values: { status: JobStatus; progress?: number; stage: string | null; message?: string; result: string | null }): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('background_jobs')
        .where({ id: jobId })
        .update({ ...values, finished_at: trx.fn.now() });
      await trx('job_claims').where({ key: leaseKey(jobId) }).del();
    });
  }

  private keepLease(jobId: number, log: Logger): NodeJS.Timeout {
    let pending = false;
    const timer = setInterval(() => {
      if (pending) return; // the last refresh is still waiting for a connection
      pending = true;
      this.knex('job_claims')
        .where({ key: leaseKey(jobId) })
        .update({ claimed_at: this.knex.fn.now(), claimed_by: this.instanceId })
        .catch((err: unknown) => log.warn({ err }, 'could not refresh the job lease'))
        .finally(() => {
          pending = false;
        });
    }, this.leaseRefreshMs);
    timer.unref(); // a lease never keeps the process alive on its own
    return timer;
  }
}

export interface FailInterruptedOptions {
  /** A lease older than this (ms) is a dead process's (default 2 minutes). */
  staleAfterMs?: number;
}

/**
 * At start-up: marks queued/running jobs failed with "interrupted by a restart" when no live instance
 * holds their lease (none, or not refreshed for `staleAfterMs`), and removes those leases. Returns how
 * many jobs it failed. Jobs another running instance is working on are left alone.
 */
export async function failInterruptedJobs(knex: Knex, options: FailInterruptedOptions = {}): Promise<number> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_LEASE_STALE_MS;
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Array<{ id: number }> }>(
      `UPDATE background_jobs AS j
          SET status = 'failed', message = ?, finished_at = now()
        WHERE j.status IN ('queued', 'running')
          AND NOT EXISTS (
            SELECT 1 FROM job_claims c
             WHERE c.key = ?::text || j.id::text
               AND c.claimed_at > now() - make_interval(secs => ?::double precision))
        RETURNING j.id`,
      [INTERRUPTED_MESSAGE, JOB_LEASE_PREFIX, staleAfterMs / 1000],
    );
    if (rows.length > 0) await trx('job_claims').whereIn('key', rows.map((row) => leaseKey(row.id))).del();
    return rows.length;
  });
}

function leaseKey(jobId: number): string {
  return `${JOB_LEASE_PREFIX}${jobId}`;
}

/** background_jobs columns, read as JobRow's fields. */
const JOB_COLUMNS = [
  'id',
  'kind',
  'status',
  'progress',
  'stage',
  'message',
  'params',
  'result',
  'started_by as startedBy',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
];

/** The work's result as JSON text for the jsonb column (null when there is none or it cannot be stored). */
function toJson(result: unknown, log: Logger): string | null {
  if (result === undefined) return null;
  try {
    return JSON.stringify(result) ?? null;
  } catch (err) {
    log.warn({ err }, 'the job’s result is not JSON-serialisable; stored as null');
    return null;
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
