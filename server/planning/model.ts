/**
 * The shapes of monthly van plans that the API returns and the staff page reads. Pure (no imports),
 * so the client imports it as it is.
 */

export type PlanStatus = 'generating' | 'draft' | 'approved' | 'published' | 'superseded' | 'failed';

/** A crew's return after a session, as the API shows it. */
export interface SessionReturn {
  hoursDelivered: number;
  vehiclesChecked: number;
  detections: { speeding: number; seatBelt: number; mobilePhone: number; notInProperControl: number };
  usedFallback: boolean;
  actualSiteId: number | null;
  note: string | null;
  recordedBy: string | null;
  /** ISO 8601 with the Europe/London offset. */
  recordedAt: string;
}

/** One session of a plan as GET /api/plans/:id lists it (instants ISO 8601 with offset). */
export interface PlanSessionView {
  id: number;
  vanId: number;
  vanCallSign: string | null;
  date: string;
  shift: string;
  order: number;
  siteId: number;
  siteText: string | null;
  districtCode: string | null;
  arrive: string;
  depart: string;
  fallbackSiteIds: number[];
  status: 'planned' | 'cancelled';
  reason: string | null;
  delivered: SessionReturn | null;
}

/** One plan as GET /api/plans?month= lists it. */
export interface PlanSummary {
  id: number;
  month: string;
  version: number;
  seed: number;
  status: PlanStatus;
  createdAt: string | null;
  approvedAt: string | null;
  publishedAt: string | null;
  violationCount: number;
  sessionCount: number;
}
