/**
 * `npm run bench [-- SUITE [options]]`: with no suite, every benchmark suite in turn; with one, only
 * that suite, passing the remaining options to it. Suites:
 *   foundation  STATS19 import, tiles, summary (test/bench/run.ts)
 *   hotspots    full hotspot run, rescore, clusters, hotspot tiles (test/bench/hotspots.ts)
 *   vrptw       the routing core on the 56 Solomon instances (test/bench/vrptw.ts)
 *   planner     a synthetic month: 16 vans, two shifts, 30 days, 600 sites (test/bench/planner.ts)
 *   snap-upload footage uploads over tus: 2 GB, 20 × 200 MB at once (test/bench/snap-upload.ts)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SUITES: Record<string, string> = {
  foundation: 'run.ts',
  hotspots: 'hotspots.ts',
  vrptw: 'vrptw.ts',
  planner: 'planner.ts',
  'snap-upload': 'snap-upload.ts',
};

const [suite, ...rest] = process.argv.slice(2);
if (suite && !SUITES[suite]) {
  console.error(`Unknown benchmark suite "${suite}". Choose one of: ${Object.keys(SUITES).join(', ')} (or none for all).`);
  process.exit(2);
}
const chosen = suite ? [suite] : Object.keys(SUITES);
for (const name of chosen) {
  const script = path.join(import.meta.dirname, SUITES[name]!);
  console.error(`\n=== benchmark suite: ${name} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...(suite ? rest : [])], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`Benchmark suite ${name} failed (exit ${run.status ?? run.signal}).`);
    process.exit(run.status ?? 1);
  }
}
