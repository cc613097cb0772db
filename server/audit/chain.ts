import { createHash } from 'node:crypto';

/**
 * The audit log as a hash chain: each entry's hash covers the previous entry's hash and the entry's
 * fixed fields in a canonical JSON form, so editing, deleting, inserting or reordering rows breaks
 * the chain at the first row touched. Pure (node:crypto only); the table and `roadsafe audit verify`
 * build on it.
 *
 * Appending must be serialised (the appender reads the last entry under a lock and writes
 * id = last.id + 1 with prevHash = last.hash): ids are dense by construction, so a gap means a
 * deleted row (a database sequence would leave gaps on rollback, so the id is not a sequence).
 * A chain alone does not stop someone who can rewrite every row after the one they change and
 * recompute the hashes: keep the head (id and hash) outside the database now and then, e.g. in the
 * verifier's output or the application log, and give it to the verifier as `anchors`.
 */

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export const ACTOR_KINDS = ['staff', 'submitter', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** A JSON value as stored in `details` (jsonb). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** The fields an entry's hash covers (and nothing else). */
export const HASHED_FIELDS = ['id', 'at', 'actorKind', 'actorId', 'actorLabel', 'action', 'subjectKind', 'subjectId', 'reference', 'justification', 'details'] as const;

export interface AuditEntry {
  /** Position in the chain: 1, 2, 3, … with no gaps. (A bigint column read by pg arrives as a string: accepted.) */
  id: number | string;
  /** When, as an instant: ISO 8601 or a Date; hashed as UTC ISO to the millisecond. */
  at: string | Date;
  actorKind: ActorKind;
  /** Staff user id, submission reference for a submitter, job name for the system. */
  actorId: string | number | null;
  /** The actor as a person reads it (e.g. the staff user's name) at the time. */
  actorLabel: string | null;
  /** What happened, e.g. `case.viewed`, `media.downloaded`, `state.changed`, `decision.recorded`, `case.purged`. */
  action: string;
  /** What it happened to, e.g. `submission`, `file`, `config`. */
  subjectKind: string;
  subjectId: string | number | null;
  /** The submission reference (SNAP-YYYY-NNNNNN) when there is one. */
  reference: string | null;
  /** Why (required for consultation and disclosure under DPA 2018 Part 3 logging). */
  justification: string | null;
  /** Anything else, e.g. `{from: 'submitted', to: 'in_triage'}`. */
  details: JsonValue | null;
}

export interface StoredAuditEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level, no spaces; undefined object members dropped (as jsonb does). */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`audit entries hold only finite numbers (got ${value})`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`audit entries hold only JSON values (got ${Object.prototype.toString.call(value)})`);
}

/** The hashed fields of an entry in one form, whatever types the database returned. */
function hashedFields(entry: AuditEntry): Record<(typeof HASHED_FIELDS)[number], JsonValue> {
  const id = Number(entry.id);
  if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`audit entry id must be a whole number ≥ 1 (got ${String(entry.id)})`);
  const atMs = entry.at instanceof Date ? entry.at.getTime() : Date.parse(entry.at);
  if (!Number.isFinite(atMs)) throw new RangeError(`audit entry ${id}: at must be an instant (got ${String(entry.at)})`);
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? null : String(v));
  return {
    id,
    at: new Date(atMs).toISOString(),
    actorKind: entry.actorKind,
    actorId: text(entry.actorId),
    actorLabel: text(entry.actorLabel),
    action: entry.action,
    subjectKind: entry.subjectKind,
    subjectId: text(entry.subjectId),
    reference: text(entry.reference),
    justification: text(entry.justification),
    details: entry.details ?? null,
  };
}

/** SHA-256 (hex) of the previous entry's hash and this entry's canonical form. */
export function auditEntryHash(prevHash: string, entry: AuditEntry): string {
  return createHash('sha256').update(canonicalJson({ prevHash, ...hashedFields(entry) }), 'utf8').digest('hex');
}

/** The next entry of a chain whose last entry is `last` (null for an empty log): id, prevHash and hash filled in. */
export function nextAuditEntry(last: Pick<StoredAuditEntry, 'id' | 'hash'> | null, entry: Omit<AuditEntry, 'id'>): StoredAuditEntry {
  const id = last ? Number(last.id) + 1 : 1;
  const prevHash = last ? last.hash : GENESIS_HASH;
  const full = { ...entry, id };
  return { ...full, prevHash, hash: auditEntryHash(prevHash, full) };
}

export type ChainBreakReason = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'anchor_mismatch';

export interface ChainBreak {
  ok: false;
  /** Position of the first broken entry in the list given (0-based). */
  index: number;
  /** Its id (as stored). */
  id: number | string;
  reason: ChainBreakReason;
  message: string;
}

export interface ChainIntact {
  ok: true;
  /** Entries checked. */
  count: number;
  /** The last entry's id and hash (0 and GENESIS_HASH for an empty log): worth keeping outside the database as an anchor. */
  head: { id: number; hash: string };
}

export type ChainVerdict = ChainIntact | ChainBreak;

export interface VerifyOptions {
  /** Where the entries start when checking a tail of the log: the entry before the first one given. Default: the log's beginning. */
  after?: { id: number; hash: string };
  /** Heads recorded earlier outside the database: each entry with one of these ids must still have this hash. */
  anchors?: ReadonlyArray<{ id: number; hash: string }>;
}

/** How many recent hashes the verifier remembers to tell an insertion from a deletion. */
const RECENT_HASHES = 64;

/**
 * Checks entries one at a time in id order (e.g. read from the database in batches), stopping at
 * the first break. `verifyChain` wraps it for a list in memory.
 */
export class ChainVerifier {
  private index = 0;
  private lastId: number;
  private lastHash: string;
  private readonly recent: string[] = [];
  private readonly anchors: Map<number, string>;
  private broken: ChainBreak | null = null;

  constructor(options: VerifyOptions = {}) {
    this.lastId = options.after?.id ?? 0;
    this.lastHash = options.after?.hash ?? GENESIS_HASH;
    this.anchors = new Map((options.anchors ?? []).map((a) => [a.id, a.hash]));
  }

  /**
   * Checks the next entry; returns the break once found (and keeps returning it).
   * `comesLater` (optional) says whether an id is still to come, so an out-of-place id reads as
   * reordered rather than deleted.
   */
  push(entry: StoredAuditEntry, comesLater?: (id: number) => boolean): ChainBreak | null {
    if (this.broken) return this.broken;
    const index = this.index++;
    const id = Number(entry.id);
    const fail = (reason: ChainBreakReason, message: string): ChainBreak => (this.broken = { ok: false, index, id: entry.id, reason, message });
    const expectedId = this.lastId + 1;

    if (id !== expectedId) {
      if (id === this.lastId) return fail('inserted', `entry ${id} appears twice: a row was inserted with an existing id.`);
      if (comesLater?.(expectedId) || id < expectedId) return fail('reordered', `entry ${id} comes where entry ${expectedId} should: the entries are out of order.`);
      const missing = id - 1 === expectedId ? `entry ${expectedId} is` : `entries ${expectedId}–${id - 1} are`;
      return fail('deleted', `${missing} missing before entry ${id}: deleted.`);
    }
    let computed: string;
    try {
      computed = auditEntryHash(entry.prevHash, entry);
    } catch (error) {
      return fail('edited', `entry ${id} cannot be read as an audit entry (${(error as Error).message}): edited.`);
    }
    if (computed !== entry.hash) return fail('edited', `entry ${id} does not match its hash: its content was edited after it was written.`);
    if (entry.prevHash !== this.lastHash) {
      const before = this.recent.lastIndexOf(entry.prevHash);
      if (before >= 0) {
        const between = this.recent.length - 1 - before;
        return fail('inserted', `entry ${id} follows an entry ${between + 1} places back: ${between} entr${between === 1 ? 'y was' : 'ies were'} inserted before it.`);
      }
      return fail('deleted', `entry ${id} does not follow entry ${this.lastId}: the entry it was chained to is gone (deleted, or replaced by a rewritten one).`);
    }
    const anchored = this.anchors.get(id);
    if (anchored !== undefined && anchored !== entry.hash) {
      return fail('anchor_mismatch', `entry ${id} has a different hash from the one recorded outside the database: the log was rewritten from here or before.`);
    }
    this.lastId = id;
    this.lastHash = entry.hash;
    this.recent.push(entry.hash);
    if (this.recent.length > RECENT_HASHES) this.recent.shift();
    return null;
  }

  /** The verdict once every entry has been pushed. An anchor beyond the last entry means entries at the end were deleted. */
  finish(): ChainVerdict {
    if (this.broken) return this.broken;
    const beyond = [...this.anchors.keys()].filter((id) => id > this.lastId).sort((a, b) => a - b)[0];
    if (beyond !== undefined) {
      return {
        ok: false,
        index: this.index,
        id: beyond,
        reason: 'deleted',
        message: `the log ends at entry ${this.lastId} but entry ${beyond} was recorded outside the database: entries at the end were deleted.`,
      };
    }
    return { ok: true, count: this.index, head: { id: this.lastId, hash: this.lastHash } };
  }
}

/** Verifies a whole list of entries (as read, normally ordered by id); the first break, or the head. */
export function verifyChain(entries: readonly StoredAuditEntry[], options: VerifyOptions = {}): ChainVerdict {
  const verifier = new ChainVerifier(options);
  const lastPosition = new Map(entries.map((e, i) => [Number(e.id), i]));
  for (let i = 0; i < entries.length; i++) {
    if (verifier.push(entries[i]!, (id) => (lastPosition.get(id) ?? -1) > i)) break;
  }
  return verifier.finish();
}
