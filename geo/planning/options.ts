import type { PlanOptions } from './types.ts';

/** The policy settings of the brief's "what makes a good plan", used where a plan request leaves one out. */
export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  sessionMinutes: 120,
  maxSessionMinutes: 180,
  minGapDays: 3,
  tiers: {
    1: { minVisits: 4, maxVisits: 10 },
    2: { minVisits: 2, maxVisits: 6 },
    3: { minVisits: 1, maxVisits: 3 },
  },
  fairnessBand: [0.8, 1.25],
  districtFloorVisits: 4,
  weekendShare: [0.25, 0.3],
  darknessShare: [0.15, 0.2],
  randomness: 0.7,
  haloKm: 2,
  haloDays: 5,
  concernResponseDays: 14,
  maxSessionsPerShift: 3,
  circuity: 1.3,
  assumedSpeedKmh: 48,
};

/** Options with every missing setting filled from the defaults (tiers merged per tier). */
export function withDefaults(options: Partial<PlanOptions> = {}): PlanOptions {
  return {
    ...DEFAULT_PLAN_OPTIONS,
    ...options,
    tiers: {
      1: { ...DEFAULT_PLAN_OPTIONS.tiers[1], ...options.tiers?.[1] },
      2: { ...DEFAULT_PLAN_OPTIONS.tiers[2], ...options.tiers?.[2] },
      3: { ...DEFAULT_PLAN_OPTIONS.tiers[3], ...options.tiers?.[3] },
    },
  };
}
