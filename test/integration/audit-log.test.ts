import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../server/audit/chain.ts';
import { appendAudit, verifyAuditLog } from '../../server/audit/log.ts';
import { runCliOn } from '../support/capture.ts';
import { openTestDatabase, testTargets, type TestDatabase } from '../support/db.ts';

describe.each(testTargets())('the hash-chained audit log on the $mode database', (target) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  afterAll(async () => {
    await db?.close();
  });

  const cli = (args: string[]) => runCliOn(db, args);
  const viewed = (n: number) => ({
    actorKind: 'staff' as const,
    actorId: 7,
    actorLabel: 'R. Viewer',
    action: 'case.viewed',
    subjectKind: 'submission',
    subjectId: n,
    reference: `SNAP-2026-${String(n).padStart(6, '0')}`,
    justification: 'triage',
    details: { n, nested: { b: 2, a: [1, 'two', null] } },
  });

  it('verifies an empty log as intact with the genesis head', async () => {
    expect(await verifyAuditLog(db.knex)).toEqual({ ok: true, count: 0, head: { id: 0, hash: GENESIS_HASH } });
    const run = await cli(['audit', 'verify']);
    expect(run).toMatchObject({ code: 0, stdout: `audit log intact: 0 entries, head 0:${GENESIS_HASH}\n` });
  });

  it('numbers entries 1, 2, 3 … chaining each to the one before, and stores what was hashed', async () => {
    const first = await appendAudit(db.knex, viewed(1));
    const second = await appendAudit(db.knex, { actorKind: 'system', action: 'hash.verified', subjectKind: 'file' });
    expect(first.id).toBe(1);
    expect(second.id).toBe(2);
    const rows = await db.knex('audit_log').orderBy('id').select('id', 'prev_hash', 'hash', 'details', 'actor_id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2]);
    expect(rows[0]).toMatchObject({ prev_hash: GENESIS_HASH, hash: first.hash, actor_id: '7', details: viewed(1).details });
    expect(rows[1]).toMatchObject({ prev_hash: first.hash, hash: second.hash, details: {} });
    expect(await verifyAuditLog(db.knex)).toEqual({ ok: true, count: 2, head: { id: 2, hash: second.hash } });
  });

  it('keeps ids dense when appends race and when a transaction holding an entry rolls back', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => appendAudit(db.knex, viewed(100 + i))));
    await expect(
      db.knex.transaction(async (trx) => {
        await appendAudit(trx, viewed(999));
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await appendAudit(db.knex, viewed(200));
    const ids = (await db.knex('audit_log').orderBy('id').pluck('id')).map(Number);
    expect(ids).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    const verdict = await verifyAuditLog(db.knex, { batchSize: 4 });
    expect(verdict).toMatchObject({ ok: true, count: 15 });
  });

  it('prints the head for keeping outside the database, and checks a head given back with --anchor', async () => {
    const verdict = await verifyAuditLog(db.knex);
    if (!verdict.ok) throw new Error(verdict.message);
    const run = await cli(['audit', 'verify', '--batch-size', '3']);
    expect(run).toEqual({ code: 0, stdout: `audit log intact: 15 entries, head 15:${verdict.head.hash}\n`, stderr: '' });
    expect((await cli(['audit', 'verify', '--anchor', `15:${verdict.head.hash}`])).code).toBe(0);
    const wrong = await cli(['audit', 'verify', '--anchor', `15:${'a'.repeat(64)}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('entry 15 (anchor_mismatch)');
    const beyond = await cli(['audit', 'verify', '--anchor', `20:${'b'.repeat(64)}`]);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('entries at the end were deleted');
    const bad = await cli(['audit', 'verify', '--anchor', 'latest']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be ID:HASH');
  });

  it('names an edited row (a justification rewritten in place) and exits 1', async () => {
    const original = await db.knex('audit_log').where({ id: 5 }).first('justification');
    await db.knex('audit_log').where({ id: 5 }).update({ justification: 'routine' });
    const run = await cli(['audit', 'verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('audit log BROKEN at entry 5 (edited): entry 5 does not match its hash');
    await db.knex('audit_log').where({ id: 5 }).update({ justification: original.justification });
    expect((await cli(['audit', 'verify'])).code).toBe(0);
  });

  it('names an edited details value and an edited timestamp too', async () => {
    const original = await db.knex('audit_log').where({ id: 3 }).first('details');
    await db.knex('audit_log').where({ id: 3 }).update({ details: JSON.stringify({ ...original.details, n: 1 }) });
    expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: false, id: '3', reason: 'edited' });
    await db.knex('audit_log').where({ id: 3 }).update({ details: JSON.stringify(original.details) });
    expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: true });
    await db.knex.raw(`UPDATE audit_log SET at = at + interval '1 millisecond' WHERE id = 4`);
    expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: false, id: '4', reason: 'edited' });
    await db.knex.raw(`UPDATE audit_log SET at = at - interval '1 millisecond' WHERE id = 4`);
    expect(await verifyAuditLog(db.knex)).toMatchObject({ ok: true });
  });

  it('names a deleted row in the middle and exits 1', async () => {
    await db.knex('audit_log').where({ id: 8 }).delete();
    const run = await cli(['audit', 'verify']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('audit log BROKEN at entry 9 (deleted): entry 8 is missing before entry 9');
  });

  it('names a deleted row that was hidden by renumbering the ones after it', async () => {
    // Close the gap: 9 → 8, 10 → 9, …; the ids are dense again but entry 8 (old 9) no longer chains to entry 7.
    const ids = (await db.knex('audit_log').where('id', '>', 8).orderBy('id').pluck('id')).map(Number);
    for (const id of ids) await db.knex('audit_log').where({ id }).update({ id: id - 1 });
    const verdict = await verifyAuditLog(db.knex);
    expect(verdict).toMatchObject({ ok: false, id: '8', reason: 'edited' });
  });
});
