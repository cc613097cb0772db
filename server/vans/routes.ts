import type { AppContext } from '../context.ts';
import type { AnyRoute } from '../http/routes.ts';

export function vanRoutes(_ctx: AppContext): AnyRoute[] {
  return [];
}
