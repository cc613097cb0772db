import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { conflict, errorHandler, uniqueViolation } from './errors.ts';

/** What node-postgres throws for a unique violation (only the fields the handler reads). */
const pgUnique = (constraint: string | undefined, detail: string | undefined) => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505', constraint, detail });

function answer(err: unknown, exposeInternals = false): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: Record<string, unknown>) {
      sent.body = body;
      return this;
    },
  } as unknown as Response;
  const req = { id: 'req-1' } as unknown as Request;
  errorHandler(createLogger('silent'), exposeInternals)(err, req, res, (() => {}) as NextFunction);
  return sent;
}

describe('uniqueViolation', () => {
  it('says in plain words which site reference, call sign or published month was taken', () => {
    expect(uniqueViolation(pgUnique('enforcement_sites_reference_unique', 'Key (reference)=(LAN-0001) already exists.'))?.message).toMatch(/^The site reference LAN-0001 is already used by another site/);
    expect(uniqueViolation(pgUnique('vans_call_sign_unique', 'Key (call_sign)=(VAN-01) already exists.'))?.message).toMatch(/^Call sign "VAN-01" is already used by another van/);
    expect(uniqueViolation(pgUnique('plans_one_published_idx', 'Key (month)=(2026-05) already exists.'))?.message).toMatch(/^2026-05 already has a published plan/);
    expect(uniqueViolation(pgUnique('vans_call_sign_unique', undefined))?.message).toMatch(/^Call sign given is already used/);
  });

  it('names an unknown constraint and its key, or says only that the value is taken', () => {
    const other = uniqueViolation(pgUnique('users_email_idx', 'Key (lower(email))=(a@b.example) already exists.'));
    expect(other).toMatchObject({ status: 409, code: 'conflict' });
    expect(other?.message).toMatch(/^That value is already taken \(users_email_idx\) \(lower\(email\) a@b\.example\)/);
    expect(uniqueViolation(pgUnique(undefined, undefined))?.message).toMatch(/^That value is already taken: /);
  });

  it('leaves every other error alone', () => {
    expect(uniqueViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBeUndefined();
    expect(uniqueViolation(new Error('boom'))).toBeUndefined();
    expect(uniqueViolation(null)).toBeUndefined();
    expect(uniqueViolation('23505')).toBeUndefined();
  });
});

describe('errorHandler', () => {
  it('answers a unique violation 409 with the plain message, in production too', () => {
    const { status, body } = answer(pgUnique('vans_call_sign_unique', 'Key (call_sign)=(VAN-07) already exists.'));
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'conflict', requestId: 'req-1' });
    expect(body.message).toMatch(/VAN-07/);
  });

  it('keeps HttpErrors as they are and answers anything else 500', () => {
    expect(answer(conflict('nope'))).toMatchObject({ status: 409, body: { error: 'conflict', message: 'nope' } });
    expect(answer(new Error('secret internals'))).toMatchObject({ status: 500, body: { error: 'internal_error' } });
    expect(JSON.stringify(answer(new Error('secret internals')).body)).not.toMatch(/secret/);
  });
});
