import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../geo/calendar/time.ts';
import { verifyAuditLog } from '../../server/audit/log.ts';
import type { Role } from '../../server/auth/roles.ts';
import { workingDaysAfter } from '../../server/snap/deadlines.ts';
import type { LocalFootageStore } from '../../server/snap/storage/local-footage-store.ts';
import { hashToken } from '../../server/snap/submitter-auth.ts';
import { snapUploadsFor } from '../../server/snap/uploads/service.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Every case, media and decision route of the review side, with a placeholder reference and file. */
const CASE_ROUTES: Array<[method: string, path: string]> = [
  ['GET', '/api/snap/queue'],
  ['GET', '/api/snap/cases/REF'],
  ['POST', '/api/snap/cases/REF/claim'],
  ['POST', '/api/snap/cases/REF/release'],
  ['POST', '/api/snap/cases/REF/decision'],
  ['POST', '/api/snap/cases/REF/approve-court'],
  ['GET', '/api/snap/cases/REF/media/FILE'],
  ['GET', '/api/snap/cases/REF/media/FILE/original?reason=court%20bundle'],
];

describe.each(testTargets())('Operation Snap review on the $mode database', (target) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-review-'));
  const t = useTestApp(target, { DATA_DIR: dataDir });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const staff = new Map<string, StaffClient>();
  const as = (who: string) => staff.get(who)!;
  const today = localDate(Date.now());
  let serial = 0;

  beforeAll(async () => {
    const people: Array<[string, Role[]]> = [
      ['reviewer', ['reviewer']],
      ['reviewer2', ['reviewer']],
      ['decider', ['decision_maker']],
      ['supervisor', ['supervisor']],
      ['admin', ['admin']],
      ['auditor', ['auditor']],
      ['analyst', ['analyst']],
      ['planner', ['planner']],
    ];
    for (const [who, roles] of people) {
      await createStaff(t.db.knex, `${who}@example.org`, roles);
      staff.set(who, await signIn(t.app.url, `${who}@example.org`));
    }
  });

  const send = async (who: string | null, method: string, url: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...(who ? as(who).headers({ csrf: method !== 'GET', json: body !== undefined }) : {}), ...extra };
    if (!who && body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${t.app.url}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = res.headers.get('content-type') ?? '';
    const body_ = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: body_ };
  };
  const caseUrl = (reference: string, action = '') => `/api/snap/cases/${reference}${action ? `/${action}` : ''}`;

  /** A case straight in the database (as the submitter's API and the footage checks leave one). */
  async function insertCase(
    state: string,
    options: { postBy?: string; vrm?: string | null; incidentDate?: string; submitterKey?: string | null; claimedBy?: number } = {},
  ): Promise<{ id: number; reference: string; token: string }> {
    serial += 1;
    const reference = `SNAP-2026-${String(500_000 + serial + Math.floor(Math.random() * 1000) * 100).padStart(6, '0')}`;
    const token = randomBytes(24).toString('base64url');
    const incidentDate = options.incidentDate ?? addDays(today, -2);
    const [row] = (await t.db.knex('snap_submissions')
      .insert({
        reference,
        token_hash: hashToken(token),
        state,
        eligibility: JSON.stringify({ inArea: true, witnessed: true }),
        incident_date: incidentDate,
        incident_time: '17:45',
        location_text: 'A6 Garstang Road at the junction with Blackpool Road, Preston',
        offence_type: 'close_pass',
        vrm: options.vrm === undefined ? `ZZ${String(serial).padStart(2, '0')}XYZ` : options.vrm,
        statement_narrative: 'A blue car overtook me far too close on Garstang Road and cut in before the junction.',
        statement_sha256: sha256(`statement ${serial}`),
        signature_name: 'Jane Smith',
        submitter_name: 'Jane Smith',
        submitter_email: 'jane@example.org',
        submitter_phone: '+447700900123',
        submitter_address: '1 High Street, Preston',
        submitter_key: options.submitterKey === undefined ? sha256(`submitter-${serial}@example.org`) : options.submitterKey,
        email_verified_at: t.db.knex.fn.now(),
        submitted_at: t.db.knex.fn.now(),
        notice_by: addDays(incidentDate, 14),
        post_by: options.postBy ?? addDays(today, 20),
        submit_by: addDays(incidentDate, 7),
        claimed_by: options.claimedBy ?? null,
      })
      .returning('id')) as Array<{ id: number }>;
    await t.db.knex('snap_stages').insert({ submission_id: row!.id, state });
    return { id: row!.id, reference, token };
  }

  /** A checked (`ready`) file with these bytes in the footage store, and optionally a viewing copy. */
  async function insertFile(submissionId: number, bytes: Buffer, viewing?: Buffer): Promise<number> {
    const { store } = await snapUploadsFor(t.app.ctx);
    const uploadId = randomBytes(16).toString('hex');
    const key = store.originalKey(uploadId);
    const file = (store as LocalFootageStore).pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    let viewingKey: string | null = null;
    if (viewing) {
      const work = await store.makeWorkDir();
      await writeFile(path.join(work, 'viewing.mp4'), viewing);
      viewingKey = store.derivedKey(uploadId, 'viewing');
      await store.putDerived(viewingKey, path.join(work, 'viewing.mp4'));
      fs.rmSync(work, { recursive: true, force: true });
    }
    const [row] = (await t.db.knex('snap_files')
      .insert({
        submission_id: submissionId,
        upload_id: uploadId,
        original_name: 'FILE0001.MOV',
        size_bytes: bytes.length,
        received_bytes: bytes.length,
        storage_key: key,
        sha256: sha256(bytes),
        state: 'ready',
        viewing_key: viewingKey,
      })
      .returning('id')) as Array<{ id: number }>;
    return row!.id;
  }

  const stateOf = async (reference: string) => ((await t.db.knex('snap_submissions').where({ reference }).first('state')) as { state: string }).state;
  const auditOf = (reference: string, action: string) => t.db.knex('audit_log').where({ reference, action }).orderBy('id').select();

  it('lists the queue by last posting date with due today, at risk and missed counts, the holder, and no personal data', async () => {
    const inTime = await insertCase('submitted', { postBy: addDays(today, 20) });
    const dueToday = await insertCase('submitted', { postBy: today });
    const missed = await insertCase('awaiting_submitter', { postBy: addDays(today, -1) });
    const atRisk = await insertCase('in_triage', { postBy: workingDaysAfter(today, 1), claimedBy: as('reviewer').user.id });
    await insertCase('draft', { postBy: addDays(today, -5) });
    await insertCase('advisory_letter', { postBy: addDays(today, -5) });

    for (const who of ['reviewer', 'decider', 'supervisor']) {
      const res = await send(who, 'GET', '/api/snap/queue');
      expect(res.status, who).toBe(200);
      expect(res.body.counts).toEqual({ total: 4, dueToday: 1, atRisk: 1, missed: 1, inTime: 1 });
      expect(res.body.items.map((i: { reference: string }) => i.reference)).toEqual([missed.reference, dueToday.reference, atRisk.reference, inTime.reference]);
      expect(res.body.items.map((i: { urgency: string }) => i.urgency)).toEqual(['missed', 'due_today', 'at_risk', 'in_time']);
      expect(res.body.items[2].claimedBy).toEqual({ id: as('reviewer').user.id, email: 'reviewer@example.org' });
      const text = JSON.stringify(res.body);
      for (const secret of ['Jane', 'jane@', 'High Street', '+44', 'ZZ', 'Garstang']) expect(text).not.toContain(secret);
    }
    // Leave the queue empty of these for the tests below.
    await t.db.knex('snap_submissions').whereIn('id', [inTime.id, dueToday.id, missed.id, atRisk.id]).update({ state: 'closed' });
  });

  it('claims (submitted → in triage), refuses someone else’s claim and release with 409, and releases back to the queue', async () => {
    const c = await insertCase('submitted');
    const claimed = await send('reviewer', 'POST', caseUrl(c.reference, 'claim'));
    expect(claimed).toMatchObject({ status: 200, body: { reference: c.reference, state: 'in_triage', claimedBy: as('reviewer').user.id } });
    expect((await send('reviewer', 'POST', caseUrl(c.reference, 'claim'))).status).toBe(200); // idempotent for the holder
    expect(await send('reviewer2', 'POST', caseUrl(c.reference, 'claim'))).toMatchObject({ status: 409, body: { error: 'claimed_by_other' } });
    expect(await send('reviewer2', 'POST', caseUrl(c.reference, 'release'))).toMatchObject({ status: 409, body: { error: 'claimed_by_other' } });
    const queue = await send('reviewer2', 'GET', '/api/snap/queue');
    expect(queue.body.items.find((i: { reference: string }) => i.reference === c.reference)).toMatchObject({ state: 'in_triage', claimedBy: { email: 'reviewer@example.org' } });

    expect(await send('reviewer', 'POST', caseUrl(c.reference, 'release'))).toMatchObject({ status: 200, body: { state: 'submitted', claimedBy: null } });
    expect(await send('reviewer', 'POST', caseUrl(c.reference, 'release'))).toMatchObject({ status: 409, body: { error: 'not_claimed' } });
    expect(await send('reviewer2', 'POST', caseUrl(c.reference, 'claim'))).toMatchObject({ status: 200, body: { state: 'in_triage' } });
    // A supervisor may release anyone's claim.
    expect(await send('supervisor', 'POST', caseUrl(c.reference, 'release'))).toMatchObject({ status: 200, body: { state: 'submitted' } });

    const stages = await t.db.knex('snap_stages').where({ submission_id: c.id }).orderBy('id').pluck('state');
    expect(stages).toEqual(['submitted', 'in_triage', 'submitted', 'in_triage', 'submitted']);
    const moves = (await auditOf(c.reference, 'state.changed')).map((e) => [e.actor_kind, e.actor_id, e.details.from, e.details.to]);
    expect(moves[0]).toEqual(['staff', String(as('reviewer').user.id), 'submitted', 'in_triage']);
    expect(moves).toHaveLength(4);
    expect(await auditOf(c.reference, 'case.claimed')).toHaveLength(2);
    expect(await send('reviewer', 'POST', caseUrl('SNAP-2026-999999', 'claim'))).toMatchObject({ status: 404 });
  });

  it('decisions: a reviewer screens out with a reason code only; the move is checked for the role and the state', async () => {
    const c = await insertCase('submitted');
    // Not claimed yet: no decision from submitted.
    expect(await send('reviewer', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'no_further_action', reasonCode: 'plate_unreadable' })).toMatchObject({
      status: 409,
      body: { error: 'illegal_transition' },
    });
    await send('reviewer', 'POST', caseUrl(c.reference, 'claim'));
    expect(await send('reviewer', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'no_further_action' })).toMatchObject({
      status: 400,
      body: { error: 'reason_code_required' },
    });
    expect((await send('reviewer', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'no_further_action', reasonCode: 'made_up' })).status).toBe(400);
    expect(await send('reviewer', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'advisory_letter' })).toMatchObject({ status: 403, body: { error: 'role_not_allowed' } });
    // Someone else's claimed case.
    expect(await send('decider', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'advisory_letter' })).toMatchObject({ status: 409, body: { error: 'claimed_by_other' } });

    const done = await send('reviewer', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'no_further_action', reasonCode: 'plate_unreadable', notes: 'Plate blurred at every frame.' });
    expect(done).toMatchObject({ status: 200, body: { state: 'no_further_action', decision: { outcome: 'no_further_action', reasonCode: 'plate_unreadable', status: 'final' } } });
    const row = await t.db.knex('snap_submissions').where({ id: c.id }).first('outcome', 'reason_code', 'decided_at');
    expect(row).toMatchObject({ outcome: 'no_further_action', reason_code: 'plate_unreadable' });
    expect(row.decided_at).not.toBeNull();
    const [decided] = await auditOf(c.reference, 'decision.recorded');
    expect(decided.details).toMatchObject({ outcome: 'no_further_action', reasonCode: 'plate_unreadable', status: 'final', notes: true });
    expect(JSON.stringify(decided)).not.toContain('blurred');
  });

  it('court: a decision maker’s referral waits for a supervisor’s approval; the supervisor’s approval completes it', async () => {
    const c = await insertCase('submitted');
    await send('decider', 'POST', caseUrl(c.reference, 'claim'));
    expect(await send('decider', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'court' })).toMatchObject({ status: 409, body: { error: 'illegal_transition' } });
    expect(await send('decider', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'notice_issued' })).toMatchObject({ status: 200, body: { state: 'notice_issued' } });

    const held = await send('decider', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'court', notes: 'Second offence this month.' });
    expect(held).toMatchObject({ status: 202, body: { state: 'notice_issued', decision: { outcome: 'court', status: 'awaiting_approval' } } });
    expect(await stateOf(c.reference)).toBe('notice_issued');
    expect(await send('decider', 'POST', caseUrl(c.reference, 'decision'), { outcome: 'court' })).toMatchObject({ status: 409, body: { error: 'approval_pending' } });
    expect((await send('decider', 'POST', caseUrl(c.reference, 'approve-court'), {})).status).toBe(403);
    expect((await send('reviewer', 'POST', caseUrl(c.reference, 'approve-court'), {})).status).toBe(403);

    const page = await send('supervisor', 'GET', caseUrl(c.reference));
    expect(page.body.pendingCourtApproval).toBe(true);

    const approved = await send('supervisor', 'POST', caseUrl(c.reference, 'approve-court'), {});
    expect(approved).toMatchObject({ status: 200, body: { state: 'court', decision: { id: held.body.decision.id, status: 'approved' } } });
    expect(await stateOf(c.reference)).toBe('court');
    const decision = await t.db.knex('snap_decisions').where({ id: held.body.decision.id }).first();
    expect(decision).toMatchObject({ status: 'approved', approved_by: as('supervisor').user.id, decided_by: as('decider').user.id });
    expect(await send('supervisor', 'POST', caseUrl(c.reference, 'approve-court'), {})).toMatchObject({ status: 409, body: { error: 'nothing_to_approve' } });
    const toCourt = (await auditOf(c.reference, 'state.changed')).at(-1);
    expect(toCourt).toMatchObject({ actor_id: String(as('supervisor').user.id), details: { from: 'notice_issued', to: 'court' } });
    expect(await auditOf(c.reference, 'decision.approved')).toHaveLength(1);

    // A supervisor's own referral is final at once; a refused referral leaves the case where it was.
    const d = await insertCase('notice_issued');
    expect(await send('supervisor', 'POST', caseUrl(d.reference, 'decision'), { outcome: 'court' })).toMatchObject({ status: 200, body: { state: 'court', decision: { status: 'final' } } });
    const e = await insertCase('notice_issued');
    expect((await send('decider', 'POST', caseUrl(e.reference, 'decision'), { outcome: 'court' })).status).toBe(202);
    expect(await send('supervisor', 'POST', caseUrl(e.reference, 'approve-court'), { approve: false })).toMatchObject({ status: 200, body: { state: 'notice_issued', decision: { status: 'refused' } } });
    expect(await stateOf(e.reference)).toBe('notice_issued');
  });

  it('shows the case page with hashes, stages, decisions and related cases (same file, same VRM within 30 days, same submitter), and audits the view', async () => {
    const key = sha256('repeat-submitter@example.org');
    const c = await insertCase('submitted', { vrm: 'PK19ABC', incidentDate: addDays(today, -3), submitterKey: key });
    const bytes = randomBytes(2000);
    const fileId = await insertFile(c.id, bytes);
    const sameFile = await insertCase('submitted', { vrm: null, submitterKey: null });
    await insertFile(sameFile.id, bytes);
    const sameVrm = await insertCase('closed', { vrm: 'PK19ABC', incidentDate: addDays(today, -30), submitterKey: null });
    await insertCase('closed', { vrm: 'PK19ABC', incidentDate: addDays(today, -40), submitterKey: null }); // 37 days apart: not related
    const sameSubmitter = await insertCase('withdrawn', { vrm: null, submitterKey: key });

    const res = await send('reviewer', 'GET', caseUrl(c.reference));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      reference: c.reference,
      state: 'submitted',
      incident: { offenceType: 'close_pass', location: expect.stringContaining('Garstang') },
      vehicle: { vrm: 'PK19ABC' },
      statement: { narrative: expect.any(String), signatureName: 'Jane Smith', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      files: [{ id: fileId, sha256: sha256(bytes), state: 'ready', size: 2000, mediaUrl: `/api/snap/cases/${c.reference}/media/${fileId}` }],
      stages: [{ state: 'submitted' }],
      decisions: [],
    });
    const related = Object.fromEntries(res.body.related.map((r: { reference: string; why: string[] }) => [r.reference, r.why]));
    expect(related).toEqual({ [sameFile.reference]: ['same_file'], [sameVrm.reference]: ['same_vrm'], [sameSubmitter.reference]: ['same_submitter'] });
    const text = JSON.stringify(res.body);
    for (const secret of ['jane@', 'High Street', '+44', 'storage']) expect(text).not.toContain(secret);
    const [viewed] = await auditOf(c.reference, 'case.viewed');
    expect(viewed).toMatchObject({ actor_kind: 'staff', actor_id: String(as('reviewer').user.id) });
    expect(await send('reviewer', 'GET', caseUrl('SNAP-2026-999998'))).toMatchObject({ status: 404 });
  });

  it('plays footage with range requests (206 with the right bytes), the whole file (200), and the viewing copy when there is one', async () => {
    const c = await insertCase('in_triage');
    const bytes = randomBytes(10_000);
    const fileId = await insertFile(c.id, bytes);
    const url = caseUrl(c.reference, `media/${fileId}`);

    const part = await send('reviewer', 'GET', url, undefined, { Range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/10000');
    expect(part.headers.get('content-length')).toBe('1000');
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.compare(part.body as Buffer, bytes.subarray(1000, 2000))).toBe(0);
    const tail = await send('decider', 'GET', url, undefined, { Range: 'bytes=-500' });
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, bytes.subarray(9500))).toBe(0);

    const whole = await send('reviewer', 'GET', url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/quicktime');
    expect(sha256(whole.body as Buffer)).toBe(sha256(bytes));
    expect((await send('reviewer', 'GET', url, undefined, { Range: 'bytes=20000-' })).status).toBe(416);

    // One media.viewed per person and file while seeking; another person is another entry.
    const views = await auditOf(c.reference, 'media.viewed');
    expect(views.map((v) => v.actor_id)).toEqual([String(as('reviewer').user.id), String(as('decider').user.id)]);

    const viewing = Buffer.from('a browser-playable copy');
    const withCopy = await insertFile(c.id, randomBytes(100), viewing);
    const played = await send('supervisor', 'GET', caseUrl(c.reference, `media/${withCopy}`));
    expect(played.status).toBe(200);
    expect(played.headers.get('content-type')).toBe('video/mp4');
    expect((played.body as Buffer).toString()).toBe('a browser-playable copy');

    const other = await insertCase('submitted');
    expect((await send('reviewer', 'GET', caseUrl(other.reference, `media/${fileId}`))).status).toBe(404);
  });

  it('downloads the original only with a reason, recorded as a disclosure with the justification', async () => {
    const c = await insertCase('in_triage');
    const bytes = randomBytes(4096);
    const viewing = Buffer.from('viewing copy, not the original');
    const fileId = await insertFile(c.id, bytes, viewing);
    const url = caseUrl(c.reference, `media/${fileId}/original`);

    expect(await send('reviewer', 'GET', url)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await send('reviewer', 'GET', `${url}?reason=%20%20`)).status).toBe(400);
    expect(await auditOf(c.reference, 'media.disclosed')).toEqual([]);

    const res = await send('decider', 'GET', `${url}?reason=${encodeURIComponent('CPS file request 2026/123')}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(sha256(res.body as Buffer)).toBe(sha256(bytes));
    const [disclosed] = await auditOf(c.reference, 'media.disclosed');
    expect(disclosed).toMatchObject({
      actor_kind: 'staff',
      actor_id: String(as('decider').user.id),
      subject_kind: 'file',
      subject_id: String(fileId),
      justification: 'CPS file request 2026/123',
      details: { sha256: sha256(bytes), range: null },
    });
  });

  it('access sweep: anonymous 401; admin, auditor, analyst, planner and a submitter’s token 401/403 on every case, media and decision route — zero successes', async () => {
    const c = await insertCase('submitted');
    const fileId = await insertFile(c.id, randomBytes(500));
    const before = await t.db.knex('audit_log').count<{ n: string }[]>({ n: '*' });
    const failures: string[] = [];
    const outcomes: string[] = [];
    for (const [method, template] of CASE_ROUTES) {
      const url = template.replace('REF', c.reference).replace('FILE', String(fileId));
      const body = method === 'POST' ? { outcome: 'no_further_action', reasonCode: 'duplicate' } : undefined;
      const anonymous = await send(null, method, url, body);
      if (anonymous.status !== 401) failures.push(`anonymous ${method} ${url} → ${anonymous.status}`);
      const token = await send(null, method, url, body, { Authorization: `Bearer ${c.token}` });
      if (token.status !== 401) failures.push(`submitter token ${method} ${url} → ${token.status}`);
      for (const who of ['admin', 'auditor', 'analyst', 'planner']) {
        const res = await send(who, method, url, body);
        outcomes.push(`${who} ${res.status}`);
        if (res.status !== 403) failures.push(`${who} ${method} ${url} → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(outcomes.filter((o) => /\s2\d\d$/.test(o))).toEqual([]);
    expect(await stateOf(c.reference)).toBe('submitted');
    // Nothing was viewed, disclosed or changed.
    expect(await t.db.knex('audit_log').count<{ n: string }[]>({ n: '*' })).toEqual(before);
  });

  it('documents the review routes in the OpenAPI document', async () => {
    const res = await fetch(`${t.app.url}/api/openapi.json`);
    expect(res.status, await res.clone().text()).toBe(200);
    const paths = Object.keys(((await res.json()) as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/snap/queue', '/api/snap/cases/{reference}/decision', '/api/snap/cases/{reference}/media/{fileId}/original']),
    );
  });

  it('leaves an intact audit chain', async () => {
    expect(await verifyAuditLog(t.db.knex)).toMatchObject({ ok: true });
  });
});
