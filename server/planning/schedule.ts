import { epochMsToIso } from '../../geo/calendar/time.ts';
import type { ScheduledJob } from '../../jobs/scheduler.ts';
import type { AppContext } from '../context.ts';
import { sendMail } from '../mail/send.ts';
import { recordPublishAlert } from './alerts.ts';
import { createPlanRow, generateIntoPlan, PLAN_JOB_KIND } from './generate.ts';
import { nextMonth } from './inputs.ts';
import { recordEvent } from './store.ts';
import { monthOf, todayInUk } from './workflow.ts';

/**
 * The planning schedule (node-cron through jobs/scheduler.ts: Europe/London, one instance per slot
 * through the claim table): on PLAN_DRAFT_SCHEDULE (default the 20th) draft next month's plan and
 * tell planners; on PLAN_PUBLISH_CHECK_SCHEDULE (default the 1st) alert supervisors when the month
 * has no published plan. Nothing is ever approved or published automatically.
 */

export const PLAN_DRAFT_TASK_NAME = 'plans-draft-next-month';
export const PLAN_PUBLISH_CHECK_TASK_NAME = 'plans-publish-check';
export const PLAN_ALERT_JOB_KIND = 'plan_publish_check';

/** Active staff with a role. */
async function staffWithRole(ctx: AppContext, role: string): Promise<string[]> {
  const rows = (await ctx.db.knex('users').where({ disabled: false }).whereRaw('? = ANY(roles)', [role]).orderBy('email').select('email')) as Array<{ email: string }>;
  return rows.map((r) => r.email);
}

/** Sends one message to each address; a failed message is logged, not fatal (the plan is already stored). */
async function tell(ctx: AppContext, to: string[], subject: string, text: string): Promise<string[]> {
  const sent: string[] = [];
  for (const address of to) {
    try {
      await sendMail(ctx, { to: address, subject, text });
      sent.push(address);
    } catch (err) {
      ctx.logger.error({ err, to: address, subject }, 'could not send planning mail');
    }
  }
  return sent;
}

const link = (ctx: AppContext, path: string) => (ctx.config.PUBLIC_URL ? new URL(path, ctx.config.PUBLIC_URL).href : path);

export interface DraftOutcome {
  month: string;
  planId: number | null;
  /** Why nothing was drafted (a plan for the month exists). */
  skipped: string | null;
  notified: string[];
}

/** Drafts next month's plan unless the month already has one (any status but failed), and tells every active planner. */
export async function draftNextMonthPlan(
  ctx: AppContext,
  options: { now?: Date; jobId?: number; onProgress?: (fraction: number, stage: string) => void } = {},
): Promise<DraftOutcome> {
  const { knex } = ctx.db;
  const month = nextMonth(monthOf(todayInUk(options.now)));
  const existing = (await knex('plans').where({ month }).whereNot({ status: 'failed' }).orderBy('id', 'desc').first('id', 'status')) as { id: number; status: string } | undefined;
  if (existing) {
    return { month, planId: null, skipped: `${month} already has plan ${existing.id} (${existing.status})`, notified: [] };
  }
  const { id, seed } = await createPlanRow(knex, { month, actor: 'scheduler' });
  if (options.jobId !== undefined) await knex('plans').where({ id }).update({ job_id: options.jobId });
  const planners = await staffWithRole(ctx, 'planner');
  try {
    const result = await generateIntoPlan(knex, id, { area: { lat: ctx.config.AREA_LATITUDE, lon: ctx.config.AREA_LONGITUDE }, actor: 'scheduler', onProgress: options.onProgress });
    const notified = await tell(
      ctx,
      planners,
      `Draft van plan for ${month} is ready for review`,
      [
        `The scheduled draft of the camera van plan for ${month} is ready (plan ${id}, seed ${seed}).`,
        `${result.sessions} sessions; ${result.violations === 0 ? 'no constraint violations' : `${result.violations} constraint violation(s) to fix before approval`}.`,
        '',
        `Review, edit and approve it: ${link(ctx, `/staff/plans?plan=${id}`)}`,
        `A supervisor other than the approver then publishes it; the month's site list must be published before ${month} starts.`,
      ].join('\n'),
    );
    return { month, planId: id, skipped: null, notified };
  } catch (err) {
    await tell(
      ctx,
      planners,
      `Drafting the van plan for ${month} failed`,
      `The scheduled draft of the camera van plan for ${month} (plan ${id}) failed: ${err instanceof Error ? err.message : String(err)}\n\nStart one by hand: ${link(ctx, '/staff/plans')} or \`roadsafe plan generate --month ${month}\`.`,
    );
    throw err;
  }
}

export interface PublishCheckOutcome {
  month: string;
  published: boolean;
  notified: string[];
  /** The plan the alert was recorded on (the month's latest), if any. */
  alertedPlanId: number | null;
}

/** On the 1st: when the month has no published plan, email every active supervisor and record an alert (see alerts.ts). Never publishes. */
export async function checkMonthPublished(ctx: AppContext, options: { now?: Date } = {}): Promise<PublishCheckOutcome> {
  const { knex } = ctx.db;
  const month = monthOf(todayInUk(options.now));
  const published = await knex('plans').where({ month, status: 'published' }).first('id');
  if (published) return { month, published: true, notified: [], alertedPlanId: null };
  const latest = (await knex('plans').where({ month }).orderBy([{ column: 'version', order: 'desc' }, { column: 'id', order: 'desc' }]).first('id', 'status', 'version')) as
    | { id: number; status: string; version: number }
    | undefined;
  const state = latest ? `Its latest plan is ${latest.id} (version ${latest.version}, ${latest.status}).` : 'No plan has been generated for it.';
  const message = `${month} has started without a published van plan. ${state}`;
  const supervisors = await staffWithRole(ctx, 'supervisor');
  const notified = await tell(
    ctx,
    supervisors,
    `No published van plan for ${month}`,
    `${message}\n\nNothing is published automatically. ${latest?.status === 'approved' ? 'It is approved and waits for a supervisor to publish it' : 'A planner must finish and approve a plan, then a supervisor publishes it'}: ${link(ctx, latest ? `/staff/plans?plan=${latest.id}` : '/staff/plans')}`,
  );
  // Always in app_state (listed with the month's plans, even when it has none), and in the plan's own trail when there is one.
  await recordPublishAlert(knex, { month, at: epochMsToIso((options.now ?? new Date()).getTime()), message, planId: latest?.id ?? null, notified });
  if (latest) await recordEvent(knex, { planId: latest.id, actor: 'scheduler', action: 'alert', reason: message, after: { notified } });
  ctx.logger.warn({ month, planId: latest?.id ?? null, notified: notified.length }, 'month has no published van plan');
  return { month, published: false, notified, alertedPlanId: latest?.id ?? null };
}

/** The two planning tasks for startScheduler. */
export function planningScheduledJobs(config: AppContext['config']): ScheduledJob[] {
  return [
    {
      name: PLAN_DRAFT_TASK_NAME,
      schedule: config.PLAN_DRAFT_SCHEDULE,
      kind: PLAN_JOB_KIND,
      params: { trigger: 'schedule' },
      run: (job, ctx) => draftNextMonthPlan(ctx, { jobId: job.jobId, onProgress: (fraction, stage) => void job.report(fraction, stage) }),
    },
    {
      name: PLAN_PUBLISH_CHECK_TASK_NAME,
      schedule: config.PLAN_PUBLISH_CHECK_SCHEDULE,
      kind: PLAN_ALERT_JOB_KIND,
      params: { trigger: 'schedule' },
      run: (_job, ctx) => checkMonthPublished(ctx),
    },
  ];
}
