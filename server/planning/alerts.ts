import type { Knex } from 'knex';

/**
 * Alerts the 1st-of-month check raised because a month started without a published plan. They are
 * kept in `app_state` (one key per month, a list of alerts) rather than in plan_events, because the
 * month may have no plan at all and plan_events needs one; GET /api/plans lists them as `alerts`.
 */

export const PUBLISH_ALERT_KEY_PREFIX = 'plans.publish-alerts:';

export interface PublishAlert {
  month: string;
  /** When the check raised it (ISO 8601). */
  at: string;
  message: string;
  /** The month's latest plan when the alert was raised, if it had any. */
  planId: number | null;
  /** Supervisors the alert was mailed to. */
  notified: string[];
}

/** Appends an alert to its month's list. */
export async function recordPublishAlert(knex: Knex, alert: PublishAlert): Promise<void> {
  await knex.raw(
    `INSERT INTO app_state (key, value, updated_at) VALUES (?, jsonb_build_array(?::jsonb), now())
     ON CONFLICT (key) DO UPDATE SET value = app_state.value || EXCLUDED.value, updated_at = now()`,
    [`${PUBLISH_ALERT_KEY_PREFIX}${alert.month}`, JSON.stringify(alert)],
  );
}

/** A month's alerts (or every month's), newest first. */
export async function publishAlerts(knex: Knex, month?: string): Promise<PublishAlert[]> {
  const query = knex('app_state').select('value');
  if (month) query.where({ key: `${PUBLISH_ALERT_KEY_PREFIX}${month}` });
  else query.whereLike('key', `${PUBLISH_ALERT_KEY_PREFIX}%`);
  const rows = (await query) as Array<{ value: PublishAlert[] }>;
  return rows.flatMap((r) => r.value).sort((a, b) => b.at.localeCompare(a.at) || b.month.localeCompare(a.month));
}
