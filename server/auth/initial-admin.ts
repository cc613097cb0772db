import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { countUsers, createUser } from './users.ts';

/** The account created when no INITIAL_ADMIN_EMAIL is configured. */
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';
/** Name of the file in DATA_DIR that holds a generated first admin password. */
export const INITIAL_ADMIN_FILE = 'initial-admin.txt';

export interface InitialAdmin {
  email: string;
  /** 'env': from INITIAL_ADMIN_EMAIL/PASSWORD; 'generated': random password, printed and written to `file`. */
  source: 'env' | 'generated';
  file?: string;
}

/**
 * First start with no users: creates INITIAL_ADMIN_EMAIL/INITIAL_ADMIN_PASSWORD if set, otherwise
 * admin@localhost with a random password printed once and written to DATA_DIR/initial-admin.txt (0600).
 * Returns what it created, or undefined when users already exist. A password from the environment is never logged.
 */
export async function ensureInitialAdmin(ctx: AppContext): Promise<InitialAdmin | undefined> {
  const { knex } = ctx.db;
  const { config, logger } = ctx;
  if ((await countUsers(knex)) > 0) return undefined;

  if (config.INITIAL_ADMIN_EMAIL && config.INITIAL_ADMIN_PASSWORD) {
    const created = await createIfStillEmpty(ctx, config.INITIAL_ADMIN_EMAIL, config.INITIAL_ADMIN_PASSWORD);
    if (!created) return undefined;
    logger.info({ email: created }, 'created the first admin account from INITIAL_ADMIN_EMAIL');
    return { email: created, source: 'env' };
  }

  // 15 random bytes → 20 base64url characters (120 bits).
  const password = randomBytes(15).toString('base64url');
  const email = await createIfStillEmpty(ctx, DEFAULT_ADMIN_EMAIL, password);
  if (!email) return undefined;
  const file = path.join(config.dataDir, INITIAL_ADMIN_FILE);
  let written = false;
  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(
      file,
      `First admin account, created ${new Date().toISOString()}.\n` +
        `Sign in, then change the password (PATCH /api/users/:id) and delete this file.\n` +
        `email: ${email}\npassword: ${password}\n`,
      { mode: 0o600 },
    );
    // writeFileSync's mode applies only when it creates the file (and is masked by umask): set it explicitly.
    fs.chmodSync(file, 0o600);
    written = true;
  } catch (err) {
    logger.error({ err, file }, 'could not write the initial admin password file; the password is only in this log');
  }
  const line =
    `Created the first admin account: email ${email} password ${password} ` +
    `(shown once${written ? `; also in ${file}, mode 0600` : ''}). Sign in and change it.`;
  logger.warn({ email, file: written ? file : undefined }, line);
  process.stderr.write(`\n*** ${line} ***\n\n`);
  return { email, source: 'generated', file: written ? file : undefined };
}

/** Creates the admin unless another instance starting at the same moment already created one. */
async function createIfStillEmpty(ctx: AppContext, email: string, password: string): Promise<string | undefined> {
  try {
    const user = await createUser(ctx.db.knex, { email, password, roles: ['admin'], displayName: 'Administrator' });
    return user.email;
  } catch (err) {
    if (err instanceof HttpError && err.status === 409) return undefined;
    throw err;
  }
}
