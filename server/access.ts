import { ROLES, type Role } from './auth/roles.ts';

/**
 * Who may call each route: the one place where every route is declared public or staff-only.
 * The route registrar refuses to mount a route missing from this table, and a test walks every
 * mounted route to prove each staff route answers 401 to anonymous requests and 403 to a wrong role.
 * Static client files (`/`, `/assets/*`, `/staff/*` pages) are public; the staff pages fetch data
 * only through the staff routes below.
 */
export type Access = { kind: 'public' } | { kind: 'staff'; roles: readonly Role[] };

export const PUBLIC: Access = { kind: 'public' };
/** Any signed-in staff member, whatever the role. */
export const ANY_STAFF: Access = { kind: 'staff', roles: ROLES };
export const staff = (...roles: Role[]): Access => ({ kind: 'staff', roles });

export const routeAccess: Record<string, Access> = {
  // Service
  'GET /healthz': PUBLIC,
  'GET /api/openapi.json': PUBLIC,
  'GET /api/config': PUBLIC,

  // Collisions and districts (public: STATS19 is open data and holds no personal data)
  'GET /api/collisions': PUBLIC,
  'GET /api/collisions/summary': PUBLIC,
  'GET /api/collisions/:collisionIndex': PUBLIC,
  'GET /api/districts': PUBLIC,
  'GET /tiles/:layer/:z/:x/:y.mvt': PUBLIC,
  'GET /api/imports': staff('admin', 'analyst'),

  // Road network (staff: import state for analysts)
  'GET /api/road-network': staff('admin', 'analyst', 'planner'),

  // Hotspots (public results hold no personal data; running and re-scoring is staff work)
  'GET /api/hotspots': PUBLIC,
  'GET /api/hotspots/:siteId': PUBLIC,
  'GET /api/hotspot-method': PUBLIC,
  'GET /api/clusters': PUBLIC,
  'POST /api/hotspots/rescore': staff('admin', 'analyst', 'planner'),
  'POST /api/hotspot-runs': staff('admin', 'analyst', 'planner'),
  'GET /api/hotspot-runs': staff('admin', 'analyst', 'planner'),
  'GET /api/hotspot-runs/:id': staff('admin', 'analyst', 'planner'),

  // Community concerns (public report and status by private token; triage is staff work)
  'GET /api/concern-challenge': PUBLIC,
  'POST /api/concerns': PUBLIC,
  'GET /api/concerns/:reference': PUBLIC,
  'GET /api/staff/concerns': staff('admin', 'analyst', 'planner'),
  'GET /api/staff/concerns/:reference': staff('admin', 'analyst', 'planner'),
  'PATCH /api/staff/concerns/:reference': staff('admin', 'analyst', 'planner'),

  // Enforcement site register (planners edit; analysts and supervisors read)
  'GET /api/sites': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/sites/:id': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/sites/:id/changes': staff('admin', 'analyst', 'planner', 'supervisor'),
  'POST /api/sites': staff('admin', 'planner'),
  'PATCH /api/sites/:id': staff('admin', 'planner'),
  'DELETE /api/sites/:id': staff('admin', 'planner'),
  'POST /api/sites/import': staff('admin', 'planner'),
  'GET /api/site-criteria': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/speed-surveys': staff('admin', 'analyst', 'planner', 'supervisor'),

  // Vans, bases, shift templates and the month's calendar
  'GET /api/vans': staff('admin', 'analyst', 'planner', 'supervisor'),
  'POST /api/vans': staff('admin', 'planner'),
  'PATCH /api/vans/:id': staff('admin', 'planner'),
  'GET /api/van-bases': staff('admin', 'analyst', 'planner', 'supervisor'),
  'POST /api/vans/:id/unavailability': staff('admin', 'planner'),
  'DELETE /api/van-unavailability/:id': staff('admin', 'planner'),
  'GET /api/shift-templates': staff('admin', 'analyst', 'planner', 'supervisor'),
  'PUT /api/shift-templates/:code': staff('admin', 'planner'),
  'GET /api/calendar': staff('admin', 'analyst', 'planner', 'supervisor'),

  // Monthly van plans: planners generate, edit and approve; a supervisor publishes
  'POST /api/plans': staff('admin', 'planner'),
  'GET /api/plans': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id/routes': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id/events': staff('admin', 'analyst', 'planner', 'supervisor'),
  'POST /api/plans/:id/edits': staff('admin', 'planner'),
  'POST /api/plans/:id/approve': staff('admin', 'planner'),
  'POST /api/plans/:id/publish': staff('supervisor'),
  'POST /api/plans/:id/corrections': staff('admin', 'planner'),
  'GET /api/plans/:id/export': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id/calendar': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id/tasking': staff('admin', 'analyst', 'planner', 'supervisor'),
  'GET /api/plans/:id/delivery': staff('admin', 'analyst', 'planner', 'supervisor'),
  'PUT /api/plan-sessions/:id/return': staff('admin', 'planner', 'supervisor'),

  // Published enforcement sites (public: no dates, times, shifts or vans)
  'GET /api/public/enforcement-sites': PUBLIC,
  'GET /api/public/enforcement-months': PUBLIC,

  // Operation Snap submissions (public; each route but creation and the challenge needs the submission's
  // Bearer token, checked in the handler; tus uploads at /api/snap/uploads are mounted outside this table
  // and check the token themselves)
  'GET /api/snap/challenge': PUBLIC,
  'POST /api/snap/submissions': PUBLIC,
  'GET /api/snap/submissions/:reference': PUBLIC,
  'POST /api/snap/submissions/:reference/verify': PUBLIC,
  'POST /api/snap/submissions/:reference/resend-code': PUBLIC,
  'POST /api/snap/submissions/:reference/complete': PUBLIC,
  'POST /api/snap/submissions/:reference/withdraw': PUBLIC,

  // Operation Snap review (case work only: admin and auditor never reach a case or its footage)
  'GET /api/snap/queue': staff('reviewer', 'decision_maker', 'supervisor'),
  'GET /api/snap/cases/:reference': staff('reviewer', 'decision_maker', 'supervisor'),
  'POST /api/snap/cases/:reference/claim': staff('reviewer', 'decision_maker', 'supervisor'),
  'POST /api/snap/cases/:reference/release': staff('reviewer', 'decision_maker', 'supervisor'),
  'POST /api/snap/cases/:reference/decision': staff('reviewer', 'decision_maker', 'supervisor'),
  'POST /api/snap/cases/:reference/approve-court': staff('supervisor'),
  'GET /api/snap/cases/:reference/media/:fileId': staff('reviewer', 'decision_maker', 'supervisor'),
  'GET /api/snap/cases/:reference/media/:fileId/original': staff('reviewer', 'decision_maker', 'supervisor'),

  // Staff accounts
  'POST /api/auth/login': PUBLIC,
  'POST /api/auth/logout': ANY_STAFF,
  'GET /api/auth/me': ANY_STAFF,
  'GET /api/users': staff('admin'),
  'POST /api/users': staff('admin'),
  'PATCH /api/users/:id': staff('admin'),
};

export function accessFor(method: string, path: string): Access | undefined {
  return routeAccess[`${method.toUpperCase()} ${path}`];
}
