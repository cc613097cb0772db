import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

export function siteRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
