import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Challenge } from 'altcha-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../geo/calendar/time.ts';
import { verifyAuditLog } from '../../server/audit/log.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { readOutbox } from '../../server/mail/send.ts';
import { ELIGIBILITY_QUESTIONS, MESSAGES, windowRefusedMessage } from '../../server/snap/messages.ts';
import { statementText } from '../../server/snap/submission-schema.ts';
import { solveChallengeToPayload, TEST_CONCERN_OPTIONS } from '../fixtures/concerns/support.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';


const LANCASHIRE_DISTRICTS = fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url));
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SUBMISSIONS_PER_HOUR = 10;

const NARRATIVE =
  'I was cycling north on Garstang Road in the cycle lane when a blue Ford overtook me with less than half a metre to spare, ' +
  'then cut in sharply before the junction. I had to brake hard and swerve towards the kerb to avoid being hit.';

/** A valid submission about yesterday, from the example in the issue. */
function submission(change: (body: ReturnType<typeof base>) => void = () => undefined) {
  const body = base();
  change(body);
  return body;
}
function base() {
  return {
    eligibility: { inArea: true, collisionOrInjury: false, parkingOnly: false, speedOnly: false, over18: true, witnessed: true, willingToAttendCourt: true },
    incident: {
      date: addDays(localDate(Date.now()), -1),
      time: '17:45',
      timeApproximate: false,
      cameraClockOffsetMinutes: 0,
      location: 'A6 Garstang Road at the junction with Blackpool Road, Preston',
      lon: -2.7037 as number | null,
      lat: 53.7794 as number | null,
      offenceType: 'close_pass',
      reporterRoadUser: 'cyclist',
      vrm: 'AB12 CDE',
      vehicleMake: 'Ford',
      vehicleColour: 'Blue',
    },
    statement: { narrative: NARRATIVE, declaration: true, signatureName: 'Jane Smith' },
    submitter: { fullName: 'Jane Smith', dateOfBirth: '1980-05-01', address: '1 High Street, Preston', postcode: 'pr12ab', email: 'jane@example.org', phone: '07700 900123' },
    website: '',
  };
}

let nextIp = 10;
const freshIp = () => `203.0.113.${nextIp++ % 250}`;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

describe.each(testTargets())('Operation Snap submissions on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-submissions-'));
  // The production proof of work takes a browser a second or two; tests solve a trivial one.
  const t = useTestApp(target, { DATA_DIR: dataDir, TRUST_PROXY: 'true', PUBLIC_URL: 'https://roadsafe.example.org' }, { snap: { pow: TEST_CONCERN_OPTIONS.pow } });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  beforeAll(async () => {
    await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
  });

  const count = async (table: string) => Number((await t.db.knex.raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const solved = async () => solveChallengeToPayload((await (await fetch(`${t.app.url}/api/snap/challenge`)).json()) as Challenge);
  const send = async (method: string, url: string, init: { body?: unknown; token?: string | null; ip?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { 'X-Forwarded-For': init.ip ?? freshIp() };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    const res = await fetch(`${t.app.url}${url}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  /** POST /api/snap/submissions with a solved proof of work (unless the body has `altcha`). */
  const create = async (body: Record<string, unknown>, ip = freshIp()) => send('POST', '/api/snap/submissions', { body: 'altcha' in body ? body : { ...body, altcha: await solved() }, ip });
  const mailsTo = async (to: string) => (await readOutbox({ dataDir })).filter((m) => m.to === to);
  const codeIn = (text: string) => /Your code is (\d{6})/.exec(text)?.[1];
  const routeOf = (reference: string, action = '') => `/api/snap/submissions/${reference}${action ? `/${action}` : ''}`;

  /** Creates a submission for `email` and returns its reference, token and emailed code. */
  async function started(email: string) {
    const res = await create(submission((b) => (b.submitter.email = email)));
    expect(res.status).toBe(201);
    const mail = (await mailsTo(email)).at(-1)!;
    return { reference: res.body.reference as string, token: res.body.token as string, code: codeIn(mail.text)! };
  }
  /** A submission with its email confirmed (awaiting footage). */
  async function verified(email: string) {
    const s = await started(email);
    expect((await send('POST', routeOf(s.reference, 'verify'), { token: s.token, body: { code: s.code } })).status).toBe(200);
    return s;
  }

  it('hands out a signed, uncached ALTCHA challenge', async () => {
    const res = await fetch(`${t.app.url}/api/snap/challenge`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const challenge = (await res.json()) as Challenge;
    expect(challenge.parameters.algorithm).toBe('PBKDF2/SHA-256');
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('documents the submission body (with the honeypot and the proof of work) in the OpenAPI document', async () => {
    const res = await fetch(`${t.app.url}/api/openapi.json`);
    expect(res.status, await res.clone().text()).toBe(200);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
    };
    const body = JSON.stringify(doc.paths['/api/snap/submissions']?.post?.requestBody);
    for (const field of ['eligibility', 'incident', 'statement', 'submitter', 'website', 'altcha', 'offenceType', 'close_pass']) expect(body).toContain(field);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/snap/submissions'))).toHaveLength(6);
  });

  describe('the happy path', () => {
    let reference = '';
    let token = '';

    it('stores a valid submission as a draft with a reference, a hashed token, the statement hash and the deadlines, and answers 201', async () => {
      const res = await create(submission((b) => (b.submitter.email = 'jane@example.org')));
      expect(res.status).toBe(201);
      ({ reference, token } = res.body);
      const year = localDate(Date.now()).slice(0, 4);
      expect(reference).toMatch(new RegExp(`^SNAP-${year}-\\d{6}$`));
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const incidentDate = addDays(localDate(Date.now()), -1);
      expect(res.body).toMatchObject({
        state: 'draft',
        statusUrl: `/snap/status?ref=${reference}#${token}`,
        deadlines: { noticeBy: addDays(incidentDate, 14), submitBy: addDays(incidentDate, 7), warnUntil: addDays(incidentDate, 10), noticeRequired: true },
        warnings: [],
        verificationEmailSent: true,
      });
      expect(res.body.deadlines.postBy < res.body.deadlines.noticeBy).toBe(true);

      const row = await t.db.knex('snap_submissions').where({ reference }).first();
      expect(row).toMatchObject({
        token_hash: sha256(token),
        state: 'draft',
        vrm: 'AB12CDE',
        offence_type: 'close_pass',
        submitter_postcode: 'PR1 2AB',
        submitter_phone: '+447700900123',
        submitter_key: sha256('jane@example.org'),
        district_code: 'E07000123',
        verification_attempts: 0,
        email_verified_at: null,
      });
      expect(row.statement_sha256).toBe(sha256(statementText({ narrative: NARRATIVE, signatureName: 'Jane Smith' }, new Date(row.statement_signed_at).toISOString())));
      expect(row.verification_code_hash).toMatch(/^[0-9a-f]{64}$/);
      const stages = await t.db.knex('snap_stages').where({ submission_id: row.id }).pluck('state');
      expect(stages).toEqual(['draft']);
    });

    it('emails the code with the reference, the status link and the reminder to keep the original and not post it online', async () => {
      const [mail] = await mailsTo('jane@example.org');
      expect(mail!.subject).toMatch(new RegExp(`^Your Operation Snap code: \\d{6} \\(${reference}\\)$`));
      expect(mail!.text).toContain(`Your reference is ${reference}.`);
      expect(mail!.text).toContain(`https://roadsafe.example.org/snap/status?ref=${reference}#${token}`);
      expect(mail!.text).toContain('Keep the original footage');
      expect(mail!.text).toContain('Do not post it online');
      expect(mail!.text).not.toContain('AB12');
    });

    it('refuses a wrong code with the tries left, then accepts the right one and waits for footage', async () => {
      const code = codeIn((await mailsTo('jane@example.org'))[0]!.text)!;
      const wrong = code === '000000' ? '000001' : '000000';
      const bad = await send('POST', routeOf(reference, 'verify'), { token, body: { code: wrong } });
      expect(bad).toMatchObject({ status: 422, body: { error: 'code_wrong', attemptsLeft: 4 } });
      expect(bad.body.message).toContain('4 more times');
      const malformed = await send('POST', routeOf(reference, 'verify'), { token, body: { code: '12ab' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors[0]).toMatchObject({ field: 'body.code' });

      const ok = await send('POST', routeOf(reference, 'verify'), { token, body: { code } });
      expect(ok).toEqual({ status: 200, body: { reference, state: 'awaiting_footage', emailVerified: true } });
      const again = await send('POST', routeOf(reference, 'verify'), { token, body: { code } });
      expect(again).toEqual({ status: 200, body: { reference, state: 'awaiting_footage', emailVerified: true } });
      const mails = await mailsTo('jane@example.org');
      expect(mails).toHaveLength(2);
      expect(mails[1]!.subject).toBe(`Operation Snap ${reference}: Waiting for your footage`);
    });

    it('shows the status: stages with dates and what happens next, files, deadlines, and nothing about the driver or the submitter', async () => {
      const res = await send('GET', routeOf(reference), { token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        reference,
        state: 'awaiting_footage',
        stateLabel: 'Waiting for your footage',
        emailVerified: true,
        incident: { offenceType: 'close_pass' },
        files: [],
        outcome: null,
        canUpload: true,
        canComplete: false,
        canWithdraw: true,
      });
      expect(res.body.stages.map((s: { state: string }) => s.state)).toEqual(['draft', 'awaiting_footage']);
      for (const stage of res.body.stages) {
        expect(stage).toEqual({ state: stage.state, label: expect.any(String), at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/), whatNext: expect.any(String), note: null });
      }
      expect(Object.keys(res.body.deadlines).sort()).toEqual(['noticeBy', 'postBy', 'submitBy']);
      const text = JSON.stringify(res.body);
      for (const secret of ['AB12', 'Ford', 'Jane', 'jane@', 'High Street', 'Garstang']) expect(text).not.toContain(secret);
    });

    it('refuses to complete with no file or one still uploading, then completes with a checked file: processing, submitted, one email', async () => {
      const row = await t.db.knex('snap_submissions').where({ reference }).first('id');
      const none = await send('POST', routeOf(reference, 'complete'), { token });
      expect(none).toMatchObject({ status: 409, body: { error: 'no_footage' } });
      await t.db.knex('snap_files').insert({ submission_id: row.id, upload_id: `u-${reference}-1`, original_name: 'FILE0001.MP4', size_bytes: 1000, received_bytes: 600, storage_key: `k-${reference}-1`, state: 'uploading' });
      const busy = await send('POST', routeOf(reference, 'complete'), { token });
      expect(busy).toMatchObject({ status: 409, body: { error: 'files_not_ready' } });
      // The unfinished file's upload URL is in the status, so the submitter can resume or cancel it.
      expect((await send('GET', routeOf(reference), { token })).body.files).toEqual([
        expect.objectContaining({ uploadId: `u-${reference}-1`, uploadUrl: `/api/snap/uploads/u-${reference}-1`, state: 'uploading', receivedBytes: 600 }),
      ]);
      await t.db.knex('snap_files').where({ upload_id: `u-${reference}-1` }).update({ state: 'ready', received_bytes: 1000, sha256: 'f'.repeat(64) });
      await t.db.knex('snap_files').insert({ submission_id: row.id, upload_id: `u-${reference}-2`, original_name: 'notes.txt', size_bytes: 10, received_bytes: 10, storage_key: `k-${reference}-2`, state: 'rejected', message: 'This is not a video file.' });

      const done = await send('POST', routeOf(reference, 'complete'), { token });
      expect(done).toEqual({ status: 200, body: { reference, state: 'submitted' } });
      const status = await send('GET', routeOf(reference), { token });
      expect(status.body.stages.map((s: { state: string }) => s.state)).toEqual(['draft', 'awaiting_footage', 'uploading', 'processing', 'submitted']);
      expect(status.body.files).toEqual([
        { uploadId: `u-${reference}-1`, uploadUrl: null, name: 'FILE0001.MP4', size: 1000, receivedBytes: 1000, sha256: 'f'.repeat(64), state: 'ready', message: null },
        { uploadId: `u-${reference}-2`, uploadUrl: null, name: 'notes.txt', size: 10, receivedBytes: 10, sha256: null, state: 'rejected', message: 'This is not a video file.' },
      ]);
      expect((await t.db.knex('snap_submissions').where({ reference }).first('submitted_at')).submitted_at).not.toBeNull();
      // One status email for "Received", from settling (never a second one for the same stage).
      const received = (await mailsTo('jane@example.org')).filter((m) => m.subject === `Operation Snap ${reference}: Received`);
      expect(received).toHaveLength(1);
      expect(received[0]!.text).toContain(`#${token}`);
      expect((await send('POST', routeOf(reference, 'complete'), { token })).status).toBe(409);
    });

    it('writes an audit entry for the creation and every state change, as the submitter, and the chain verifies', async () => {
      const entries = await t.db.knex('audit_log').where({ reference }).orderBy('id').select('actor_kind', 'actor_id', 'action', 'details');
      expect(entries.map((e) => [e.actor_kind, e.action, e.details.to ?? e.details.state])).toEqual([
        ['submitter', 'submission.created', 'draft'],
        ['submitter', 'state.changed', 'awaiting_footage'],
        ['submitter', 'state.changed', 'uploading'],
        ['submitter', 'state.changed', 'processing'],
        ['system', 'state.changed', 'submitted'],
      ]);
      expect(entries[0].actor_id).toBe(reference);
      // No personal data: the audit log outlives the retention period.
      expect(JSON.stringify(entries)).not.toMatch(/Jane|jane@|AB12|High Street|pr12ab|PR1 2AB|07700|FILE0001|notes\.txt/i);
      expect(await verifyAuditLog(t.db.knex)).toMatchObject({ ok: true });
    });
  });

  describe('refusals (422, the plain message, nothing stored)', () => {
    const eligibility = (key: keyof typeof ELIGIBILITY_QUESTIONS, value: boolean) => ({ field: `eligibility.${key}`, code: ELIGIBILITY_QUESTIONS[key].refusalCode, value });
    const cases: Array<[string, (b: ReturnType<typeof base>) => void, { field: string; code: string; message: string }]> = [
      ['not in the area', (b) => (b.eligibility.inArea = false), { ...eligibility('inArea', false), message: ELIGIBILITY_QUESTIONS.inArea.refusal }],
      ['a collision or injury', (b) => (b.eligibility.collisionOrInjury = true), { ...eligibility('collisionOrInjury', true), message: ELIGIBILITY_QUESTIONS.collisionOrInjury.refusal }],
      ['parking', (b) => (b.eligibility.parkingOnly = true), { ...eligibility('parkingOnly', true), message: ELIGIBILITY_QUESTIONS.parkingOnly.refusal }],
      ['speed alone', (b) => (b.eligibility.speedOnly = true), { ...eligibility('speedOnly', true), message: ELIGIBILITY_QUESTIONS.speedOnly.refusal }],
      ['under 18 by the answer', (b) => (b.eligibility.over18 = false), { ...eligibility('over18', false), message: ELIGIBILITY_QUESTIONS.over18.refusal }],
      ['under 18 by the date of birth', (b) => (b.submitter.dateOfBirth = addDays(localDate(Date.now()), -17 * 365)), { field: 'submitter.dateOfBirth', code: 'under_18', message: MESSAGES.under_18 }],
      ['"see video" as the statement', (b) => (b.statement.narrative = 'See video.'), { field: 'statement.narrative', code: 'narrative_refers_to_video', message: MESSAGES.narrative_refers_to_video }],
      ['a signature that is not the name', (b) => (b.statement.signatureName = 'J. Bloggs'), { field: 'statement.signatureName', code: 'signature_mismatch', message: MESSAGES.signature_mismatch }],
      ['a missing registration', (b) => (b.incident.vrm = ''), { field: 'incident.vrm', code: 'vrm_required', message: MESSAGES.vrm_required }],
      ['a pin outside the area box', (b) => ((b.incident.lon = -2.23), (b.incident.lat = 53.477)), { field: 'incident.lon', code: 'pin_outside_area', message: MESSAGES.pin_outside_area }],
      [
        'too late (11 days ago)',
        (b) => (b.incident.date = addDays(localDate(Date.now()), -11)),
        { field: 'incident.date', code: 'too_late', message: windowRefusedMessage(11, 10) },
      ],
    ];

    it.each(cases)('refuses %s', async (_name, change, expected) => {
      const before = await count('snap_submissions');
      const res = await create(submission(change));
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('submission_refused');
      expect(res.body.errors).toContainEqual({ field: expected.field, code: expected.code, message: expected.message });
      expect(await count('snap_submissions')).toBe(before);
    });

    it('refuses a pin inside the box but in no district (the Yorkshire Dales, east of the boundary)', async () => {
      const res = await create(submission((b) => ((b.incident.lon = -2.1), (b.incident.lat = 54.2))));
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'incident.lon', code: 'pin_outside_area', message: MESSAGES.pin_outside_area }]);
    });

    it('accepts a late submission (9 days) with a warning, and one without a map pin', async () => {
      const late = await create(submission((b) => ((b.incident.date = addDays(localDate(Date.now()), -9)), (b.incident.lon = null), (b.incident.lat = null))));
      expect(late.status).toBe(201);
      expect(late.body.warnings).toEqual([expect.objectContaining({ field: 'incident.date', code: expect.stringMatching(/^(late|past_post_by)$/) })]);
      expect((await t.db.knex('snap_submissions').where({ reference: late.body.reference }).first('district_code', 'geom')).geom).toBeNull();
    });

    it('answers a filled honeypot like a success but stores and sends nothing; its token opens nothing', async () => {
      const before = await count('snap_submissions');
      const mailsBefore = (await readOutbox({ dataDir })).length;
      const res = await create(submission((b) => ((b.website = 'http://spam.example'), (b.submitter.email = 'bot@example.org'))));
      expect(res.status).toBe(201);
      expect(res.body.reference).toMatch(/^SNAP-\d{4}-\d{6}$/);
      expect(await count('snap_submissions')).toBe(before);
      expect((await readOutbox({ dataDir })).length).toBe(mailsBefore);
      expect((await send('GET', routeOf(res.body.reference), { token: res.body.token })).status).toBe(404);
    });

    it('refuses a missing, forged or reused proof of work', async () => {
      const missing = await send('POST', '/api/snap/submissions', { body: submission() });
      expect(missing.status).toBe(422);
      expect(missing.body.errors).toEqual([{ field: 'altcha', code: 'proof_of_work', message: expect.stringContaining('anti-spam check') }]);
      const forged = await create({ ...submission(), altcha: Buffer.from('{"challenge":{},"solution":{}}').toString('base64') });
      expect(forged.status).toBe(422);
      expect(forged.body.errors[0]).toMatchObject({ field: 'altcha', code: 'proof_of_work' });
      const altcha = await solved();
      expect((await create({ ...submission(), altcha })).status).toBe(201);
      const replay = await create({ ...submission(), altcha });
      expect(replay.status).toBe(422);
      expect(replay.body.errors[0]).toMatchObject({ field: 'altcha', code: 'proof_of_work_used' });
    });
  });

  it(`refuses the ${SUBMISSIONS_PER_HOUR + 1}th submission from one connection within the hour with 429 (refused ones do not count)`, async () => {
    const ip = '192.0.2.77';
    expect((await create(submission((b) => (b.statement.narrative = 'see video')), ip)).status).toBe(422);
    for (let i = 0; i < SUBMISSIONS_PER_HOUR; i++) expect((await create(submission(), ip)).status).toBe(201);
    const limited = await create(submission(), ip);
    expect(limited.status).toBe(429);
    expect(limited.body.message).toContain(`at most ${SUBMISSIONS_PER_HOUR} in 60 minutes`);
    expect((await create(submission(), freshIp())).status).toBe(201);
  });

  describe('the secret token', () => {
    it('is needed on every submitter route: 401 without it, 404 with another submission\'s token or for an unknown reference', async () => {
      const mine = await started('token-a@example.org');
      const theirs = await started('token-b@example.org');
      const routes: Array<[string, string, unknown]> = [
        ['GET', '', undefined],
        ['POST', 'verify', { code: '123456' }],
        ['POST', 'resend-code', undefined],
        ['POST', 'complete', undefined],
        ['POST', 'withdraw', undefined],
      ];
      for (const [method, action, body] of routes) {
        const anonymous = await send(method, routeOf(mine.reference, action), { body });
        expect(anonymous.status, `${method} ${action} without a token`).toBe(401);
        const other = await send(method, routeOf(mine.reference, action), { body, token: theirs.token });
        expect(other.status, `${method} ${action} with another submission's token`).toBe(404);
        expect(other.body.message).toContain('No submission matches');
        const unknown = await send(method, routeOf('SNAP-1999-000001', action), { body, token: mine.token });
        expect(unknown.status, `${method} ${action} for an unknown reference`).toBe(404);
        expect(unknown.body.message).toBe(other.body.message);
      }
      const basic = await fetch(`${t.app.url}${routeOf(mine.reference)}`, { headers: { Authorization: `Basic ${mine.token}` } });
      expect(basic.status).toBe(401);
      expect(basic.headers.get('www-authenticate')).toContain('Bearer');
      // Nothing changed for the attacked submission.
      expect((await t.db.knex('snap_submissions').where({ reference: mine.reference }).first('state')).state).toBe('draft');
    });
  });

  describe('verification codes', () => {
    it('refuses an expired code, and after five wrong tries refuses even the right one until a new code is sent', async () => {
      const s = await started('codes@example.org');
      await t.db.knex('snap_submissions').where({ reference: s.reference }).update({ verification_sent_at: new Date(Date.now() - 16 * 60_000) });
      const expired = await send('POST', routeOf(s.reference, 'verify'), { token: s.token, body: { code: s.code } });
      expect(expired).toMatchObject({ status: 422, body: { error: 'code_expired', attemptsLeft: 5 } });

      const resent = await send('POST', routeOf(s.reference, 'resend-code'), { token: s.token });
      expect(resent).toMatchObject({ status: 202, body: { reference: s.reference, state: 'draft' } });
      const code = codeIn((await mailsTo('codes@example.org')).at(-1)!.text)!;
      const wrong = code === '999999' ? '999998' : '999999';
      for (let left = 4; left >= 0; left--) {
        expect((await send('POST', routeOf(s.reference, 'verify'), { token: s.token, body: { code: wrong } })).body).toMatchObject({ attemptsLeft: left });
      }
      const exhausted = await send('POST', routeOf(s.reference, 'verify'), { token: s.token, body: { code } });
      expect(exhausted).toMatchObject({ status: 422, body: { error: 'too_many_attempts', attemptsLeft: 0 } });

      await send('POST', routeOf(s.reference, 'resend-code'), { token: s.token });
      const fresh = codeIn((await mailsTo('codes@example.org')).at(-1)!.text)!;
      expect((await send('POST', routeOf(s.reference, 'verify'), { token: s.token, body: { code: fresh } })).status).toBe(200);
      const after = await send('POST', routeOf(s.reference, 'resend-code'), { token: s.token });
      expect(after).toMatchObject({ status: 409, body: { error: 'already_verified' } });
    });

    it('limits new codes per connection (429 after five in an hour)', async () => {
      const s = await started('resend-limit@example.org');
      const ip = '192.0.2.99';
      for (let i = 0; i < 5; i++) expect((await send('POST', routeOf(s.reference, 'resend-code'), { token: s.token, ip })).status).toBe(202);
      expect((await send('POST', routeOf(s.reference, 'resend-code'), { token: s.token, ip })).status).toBe(429);
    });

    it('refuses to complete before the email is confirmed', async () => {
      const s = await started('unconfirmed@example.org');
      expect(await send('POST', routeOf(s.reference, 'complete'), { token: s.token })).toMatchObject({ status: 409, body: { error: 'email_not_verified' } });
    });
  });

  describe('withdrawing', () => {
    it('withdraws before a decision, emails, records the stage and audit entry, and refuses a second time', async () => {
      const s = await verified('withdraw@example.org');
      const res = await send('POST', routeOf(s.reference, 'withdraw'), { token: s.token });
      expect(res).toEqual({ status: 200, body: { reference: s.reference, state: 'withdrawn' } });
      const status = await send('GET', routeOf(s.reference), { token: s.token });
      expect(status.body).toMatchObject({ state: 'withdrawn', canWithdraw: false, canUpload: false });
      expect(status.body.stages.at(-1).state).toBe('withdrawn');
      expect((await mailsTo('withdraw@example.org')).at(-1)!.subject).toBe(`Operation Snap ${s.reference}: Withdrawn`);
      const audit = await t.db.knex('audit_log').where({ reference: s.reference }).orderBy('id', 'desc').first('actor_kind', 'action', 'details');
      expect(audit).toMatchObject({ actor_kind: 'submitter', action: 'state.changed', details: { from: 'awaiting_footage', to: 'withdrawn' } });
      expect(await send('POST', routeOf(s.reference, 'withdraw'), { token: s.token })).toMatchObject({ status: 409, body: { error: 'already_withdrawn' } });
    });

    it('refuses after a decision, and the status shows the outcome category', async () => {
      const s = await verified('decided@example.org');
      const row = await t.db.knex('snap_submissions').where({ reference: s.reference }).first('id');
      // A reviewer's decision, written as the staff routes would.
      await t.db.knex('snap_submissions').where({ id: row.id }).update({ state: 'no_further_action', reason_code: 'plate_unreadable' });
      await t.db.knex('snap_stages').insert({ submission_id: row.id, state: 'no_further_action' });
      const res = await send('POST', routeOf(s.reference, 'withdraw'), { token: s.token });
      expect(res).toMatchObject({ status: 409, body: { error: 'decided' } });
      const status = await send('GET', routeOf(s.reference), { token: s.token });
      expect(status.body.outcome).toEqual({ category: 'no_further_action', label: 'No further action', reason: expect.stringContaining('number plate could not be read') });
    });
  });

  it('leaves an audit log whose whole chain verifies after all of this', async () => {
    const verdict = await verifyAuditLog(t.db.knex);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.count).toBe(await count('audit_log'));
  });
});
