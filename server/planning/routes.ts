import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

export function planningRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
