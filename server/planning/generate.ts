import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { checkPlan } from '../../geo/planning/check.ts';
import { planMetrics } from '../../geo/planning/metrics.ts';
import { withDefaults } from '../../geo/planning/options.ts';
import { generatePlan } from '../../geo/planning/plan.ts';
import type { PlanOptions } from '../../geo/planning/types.ts';
import { buildPlanInputs } from './inputs.ts';
import { insertLegs, legsForSessions } from './legs.ts';
import { insertSessions, recordEvent, requirePlan, touchPlans } from './store.ts';

/**
 * Generating a month's plan: the plans row is written first (status generating) so it can be
 * followed; the work reads the inputs, runs the planner, the independent checker and the quality
 * measures, draws the travel legs, and stores everything in one transaction (status draft). Any
 * failure leaves the row failed with the reason and no sessions.
 */

/** background_jobs.kind of a plan generation. */
export const PLAN_JOB_KIND = 'plan_generation';

/** Largest seed: 31 bits, so it fits every integer type on the way (JSON, int4, pure-rand). */
export const MAX_SEED = 2 ** 31 - 1;

export function randomSeed(): number {
  return randomInt(0, MAX_SEED);
}

export interface NewPlan {
  month: string;
  seed?: number;
  options?: Partial<PlanOptions>;
  createdBy?: number | null;
  /** Who started it, for the audit trail: staff email, "cli" or "scheduler". */
  actor: string;
}

/** Inserts the plans row (status generating) and returns its id and seed. */
export async function createPlanRow(knex: Knex, plan: NewPlan): Promise<{ id: number; seed: number }> {
  const seed = plan.seed ?? randomSeed();
  const [row] = (await knex('plans')
    .insert({
      month: plan.month,
      version: 1,
      seed,
      status: 'generating',
      options: JSON.stringify(withDefaults(plan.options)),
      created_by: plan.createdBy ?? null,
    })
    .returning('id')) as Array<{ id: number }>;
  return { id: row!.id, seed };
}

export interface GenerateOptions {
  /** Where sunrise and sunset are computed (AREA_LATITUDE / AREA_LONGITUDE). */
  area: { lat: number; lon: number };
  actor: string;
  userId?: number | null;
  onProgress?: (fraction: number, stage: string) => void;
}

/** Runs the planner for a plan row in status generating and stores the result (status draft), or marks it failed. */
export async function generateIntoPlan(knex: Knex, planId: number, options: GenerateOptions): Promise<{ planId: number; sessions: number; violations: number }> {
  const progress = options.onProgress ?? (() => {});
  const plan = await requirePlan(knex, planId);
  try {
    const inputs = await buildPlanInputs(knex, plan.month, { area: options.area, options: plan.options as Partial<PlanOptions>, onProgress: (f, stage) => progress(f, stage) });
    progress(0.08, 'planning');
    const result = await generatePlan(inputs, Number(plan.seed), (fraction, stage) => progress(0.08 + 0.8 * Math.min(1, Math.max(0, fraction)), stage));
    progress(0.88, 'checking the plan');
    const violations = checkPlan(inputs, result.sessions);
    const metrics = planMetrics(inputs, result.sessions, violations);
    progress(0.9, 'drawing travel legs');
    const legs = await legsForSessions(knex, inputs, result.sessions);
    progress(0.95, 'storing the plan');
    const notes = [...inputs.notes, ...result.notes.filter((n) => !inputs.notes.includes(n))];
    await knex.transaction(async (trx) => {
      await trx('plan_sessions').where({ plan_id: planId }).delete();
      await trx('plan_legs').where({ plan_id: planId }).delete();
      await insertSessions(trx, planId, result.sessions);
      await insertLegs(trx, planId, legs);
      await trx('plans')
        .where({ id: planId })
        .update({
          status: 'draft',
          options: JSON.stringify(inputs.options),
          inputs: JSON.stringify({ ...inputs, notes }),
          allocation: JSON.stringify(result.allocation),
          metrics: JSON.stringify(metrics),
          violations: JSON.stringify(violations),
          travel_mode: inputs.travel.mode,
          error: null,
        });
      await recordEvent(trx, {
        planId,
        userId: options.userId ?? null,
        actor: options.actor,
        action: 'generated',
        after: { seed: Number(plan.seed), sessions: result.sessions.length, violations: violations.length, travelMode: inputs.travel.mode },
      });
      await touchPlans(trx);
    });
    progress(1, 'done');
    return { planId, sessions: result.sessions.length, violations: violations.length };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await knex('plans').where({ id: planId }).update({ status: 'failed', error: message });
    await recordEvent(knex, { planId, userId: options.userId ?? null, actor: options.actor, action: 'failed', reason: message });
    throw err;
  }
}
