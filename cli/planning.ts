import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../server/config.ts';
import { createPlanRow, generateIntoPlan, MAX_SEED } from '../server/planning/generate.ts';
import { planView, requirePlan, type PlanView } from '../server/planning/store.ts';
import type { CliIo } from './io.ts';
import { StageProgress } from './progress.ts';

function month(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('must be a month as YYYY-MM, e.g. 2026-12');
  return value;
}

function seed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_SEED) throw new InvalidArgumentError(`must be a whole number from 0 to ${MAX_SEED}`);
  return Number(value);
}

/** The finished plan in words: sessions, violations, the quality measures against their targets. */
export function summarizePlan(plan: PlanView): string {
  const planned = plan.sessions.filter((s) => s.status === 'planned');
  const lines = [
    `Plan ${plan.id} for ${plan.month} (version ${plan.version}, seed ${plan.seed}): ${plan.status}, ${planned.length} sessions, travel ${plan.travelMode === 'road_network' ? 'along the road network' : 'straight-line'}`,
    ...plan.notes.map((n) => `  note: ${n}`),
    plan.violations.length === 0 ? '  independent check: no violations' : `  independent check: ${plan.violations.length} violation(s)`,
    ...plan.violations.slice(0, 10).map((v) => `    ${v.kind}: ${v.message}`),
  ];
  if (plan.metrics) {
    lines.push('', 'Quality measures (value, target, met):');
    const rows = Object.entries(plan.metrics.targets).map(([name, t]) => [name, t.value === null ? '—' : Number.isInteger(t.value) ? String(t.value) : t.value.toFixed(3), t.target, t.met ? 'yes' : 'NO']);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(`  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`);
  }
  lines.push('', `Review it at /staff/plans?plan=${plan.id}; a planner approves, then another person (supervisor) publishes.`);
  return `${lines.join('\n')}\n`;
}

/** `roadsafe plan generate`. */
export function registerPlanningCommands(program: Command, _importCommand: Command, io: CliIo): void {
  const plan = program.command('plan').description('Monthly camera van plans (see the README, "Van planning")');
  plan
    .command('generate')
    .description("Generate a month's van plan as a draft, in this process (progress on stderr; a summary, or the plan as JSON, on stdout)")
    .requiredOption('--month <YYYY-MM>', 'the month to plan', month)
    .option('--seed <n>', `random seed, 0 to ${MAX_SEED} (default: random; stored with the plan)`, seed)
    .option('--json', 'print the finished plan exactly as GET /api/plans/:id returns it')
    .action(async (opts: { month: string; seed?: number; json?: boolean }) => {
      const config = loadConfig();
      const progress = new StageProgress(io.stderr, 'plan');
      await io.withDb(async (db) => {
        const published = (await db.knex('plans').where({ month: opts.month, status: 'published' }).first('id')) as { id: number } | undefined;
        if (published) throw new Error(`${opts.month} already has a published plan (${published.id}): correct it (POST /api/plans/${published.id}/corrections) instead.`);
        const { id } = await createPlanRow(db.knex, { month: opts.month, seed: opts.seed, actor: 'cli' });
        try {
          await generateIntoPlan(db.knex, id, {
            area: { lat: config.AREA_LATITUDE, lon: config.AREA_LONGITUDE },
            actor: 'cli',
            onProgress: (fraction, stage) => progress.update(fraction, stage),
          });
        } finally {
          progress.stop();
        }
        const view = await planView(db.knex, await requirePlan(db.knex, id));
        io.stdout.write(opts.json ? `${JSON.stringify(view, null, 2)}\n` : summarizePlan(view));
      });
    });
}
