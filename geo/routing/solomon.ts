/**
 * Solomon's VRPTW benchmark files (Solomon 1987, "Algorithms for the vehicle routing and scheduling
 * problems with time window constraints"): a name line, a VEHICLE section (number, capacity) and a
 * CUSTOMER section with one row per node — number, x, y, demand, ready time, due date, service time —
 * the first row being the depot (number 0, whose due date closes the horizon).
 *
 * Distances are Euclidean in double precision (not truncated), travel time = distance; a vehicle may
 * wait for a customer's ready time, must start service by its due date and be back at the depot by the
 * depot's due date.
 */
import { readFileSync } from 'node:fs';

/** A depot or customer row. Times are in the instance's time units, coordinates in its distance units. */
export interface VrptwNode {
  /** The number in the file (0 for the depot). */
  id: number;
  x: number;
  y: number;
  demand: number;
  /** Earliest start of service. */
  ready: number;
  /** Latest start of service (for the depot: latest return). */
  due: number;
  service: number;
}

export interface VrptwInstance {
  name: string;
  /** Vehicles available (the file's NUMBER). */
  vehicleLimit: number;
  capacity: number;
  /** nodes[0] is the depot, nodes[1..] the customers in file order. */
  nodes: VrptwNode[];
}

/** A file that is not a Solomon instance; the message names the file and line. */
export class SolomonFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SolomonFormatError';
  }
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Parses the text of a Solomon instance; `file` names it in error messages. */
export function parseSolomon(text: string, file = 'instance'): VrptwInstance {
  const lines = text.split(/\r?\n/);
  const fail = (lineIndex: number, message: string): never => {
    throw new SolomonFormatError(file, lineIndex + 1, message);
  };
  const nextContentLine = (from: number): number => {
    let i = from;
    while (i < lines.length && lines[i]!.trim() === '') i++;
    return i;
  };
  const numbersOn = (i: number, count: number, what: string): number[] => {
    const fields = (lines[i] ?? '').trim().split(/\s+/);
    if (fields.length !== count || !fields.every((f) => NUMBER.test(f))) {
      fail(i, `expected ${count} numbers (${what}), found "${(lines[i] ?? '').trim()}"`);
    }
    return fields.map(Number);
  };

  let i = nextContentLine(0);
  if (i >= lines.length) fail(0, 'the file is empty');
  const name = lines[i]!.trim();
  i = nextContentLine(i + 1);
  if (lines[i]?.trim().toUpperCase() !== 'VEHICLE') fail(i, `expected the VEHICLE section, found "${lines[i]?.trim() ?? 'end of file'}"`);
  i = nextContentLine(i + 1);
  if (!/^NUMBER\s+CAPACITY$/i.test(lines[i]?.trim() ?? '')) fail(i, `expected the header "NUMBER CAPACITY", found "${lines[i]?.trim() ?? 'end of file'}"`);
  i = nextContentLine(i + 1);
  const [vehicleLimit, capacity] = numbersOn(i, 2, 'vehicle number and capacity') as [number, number];
  if (!Number.isInteger(vehicleLimit) || vehicleLimit < 1) fail(i, `vehicle number must be a whole number ≥ 1, got ${vehicleLimit}`);
  if (!(capacity > 0)) fail(i, `capacity must be positive, got ${capacity}`);
  i = nextContentLine(i + 1);
  if (lines[i]?.trim().toUpperCase() !== 'CUSTOMER') fail(i, `expected the CUSTOMER section, found "${lines[i]?.trim() ?? 'end of file'}"`);
  i = nextContentLine(i + 1);
  if (!/^CUST\b/i.test(lines[i]?.trim() ?? '')) fail(i, `expected the customer column header, found "${lines[i]?.trim() ?? 'end of file'}"`);

  const nodes: VrptwNode[] = [];
  const seen = new Map<number, number>();
  for (i = i + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const [id, x, y, demand, ready, due, service] = numbersOn(i, 7, 'number, x, y, demand, ready time, due date, service time') as [
      number, number, number, number, number, number, number,
    ];
    if (!Number.isInteger(id) || id < 0) fail(i, `customer number must be a whole number ≥ 0, got ${id}`);
    if (nodes.length === 0 && id !== 0) fail(i, `the first row must be the depot (number 0), got number ${id}`);
    if (seen.has(id)) fail(i, `customer number ${id} repeats line ${seen.get(id)! + 1}`);
    if (demand < 0) fail(i, `demand must be ≥ 0, got ${demand}`);
    if (demand > capacity) fail(i, `demand ${demand} of customer ${id} exceeds the vehicle capacity ${capacity}`);
    if (ready > due) fail(i, `ready time ${ready} is after due date ${due}`);
    if (service < 0) fail(i, `service time must be ≥ 0, got ${service}`);
    seen.set(id, i);
    nodes.push({ id, x, y, demand, ready, due, service });
  }
  if (nodes.length < 2) fail(lines.length - 1, 'no customer rows after the header (need the depot and at least one customer)');
  return { name, vehicleLimit, capacity, nodes };
}

/** Reads and parses a Solomon instance file. */
export function readSolomonFile(path: string): VrptwInstance {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseSolomon(text, path);
}

/** Euclidean distances between all nodes (row-major, double precision); travel time equals distance. */
export function distanceMatrix(instance: VrptwInstance): Float64Array {
  const n = instance.nodes.length;
  const d = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const dx = instance.nodes[a]!.x - instance.nodes[b]!.x;
      const dy = instance.nodes[a]!.y - instance.nodes[b]!.y;
      // sqrt(dx² + dy²) rather than Math.hypot: the usual definition, so totals match published ones to the last digit.
      d[a * n + b] = Math.sqrt(dx * dx + dy * dy);
    }
  }
  return d;
}

/** The best-known results file (`instance,vehicles,distance`) as a map by instance name. */
export function parseBestKnown(text: string): Map<string, { vehicles: number; distance: number }> {
  const result = new Map<string, { vehicles: number; distance: number }>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [name, vehicles, distance] = line.trim().split(',');
    if (!name || vehicles === undefined || distance === undefined) continue;
    result.set(name, { vehicles: Number(vehicles), distance: Number(distance) });
  }
  return result;
}
