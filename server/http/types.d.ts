import 'express';
import type { Role } from '../auth/roles.ts';

declare global {
  namespace Express {
    interface Request {
      /** The signed-in staff member, set by the session lookup on staff routes; absent for anonymous requests and on public routes. */
      user?: { id: number; email: string; roles: Role[] };
      /** The staff session behind `user`, when authenticated by cookie. */
      staffSession?: { idHash: string; csrfToken: string };
    }
  }
}
