import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

/** Collision API: list (GeoJSON/CSV), summary, one collision, import log. */
export function collisionRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
