import argon2 from 'argon2';
import type { Knex } from 'knex';
import { conflict, invalidRequest } from '../http/errors.ts';
import { isRole, ROLES, type Role } from './roles.ts';

export interface StaffUser {
  id: number;
  email: string;
  roles: Role[];
  displayName: string | null;
  disabled: boolean;
}

/** Minimum password length for staff accounts (NCSC guidance favours length over composition rules). */
export const MIN_PASSWORD_LENGTH = 12;

/** argon2id with the library's defaults (m = 64 MiB, t = 3, p = 4). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password).catch(() => false);
}

export function checkNewUser(input: { email: string; password: string; roles: string[] }): void {
  const errors = [];
  if (!/^[^\s@]+@[^\s@]+$/.test(input.email)) errors.push({ field: 'email', code: 'invalid_email', message: `"${input.email}" is not an email address` });
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    errors.push({ field: 'password', code: 'too_short', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
  }
  if (input.roles.length === 0) errors.push({ field: 'roles', code: 'required', message: `give at least one role (${ROLES.join(', ')})` });
  for (const role of input.roles) {
    if (!isRole(role)) errors.push({ field: 'roles', code: 'invalid_role', message: `"${role}" is not a role; use one of ${ROLES.join(', ')}` });
  }
  if (errors.length) throw invalidRequest(errors);
}

/** Creates a staff user; throws a 400 HttpError for bad input and 409 if the email is taken. */
export async function createUser(
  knex: Knex,
  input: { email: string; password: string; roles: string[]; displayName?: string },
): Promise<StaffUser> {
  const email = input.email.trim().toLowerCase();
  checkNewUser({ ...input, email });
  const existing = await knex('users').whereRaw('lower(email) = ?', [email]).first('id');
  if (existing) throw conflict(`A user with the email ${email} already exists.`);
  const [row] = await knex('users')
    .insert({ email, password_hash: await hashPassword(input.password), roles: input.roles, display_name: input.displayName ?? null })
    .returning(['id', 'email', 'roles', 'display_name', 'disabled']);
  return { id: row.id, email: row.email, roles: row.roles, displayName: row.display_name, disabled: row.disabled };
}

export async function countUsers(knex: Knex): Promise<number> {
  const { rows } = await knex.raw('SELECT count(*) AS n FROM users');
  return Number(rows[0].n);
}
