import 'express';
import type { Role } from '../auth/roles.ts';

declare global {
  namespace Express {
    interface Request {
      /** The signed-in staff member, set by the session middleware; absent for anonymous requests. */
      user?: { id: number; email: string; roles: Role[] };
      /** The staff session behind `user`, when authenticated by cookie. */
      staffSession?: { idHash: string; csrfToken: string };
    }
  }
}
