/** Staff roles. More can be added; a user may hold several. auditor: reads the audit logs only (no cases, no footage). */
export const ROLES = ['admin', 'analyst', 'planner', 'reviewer', 'decision_maker', 'supervisor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
