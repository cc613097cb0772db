/**
 * Planner benchmark (`npm run bench -- planner [--month YYYY-MM] [--seed N] [--no-write]`): a synthetic
 * month at real size — 16 vans at three bases, early and late shifts every day, 600 eligible sites over
 * Lancashire's 14 districts (geo/planning/synthetic.ts, data seed 2026), straight-line travel — planned
 * end to end by generatePlan, checked by the independent checker and measured by planMetrics. Prints a
 * markdown table and writes it to docs/benchmarks.md between `<!-- planner-bench:start -->` and
 * `<!-- planner-bench:end -->` (nothing else in the file is touched). Exits 1 on any violation or if
 * the plan takes longer than 60 s.
 */
import os from 'node:os';
import { checkPlan } from '../../geo/planning/check.ts';
import { planMetrics } from '../../geo/planning/metrics.ts';
import { generatePlan } from '../../geo/planning/plan.ts';
import { syntheticInputs } from '../../geo/planning/synthetic.ts';
import { machineDescription, writeBenchmarkSection } from './machine.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
// September 2026: 30 days, evenings dark enough for the darkness band. Other months: --month.
const months = (option('month') ?? '2026-09,2026-03,2026-12').split(',');
const seed = Number(option('seed') ?? 1);
const write = !args.includes('--no-write');
const TIME_LIMIT_S = 60;
const log = (message: string) => process.stderr.write(`[planner-bench] ${message}\n`);

const fmt = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));
const sections: string[] = [];
let failed = false;
for (const month of months) {
  const inputs = syntheticInputs({ month, sites: 600, vans: 16, seed: 2026 });
  const started = performance.now();
  const plan = await generatePlan(inputs, seed, (fraction, stage) => log(`${month} ${(fraction * 100).toFixed(0).padStart(3)}% ${stage}`));
  const seconds = (performance.now() - started) / 1000;
  const violations = checkPlan(inputs, plan.sessions);
  const metrics = planMetrics(inputs, plan.sessions, violations);
  if (violations.length > 0 || seconds > TIME_LIMIT_S) failed = true;
  const worked = new Set(plan.sessions.map((s) => `${s.vanId}/${s.date}/${s.shift}`)).size;
  const withFallback = plan.sessions.filter((s) => s.fallbackSiteIds.length > 0).length;
  const rows = [
    `| end-to-end time | ${seconds.toFixed(1)} s | ≤ ${TIME_LIMIT_S} s | ${seconds <= TIME_LIMIT_S ? 'yes' : '**no**'} |`,
    ...Object.entries(metrics.targets).map(([measure, t]) => `| ${measure} | ${fmt(t.value)} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`),
  ];
  sections.push(
    [
      `#### ${month} (plan seed ${seed})`,
      '',
      `${plan.sessions.length} sessions in ${worked} worked van shifts (of ${inputs.vans.length} vans × ${inputs.shifts.length} shifts × ${inputs.calendar.length} days); ` +
        `${plan.allocation.reduce((a, b) => a + b.visits, 0)} visits allocated; ${((100 * withFallback) / Math.max(1, plan.sessions.length)).toFixed(0)}% of sessions with a fallback; ` +
        `district ratios ${metrics.districtFairness.map((d) => d.ratio.toFixed(2)).join(' ')}.`,
      ...(plan.notes.length > 0 ? [`Planner notes: ${plan.notes.join('; ')}.`] : []),
      '',
      '| measure | value | target | met |',
      '|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  log(`${month}: ${seconds.toFixed(1)} s, ${plan.sessions.length} sessions, ${violations.length} violations, targets missed: ${Object.entries(metrics.targets).filter(([, t]) => !t.met).map(([k]) => k).join(', ') || 'none'}`);
}

const loadAverage = os.loadavg().map((x) => x.toFixed(2));
const machine = `${machineDescription()}; load average at end ${loadAverage.join(' / ')}`;
const section = [
  '### Van planner (synthetic month at real size)',
  '',
  `Run \`npm run bench -- planner\` on ${new Date().toISOString().slice(0, 10)}; ${machine}.`,
  'Inputs: 600 eligible sites over the 14 Lancashire districts (seeded synthetic, EPSG:27700), 16 vans at 3 bases,',
  'early (07:00–14:30) and late (14:30–22:00) shifts every day, straight-line travel (× 1.3 at 48 km/h), default options,',
  'previous-month history. Time = generatePlan end to end (HiGHS roster LP + allocation LP, sampling, repair, timing, fallbacks).',
  '',
  ...sections,
].join('\n');
process.stdout.write(`<!-- planner-bench:start -->\n${section}\n<!-- planner-bench:end -->\n`);
if (write) {
  writeBenchmarkSection('planner-bench', section);
  log('docs/benchmarks.md updated');
}
if (failed) process.exit(1);
