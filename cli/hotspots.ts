import path from 'node:path';
import { Option, type Command } from 'commander';
import { importCollisionValues } from '../server/hotspots/collision-values.ts';
import { PLAN_GROUPS, RUN_UNITS, SEVERITY_FILTERS, type RoadUserFilter, type RunUnits, type SeverityFilter } from '../server/hotspots/pipeline-types.ts';
import { findRun } from '../server/hotspots/queries.ts';
import { runHotspots, type HotspotRunResult } from '../server/hotspots/run.ts';
import type { CliIo } from './io.ts';
import { StageProgress } from './progress.ts';

const gbp = (v: number | null) => (v === null ? '' : `£${Math.round(v).toLocaleString('en-GB')}`);

interface TopRow {
  rank: number;
  site_id: string;
  road_label: string | null;
  fatal: number;
  serious: number;
  slight: number;
  expected_ksi: number | null;
  p_excess: number | null;
  harm_score: number | null;
  candidate: boolean;
  corridor: boolean;
  eligible: boolean;
}

/** The run summary a person reads: what was scored, how, and the ten highest-priority sites. */
function summarizeHotspotRun(result: HotspotRunResult, top: TopRow[], unit: string, periodFrom: string, periodTo: string): string {
  const s = result.summary;
  const lines = [
    `Hotspot run ${result.runId}: ${s.unitKind === 'network' ? 'road network units (junctions, segments, windows)' : `hexagon grid units (no road network loaded)`}, ${periodFrom} to ${periodTo} (${s.years.toFixed(2)} years)`,
    `  collisions  ${s.collisions.selected} selected, ${s.collisions.placed} placed at a site, ${s.collisions.unsnapped} unsnapped, ${s.collisions.ambiguous} ambiguous snaps`,
  ];
  for (const [u, c] of Object.entries(s.units)) {
    lines.push(`  ${u.padEnd(10)}  ${c.sites} sites, ${c.candidates} candidates, ${c.eligible} camera-eligible, ${c.concernOnly} concern-only`);
  }
  lines.push(`  corridors   ${s.corridors.corridors} (${s.corridors.flagged} of ${s.corridors.tested} ${s.unitKind === 'network' ? 'segments' : 'cells'} flagged by Gi* with FDR q = ${s.corridors.q})`);
  lines.push(`  values      ${s.valueTable.version} (${s.valueTable.priceYear} prices): KSI £${Math.round(s.ksiValueGbp).toLocaleString('en-GB')}, slight £${s.valueTable.slightGbp.toLocaleString('en-GB')}`);
  lines.push(`  took        ${(s.timingsMs.total! / 1000).toFixed(1)} s`);
  lines.push('', `Top ${top.length} ${unit}s by priority (C candidate, R corridor, E camera-eligible):`);
  const header = ['rank', 'site', 'road', 'F/S/Sl', 'EB KSI', 'P(excess)', 'harm £/yr', 'flags'];
  const rows = top.map((r) => [
    String(r.rank),
    r.site_id,
    (r.road_label ?? '').slice(0, 32),
    `${r.fatal}/${r.serious}/${r.slight}`,
    r.expected_ksi === null ? '' : Number(r.expected_ksi).toFixed(2),
    r.p_excess === null ? '' : Number(r.p_excess).toFixed(3),
    gbp(r.harm_score === null ? null : Number(r.harm_score)),
    `${r.candidate ? 'C' : ''}${r.corridor ? 'R' : ''}${r.eligible ? 'E' : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  lines.push(line(header), ...rows.map(line));
  return `${lines.join('\n')}\n`;
}

/** `roadsafe hotspots compute` and `roadsafe import collision-values`. */
export function registerHotspotCommands(program: Command, importCommand: Command, io: CliIo): void {
  const hotspots = program.command('hotspots').description('Hotspot scoring: Empirical Bayes ranking of sites (see the README, "Hotspots")');
  hotspots
    .command('compute')
    .description('Run the scoring method and store a published ranking (progress on stderr, summary and top 10 on stdout)')
    .option('--from <date>', 'first day of the period, YYYY-MM-DD (default: 5 years before --to)')
    .option('--to <date>', 'last day of the period, YYYY-MM-DD (default: the last complete month with data)')
    .option('--district <code>', 'only this district (ONS code, e.g. E07000123)')
    .addOption(new Option('--unit <unit>', 'units: network (junctions, segments, windows), grid (hexagons), or auto').choices([...RUN_UNITS]).default('auto'))
    .addOption(new Option('--road-user <group>', 'only collisions with a casualty of this group (makes a rescore run)').choices([...PLAN_GROUPS]))
    .addOption(new Option('--severity <severity>', 'only collisions of this severity (makes a rescore run)').choices([...SEVERITY_FILTERS]))
    .option('--top <n>', 'how many top sites to list', (v) => {
      if (!/^\d+$/.test(v)) throw new Error('--top must be a whole number');
      return Number(v);
    }, 10)
    .action(async (opts: { from?: string; to?: string; district?: string; unit: RunUnits; roadUser?: RoadUserFilter; severity?: SeverityFilter; top: number }) => {
      const progress = new StageProgress(io.stderr, 'hotspots');
      await io.withDb(async (db) => {
        const filtered = Boolean(opts.roadUser || opts.severity);
        const result = await runHotspots(db.knex, {
          from: opts.from,
          to: opts.to,
          districtCode: opts.district,
          unit: opts.unit,
          filters: { roadUser: opts.roadUser, severity: opts.severity },
          scope: filtered ? 'rescore' : 'full',
          startedBy: 'cli',
          onProgress: (fraction, stage) => progress.update(fraction, stage),
        }).finally(() => progress.stop());
        const unit = result.summary.unitKind === 'network' ? 'segment' : 'cell';
        const run = (await findRun(db.knex, result.runId))!;
        const top = (await db
          .knex('hotspot_sites')
          .where({ run_id: result.runId, unit })
          .orderBy('rank')
          .limit(opts.top)
          .select('rank', 'site_id', 'road_label', 'fatal', 'serious', 'slight', 'expected_ksi', 'p_excess', 'harm_score', 'candidate', 'corridor', 'eligible')) as TopRow[];
        io.stdout.write(summarizeHotspotRun(result, top, unit, run.period_from, run.period_to));
        if (filtered) io.stdout.write(`(Filtered, so stored as a rescore run: the published ranking is unchanged.)\n`);
      });
    });

  importCommand
    .command('collision-values')
    .description('Import a collision value table (CSV: version,price_year,source,fatal_gbp,serious_gbp,slight_gbp, e.g. from DfT RAS4001) and make it the one new runs use')
    .argument('<file>', 'CSV file')
    .option('--activate <version>', 'which version of the file to make active (default: its last row)')
    .action(async (file: string, opts: { activate?: string }) => {
      const result = await io.withDb((db) => importCollisionValues(db.knex, file, { activate: opts.activate, loadedBy: 'cli' }));
      io.stdout.write(
        `${path.basename(file)}: ${result.inserted.length} new (${result.inserted.join(', ') || 'none'}), ${result.unchanged.length} already loaded; active table: ${result.active}\n`,
      );
    });
}
