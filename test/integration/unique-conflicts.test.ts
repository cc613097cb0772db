import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../server/http/errors.ts';
import { createLogger } from '../../server/logger.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { comingMonth, createRegister, type TestRegister } from './planning-fixtures.ts';

/**
 * Two writers racing past a "is it free?" check end in a PostgreSQL unique violation (23505): the
 * one error handler answers it 409 with what was taken, never 500.
 */
describe.each(testTargets())('unique-constraint conflicts on the $mode database', (target) => {
  const t = useTestApp(target);
  const month = comingMonth();
  let register: TestRegister;
  let planner: StaffClient;
  /** A bare app with the real error handler: each route runs one statement that breaks a unique constraint. */
  let probe: { url: string; server: Server };

  beforeAll(async () => {
    register = await createRegister(t.db.knex, month);
    await createStaff(t.db.knex, 'planner@roadsafe.example.org', ['planner']);
    planner = await signIn(t.app.url, 'planner@roadsafe.example.org');

    const knex = t.db.knex;
    const [first, second] = register.sites as [TestRegister['sites'][number], TestRegister['sites'][number]];
    const [van1, van2] = register.vans as [TestRegister['vans'][number], TestRegister['vans'][number]];
    const statements: Record<string, () => Promise<unknown>> = {
      'site-reference': () => knex('enforcement_sites').where({ id: second.id }).update({ reference: first.reference }),
      'van-call-sign': () => knex('vans').where({ id: van2.id }).update({ call_sign: van1.callSign }),
      'published-plan': () =>
        knex.transaction(async (trx) => {
          await trx('plans').insert({ month: '2031-03', seed: 1, status: 'published' });
          await trx('plans').insert({ month: '2031-03', seed: 2, status: 'published' });
        }),
      'user-email': () =>
        knex.raw(`INSERT INTO users (email, password_hash, roles) SELECT upper(email), password_hash, roles FROM users WHERE email = 'planner@roadsafe.example.org'`),
    };
    const app = express();
    app.get('/provoke/:what', (req, res, next) => {
      statements[req.params.what]!().then(() => res.status(204).end(), next);
    });
    app.use(errorHandler(createLogger('silent'), false));
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    probe = { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
  });
  afterAll(() => new Promise<void>((resolve) => probe?.server.close(() => resolve())));

  const provoke = async (what: string) => {
    const res = await fetch(`${probe.url}/provoke/${what}`);
    return { status: res.status, body: (await res.json()) as { error: string; message: string } };
  };

  it('answers a duplicate site reference 409, naming the reference', async () => {
    const res = await provoke('site-reference');
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
    expect(res.body.message).toBe(`The site reference ${register.sites[0]!.reference} is already used by another site; references are unique. Reload the register and choose another.`);
  });

  it('answers a duplicate van call sign 409, naming the call sign', async () => {
    const res = await provoke('van-call-sign');
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/^Call sign "VAN-01" is already used by another van/);
  });

  it('answers a second published plan of a month 409, naming the month', async () => {
    const res = await provoke('published-plan');
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/^2031-03 already has a published plan/);
  });

  it('names the constraint and key of any other unique violation', async () => {
    const res = await provoke('user-email');
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/^That value is already taken \(users_email_idx\) \(lower\(email\) planner@roadsafe\.example\.org\)/);
  });

  it('answers vans added at the same moment with the same call sign 201 once and 409 for the rest, never 500', async () => {
    const bases = (await (await fetch(`${t.app.url}/api/van-bases`, { headers: planner.headers() })).json()) as { bases: Array<{ id: number }> };
    const add = () =>
      fetch(`${t.app.url}/api/vans`, {
        method: 'POST',
        headers: planner.headers({ csrf: true, json: true }),
        body: JSON.stringify({ callSign: 'VAN-RACE', baseId: bases.bases[0]!.id }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { message?: string } }));
    const answers = await Promise.all(Array.from({ length: 6 }, add));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.message).toMatch(/VAN-RACE/);
    expect(Number(((await t.db.knex('vans').where({ call_sign: 'VAN-RACE' }).count({ n: '*' })) as Array<{ n: string }>)[0]!.n)).toBe(1);
  });
});
