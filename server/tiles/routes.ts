import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

/** Vector tiles for the collisions and districts layers. */
export function tileRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
