import { fileURLToPath } from 'node:url';
import { importStats19 } from '../collisions/stats19/import.ts';
import type { AppContext } from '../context.ts';
import { importDistricts } from '../districts/import.ts';
import { runHotspots } from '../hotspots/run.ts';

/** The demo data shipped in the repository (see demo-data/ATTRIBUTION.md). */
export const DEMO_FILES = {
  districts: fileURLToPath(new URL('../../demo-data/lancashire-lad-2017.geojson', import.meta.url)),
  collisions: fileURLToPath(new URL('../../demo-data/lancashire-collisions-2023.csv', import.meta.url)),
};

/** app_state key recording that the demo data was loaded (so deleting it later does not bring it back). */
export const DEMO_MARKER = 'demo_data';

export interface DemoLoadResult {
  districts: number;
  collisions: number;
}

/**
 * On first run (no districts, no collisions, demo never loaded) imports the shipped Lancashire
 * districts and 2023 collisions. Returns what it loaded, or undefined when it did nothing.
 */
export async function loadDemoDataIfEmpty(ctx: AppContext): Promise<DemoLoadResult | undefined> {
  const { knex } = ctx.db;
  const { rows } = await knex.raw(
    `SELECT (SELECT count(*) FROM districts) AS districts, (SELECT count(*) FROM collisions) AS collisions,
            EXISTS (SELECT 1 FROM app_state WHERE key = ?) AS marked`,
    [DEMO_MARKER],
  );
  const state = rows[0] as { districts: string; collisions: string; marked: boolean };
  if (Number(state.districts) > 0 || Number(state.collisions) > 0 || state.marked) return undefined;

  const started = Date.now();
  ctx.logger.info({ files: DEMO_FILES }, 'empty database: loading the demo data (Lancashire districts and 2023 collisions)');
  const districts = await importDistricts(knex, DEMO_FILES.districts, { startedBy: 'demo' });
  ctx.logger.info({ districts: districts.features }, 'demo districts loaded');
  let nextLog = 0;
  const collisions = await importStats19(knex, {
    collisions: DEMO_FILES.collisions,
    startedBy: 'demo',
    onProgress: (p) => {
      const percent = p.totalBytes ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 0;
      if (p.phase === 'reading' && percent >= nextLog) {
        ctx.logger.info({ rows: p.rows, percent }, 'loading demo collisions');
        nextLog = percent + 50;
      }
    },
  });
  const result = { districts: districts.features, collisions: collisions.collisions.inserted + collisions.collisions.updated + collisions.collisions.unchanged };
  await knex('app_state')
    .insert({ key: DEMO_MARKER, value: JSON.stringify({ ...result, loadedAt: new Date().toISOString(), files: Object.values(DEMO_FILES).map((f) => f.split('/').pop()) }) })
    .onConflict('key')
    .merge();
  ctx.logger.info({ ...result, ms: Date.now() - started }, 'demo data loaded');
  await runDemoHotspots(ctx);
  return result;
}

/**
 * One full hotspot run over the demo collisions, so the map has hotspots on first start (grid units:
 * the demo has no road network). A failure is logged, not fatal: the service works without a run.
 */
async function runDemoHotspots(ctx: AppContext): Promise<void> {
  const started = Date.now();
  ctx.logger.info('scoring hotspots over the demo collisions (one full run, hexagon grid units)');
  try {
    const { runId, summary } = await runHotspots(ctx.db.knex, { scope: 'full', startedBy: 'demo' });
    const units = Object.fromEntries(Object.entries(summary.units).map(([unit, c]) => [unit, { sites: c.sites, candidates: c.candidates }]));
    await ctx.db.knex.raw(`UPDATE app_state SET value = value || ?::jsonb WHERE key = ?`, [JSON.stringify({ hotspotRunId: runId }), DEMO_MARKER]);
    ctx.logger.info({ runId, unitKind: summary.unitKind, units, ms: Date.now() - started }, 'demo hotspot run finished');
  } catch (err) {
    ctx.logger.error({ err, ms: Date.now() - started }, 'demo hotspot run failed; start one with `roadsafe hotspots compute` or POST /api/hotspot-runs');
  }
}
