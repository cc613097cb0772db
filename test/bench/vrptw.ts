/**
 * The routing core on Solomon's 56 VRPTW instances (`npm run bench -- vrptw [options]`).
 *
 *   --seconds N      time budget per instance (default 20; the target is ≤ 30 s)
 *   --seed N         seed (default 1)
 *   --only C1,R2     only these classes (C1, C2, R1, R2, RC1, RC2) or instance names (R101)
 *   --no-docs        do not write docs/benchmarks.md
 *   --data DIR       instance folder (default ../shared/data/solomon beside the repository)
 *   --from FILE      re-render the tables (stdout and docs) from a saved test/bench/out/vrptw-<date>.json, no solving
 *
 * Every solution is verified with `checkVrptwSolution` (independent of the solver). Results: a table on
 * stdout, test/bench/out/vrptw-<date>.json, and docs/benchmarks.md between `<!-- vrptw-bench:start -->`
 * and `<!-- vrptw-bench:end -->` (nothing else in the file is touched). Instances run one after another
 * on one core; the machine, its load and each instance's CPU seconds are reported, because the budget is
 * wall-clock time and other work on the machine takes iterations away.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBestKnown, readSolomonFile } from '../../geo/routing/solomon.ts';
import { checkVrptwSolution, solveVrptw } from '../../geo/routing/vrptw.ts';
import { machineDescription, writeBenchmarkSection } from './machine.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const OUT_DIR = path.join(import.meta.dirname, 'out');
const CLASSES = ['C1', 'C2', 'R1', 'R2', 'RC1', 'RC2'] as const;
type InstanceClass = (typeof CLASSES)[number];
/** Per-instance time target, seconds. */
const SECONDS_TARGET = 30;

interface Args {
  seconds: number;
  seed: number;
  only: string[];
  docs: boolean;
  data: string;
  from?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 20, seed: 1, only: [], docs: true, data: path.resolve(REPO_ROOT, '../shared/data/solomon') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--seconds') {
      args.seconds = Number(value());
      if (!(args.seconds > 0)) throw new Error(`--seconds must be a positive number, got ${argv[i]}`);
    } else if (flag === '--seed') {
      args.seed = Number(value());
      if (!Number.isInteger(args.seed)) throw new Error(`--seed must be a whole number, got ${argv[i]}`);
    } else if (flag === '--only') args.only = value().split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (flag === '--no-docs') args.docs = false;
    else if (flag === '--data') args.data = path.resolve(value());
    else if (flag === '--from') args.from = path.resolve(value());
    else throw new Error(`Unknown option ${flag}. Options: --seconds N, --seed N, --only C1,R2 (classes or instances), --no-docs, --data DIR, --from FILE`);
  }
  return args;
}

function classOf(name: string): InstanceClass {
  const match = /^(RC|R|C)([12])\d\d$/.exec(name);
  if (!match) throw new Error(`Not a Solomon instance name: ${name}`);
  return `${match[1]}${match[2]}` as InstanceClass;
}

interface InstanceResult {
  name: string;
  class: InstanceClass;
  vehicles: number;
  bestVehicles: number;
  distance: number;
  bestDistance: number;
  gapPercent: number;
  seconds: number;
  cpuSeconds: number;
  iterations: number;
  problems: string[];
}

interface ClassSummary {
  class: InstanceClass;
  instances: number;
  vehicles: number;
  bestVehicles: number;
  atBestVehicles: number;
  maxExtraVehicles: number;
  meanGapPercent: number;
  /** Mean gap over the instances solved with the best-known vehicle count (the comparable ones). */
  meanGapAtBestVehiclesPercent: number | null;
  maxGapPercent: number;
  maxSeconds: number;
  target: string;
  met: boolean;
}

function summarise(results: InstanceResult[]): ClassSummary[] {
  return CLASSES.flatMap((c) => {
    const rows = results.filter((r) => r.class === c);
    if (!rows.length) return [];
    const extra = rows.map((r) => r.vehicles - r.bestVehicles);
    const gaps = rows.map((r) => r.gapPercent);
    const meanGapPercent = gaps.reduce((a, b) => a + b, 0) / rows.length;
    const maxSeconds = Math.max(...rows.map((r) => r.seconds));
    const feasible = rows.every((r) => r.problems.length === 0);
    const clustered = c === 'C1' || c === 'C2';
    const met = clustered
      ? feasible && extra.every((e) => e <= 0) && gaps.every((g) => g <= 1) && maxSeconds <= SECONDS_TARGET
      : feasible && extra.every((e) => e <= 1) && meanGapPercent <= 5 && maxSeconds <= SECONDS_TARGET;
    return [
      {
        class: c,
        instances: rows.length,
        vehicles: rows.reduce((a, r) => a + r.vehicles, 0),
        bestVehicles: rows.reduce((a, r) => a + r.bestVehicles, 0),
        atBestVehicles: extra.filter((e) => e <= 0).length,
        maxExtraVehicles: Math.max(...extra),
        meanGapPercent,
        meanGapAtBestVehiclesPercent: extra.some((e) => e === 0)
          ? rows.filter((r) => r.vehicles === r.bestVehicles).reduce((a, r) => a + r.gapPercent, 0) / extra.filter((e) => e === 0).length
          : null,
        maxGapPercent: Math.max(...gaps),
        maxSeconds,
        target: clustered ? `best-known vehicles, gap ≤ 1 % each, ≤ ${SECONDS_TARGET} s` : `≤ best-known + 1 vehicle, mean gap ≤ 5 %, ≤ ${SECONDS_TARGET} s`,
        met,
      },
    ];
  });
}

/** x with `digits` decimals, without the "-0.00" of tiny negative numbers. */
const fixed = (x: number, digits = 2): string => {
  const text = x.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
};

function instanceTable(results: InstanceResult[]): string {
  const lines = [
    '| instance | vehicles | best-known vehicles | distance | best-known distance | gap % | seconds | CPU s | iterations | feasible |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.vehicles} | ${r.bestVehicles} | ${fixed(r.distance)} | ${fixed(r.bestDistance)} | ${fixed(r.gapPercent)} | ${fixed(r.seconds, 1)} | ${fixed(r.cpuSeconds, 1)} | ${r.iterations} | ${r.problems.length ? `no: ${r.problems[0]}` : 'yes'} |`,
    );
  }
  return lines.join('\n');
}

function classTable(summaries: ClassSummary[]): string {
  const lines = [
    '| class | instances | vehicles (best known) | at best-known vehicles | mean gap % | mean gap % at best-known vehicles | max gap % | max seconds | target | met |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.class} | ${s.instances} | ${s.vehicles} (${s.bestVehicles}) | ${s.atBestVehicles} of ${s.instances} | ${fixed(s.meanGapPercent)} | ${s.meanGapAtBestVehiclesPercent === null ? '—' : fixed(s.meanGapAtBestVehiclesPercent)} | ${fixed(s.maxGapPercent)} | ${fixed(s.maxSeconds, 1)} | ${s.target} | ${s.met ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

const writeDocs = (section: string) => writeBenchmarkSection('vrptw-bench', section);

interface SavedRun {
  date: string;
  machine: string;
  args: Args;
  loadAtStart: string[];
  meanLoad: number;
  totalSeconds?: number;
  results: InstanceResult[];
}

function render(run: SavedRun): { section: string; tables: string } {
  const { results, args } = run;
  const summaries = summarise(results);
  const cpuShare = results.reduce((a, r) => a + r.cpuSeconds, 0) / Math.max(1e-9, results.reduce((a, r) => a + r.seconds, 0));
  const totalSeconds = run.totalSeconds ?? results.reduce((a, r) => a + r.seconds, 0);
  const section = [
    '## Routing core: Solomon VRPTW instances',
    '',
    `Run on ${run.date}: \`npm run bench -- vrptw --seconds ${args.seconds}${args.only.length ? ` --only ${args.only.join(',')}` : ''}\` (seed ${args.seed}), one instance at a time on one core. Machine: ${run.machine}.`,
    `Load average at start ${run.loadAtStart.join(' / ')}, mean 1-minute load during the run ${fixed(run.meanLoad)} (other work shared the 2 cores); the solver got ${fixed(cpuShare * 100, 0)} % of a core on average (CPU s ÷ seconds).`,
    'Objective: fewest vehicles, then least distance (Euclidean, double precision). Every solution below was re-checked by `checkVrptwSolution`',
    '(each customer once, capacity, time windows with waiting, return by the depot due date) and the distance is the checker’s.',
    'Gap = distance ÷ best-known distance − 1. With more vehicles than the best known a negative gap is possible and not comparable, so the',
    'mean over the instances solved at the best-known vehicle count is given too.',
    '',
    classTable(summaries),
    '',
    '<details><summary>All instances</summary>',
    '',
    instanceTable(results),
    '',
    '</details>',
    '',
    `Total bench time ${fixed(totalSeconds, 0)} s. Raw results: \`test/bench/out/vrptw-${run.date}.json\` (not committed).`,
  ].join('\n');
  return { section, tables: `${classTable(summaries)}\n\n${instanceTable(results)}` };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.from) {
    const saved = JSON.parse(fs.readFileSync(args.from, 'utf8')) as SavedRun;
    const { section, tables } = render(saved);
    console.log(tables);
    if (args.docs) writeDocs(section);
    return;
  }
  const bestKnown = parseBestKnown(fs.readFileSync(path.join(args.data, 'best-known.csv'), 'utf8'));
  const names = [...bestKnown.keys()].filter((name) => !args.only.length || args.only.includes(name) || args.only.includes(classOf(name)));
  if (!names.length) throw new Error(`--only ${args.only.join(',')} matches no instance; classes are ${CLASSES.join(', ')}`);
  const started = Date.now();
  const date = new Date().toISOString().slice(0, 10);
  const loadAtStart = os.loadavg().map((l) => fixed(l));
  const loads: number[] = [];
  const results: InstanceResult[] = [];
  console.error(`${names.length} instances × ${args.seconds} s (seed ${args.seed}), about ${Math.ceil((names.length * args.seconds) / 60)} min`);
  for (const name of names) {
    const instance = readSolomonFile(path.join(args.data, `${name}.txt`));
    const best = bestKnown.get(name)!;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const solution = solveVrptw(instance, { seconds: args.seconds, seed: args.seed });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    loads.push(os.loadavg()[0]!);
    const check = checkVrptwSolution(instance, solution.routes);
    const result: InstanceResult = {
      name,
      class: classOf(name),
      vehicles: check.vehicles,
      bestVehicles: best.vehicles,
      distance: check.distance,
      bestDistance: best.distance,
      gapPercent: (check.distance / best.distance - 1) * 100,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      iterations: solution.iterations,
      problems: check.problems,
    };
    results.push(result);
    console.error(
      `${name.padEnd(6)} ${result.vehicles} (${best.vehicles}) ${fixed(result.distance).padStart(8)} (${fixed(best.distance)}) gap ${fixed(result.gapPercent).padStart(6)} %  ${fixed(seconds, 1)} s, CPU ${fixed(result.cpuSeconds, 1)} s${check.problems.length ? `  INFEASIBLE: ${check.problems.join('; ')}` : ''}`,
    );
  }
  const machine = machineDescription();
  const run: SavedRun = {
    date,
    machine,
    args,
    loadAtStart,
    meanLoad: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length),
    totalSeconds: (Date.now() - started) / 1000,
    results,
  };
  const { section, tables } = render(run);
  console.log(`\n${tables}`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, `vrptw-${date}.json`), JSON.stringify({ ...run, summaries: summarise(results) }, null, 2));
  if (args.docs) writeDocs(section);
  if (results.some((r) => r.problems.length)) {
    console.error('Some solutions failed the independent check (see the table).');
    process.exitCode = 1;
  }
}

try {
  main();
} catch (err) {
  console.error(`Error: ${(err as Error).message}`);
  process.exitCode = 2;
}
