import { describe, expect, it } from 'vitest';
import { auditEntryHash, canonicalJson, ChainVerifier, GENESIS_HASH, nextAuditEntry, verifyChain, type AuditEntry, type StoredAuditEntry } from './chain.ts';

type NewEntry = Omit<AuditEntry, 'id'>;

const event = (n: number, overrides: Partial<NewEntry> = {}): NewEntry => ({
  at: `2026-11-20T10:${String(n).padStart(2, '0')}:00.000Z`,
  actorKind: 'staff',
  actorId: 7,
  actorLabel: 'PC Jones',
  action: n % 2 ? 'case.viewed' : 'state.changed',
  subjectKind: 'submission',
  subjectId: 100 + n,
  reference: 'SNAP-2026-000123',
  justification: n % 2 ? 'triage' : null,
  details: n % 2 ? null : { from: 'submitted', to: 'in_triage', files: [1, 2] },
  ...overrides,
});

/** A well-formed chain of `count` entries, appended one at a time. */
function chainOf(count: number): StoredAuditEntry[] {
  const entries: StoredAuditEntry[] = [];
  for (let n = 1; n <= count; n++) entries.push(nextAuditEntry(entries.at(-1) ?? null, event(n)));
  return entries;
}

describe('canonical form', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' }, e: undefined })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow('audit entries hold only finite numbers (got NaN)');
    expect(() => canonicalJson({ d: new Map() })).toThrow(TypeError);
  });
});

describe('entry hashes', () => {
  it('chain from the genesis hash and depend on the previous hash', () => {
    const [first] = chainOf(1);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEntryHash('f'.repeat(64), first!)).not.toBe(first!.hash);
  });

  it('are the same whatever order the database returns details keys in, and whatever types it returns', () => {
    const [entry] = chainOf(2).slice(1);
    const fromDatabase = {
      ...entry!,
      id: '2', // bigint through pg
      actorId: '7',
      subjectId: '102',
      at: new Date('2026-11-20T10:02:00Z'), // timestamptz through pg
      details: { to: 'in_triage', files: [1, 2], from: 'submitted' }, // jsonb key order
    };
    expect(auditEntryHash(fromDatabase.prevHash, fromDatabase)).toBe(entry!.hash);
  });

  it('cover every field of the fixed list', () => {
    const [entry] = chainOf(1);
    const changes: Partial<AuditEntry>[] = [
      { id: 2 },
      { at: '2026-11-20T10:01:00.001Z' },
      { actorKind: 'system' },
      { actorId: 8 },
      { actorLabel: 'PC Smith' },
      { action: 'media.downloaded' },
      { subjectKind: 'file' },
      { subjectId: 999 },
      { reference: 'SNAP-2026-000124' },
      { justification: 'curiosity' },
      { details: { note: 'x' } },
    ];
    for (const change of changes) expect(auditEntryHash(GENESIS_HASH, { ...entry!, ...change }), JSON.stringify(change)).not.toBe(entry!.hash);
  });
});

describe('verifying the chain', () => {
  it('passes an untouched log and gives its head', () => {
    const entries = chainOf(6);
    expect(verifyChain(entries)).toEqual({ ok: true, count: 6, head: { id: 6, hash: entries[5]!.hash } });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: { id: 0, hash: GENESIS_HASH } });
  });

  it('detects an edited row', () => {
    const entries = chainOf(6);
    entries[3] = { ...entries[3]!, justification: 'nothing to see here' };
    expect(verifyChain(entries)).toEqual({
      ok: false,
      index: 3,
      id: 4,
      reason: 'edited',
      message: 'entry 4 does not match its hash: its content was edited after it was written.',
    });
  });

  it('detects an edited row whose hash was recomputed, at the next row', () => {
    const entries = chainOf(6);
    const edited = { ...entries[2]!, action: 'case.closed' };
    entries[2] = { ...edited, hash: auditEntryHash(edited.prevHash, edited) };
    expect(verifyChain(entries)).toMatchObject({ ok: false, index: 3, id: 4, reason: 'deleted' });
  });

  it('detects a deleted row by the gap in ids', () => {
    const entries = chainOf(6);
    entries.splice(2, 1);
    expect(verifyChain(entries)).toEqual({ ok: false, index: 2, id: 4, reason: 'deleted', message: 'entry 3 is missing before entry 4: deleted.' });
  });

  it('detects a deleted first row', () => {
    expect(verifyChain(chainOf(3).slice(1))).toMatchObject({ ok: false, index: 0, id: 2, reason: 'deleted' });
  });

  it('detects a deleted row when the later ids were renumbered to close the gap', () => {
    const entries = chainOf(6);
    entries.splice(2, 1);
    for (let i = 2; i < entries.length; i++) entries[i] = { ...entries[i]!, id: i + 1 };
    // The renumbered row no longer matches its hash (the id is hashed).
    expect(verifyChain(entries)).toMatchObject({ ok: false, index: 2, id: 3, reason: 'edited' });
  });

  it('detects a row inserted with an id already in use', () => {
    const entries = chainOf(6);
    // A forged entry 4, correctly chained to entry 3, slipped in before the real entry 4.
    const forged = nextAuditEntry(entries[2]!, event(30, { action: 'case.viewed', justification: 'routine' }));
    const verdict = verifyChain([...entries.slice(0, 3), forged, ...entries.slice(3)]);
    expect(verdict).toEqual({ ok: false, index: 4, id: 4, reason: 'inserted', message: 'entry 4 appears twice: a row was inserted with an existing id.' });
  });

  it('detects a row inserted with the later rows renumbered and rehashed', () => {
    const entries = chainOf(4);
    // A forged entry 3 chained to entry 2; the real entries 3 and 4 become 4 and 5, rehashed over their old prevHash.
    const forged = nextAuditEntry(entries[1]!, event(30));
    const moved = entries.slice(2).map((e, i) => {
      const renumbered = { ...e, id: 4 + i };
      return { ...renumbered, hash: auditEntryHash(renumbered.prevHash, renumbered) };
    });
    // The first moved row still points at entry 2, one place further back than the row before it.
    expect(verifyChain([...entries.slice(0, 2), forged, ...moved])).toEqual({
      ok: false,
      index: 3,
      id: 4,
      reason: 'inserted',
      message: 'entry 4 follows an entry 2 places back: 1 entry was inserted before it.',
    });
  });

  it('detects rows given out of order', () => {
    const entries = chainOf(5);
    const swapped = [entries[0]!, entries[2]!, entries[1]!, entries[3]!, entries[4]!];
    expect(verifyChain(swapped)).toMatchObject({ ok: false, index: 1, id: 3, reason: 'reordered' });
  });

  it('checks a tail of the log from a known entry', () => {
    const entries = chainOf(6);
    expect(verifyChain(entries.slice(3), { after: { id: 3, hash: entries[2]!.hash } })).toMatchObject({ ok: true, count: 3, head: { id: 6 } });
    expect(verifyChain(entries.slice(3), { after: { id: 3, hash: 'a'.repeat(64) } })).toMatchObject({ ok: false, index: 0, reason: 'deleted' });
  });

  it('catches a log rewritten from the start with the help of an anchor kept outside the database', () => {
    const entries = chainOf(5);
    const anchor = { id: 5, hash: entries[4]!.hash };
    // Rewrite entry 2 and rehash everything after it: the chain alone is consistent again.
    const rewritten: StoredAuditEntry[] = [entries[0]!];
    for (let n = 2; n <= 5; n++) rewritten.push(nextAuditEntry(rewritten.at(-1)!, event(n, n === 2 ? { justification: 'rewritten' } : {})));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, { anchors: [anchor] })).toMatchObject({ ok: false, index: 4, id: 5, reason: 'anchor_mismatch' });
  });

  it('catches rows deleted from the end with an anchor', () => {
    const entries = chainOf(5);
    expect(verifyChain(entries.slice(0, 3), { anchors: [{ id: 5, hash: entries[4]!.hash }] })).toMatchObject({ ok: false, id: 5, reason: 'deleted' });
  });

  it('can be fed in batches and stops at the first break', () => {
    const entries = chainOf(6);
    entries[1] = { ...entries[1]!, actorLabel: 'someone else' };
    const verifier = new ChainVerifier();
    expect(verifier.push(entries[0]!)).toBeNull();
    expect(verifier.push(entries[1]!)).toMatchObject({ reason: 'edited', id: 2 });
    expect(verifier.push(entries[2]!)).toMatchObject({ reason: 'edited', id: 2 });
    expect(verifier.finish()).toMatchObject({ ok: false, index: 1 });
  });

  it('reports a row that is not an audit entry at all as edited', () => {
    const entries = chainOf(2);
    entries[1] = { ...entries[1]!, at: 'yesterday' };
    expect(verifyChain(entries)).toMatchObject({ ok: false, index: 1, reason: 'edited', message: expect.stringContaining('at must be an instant') });
  });
});
