import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataVersion } from '../../server/db/data-versions.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { readOutbox } from '../../server/mail/send.ts';
import { GARSTANG_ROAD_STRETCH, PLACES, postConcern, speedingReport, TEST_CONCERN_OPTIONS } from '../fixtures/concerns/support.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));

interface StaffConcern {
  reference: string;
  status: string;
  statusLabel: string;
  outcome: string | null;
  outcomeNote: string | null;
  duplicateOf: string | null;
  duplicateCount: number;
  hasContact: boolean;
  districtCode: string | null;
  districtName: string | null;
  reporter: { name: string | null; email: string | null } | null;
  allowedNextStatuses: string[];
  duplicates: Array<{ reference: string }>;
  nearby: Array<{ reference: string; distanceM: number }>;
  events: Array<{ actor: string; action: string; fromStatus: string | null; toStatus: string | null; changes: Record<string, unknown>; note: string | null }>;
  [key: string]: unknown;
}

describe.each(testTargets())('staff triage of concerns on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concerns-triage-'));
  const t = useTestApp(target, { DATA_DIR: dataDir, TRUST_PROXY: 'true', PUBLIC_URL: 'https://roadsafe.example.org/' }, { concerns: TEST_CONCERN_OPTIONS });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  let analyst: StaffClient;
  let reviewer: StaffClient;
  /** Reported by jo@example.org on Garstang Road (Preston). */
  let jo: { reference: string; token: string };
  /** Reported without an email on Bolton Road (Chorley). */
  let chorley: { reference: string; token: string };
  /** A stretch of Garstang Road, near Jo's point. */
  let stretch: { reference: string; token: string };

  beforeAll(async () => {
    await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
    await createStaff(t.db.knex, 'analyst@roadsafe.example.org', ['analyst']);
    await createStaff(t.db.knex, 'reviewer@roadsafe.example.org', ['reviewer']);
    analyst = await signIn(t.app.url, 'analyst@roadsafe.example.org');
    reviewer = await signIn(t.app.url, 'reviewer@roadsafe.example.org');
    const report = async (body: Record<string, unknown>) => {
      const res = await postConcern(t.app.url, body);
      if (res.status !== 201) throw new Error(`report answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as { reference: string; token: string };
    };
    jo = await report(speedingReport({ email: 'jo@example.org', name: 'Jo Clarke' }));
    chorley = await report(
      speedingReport({ category: 'parking', location: { type: 'Point', coordinates: PLACES.boltonRoadChorley }, description: 'Parents park on the zig-zags at pick-up time.' }),
    );
    stretch = await report(speedingReport({ location: GARSTANG_ROAD_STRETCH, email: 'stretch@example.org' }));
  });

  /** GET as a staff client (default the analyst; null: anonymous). */
  const get = async (url: string, client: StaffClient | null = analyst) => fetch(`${t.app.url}${url}`, { headers: client?.headers() ?? {} });
  const detail = async (reference: string) => (await (await get(`/api/staff/concerns/${reference}`)).json()) as StaffConcern;
  const patch = async (reference: string, body: Record<string, unknown>, client = analyst) => {
    const res = await fetch(`${t.app.url}/api/staff/concerns/${reference}`, { method: 'PATCH', headers: client.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as StaffConcern & { message?: string; errors?: Array<{ field: string; code: string; message: string }> } };
  };
  const publicStatus = async (reference: string, token: string) => {
    const res = await fetch(`${t.app.url}/api/concerns/${reference}?token=${encodeURIComponent(token)}`);
    return { status: res.status, text: await res.text() };
  };
  const mailsTo = async (to: string) => (await readOutbox({ dataDir })).filter((m) => m.to === to);
  const updatesTo = async (to: string) => (await mailsTo(to)).filter((m) => m.subject.startsWith('Update on'));

  describe('access', () => {
    it('answers 401 to anonymous callers and 403 to roles without triage', async () => {
      expect((await get('/api/staff/concerns', null)).status).toBe(401);
      expect((await get('/api/staff/concerns', reviewer)).status).toBe(403);
      expect((await get(`/api/staff/concerns/${jo.reference}`, reviewer)).status).toBe(403);
      expect((await patch(jo.reference, { status: 'triaged' }, reviewer)).status).toBe(403);
    });
  });

  describe('the triage list', () => {
    it('lists concerns newest first without the reporter contact', async () => {
      const res = await get('/api/staff/concerns');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { numberMatched: number; numberReturned: number; concerns: StaffConcern[] };
      expect(body).toMatchObject({ numberMatched: 3, numberReturned: 3 });
      expect(body.concerns.map((c) => c.reference)).toEqual([stretch.reference, chorley.reference, jo.reference]);
      expect(body.concerns[2]).toMatchObject({ status: 'received', statusLabel: 'Received', hasContact: true, districtCode: 'E07000123', districtName: 'Preston', geometryType: 'Point' });
      expect(body.concerns[0]).toMatchObject({ geometryType: 'LineString', geometry: GARSTANG_ROAD_STRETCH });
      expect(body.concerns[0]?.lengthM).toBeGreaterThan(1000);
      expect(JSON.stringify(body)).not.toContain('jo@example.org');
      expect(JSON.stringify(body)).not.toContain('Jo Clarke');
    });

    it('filters by category, district, source, status, dates, area and text', async () => {
      const refs = async (query: string) => ((await (await get(`/api/staff/concerns?${query}`)).json()) as { concerns: StaffConcern[] }).concerns.map((c) => c.reference);
      expect(await refs('category=parking')).toEqual([chorley.reference]);
      expect(await refs('district=E07000118')).toEqual([chorley.reference]);
      expect(await refs('district=E07000123&category=speeding,parking')).toEqual([stretch.reference, jo.reference]);
      expect(await refs('source=community_survey')).toEqual([]);
      expect(await refs('status=received')).toHaveLength(3);
      expect(await refs('from=2001-01-01&to=2001-12-31')).toEqual([]);
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
      expect(await refs(`from=${today}&to=${today}`)).toHaveLength(3);
      expect(await refs('bbox=-2.7,53.6,-2.6,53.7')).toEqual([chorley.reference]);
      expect(await refs('q=zig-zags')).toEqual([chorley.reference]);
      expect(await refs('limit=1&offset=1')).toEqual([chorley.reference]);
    });

    it('answers 400 naming each bad filter', async () => {
      const res = await get('/api/staff/concerns?status=lost&format=xml&district=Preston');
      const body = (await res.json()) as { errors: Array<{ field: string }> };
      expect(res.status).toBe(400);
      expect(body.errors.map((e) => e.field).sort()).toEqual(['query.district.0', 'query.format', 'query.status.0']);
    });

    it('gives GeoJSON for the map', async () => {
      const res = await get('/api/staff/concerns?format=geojson');
      expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
      const fc = (await res.json()) as { type: string; features: Array<{ id: string; geometry: { type: string }; properties: StaffConcern }> };
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.features.map((f) => [f.id, f.geometry.type])).toEqual([
        [stretch.reference, 'LineString'],
        [chorley.reference, 'Point'],
        [jo.reference, 'Point'],
      ]);
      expect(fc.features[2]?.properties).toMatchObject({ reference: jo.reference, category: 'speeding', hasContact: true });
    });

    it('exports CSV with WKT and no contact details', async () => {
      const res = await get('/api/staff/concerns?format=csv');
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('x-total-count')).toBe('3');
      const text = await res.text();
      expect(text).not.toContain('jo@example.org');
      const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((r) => r.reference)).toEqual([stretch.reference, chorley.reference, jo.reference]);
      expect(rows[2]).toMatchObject({ category: 'speeding', district_code: 'E07000123', when_days: 'fri sat', when_times: 'evening 22:30-01:00', has_contact: 'true', wkt: 'POINT(-2.709 53.785)' });
      expect(rows[0]?.wkt).toBe('LINESTRING(-2.7088 53.7749, -2.7097 53.7805, -2.7105 53.7851)');
    });
  });

  describe('one concern', () => {
    it('shows the reporter contact, the allowed next statuses, nearby concerns and the history', async () => {
      const res = await get(`/api/staff/concerns/${jo.reference}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as StaffConcern;
      expect(body).toMatchObject({
        reference: jo.reference,
        reporter: { name: 'Jo Clarke', email: 'jo@example.org' },
        allowedNextStatuses: ['triaged', 'awaiting_speed_data', 'assessed', 'outcome', 'closed'],
        duplicates: [],
      });
      expect(body.nearby.map((n) => n.reference)).toEqual([stretch.reference]);
      expect(body.nearby[0]?.distanceM).toBeLessThan(150);
      expect(body.events).toEqual([expect.objectContaining({ actor: 'public', action: 'created', toStatus: 'received' })]);
    });

    it('answers 404 for an unknown reference', async () => {
      expect((await get('/api/staff/concerns/CON-2001-000001')).status).toBe(404);
      expect((await patch('CON-2001-000001', { status: 'triaged' })).status).toBe(404);
    });
  });

  describe('the triage flow', () => {
    it('moves through the statuses, recording who and what, and emails the reporter a working link each time', async () => {
      const versionBefore = await dataVersion(t.db.knex, 'concerns');
      const triaged = await patch(jo.reference, { status: 'triaged', note: 'Plausible: matches collision pattern' });
      expect(triaged.status).toBe(200);
      expect(triaged.body).toMatchObject({ status: 'triaged', allowedNextStatuses: ['received', 'awaiting_speed_data', 'assessed', 'outcome', 'closed'] });
      expect(triaged.body.events.at(-1)).toEqual({
        at: expect.any(String),
        actor: 'analyst@roadsafe.example.org',
        action: 'status',
        fromStatus: 'received',
        toStatus: 'triaged',
        changes: { status: ['received', 'triaged'] },
        note: 'Plausible: matches collision pattern',
      });
      expect(await dataVersion(t.db.knex, 'concerns')).toBe(versionBefore + 1);

      const [ack, update] = await mailsTo('jo@example.org');
      expect(ack?.subject).toBe(`We have received your road safety concern ${jo.reference}`);
      expect(update?.subject).toBe(`Update on your road safety concern ${jo.reference}: Triaged`);
      expect(update?.text).toContain('Status: Triaged');
      expect(update?.text).not.toContain('collision pattern');
      // The link in the update works, and so does the one from the report.
      const link = /https:\/\/roadsafe\.example\.org\/concern\.html\?ref=(CON-\d{4}-\d{6})&token=([A-Za-z0-9_-]{43})/.exec(update?.text ?? '');
      expect(link?.[1]).toBe(jo.reference);
      expect(link?.[2]).not.toBe(jo.token);
      expect((await publicStatus(jo.reference, link?.[2] ?? '')).status).toBe(200);
      expect((await publicStatus(jo.reference, jo.token)).status).toBe(200);

      expect((await patch(jo.reference, { status: 'awaiting_speed_data' })).status).toBe(200);
      expect((await patch(jo.reference, { status: 'assessed', note: 'ATC survey: 85th percentile 41 mph' })).status).toBe(200);
      const outcome = await patch(jo.reference, {
        status: 'outcome',
        outcome: 'enforcement_site',
        outcomeNote: 'Garstang Road has been added to the mobile camera site list from April.',
      });
      expect(outcome.status).toBe(200);
      expect(outcome.body).toMatchObject({ status: 'outcome', outcome: 'enforcement_site', outcomeLabel: 'Added to an enforcement site' });
      expect(outcome.body.events.slice(-2).map((e) => [e.action, e.changes])).toEqual([
        ['status', { status: ['assessed', 'outcome'] }],
        ['outcome', { outcome: [null, 'enforcement_site'], outcomeNote: [null, 'Garstang Road has been added to the mobile camera site list from April.'] }],
      ]);
      const mails = await updatesTo('jo@example.org');
      expect(mails.map((m) => m.subject.split(': ').at(-1))).toEqual(['Triaged', 'Awaiting speed data', 'Assessed', 'Outcome decided']);
      expect(mails.at(-1)?.text).toContain('Outcome: Added to an enforcement site');
      expect(mails.at(-1)?.text).toContain('Garstang Road has been added to the mobile camera site list from April.');
      expect(mails.at(-1)?.text).not.toContain('85th percentile');
    });

    it('shows the reporter the outcome and history but never staff notes or contact details', async () => {
      const res = await publicStatus(jo.reference, jo.token);
      const body = JSON.parse(res.text) as { status: string; outcome: string; outcomeNote: string; history: Array<{ status: string }> };
      expect(body).toMatchObject({ status: 'outcome', outcome: 'enforcement_site', outcomeNote: 'Garstang Road has been added to the mobile camera site list from April.' });
      expect(body.history.map((h) => h.status)).toEqual(['received', 'triaged', 'awaiting_speed_data', 'assessed', 'outcome']);
      for (const secret of ['collision pattern', '85th percentile', 'jo@example.org', 'Jo Clarke', 'analyst@roadsafe.example.org']) expect(res.text).not.toContain(secret);
    });

    it('goes back one step only with a note, and never two', async () => {
      const eventsBefore = (await detail(jo.reference)).events.length;
      const noNote = await patch(jo.reference, { status: 'assessed' });
      expect(noNote.status).toBe(409);
      expect(noNote.body.message).toBe('Moving back from outcome to assessed needs a note saying why.');
      const twoBack = await patch(jo.reference, { status: 'awaiting_speed_data', note: 'redo' });
      expect(twoBack.status).toBe(409);
      expect(twoBack.body.message).toContain('allowed next statuses: assessed, closed');
      expect((await detail(jo.reference)).events.length).toBe(eventsBefore);

      const back = await patch(jo.reference, { status: 'assessed', note: 'Camera partnership cannot take the site until the road is resurfaced' });
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ status: 'assessed', outcome: null, outcomeNote: null });
      expect(back.body.events.slice(-2).map((e) => [e.action, e.note])).toEqual([
        ['status', 'Camera partnership cannot take the site until the road is resurfaced'],
        ['outcome', null],
      ]);
    });

    it('needs the reason for no action, and changes nothing without it', async () => {
      const before = await detail(jo.reference);
      const res = await patch(jo.reference, { outcome: 'no_action' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'body.outcomeNote', code: 'required', message: 'give the reason for no action in outcomeNote (the reporter sees it)' }]);
      expect(await detail(jo.reference)).toEqual(before);

      const withReason = await patch(jo.reference, { outcome: 'no_action', outcomeNote: 'Measured speeds were within the limit.' });
      expect(withReason.status).toBe(200);
      expect(withReason.body).toMatchObject({ status: 'outcome', outcome: 'no_action', outcomeNote: 'Measured speeds were within the limit.' });
      expect((await patch(jo.reference, { status: 'closed' })).body).toMatchObject({ status: 'closed', allowedNextStatuses: ['outcome'] });
    });

    it('records a note on its own, and sends no email for it', async () => {
      const mailsBefore = (await mailsTo('jo@example.org')).length;
      const res = await patch(jo.reference, { note: 'Resident phoned to say thanks' });
      expect(res.status).toBe(200);
      expect(res.body.events.at(-1)).toMatchObject({ action: 'note', actor: 'analyst@roadsafe.example.org', note: 'Resident phoned to say thanks', changes: {} });
      expect((await mailsTo('jo@example.org')).length).toBe(mailsBefore);
    });

    it('writes nothing for a change to the same values', async () => {
      const before = await detail(jo.reference);
      const res = await patch(jo.reference, { status: 'closed' });
      expect(res.status).toBe(200);
      expect((await detail(jo.reference)).events).toEqual(before.events);
    });

    it('answers 400 for an empty change and bad values', async () => {
      expect((await patch(chorley.reference, {})).body.errors?.[0]?.message).toBe('give at least one of status, outcome, outcomeNote, duplicateOf, note');
      const bad = await patch(chorley.reference, { status: 'lost', outcome: 'prison', duplicateOf: 'nope' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['body.duplicateOf', 'body.outcome', 'body.status']);
    });
  });

  describe('duplicates', () => {
    it('links a concern to the one it duplicates, both ways in the views', async () => {
      const res = await patch(stretch.reference, { duplicateOf: jo.reference, status: 'closed', note: 'Same stretch as Jo’s report' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ duplicateOf: jo.reference, status: 'closed', outcome: null });
      expect(res.body.events.slice(-2).map((e) => [e.action, e.changes, e.note])).toEqual([
        ['status', { status: ['received', 'closed'] }, 'Same stretch as Jo’s report'],
        ['duplicate', { duplicateOf: [null, jo.reference] }, null],
      ]);
      const original = await detail(jo.reference);
      expect(original).toMatchObject({ duplicateCount: 1, duplicates: [expect.objectContaining({ reference: stretch.reference, status: 'closed' })] });
      // A linked duplicate is no longer offered as a possible one.
      expect(original.nearby.map((n) => n.reference)).not.toContain(stretch.reference);
      const list = (await (await get('/api/staff/concerns?duplicate=true')).json()) as { concerns: StaffConcern[] };
      expect(list.concerns.map((c) => c.reference)).toEqual([stretch.reference]);
    });

    it('refuses itself, unknown references and cycles', async () => {
      const self = await patch(jo.reference, { duplicateOf: jo.reference });
      expect(self.status).toBe(400);
      expect(self.body.errors?.[0]).toMatchObject({ field: 'body.duplicateOf', message: 'a concern cannot be a duplicate of itself' });
      const unknown = await patch(jo.reference, { duplicateOf: 'CON-2001-000001' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors?.[0]?.message).toBe('no concern has the reference "CON-2001-000001"');
      const cycle = await patch(jo.reference, { duplicateOf: stretch.reference });
      expect(cycle.status).toBe(409);
      expect(cycle.body.message).toContain(`${stretch.reference} is already a duplicate of ${jo.reference}`);
      expect((await detail(jo.reference)).duplicateOf).toBeNull();
    });

    it('keeps a closed duplicate closed only while it is a duplicate or has an outcome', async () => {
      const unlink = await patch(stretch.reference, { duplicateOf: null });
      expect(unlink.status).toBe(400);
      expect(unlink.body.errors?.[0]?.field).toBe('body.outcome');
    });
  });
});
