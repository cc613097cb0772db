import { InvalidArgumentError, type Command } from 'commander';
import { verifyAuditLog } from '../server/audit/log.ts';
import type { CliIo } from './io.ts';

/** `id:hash` as printed by an earlier run, e.g. `1234:9f86d0…`. */
function anchor(value: string, previous: Array<{ id: number; hash: string }>): Array<{ id: number; hash: string }> {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(value.trim());
  if (!match) throw new InvalidArgumentError('must be ID:HASH as printed by an earlier "roadsafe audit verify", e.g. 1234:9f86d081…(64 hex digits)');
  return [...previous, { id: Number(match[1]), hash: match[2]!.toLowerCase() }];
}

function positive(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return Number(value);
}

/** `roadsafe audit verify [--anchor ID:HASH]…`: checks the hash chain of the audit log. */
export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('The append-only, hash-chained audit log (Operation Snap evidence handling)');
  audit
    .command('verify')
    .description('Verify the whole audit log: every entry matches its hash and follows the one before it, with no id missing')
    .option('--anchor <id:hash>', 'a head printed by an earlier run (kept outside the database): that entry must still have that hash; repeatable', anchor, [])
    .option('--batch-size <rows>', 'rows read per query', positive, 5000)
    .addHelpText(
      'after',
      `
Prints "audit log intact: N entries, head ID:HASH" and exits 0, or names the first broken entry and
why (edited, deleted, inserted, reordered, anchor_mismatch) and exits 1. Keep the printed head
somewhere outside the database and pass it back with --anchor: a chain alone cannot show that every
row after an edit was rewritten too.

Example:
  roadsafe audit verify --anchor 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
    )
    .action(async (options: { anchor: Array<{ id: number; hash: string }>; batchSize: number }) => {
      const verdict = await io.withDb((db) => verifyAuditLog(db.knex, { batchSize: options.batchSize, anchors: options.anchor }));
      if (!verdict.ok) {
        throw new Error(`audit log BROKEN at entry ${verdict.id} (${verdict.reason}): ${verdict.message}`);
      }
      io.stdout.write(`audit log intact: ${verdict.count} entries, head ${verdict.head.id}:${verdict.head.hash}\n`);
    });
}
