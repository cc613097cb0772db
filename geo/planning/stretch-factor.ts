import type { PlanOptions } from './types.ts';

/**
 * Longest session the planner makes, as a multiple of options.sessionMinutes: sessions are timed at
 * sessionMinutes and then stretched into idle shift time up to options.maxSessionMinutes (stretch.ts).
 * The spec: sessions are typically 1–3 hours (one programme averages 2.7 h).
 */
export function stretchFactor(options: Pick<PlanOptions, 'sessionMinutes' | 'maxSessionMinutes'>): number {
  return Math.max(1, options.maxSessionMinutes / options.sessionMinutes);
}
