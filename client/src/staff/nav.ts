/** The staff area's sections, shared by the shell (/staff/) and the pages that stand on their own. */

export interface StaffSection {
  id: string;
  title: string;
  /** What the section does (shown on the overview, and while it is a placeholder). */
  purpose: string;
  /** Roles that see it; undefined: every staff member. */
  roles?: string[];
  /** A page of its own (e.g. /staff/hotspots); otherwise the section lives in the shell at #id. */
  href?: string;
  /** The shell renders it (sections without href or render are placeholders for a later release). */
  inShell?: boolean;
}

/** Roles that work with hotspots and concerns (server/access.ts). */
export const ANALYSIS_ROLES = ['admin', 'analyst', 'planner'];

/** Roles that read the site register and the van plans (server/access.ts); planners edit, supervisors publish. */
export const PLANNING_ROLES = ['admin', 'analyst', 'planner', 'supervisor'];

export const STAFF_SECTIONS: StaffSection[] = [
  { id: 'overview', title: 'Overview', purpose: '', inShell: true },
  { id: 'hotspots', title: 'Hotspots', purpose: 'Ranked collision hotspots on a map and in a table, with their evidence, re-scoring and exports.', roles: ANALYSIS_ROLES, href: '/staff/hotspots' },
  { id: 'concerns', title: 'Concerns', purpose: 'Triage community concerns: status, outcome, duplicates and notes.', roles: ANALYSIS_ROLES, href: '/staff/concerns' },
  { id: 'sites', title: 'Enforcement sites', purpose: 'Keep the register of camera and mobile enforcement sites, with their evidence and eligibility.', roles: PLANNING_ROLES, href: '/staff/sites' },
  { id: 'plans', title: 'Van plans', purpose: 'Generate, check, approve and publish the monthly camera van plan; record what was delivered.', roles: PLANNING_ROLES, href: '/staff/plans' },
  { id: 'snap', title: 'Operation Snap', purpose: 'Review dash-cam and helmet-cam footage submitted by the public.' },
  { id: 'results', title: 'Enforcement results', purpose: 'Record and report the outcomes of enforcement sessions.' },
  { id: 'imports', title: 'Imports', purpose: 'STATS19 imports into the collision database.', roles: ['admin', 'analyst'], inShell: true },
  { id: 'users', title: 'Users', purpose: 'Staff accounts and their roles.', roles: ['admin'], inShell: true },
];

export const ROLE_LABELS: Record<string, string> = {
  admin: 'Administrator',
  analyst: 'Analyst',
  planner: 'Planner',
  reviewer: 'Reviewer',
  decision_maker: 'Decision maker',
  supervisor: 'Supervisor',
  auditor: 'Auditor',
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

export function sectionsFor(roles: readonly string[]): StaffSection[] {
  return STAFF_SECTIONS.filter((s) => !s.roles || s.roles.some((r) => roles.includes(r)));
}

/** Where a section's nav link goes: its own page, or its place in the shell. */
export function sectionHref(section: StaffSection, fromShell: boolean): string {
  if (section.href) return section.href;
  return fromShell ? `#${section.id}` : `/staff/#${section.id}`;
}
