import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Challenge } from 'altcha-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofOfWork } from '../../server/concerns/pow.ts';
import { dataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { readOutbox } from '../../server/mail/send.ts';
import {
  freshIp,
  GARSTANG_ROAD_STRETCH,
  PLACES,
  postConcern,
  solveChallengeToPayload,
  solvedPow,
  speedingReport,
  TEST_CONCERN_OPTIONS,
} from '../fixtures/concerns/support.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';

const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(testTargets())('public concern reports on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerns-api-'));
  const t = useTestApp(target, { DATA_DIR: dataDir, TRUST_PROXY: 'true', PUBLIC_URL: 'https://roadsafe.example.org' }, { concerns: TEST_CONCERN_OPTIONS });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const count = async (table = 'concerns') => Number((await t.db.knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const outbox = () => readOutbox({ dataDir });
  const status = (reference: string, token?: string) =>
    fetch(`${t.app.url}/api/concerns/${encodeURIComponent(reference)}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);

  describe('the proof-of-work challenge', () => {
    it('is an ALTCHA v2 challenge, signed, expiring in 10 minutes, never cached', async () => {
      const res = await fetch(`${t.app.url}/api/concern-challenge`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const challenge = (await res.json()) as Challenge;
      expect(challenge.parameters).toMatchObject({ algorithm: 'PBKDF2/SHA-256', cost: TEST_CONCERN_OPTIONS.pow.cost, keyLength: 32 });
      expect(challenge.parameters.keySignature).toMatch(/^[0-9a-f]{64}$/);
      expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
      const expiresInS = (challenge.parameters.expiresAt ?? 0) - Date.now() / 1000;
      expect(expiresInS).toBeGreaterThan(9 * 60);
      expect(expiresInS).toBeLessThanOrEqual(10 * 60);
    });

    it('is signed with one key generated for this installation and kept in app_state', async () => {
      await fetch(`${t.app.url}/api/concern-challenge`);
      const rows = await t.db.knex('app_state').where({ key: 'altcha_hmac_key' }).select('value');
      expect(rows).toHaveLength(1);
      expect(String(rows[0].value)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('before any districts are loaded', () => {
    it('refuses reports with a clear message, storing nothing', async () => {
      const res = await postConcern(t.app.url, speedingReport());
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('no_area');
      expect(res.body.message).toContain('roadsafe import districts');
      expect(await count()).toBe(0);
    });
  });

  describe('with the Lancashire districts', () => {
    beforeAll(async () => {
      await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
    });

    it('stores a reported point with its reference, district, both projections, a hashed token and a created event', async () => {
      const versionBefore = await dataVersion(t.db.knex, 'concerns');
      const res = await postConcern(t.app.url, speedingReport({ email: '  Jo.Clarke@Example.org ', name: 'Jo Clarke' }));
      expect(res.status).toBe(201);
      const { reference, token, statusUrl } = res.body as { reference: string; token: string; statusUrl: string };
      const year = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' }).format(new Date());
      expect(reference).toMatch(new RegExp(`^CON-${year}-\\d{6}$`));
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(statusUrl).toBe(`/concern.html?ref=${reference}&token=${token}`);

      const row = await t.db.knex('concerns').where({ reference }).first();
      expect(row).toMatchObject({
        category: 'speeding',
        source: 'public_form',
        status: 'received',
        district_code: 'E07000123',
        when_days: ['fri', 'sat'],
        when_times: ['evening', '22:30-01:00'],
        location_text: 'Garstang Road by the Black Bull',
        reporter_email: 'Jo.Clarke@Example.org',
        reporter_name: 'Jo Clarke',
        reporter_key: sha256('jo.clarke@example.org'),
        token_hash: sha256(token),
        outcome: null,
        duplicate_of: null,
      });
      const { rows } = await t.db.knex.raw(
        `SELECT ST_SRID(geom) AS srid, ST_SRID(geom_4326) AS srid_4326, GeometryType(geom) AS kind,
                round(ST_X(geom_4326)::numeric, 4)::float8 AS lon, round(ST_Y(geom_4326)::numeric, 4)::float8 AS lat,
                ST_Distance(geom, ST_Transform(geom_4326, 27700)) AS drift_m
         FROM concerns WHERE reference = ?`,
        [reference],
      );
      expect(rows[0]).toMatchObject({ srid: 27700, srid_4326: 4326, kind: 'POINT', lon: -2.709, lat: 53.785 });
      expect(rows[0].drift_m).toBeLessThan(0.001);
      const events = await t.db.knex('concern_events').where({ concern_id: row.id }).select('actor', 'action', 'to_status');
      expect(events).toEqual([{ actor: 'public', action: 'created', to_status: 'received' }]);
      expect(await dataVersion(t.db.knex, 'concerns')).toBe(versionBefore + 1);
    });

    it('sends an acknowledgement with the absolute status link, and nothing the reporter typed', async () => {
      const res = await postConcern(t.app.url, speedingReport({ email: 'ack@example.org', name: 'Ann Example', description: 'Speeding every night, <a href="http://spam.example">win</a>' }));
      expect(res.status).toBe(201);
      const { reference, token } = res.body as { reference: string; token: string };
      const mail = (await outbox()).find((m) => m.to === 'ack@example.org');
      expect(mail?.subject).toBe(`We have received your road safety concern ${reference}`);
      expect(mail?.text).toContain(`https://roadsafe.example.org/concern.html?ref=${reference}&token=${token}`);
      expect(mail?.text).not.toContain('spam.example');
      expect(mail?.text).not.toContain('Ann Example');
    });

    it('sends no email when none was given', async () => {
      const before = (await outbox()).length;
      expect((await postConcern(t.app.url, speedingReport())).status).toBe(201);
      expect((await outbox()).length).toBe(before);
      const row = await t.db.knex('concerns').orderBy('id', 'desc').first('reporter_key', 'reporter_email');
      expect(row).toEqual({ reporter_key: null, reporter_email: null });
    });

    it('stores a drawn stretch of road as a LineString in its district', async () => {
      const res = await postConcern(t.app.url, speedingReport({ location: GARSTANG_ROAD_STRETCH }));
      expect(res.status).toBe(201);
      const { rows } = await t.db.knex.raw(`SELECT GeometryType(geom) AS kind, ST_NPoints(geom) AS points, ST_Length(geom) AS length_m, district_code FROM concerns WHERE reference = ?`, [
        res.body.reference as string,
      ]);
      expect(rows[0]).toMatchObject({ kind: 'LINESTRING', points: 3, district_code: 'E07000123' });
      expect(rows[0].length_m).toBeGreaterThan(1000);
      expect(rows[0].length_m).toBeLessThan(1250);
    });

    it('accepts a stretch across a district boundary, filed under the district of its middle', async () => {
      // London Road from Preston city centre over the Ribble into Walton-le-Dale (South Ribble).
      const acrossTheRibble = { type: 'LineString', coordinates: [[-2.6998, 53.7594], [-2.6850, 53.7520], [-2.67, 53.745]] };
      const res = await postConcern(t.app.url, speedingReport({ location: acrossTheRibble }));
      expect(res.status).toBe(201);
      const { rows } = await t.db.knex.raw(
        `SELECT c.district_code, (SELECT array_agg(d.code ORDER BY d.code) FROM districts d WHERE ST_Intersects(d.geom_bng, c.geom)) AS crosses,
                (SELECT d.code FROM districts d WHERE ST_Covers(d.geom_bng, ST_LineInterpolatePoint(c.geom, 0.5))) AS middle
         FROM concerns c WHERE reference = ?`,
        [res.body.reference as string],
      );
      expect(rows[0].crosses).toEqual(['E07000123', 'E07000126']);
      expect(rows[0].district_code).toBe(rows[0].middle);
    });

    it('still stores the report and answers 201 when the mail server is down', async () => {
      // Nothing listens on the discard port; sending fails at once and is logged, not thrown.
      t.app.ctx.config.SMTP_URL = 'smtp://127.0.0.1:9';
      try {
        const res = await postConcern(t.app.url, speedingReport({ email: 'unlucky@example.org' }));
        expect(res.status).toBe(201);
        expect(await t.db.knex('concerns').where({ reference: res.body.reference as string }).first('reporter_email')).toEqual({ reporter_email: 'unlucky@example.org' });
      } finally {
        t.app.ctx.config.SMTP_URL = undefined;
      }
    });

    it('numbers references one after another, also when reports arrive together', async () => {
      const bodies = await Promise.all(Array.from({ length: 4 }, async () => ({ ...speedingReport(), altcha: await solvedPow(t.app.url) })));
      const results = await Promise.all(bodies.map((body) => postConcern(t.app.url, body)));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      const numbers = results.map((r) => Number(r.body.reference?.slice(-6))).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(4);
      expect(numbers[3]! - numbers[0]!).toBe(3);
    });

    describe('the private status link', () => {
      let reference: string;
      let token: string;
      beforeAll(async () => {
        const res = await postConcern(t.app.url, speedingReport({ email: 'status@example.org', name: 'Sam Status' }));
        ({ reference, token } = res.body as { reference: string; token: string });
      });

      it('shows status, outcome and history, and nothing else', async () => {
        const res = await status(reference, token);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const body = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['category', 'createdAt', 'history', 'outcome', 'outcomeNote', 'reference', 'status', 'statusLabel', 'updatedAt']);
        expect(body).toMatchObject({ reference, category: 'speeding', status: 'received', statusLabel: 'Received', outcome: null, outcomeNote: null });
        expect(body.history).toEqual([{ at: body.createdAt, status: 'received' }]);
        const text = JSON.stringify(body);
        for (const secret of ['status@example.org', 'Sam Status', 'Cars race north', 'Black Bull']) expect(text).not.toContain(secret);
      });

      it('answers 404 with one message for a wrong token, no token, an unknown reference and a malformed one', async () => {
        const answers = await Promise.all([
          status(reference, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
          status(reference),
          status(reference, ''),
          status('CON-2001-999999', token),
          status('not-a-reference', token),
        ]);
        const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ error: string; message: string }>));
        expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
        expect(new Set(bodies.map((b) => b.message)).size).toBe(1);
        expect(bodies[0]?.error).toBe('not_found');
      });
    });

    it('answers a filled honeypot like a success but stores and sends nothing', async () => {
      const before = { concerns: await count(), events: await count('concern_events'), mails: (await outbox()).length };
      const res = await postConcern(t.app.url, speedingReport({ website: 'http://cheap-pills.example', email: 'bot-target@example.org' }));
      expect(res.status).toBe(201);
      expect(res.body.reference).toMatch(/^CON-\d{4}-\d{6}$/);
      expect(res.body.statusUrl).toBe(`/concern.html?ref=${res.body.reference}&token=${res.body.token}`);
      expect({ concerns: await count(), events: await count('concern_events'), mails: (await outbox()).length }).toEqual(before);
      expect((await status(res.body.reference as string, res.body.token)).status).toBe(404);
    });

    describe('the proof of work', () => {
      it('is required', async () => {
        const before = await count();
        const { altcha: _unused, ...withoutPow } = { ...speedingReport(), altcha: undefined };
        const res = await fetch(`${t.app.url}/api/concerns`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': freshIp() },
          body: JSON.stringify(withoutPow),
        });
        const body = (await res.json()) as { errors: Array<{ field: string; code: string; message: string }> };
        expect(res.status).toBe(400);
        expect(body.errors).toEqual([{ field: 'body.altcha', code: 'proof_of_work', message: 'complete the anti-spam check (it runs in your browser) before sending' }]);
        expect(await count()).toBe(before);
      });

      it('refuses a wrong solution, a tampered challenge and garbage', async () => {
        const challenge = (await (await fetch(`${t.app.url}/api/concern-challenge`)).json()) as Challenge;
        const good = JSON.parse(Buffer.from(await solveChallengeToPayload(challenge), 'base64').toString()) as { challenge: Challenge; solution: { counter: number; derivedKey: string } };
        const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
        const wrongSolution = encode({ ...good, solution: { ...good.solution, counter: good.solution.counter + 1, derivedKey: 'ab'.repeat(32) } });
        const tampered = encode({ ...good, challenge: { ...good.challenge, parameters: { ...good.challenge.parameters, cost: 2 } } });
        for (const altcha of [wrongSolution, tampered, 'not base64 json']) {
          const res = await postConcern(t.app.url, speedingReport({ altcha }));
          expect(res.status).toBe(400);
          expect(res.body.errors?.map((e) => e.field)).toEqual(['body.altcha']);
        }
      });

      it('refuses an expired challenge', async () => {
        // Signed with the installation's key, but expired a minute ago.
        const expired = await new ProofOfWork(t.db.knex, { ...TEST_CONCERN_OPTIONS.pow, expiresMinutes: -1 }).challenge();
        const res = await postConcern(t.app.url, speedingReport({ altcha: await solveChallengeToPayload(expired) }));
        expect(res.status).toBe(400);
        expect(res.body.errors?.[0]?.message).toMatch(/expired/);
      });

      it('can be used for one report only', async () => {
        const altcha = await solvedPow(t.app.url);
        expect((await postConcern(t.app.url, speedingReport({ altcha }))).status).toBe(201);
        const before = await count();
        const replay = await postConcern(t.app.url, speedingReport({ altcha }));
        expect(replay.status).toBe(400);
        expect(replay.body.errors).toEqual([{ field: 'body.altcha', code: 'proof_of_work_used', message: 'this anti-spam check was already used; run it again and send the form' }]);
        expect(await count()).toBe(before);
      });
    });

    it(`limits each connection to ${TEST_CONCERN_OPTIONS.reportsPerWindow} reports a window, not counting refused ones`, async () => {
      const ip = freshIp();
      expect((await postConcern(t.app.url, speedingReport({ category: undefined }), ip)).status).toBe(400);
      for (let i = 0; i < TEST_CONCERN_OPTIONS.reportsPerWindow; i++) expect((await postConcern(t.app.url, speedingReport(), ip)).status).toBe(201);
      const before = await count();
      const limited = await postConcern(t.app.url, speedingReport(), ip);
      expect(limited.status).toBe(429);
      expect(limited.body.message).toMatch(/^Too many reports from this connection: at most 3 in 60 minutes\. Try again in \d+ minutes?\.$/);
      expect(await count()).toBe(before);
      expect((await postConcern(t.app.url, speedingReport(), freshIp())).status).toBe(201);
    });

    describe('bad reports get a 400 naming the field, and nothing is stored', () => {
      it('a point outside the area (and the anti-spam check stays usable)', async () => {
        const before = { concerns: await count(), used: await count('pow_challenges_used') };
        const altcha = await solvedPow(t.app.url);
        const res = await postConcern(t.app.url, speedingReport({ location: { type: 'Point', coordinates: PLACES.manchesterPiccadilly }, altcha }));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { field: 'body.location', code: 'outside_area', message: 'is outside the area this service covers; mark a place within the district boundaries' },
        ]);
        expect({ concerns: await count(), used: await count('pow_challenges_used') }).toEqual(before);
        expect((await postConcern(t.app.url, speedingReport({ altcha }))).status).toBe(201);
      });

      it('a stretch that leaves the area', async () => {
        const res = await postConcern(t.app.url, speedingReport({ location: { type: 'LineString', coordinates: [[-2.4, 53.62], [-2.4, 53.58]] } }));
        expect(res.status).toBe(400);
        expect(res.body.errors?.[0]?.message).toContain('all of the stretch must be inside');
      });

      it('a missing category', async () => {
        const before = await count();
        const res = await postConcern(t.app.url, speedingReport({ category: undefined }));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { field: 'body.category', code: 'invalid_value', message: 'required: one of speeding, antisocial_driving, drink_driving, dangerous_driving, parking, other' },
        ]);
        expect(await count()).toBe(before);
      });

      it('every bad field at once, each with its own message', async () => {
        const res = await postConcern(
          t.app.url,
          speedingReport({
            category: 'fast cars',
            location: { type: 'LineString', coordinates: [[-2.7, 53.76], [-2.7, 53.82]] },
            whenDays: ['monday'],
            whenTimes: ['rush hour'],
            description: 'fast',
            email: 'not an email',
          }),
        );
        expect(res.status).toBe(400);
        expect(Object.fromEntries((res.body.errors ?? []).map((e) => [e.field, e.message]))).toEqual({
          'body.category': 'must be one of: speeding, antisocial_driving, drink_driving, dangerous_driving, parking, other',
          'body.location': 'the stretch is 6.7 km long; draw at most 5 km (report separate places separately)',
          'body.whenDays.0': 'each day must be one of: mon, tue, wed, thu, fri, sat, sun',
          'body.whenTimes.0': 'each time must be one of early_morning, morning, daytime, evening, night, or a span such as 07:30-09:00',
          'body.description': 'tell us a little more: at least 10 characters',
          'body.email': 'must be an email address, e.g. name@example.org',
        });
      });
    });
  });

});
