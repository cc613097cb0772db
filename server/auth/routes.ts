import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

/** Login, logout, current user, user administration. */
export function authRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
