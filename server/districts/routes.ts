import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

/** District boundaries as GeoJSON. */
export function districtRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
