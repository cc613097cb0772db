import { createHmac, randomBytes } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Knex } from 'knex';
import { z } from '../http/zod.ts';

/**
 * The proof-of-work bot check on the public report form: an ALTCHA v2 challenge (altcha-lib), solved
 * by the `altcha` web component in the reporter's browser, with no third-party service.
 *
 * Challenges are signed with an HMAC key generated once per installation and kept in `app_state`
 * (key `altcha_hmac_key`), so every instance accepts the others' challenges and the key is never in
 * the repository. They are "deterministic": the server picks the secret counter, signs the key it
 * derives, and checks a solution by one HMAC. A solved challenge is single-use: its signature is kept
 * in `pow_challenges_used` until it expires.
 */

export interface PowOptions {
  /** PBKDF2-SHA-256 iterations per attempt: the cost of one guess in the browser. */
  cost: number;
  /** The secret counter is drawn from [counterMin, counterMax]; a solver tries about that many guesses. */
  counterMin: number;
  counterMax: number;
  /** Minutes a challenge may be solved and submitted in. */
  expiresMinutes: number;
}

/** About 1–2 s with the widget's workers on a recent phone or laptop (15 M PBKDF2 iterations on average). */
export const DEFAULT_POW: PowOptions = { cost: 5_000, counterMin: 1_000, counterMax: 5_000, expiresMinutes: 10 };

const ALGORITHM = 'PBKDF2/SHA-256';
const STATE_KEY = 'altcha_hmac_key';

export type PowCheck = { ok: true; signature: string; expiresAt: Date } | { ok: false; message: string };

const payloadShape = z.object({
  challenge: z.object({
    parameters: z.object({ algorithm: z.string(), nonce: z.string(), salt: z.string(), cost: z.number(), keyLength: z.number(), keyPrefix: z.string() }).loose(),
    signature: z.string().min(1),
  }),
  solution: z.object({ counter: z.number(), derivedKey: z.string() }).loose(),
});

export class ProofOfWork {
  private secrets?: Promise<{ signature: string; keySignature: string }>;
  private lastSweep = 0;

  constructor(
    private readonly knex: Knex,
    readonly options: PowOptions = DEFAULT_POW,
  ) {}

  /** The installation's HMAC key: created by the first instance that needs it, read by all others. */
  private loadSecrets(): Promise<{ signature: string; keySignature: string }> {
    this.secrets ??= (async () => {
      await this.knex('app_state')
        .insert({ key: STATE_KEY, value: JSON.stringify(randomBytes(32).toString('hex')) })
        .onConflict('key')
        .ignore();
      const row = await this.knex('app_state').where({ key: STATE_KEY }).first('value');
      const master = String(row.value);
      // Two purposes, two keys derived from the one stored secret.
      const derive = (purpose: string) => createHmac('sha256', master).update(purpose).digest('hex');
      return { signature: derive('altcha-challenge-signature'), keySignature: derive('altcha-key-signature') };
    })().catch((err: unknown) => {
      this.secrets = undefined;
      throw err;
    });
    return this.secrets;
  }

  /** A new signed challenge for the widget (GET /api/concern-challenge). */
  async challenge(): Promise<Challenge> {
    const secrets = await this.loadSecrets();
    const { cost, counterMin, counterMax, expiresMinutes } = this.options;
    return createChallenge({
      algorithm: ALGORITHM,
      cost,
      counter: randomInt(counterMax, counterMin),
      deriveKey,
      expiresAt: new Date(Date.now() + expiresMinutes * 60_000),
      hmacSignatureSecret: secrets.signature,
      hmacKeySignatureSecret: secrets.keySignature,
    });
  }

  /**
   * Checks a submitted payload (base64 JSON `{challenge, solution}`, as the widget sends it):
   * signed by us, not expired, solved. Does not mark it used: `consume` does, with the report.
   */
  async verify(payload: string | undefined): Promise<PowCheck> {
    if (!payload) return { ok: false, message: 'complete the anti-spam check (it runs in your browser) before sending' };
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
    } catch {
      return { ok: false, message: 'is not an anti-spam check result; reload the form and try again' };
    }
    const parsed = payloadShape.safeParse(decoded);
    if (!parsed.success) return { ok: false, message: 'is not an anti-spam check result; reload the form and try again' };
    const secrets = await this.loadSecrets();
    const challenge = parsed.data.challenge as Challenge;
    const result = await verifySolution({
      challenge,
      solution: parsed.data.solution as Solution,
      deriveKey,
      hmacSignatureSecret: secrets.signature,
      hmacKeySignatureSecret: secrets.keySignature,
    });
    if (result.expired) return { ok: false, message: 'the anti-spam check expired; run it again and send the form' };
    if (!result.verified) return { ok: false, message: 'the anti-spam check failed; run it again and send the form' };
    const expiresAt = challenge.parameters.expiresAt;
    // Every challenge we sign carries an expiry; one without cannot be remembered for a bounded time.
    if (!expiresAt) return { ok: false, message: 'the anti-spam check failed; run it again and send the form' };
    return { ok: true, signature: parsed.data.challenge.signature, expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * Marks a verified challenge used (inside the report's transaction, so a report that fails gives
   * it back). False when it was already used: a replay.
   */
  async consume(trx: Knex.Transaction, check: Extract<PowCheck, { ok: true }>): Promise<boolean> {
    if (Date.now() - this.lastSweep > 60_000) {
      this.lastSweep = Date.now();
      await trx('pow_challenges_used').where('expires_at', '<', trx.fn.now()).delete();
    }
    const inserted = await trx('pow_challenges_used')
      .insert({ signature: check.signature, expires_at: check.expiresAt })
      .onConflict('signature')
      .ignore()
      .returning('signature');
    return inserted.length === 1;
  }
}
