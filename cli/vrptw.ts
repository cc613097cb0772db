import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { readSolomonFile } from '../geo/routing/solomon.ts';
import { checkVrptwSolution, solveVrptw } from '../geo/routing/vrptw.ts';
import type { CliIo } from './io.ts';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError('must be a positive number of seconds, e.g. 20');
  return n;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number ≥ 0, e.g. 1');
  return Number(value);
}

function positiveWholeNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a whole number ≥ 1, e.g. 20000');
  return Number(value);
}

/** `roadsafe vrptw FILE [--seconds N] [--seed N] [--max-iterations N] [--json]`: the routing core on a Solomon instance. */
export function registerVrptwCommands(program: Command, _importCommand: Command, io: CliIo): void {
  program
    .command('vrptw')
    .description('Solve a Solomon VRPTW instance with the van routing heuristic (fewest vehicles, then least distance); no database needed')
    .argument('<file>', 'a Solomon instance, e.g. ../shared/data/solomon/C101.txt')
    .option('--seconds <n>', 'time budget in seconds', positiveNumber, 20)
    .option('--seed <n>', 'seed of the random choices (same seed + same --max-iterations = same answer)', wholeNumber, 1)
    .option('--max-iterations <n>', 'stop after this many iterations instead of after --seconds (reproducible on any machine)', positiveWholeNumber)
    .option('--json', 'print {"vehicles", "distance" (2 decimals), "routes": [[customer numbers in visiting order], …]}')
    .addHelpText(
      'after',
      `
Distances are Euclidean in double precision; travel time equals distance. Every solution is re-checked by an
independent simulator (each customer once, capacity, time windows with waiting, return by the depot's due date)
before it is printed; a failed check is an error.

Examples:
  roadsafe vrptw ../shared/data/solomon/R101.txt --seconds 30
  roadsafe vrptw ../shared/data/solomon/C101.txt --json > C101.json`,
    )
    .action((file: string, opts: { seconds: number; seed: number; maxIterations?: number; json?: boolean }) => {
      const instance = readSolomonFile(file);
      const solution = solveVrptw(instance, { seconds: opts.seconds, seed: opts.seed, maxIterations: opts.maxIterations });
      const check = checkVrptwSolution(instance, solution.routes);
      if (check.problems.length) {
        throw new Error(`The solution for ${path.basename(file)} failed the independent check (a bug, please report it):\n  ${check.problems.join('\n  ')}`);
      }
      if (opts.json) {
        io.stdout.write(`${JSON.stringify({ vehicles: solution.vehicles, distance: Math.round(check.distance * 100) / 100, routes: solution.routes })}\n`);
        return;
      }
      const byId = new Map(instance.nodes.map((n) => [n.id, n]));
      const lines = [
        `${instance.name} (${path.basename(file)}, ${instance.nodes.length - 1} customers, capacity ${instance.capacity}): ${solution.vehicles} vehicles, distance ${check.distance.toFixed(2)}`,
        `  ${solution.elapsedSeconds.toFixed(1)} s, seed ${opts.seed}, ${solution.iterations} iterations; checked independently: feasible`,
      ];
      solution.routes.forEach((route, i) => {
        const load = route.reduce((sum, id) => sum + byId.get(id)!.demand, 0);
        lines.push(`  vehicle ${String(i + 1).padStart(2)} (load ${load}/${instance.capacity}): ${route.join(' ')}`);
      });
      io.stdout.write(`${lines.join('\n')}\n`);
    });
}
