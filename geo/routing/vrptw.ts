/**
 * A vehicle routing heuristic with time windows (VRPTW): fewest vehicles first, then least distance.
 *
 * 1. Construction: cheapest feasible insertion, opening a route when no customer fits anywhere.
 * 2. Route minimisation after Nagata & Bräysy (2009, "A powerful route minimization heuristic for the
 *    vehicle routing problem with time windows", Oper. Res. Letters 37): remove a route, put its customers
 *    in an ejection pool, insert them one by one; a customer that fits nowhere is inserted by ejecting up
 *    to `MAX_EJECTED` others, choosing the ejection with the least summed "how often did this customer
 *    fail" counters, followed by random feasible moves to shake the solution.
 * 3. Distance minimisation: adaptive large neighbourhood search after Ropke & Pisinger (2006, "An adaptive
 *    large neighborhood search heuristic for the pickup and delivery problem with time windows", Transp.
 *    Sci. 40; and Pisinger & Ropke 2007, "A general heuristic for vehicle routing problems", Comput. Oper.
 *    Res. 34): random, worst, Shaw-related and route removal; greedy and regret-2/3 repair with noise;
 *    simulated-annealing acceptance; each candidate polished by a granular local search (relocate, swap,
 *    2-opt*, or-opt; Toth & Vigo's granular neighbourhoods).
 *
 * Feasibility of every move is checked in O(1) from forward/backward segment summaries (duration,
 * time warp, earliest and latest start, load; Vidal et al. 2013, "A hybrid genetic algorithm with adaptive
 * diversity management for a large class of vehicle routing problems with time-windows", Comput. Oper.
 * Res. 40), with time warp required to be zero: waiting is allowed, lateness is not.
 *
 * `checkVrptwSolution` re-simulates a solution from the instance alone and is independent of all this.
 */
import { seededRng, shuffle, type Rng } from './random.ts';
import { distanceMatrix, type VrptwInstance } from './solomon.ts';

export interface VrptwOptions {
  /** Wall-clock budget in seconds (default 10). Ignored when `maxIterations` is set. */
  seconds?: number;
  /** Seed of the random choices (default 1). */
  seed?: number;
  /**
   * Budget in iterations instead of time (ejection steps + ALNS iterations), for reproducible runs:
   * the same seed and limit give the same solution on any machine.
   */
  maxIterations?: number;
}

export interface VrptwSolution {
  /** Routes used (non-empty). */
  vehicles: number;
  /** Total Euclidean distance, double precision. */
  distance: number;
  /** Customer numbers (as in the file) in visiting order, one array per vehicle; depot omitted. */
  routes: number[][];
  /** Ejection steps + ALNS iterations done. */
  iterations: number;
  elapsedSeconds: number;
  /** How the search went (for benchmarks and tuning). */
  stats: { constructedVehicles: number; routeMinimisationSeconds: number; vehiclesAfterRouteMinimisation: number; searchIterations: number };
}

/** Time warp and load slack below this count as zero (floating-point noise in the segment sums). */
const EPS = 1e-9;
/** Granular neighbourhood: each customer's nearest customers considered by the local search. */
const NEIGHBOURS = 25;
/** Most customers ejected to insert one in route minimisation (Nagata & Bräysy use 5). */
const MAX_EJECTED = 4;
/** Search nodes allowed per (route, position) in the ejection search, to bound long routes. */
const EJECTION_NODE_LIMIT = 4000;
/** Random feasible moves after each ejection, to diversify. */
const PERTURBATION_MOVES = 100;
/** Iterations the distance search may keep customers in its bank before it returns to the best solution. */
const BANKED_ITERATIONS = 100;
/** Share of the budget for route minimisation; the rest minimises distance. */
const ROUTE_MINIMISATION_SHARE = 0.4;

// ─── Problem data and segment summaries ────────────────────────────────────────────────────────────

/** A summary of a sequence of visits (Vidal et al. 2013): enough to concatenate sequences in O(1). */
interface Segment {
  first: number;
  last: number;
  /** Least duration (travel + service + forced waiting). */
  duration: number;
  /** Time warp: lateness needed to keep the sequence (0 = feasible). */
  warp: number;
  /** Earliest and latest start of service at `first` with least duration. */
  earliest: number;
  latest: number;
  distance: number;
  load: number;
}

class Problem {
  readonly size: number;
  readonly dist: Float64Array;
  readonly ready: Float64Array;
  readonly due: Float64Array;
  readonly service: Float64Array;
  readonly demand: Float64Array;
  readonly capacity: number;
  readonly singles: Segment[];
  readonly neighbours: Int32Array[];
  /** All customers by distance from each customer, nearest first (for string removal). */
  readonly nearest: Int32Array[];
  readonly maxDistance: number;
  readonly horizon: number;

  constructor(readonly instance: VrptwInstance) {
    const nodes = instance.nodes;
    this.size = nodes.length;
    this.dist = distanceMatrix(instance);
    this.ready = Float64Array.from(nodes, (n) => n.ready);
    this.due = Float64Array.from(nodes, (n) => n.due);
    this.service = Float64Array.from(nodes, (n) => n.service);
    this.demand = Float64Array.from(nodes, (n) => n.demand);
    this.capacity = instance.capacity;
    this.horizon = nodes[0]!.due;
    this.singles = nodes.map((n, i) => ({ first: i, last: i, duration: n.service, warp: 0, earliest: n.ready, latest: n.due, distance: 0, load: n.demand }));
    let maxDistance = 0;
    for (const d of this.dist) maxDistance = Math.max(maxDistance, d);
    this.maxDistance = maxDistance;
    this.neighbours = [new Int32Array(0)];
    this.nearest = [new Int32Array(0)];
    for (let u = 1; u < this.size; u++) {
      const others: number[] = [];
      for (let v = 1; v < this.size; v++) if (v !== u) others.push(v);
      // Nearest by distance plus the waiting or lateness that visiting v straight after u would cause.
      const correlation = (v: number): number => {
        const d = this.d(u, v);
        const arrive = this.ready[u]! + this.service[u]! + d;
        return d + 0.2 * Math.max(this.ready[v]! - arrive - (this.due[u]! - this.ready[u]!), 0) + Math.max(arrive - this.due[v]!, 0);
      };
      const keyed = others.map((v) => [correlation(v), v] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      this.neighbours.push(Int32Array.from(keyed.slice(0, NEIGHBOURS), (k) => k[1]));
      this.nearest.push(Int32Array.from(others.sort((a, b) => this.d(u, a) - this.d(u, b) || a - b)));
    }
  }

  d(a: number, b: number): number {
    return this.dist[a * this.size + b]!;
  }

  concat(a: Segment, b: Segment): Segment {
    const delta = this.d(a.last, b.first);
    const gap = a.duration - a.warp + delta;
    const wait = Math.max(b.earliest - gap - a.latest, 0);
    const warp = Math.max(a.earliest + gap - b.latest, 0);
    return {
      first: a.first,
      last: b.last,
      duration: a.duration + b.duration + delta + wait,
      warp: a.warp + b.warp + warp,
      earliest: Math.max(b.earliest - gap, a.earliest) - wait,
      latest: Math.min(b.latest - gap, a.latest) + warp,
      distance: a.distance + b.distance + delta,
      load: a.load + b.load,
    };
  }

  /** The concatenation of the segments if feasible (no time warp, load within capacity), else null. */
  chain(...segments: Segment[]): Segment | null {
    let acc = segments[0]!;
    for (let i = 1; i < segments.length; i++) {
      acc = this.concat(acc, segments[i]!);
      if (acc.warp > EPS) return null;
    }
    return acc.warp > EPS || acc.load > this.capacity + EPS ? null : acc;
  }

  /** The route through `nodes` (depot first and last) if feasible, else null. */
  sequence(nodes: readonly number[]): Segment | null {
    let acc = this.singles[nodes[0]!]!;
    for (let i = 1; i < nodes.length; i++) {
      acc = this.concat(acc, this.singles[nodes[i]!]!);
      if (acc.warp > EPS) return null;
    }
    return acc.load > this.capacity + EPS ? null : acc;
  }
}

/** One vehicle's route: `nodes` starts and ends with the depot (0); prefix and suffix summaries. */
class Route {
  fwd: Segment[] = [];
  bwd: Segment[] = [];

  constructor(
    private readonly p: Problem,
    public nodes: number[],
  ) {
    this.refresh();
  }

  refresh(): void {
    const { p, nodes } = this;
    const n = nodes.length;
    const fwd = new Array<Segment>(n);
    const bwd = new Array<Segment>(n);
    fwd[0] = p.singles[nodes[0]!]!;
    for (let i = 1; i < n; i++) fwd[i] = p.concat(fwd[i - 1]!, p.singles[nodes[i]!]!);
    bwd[n - 1] = p.singles[nodes[n - 1]!]!;
    for (let i = n - 2; i >= 0; i--) bwd[i] = p.concat(p.singles[nodes[i]!]!, bwd[i + 1]!);
    this.fwd = fwd;
    this.bwd = bwd;
  }

  get distance(): number {
    return this.fwd[this.fwd.length - 1]!.distance;
  }

  get customers(): number {
    return this.nodes.length - 2;
  }

  clone(): Route {
    const r = Object.create(Route.prototype) as Route;
    Object.assign(r, { p: this.p, nodes: this.nodes.slice(), fwd: this.fwd.slice(), bwd: this.bwd.slice() });
    return r;
  }

  /** Earliest start of service at position i (the schedule with least waiting). */
  startAt(i: number): number {
    const s = this.fwd[i]!;
    return s.earliest + s.duration - this.p.service[this.nodes[i]!]!;
  }
}

/**
 * The cost of inserting u between positions i and i+1 of route r, or Infinity if that is infeasible.
 * The two concatenations of `Problem.concat` written out, because this runs millions of times.
 */
function insertionDelta(p: Problem, r: Route, i: number, u: number): number {
  const a = r.fwd[i]!;
  const b = r.bwd[i + 1]!;
  if (a.load + b.load + p.demand[u]! > p.capacity + EPS) return Infinity;
  const au = p.d(a.last, u);
  const gap = a.duration + au;
  const warp = a.earliest + gap - p.due[u]!;
  if (warp > EPS) return Infinity;
  const wait = Math.max(p.ready[u]! - gap - a.latest, 0);
  const duration = a.duration + p.service[u]! + au + wait;
  const earliest = Math.max(p.ready[u]! - gap, a.earliest) - wait;
  const ub = p.d(u, b.first);
  if (earliest + duration + ub - b.latest > EPS) return Infinity;
  return au + ub - p.d(a.last, b.first);
}

class Solution {
  routeOf: Int32Array;
  posOf: Int32Array;
  /** Customers not on any route (the request bank of the distance search; penalised, never in a best solution). */
  bank: number[] = [];

  constructor(
    private readonly p: Problem,
    public routes: Route[],
  ) {
    this.routeOf = new Int32Array(p.size).fill(-1);
    this.posOf = new Int32Array(p.size).fill(-1);
    for (let r = 0; r < routes.length; r++) this.index(r);
  }

  index(r: number): void {
    const nodes = this.routes[r]!.nodes;
    for (let i = 1; i < nodes.length - 1; i++) {
      this.routeOf[nodes[i]!] = r;
      this.posOf[nodes[i]!] = i;
    }
  }

  /** Re-summarises and re-indexes route r after its nodes changed. */
  touch(r: number): void {
    this.routes[r]!.refresh();
    this.index(r);
  }

  get distance(): number {
    let total = 0;
    for (const r of this.routes) total += r.distance;
    return total;
  }

  /** Drops routes without customers. */
  compact(): void {
    if (!this.routes.some((r) => r.customers === 0)) return;
    this.routes = this.routes.filter((r) => r.customers > 0);
    for (let r = 0; r < this.routes.length; r++) this.index(r);
  }

  clone(): Solution {
    const s = Object.create(Solution.prototype) as Solution;
    Object.assign(s, { p: this.p, routes: this.routes.map((r) => r.clone()), routeOf: this.routeOf.slice(), posOf: this.posOf.slice(), bank: this.bank.slice() });
    return s;
  }

  remove(u: number): void {
    const r = this.routeOf[u]!;
    this.routes[r]!.nodes.splice(this.posOf[u]!, 1);
    this.routeOf[u] = -1;
    this.posOf[u] = -1;
    this.touch(r);
  }

  insert(u: number, r: number, i: number): void {
    this.routes[r]!.nodes.splice(i + 1, 0, u);
    this.touch(r);
  }

  /** The cheapest feasible insertion of u, or null. */
  bestInsertion(u: number): { r: number; i: number; delta: number } | null {
    let best: { r: number; i: number; delta: number } | null = null;
    for (let r = 0; r < this.routes.length; r++) {
      const route = this.routes[r]!;
      for (let i = 0; i < route.nodes.length - 1; i++) {
        const delta = insertionDelta(this.p, route, i, u);
        if (delta < (best?.delta ?? Infinity)) best = { r, i, delta };
      }
    }
    return best;
  }
}

/** Counts work in iterations (reproducible) or seconds. */
class Budget {
  iterations = 0;
  private readonly started = performance.now();

  constructor(
    private readonly seconds: number,
    private readonly maxIterations: number | undefined,
  ) {}

  /** Share of the budget used, 0…1+. */
  fraction(): number {
    return this.maxIterations !== undefined ? this.iterations / this.maxIterations : this.elapsedSeconds() / this.seconds;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

// ─── Construction ──────────────────────────────────────────────────────────────────────────────────

/** Cheapest insertion over all unrouted customers; a new route (seeded by the farthest customer) when none fits. */
function construct(p: Problem): Solution {
  const s = new Solution(p, []);
  const unrouted = new Set<number>();
  for (let u = 1; u < p.size; u++) unrouted.add(u);
  while (unrouted.size) {
    let best: { u: number; r: number; i: number; delta: number } | null = null;
    for (const u of unrouted) {
      const ins = s.bestInsertion(u);
      if (ins && ins.delta < (best?.delta ?? Infinity)) best = { u, ...ins };
    }
    if (best) {
      s.insert(best.u, best.r, best.i);
      unrouted.delete(best.u);
      continue;
    }
    let seed = -1;
    for (const u of unrouted) if (seed < 0 || p.d(0, u) > p.d(0, seed) || (p.d(0, u) === p.d(0, seed) && u < seed)) seed = u;
    s.routes.push(new Route(p, [0, seed, 0]));
    s.index(s.routes.length - 1);
    unrouted.delete(seed);
  }
  return s;
}

// ─── Local search (granular; first improvement) ────────────────────────────────────────────────────

/** Cost of route `nodes` if feasible, else Infinity (for moves inside one route). */
function sequenceCost(p: Problem, nodes: number[]): number {
  return p.sequence(nodes)?.distance ?? Infinity;
}

/**
 * Tries the moves between u and its neighbour v; applies the first that shortens the solution (or, in
 * `random` mode, the first that is feasible whatever its cost). Returns true if it changed the solution.
 */
function tryMoves(p: Problem, s: Solution, u: number, v: number, random: boolean, rng: Rng): boolean {
  const ru = s.routeOf[u]!;
  const rv = s.routeOf[v]!;
  if (ru < 0 || rv < 0) return false;
  const RU = s.routes[ru]!;
  const RV = s.routes[rv]!;
  const pu = s.posOf[u]!;
  const pv = s.posOf[v]!;
  const nu = RU.nodes;
  const nv = RV.nodes;
  const prevU = nu[pu - 1]!;
  const nextU = nu[pu + 1]!;
  const prevV = nv[pv - 1]!;
  const nextV = nv[pv + 1]!;
  // No closures here: this is the hottest function, and tsx wraps every closure creation in a helper call.
  const firstMove = random ? Math.floor(rng() * 6) : 0;
  const lastMove = random ? firstMove : 5;
  for (let move = firstMove; move <= lastMove; move++) {
    if (ru !== rv) {
      switch (move) {
        case 0: // relocate u after v
        case 1: {
          // relocate u before v
          const j = move === 0 ? pv : pv - 1;
          const a = nv[j]!;
          const b = nv[j + 1]!;
          const delta = p.d(prevU, nextU) - p.d(prevU, u) - p.d(u, nextU) + p.d(a, u) + p.d(u, b) - p.d(a, b);
          if (!improves(random, delta)) break;
          if (insertionDelta(p, RV, j, u) === Infinity || !p.chain(RU.fwd[pu - 1]!, RU.bwd[pu + 1]!)) break;
          nu.splice(pu, 1);
          nv.splice(j + 1, 0, u);
          s.touch(ru);
          s.touch(rv);
          return true;
        }
        case 2: {
          // swap u and v
          const delta =
            p.d(prevU, v) + p.d(v, nextU) - p.d(prevU, u) - p.d(u, nextU) + p.d(prevV, u) + p.d(u, nextV) - p.d(prevV, v) - p.d(v, nextV);
          if (!improves(random, delta)) break;
          if (!p.chain(RU.fwd[pu - 1]!, p.singles[v]!, RU.bwd[pu + 1]!) || !p.chain(RV.fwd[pv - 1]!, p.singles[u]!, RV.bwd[pv + 1]!)) break;
          nu[pu] = v;
          nv[pv] = u;
          s.touch(ru);
          s.touch(rv);
          return true;
        }
        case 3: {
          // 2-opt*: u then v's tail; v's head then u's tail
          const delta = p.d(u, v) + p.d(prevV, nextU) - p.d(u, nextU) - p.d(prevV, v);
          if (!improves(random, delta)) break;
          if (!p.chain(RU.fwd[pu]!, RV.bwd[pv]!) || !p.chain(RV.fwd[pv - 1]!, RU.bwd[pu + 1]!)) break;
          RU.nodes = [...nu.slice(0, pu + 1), ...nv.slice(pv)];
          RV.nodes = [...nv.slice(0, pv), ...nu.slice(pu + 1)];
          s.touch(ru);
          s.touch(rv);
          return true;
        }
        case 4: {
          // 2-opt*: v then u's tail; u's head then v's tail
          const delta = p.d(v, u) + p.d(prevU, nextV) - p.d(prevU, u) - p.d(v, nextV);
          if (!improves(random, delta)) break;
          if (!p.chain(RV.fwd[pv]!, RU.bwd[pu]!) || !p.chain(RU.fwd[pu - 1]!, RV.bwd[pv + 1]!)) break;
          const newU = [...nu.slice(0, pu), ...nv.slice(pv + 1)];
          RV.nodes = [...nv.slice(0, pv + 1), ...nu.slice(pu)];
          RU.nodes = newU;
          s.touch(ru);
          s.touch(rv);
          return true;
        }
        case 5: {
          // or-opt: move (u, next u) after v
          if (nextU === 0) break;
          const after = nu[pu + 2]!;
          const delta = p.d(prevU, after) - p.d(prevU, u) - p.d(nextU, after) + p.d(v, u) + p.d(nextU, nextV) - p.d(v, nextV);
          if (!improves(random, delta)) break;
          const pair = p.concat(p.singles[u]!, p.singles[nextU]!);
          if (!p.chain(RV.fwd[pv]!, pair, RV.bwd[pv + 1]!) || !p.chain(RU.fwd[pu - 1]!, RU.bwd[pu + 2]!)) break;
          nu.splice(pu, 2);
          nv.splice(pv + 1, 0, u, nextU);
          s.touch(ru);
          s.touch(rv);
          return true;
        }
      }
    } else {
      // Inside one route: the distance change first (O(1)); only if it helps, rebuild and re-check the route.
      let candidate: number[] | null = null;
      let delta: number;
      switch (move) {
        case 0: // relocate u after v
        case 1: {
          // relocate u before v
          const a = move === 0 ? v : prevV;
          const b = move === 0 ? nextV : v;
          if (a === prevU || a === u || b === u) break;
          delta = p.d(prevU, nextU) - p.d(prevU, u) - p.d(u, nextU) + p.d(a, u) + p.d(u, b) - p.d(a, b);
          if (!improves(random, delta)) break;
          const without = nu.filter((_, i) => i !== pu);
          const at = without.indexOf(a);
          candidate = [...without.slice(0, at + 1), u, ...without.slice(at + 1)];
          break;
        }
        case 2: {
          if (nextU === v) delta = p.d(prevU, v) + p.d(u, nextV) - p.d(prevU, u) - p.d(v, nextV);
          else if (nextV === u) delta = p.d(prevV, u) + p.d(v, nextU) - p.d(prevV, v) - p.d(u, nextU);
          else delta = p.d(prevU, v) + p.d(v, nextU) - p.d(prevU, u) - p.d(u, nextU) + p.d(prevV, u) + p.d(u, nextV) - p.d(prevV, v) - p.d(v, nextV);
          if (!improves(random, delta)) break;
          candidate = nu.slice();
          candidate[pu] = v;
          candidate[pv] = u;
          break;
        }
        case 3: {
          // 2-opt: reverse the stretch between u and v (distances are symmetric)
          const [i, j] = pu < pv ? [pu, pv] : [pv, pu];
          delta = p.d(nu[i - 1]!, nu[j]!) + p.d(nu[i]!, nu[j + 1]!) - p.d(nu[i - 1]!, nu[i]!) - p.d(nu[j]!, nu[j + 1]!);
          if (!improves(random, delta)) break;
          candidate = [...nu.slice(0, i), ...nu.slice(i, j + 1).reverse(), ...nu.slice(j + 1)];
          break;
        }
        case 5: {
          // or-opt: move (u, next u) after v
          if (nextU === 0 || nextU === v || v === prevU) break;
          const after = nu[pu + 2]!;
          delta = p.d(prevU, after) - p.d(prevU, u) - p.d(nextU, after) + p.d(v, u) + p.d(nextU, nextV) - p.d(v, nextV);
          if (!improves(random, delta)) break;
          const rest = nu.filter((_, i) => i !== pu && i !== pu + 1);
          const at = rest.indexOf(v);
          candidate = [...rest.slice(0, at + 1), u, nextU, ...rest.slice(at + 1)];
          break;
        }
      }
      if (!candidate) continue;
      const cost = sequenceCost(p, candidate);
      if (cost === Infinity || !improves(random, cost - RU.distance)) continue;
      RU.nodes = candidate;
      s.touch(ru);
      return true;
    }
  }
  return false;
}

/** Whether a move with this distance change is taken: any feasible one in random mode, else a strict improvement. */
function improves(random: boolean, delta: number): boolean {
  return random || delta < -1e-7;
}

/** Granular local search to a local optimum. */
function localSearch(p: Problem, s: Solution, rng: Rng): void {
  const order: number[] = [];
  for (let u = 1; u < p.size; u++) order.push(u);
  for (let pass = 0; pass < 50; pass++) {
    let improved = false;
    shuffle(rng, order);
    for (const u of order) {
      for (const v of p.neighbours[u]!) {
        if (tryMoves(p, s, u, v, false, rng)) improved = true;
      }
    }
    if (!improved) break;
  }
  if (!s.bank.length) s.compact();
}

/** Random feasible moves, whatever their cost (diversification in route minimisation). */
function perturb(p: Problem, s: Solution, moves: number, rng: Rng): void {
  for (let k = 0; k < moves; k++) {
    const u = 1 + Math.floor(rng() * (p.size - 1));
    const nb = p.neighbours[u]!;
    const v = nb[Math.floor(rng() * nb.length)]!;
    tryMoves(p, s, u, v, true, rng);
  }
}

// ─── Route minimisation (ejection pool) ────────────────────────────────────────────────────────────

interface Ejection {
  r: number;
  nodes: number[];
  ejected: number[];
  penalty: number;
  distance: number;
}

/**
 * The best way to put v into route r at some position while ejecting at most MAX_EJECTED others:
 * least summed failure counters, then least distance. Depth-first over "keep or eject" per customer,
 * pruned by the best penalty so far and by prefixes that are already late; once past v, the rest of the
 * original route is tried whole (its suffix summary) before ejecting anything more.
 */
function bestEjection(p: Problem, s: Solution, v: number, failures: Int32Array, best: Ejection | null): Ejection | null {
  for (let r = 0; r < s.routes.length; r++) {
    const route = s.routes[r]!;
    const orig = route.nodes;
    for (let at = 0; at < orig.length - 1; at++) {
      const seq = [...orig.slice(0, at + 1), v, ...orig.slice(at + 1)];
      const ejected: number[] = [];
      let nodesLeft = EJECTION_NODE_LIMIT;
      const dfs = (idx: number, prefix: Segment, penalty: number): void => {
        if (--nodesLeft < 0) return;
        if (best && penalty > best.penalty) return;
        if (idx > at + 1) {
          // Past v: seq[idx..] is the original route from position idx − 1.
          const whole = p.chain(prefix, route.bwd[idx - 1]!);
          if (whole) {
            if (!best || penalty < best.penalty || whole.distance < best.distance - 1e-9) {
              const kept = seq.filter((c) => !ejected.includes(c));
              best = { r, nodes: kept, ejected: ejected.slice(), penalty, distance: whole.distance };
            }
            return;
          }
        }
        if (idx === seq.length - 1) return;
        const c = seq[idx]!;
        const keep = p.concat(prefix, p.singles[c]!);
        if (keep.warp <= EPS && keep.load <= p.capacity + EPS) dfs(idx + 1, keep, penalty);
        if (c !== v && ejected.length < MAX_EJECTED && (!best || penalty + failures[c]! <= best.penalty)) {
          ejected.push(c);
          dfs(idx + 1, prefix, penalty + failures[c]!);
          ejected.pop();
        }
      };
      dfs(1, p.singles[0]!, 0);
    }
  }
  return best;
}

/**
 * Tries to serve everyone with one route fewer: returns the new solution, or null if the budget ran
 * out first (the caller keeps the old one).
 */
function removeOneRoute(p: Problem, start: Solution, budget: Budget, until: number, rng: Rng): Solution | null {
  const s = start.clone();
  const victim = Math.floor(rng() * s.routes.length);
  const pool = s.routes[victim]!.nodes.slice(1, -1);
  s.routes.splice(victim, 1);
  for (const u of pool) s.routeOf[u] = -1;
  for (let r = 0; r < s.routes.length; r++) s.index(r);
  const failures = new Int32Array(p.size).fill(1);
  shuffle(rng, pool);
  while (pool.length) {
    if (budget.fraction() >= until) return null;
    budget.iterations++;
    const v = pool.pop()!;
    const ins = s.bestInsertion(v);
    if (ins) {
      s.insert(v, ins.r, ins.i);
      continue;
    }
    failures[v]!++;
    const ejection = bestEjection(p, s, v, failures, null);
    if (!ejection) {
      pool.unshift(v);
    } else {
      for (const c of ejection.ejected) {
        s.routeOf[c] = -1;
        s.posOf[c] = -1;
        pool.push(c);
      }
      s.routes[ejection.r]!.nodes = ejection.nodes;
      s.touch(ejection.r);
    }
    perturb(p, s, PERTURBATION_MOVES, rng);
  }
  return s;
}

// ─── Distance minimisation (ALNS) ──────────────────────────────────────────────────────────────────

type Destroy = (p: Problem, s: Solution, q: number, rng: Rng) => number[];
/** Inserts `pending` where it can; what fits nowhere goes to `s.bank`. True if everyone was inserted. */
type Repair = (p: Problem, s: Solution, pending: number[], rng: Rng) => boolean;

function routedCustomers(p: Problem, s: Solution): number[] {
  const list: number[] = [];
  for (let u = 1; u < p.size; u++) if (s.routeOf[u]! >= 0) list.push(u);
  return list;
}

function removeAll(s: Solution, customers: number[]): number[] {
  for (const u of customers) s.remove(u);
  return customers;
}

const randomRemoval: Destroy = (p, s, q, rng) => removeAll(s, shuffle(rng, routedCustomers(p, s)).slice(0, q));

const worstRemoval: Destroy = (p, s, q, rng) => {
  const removed: number[] = [];
  while (removed.length < q) {
    const saving = routedCustomers(p, s).map((u) => {
      const nodes = s.routes[s.routeOf[u]!]!.nodes;
      const i = s.posOf[u]!;
      return [p.d(nodes[i - 1]!, u) + p.d(u, nodes[i + 1]!) - p.d(nodes[i - 1]!, nodes[i + 1]!), u] as const;
    });
    saving.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    // Randomised: index y^3 · n favours the worst (Ropke & Pisinger's p = 3).
    const pick = saving[Math.floor(rng() ** 3 * saving.length)]![1];
    s.remove(pick);
    removed.push(pick);
  }
  return removed;
};

const shawRemoval: Destroy = (p, s, q, rng) => {
  const start = new Float64Array(p.size);
  for (const route of s.routes) for (let i = 1; i < route.nodes.length - 1; i++) start[route.nodes[i]!] = route.startAt(i);
  const maxDemand = Math.max(1, ...p.demand);
  const related = (a: number, b: number): number =>
    (9 * p.d(a, b)) / p.maxDistance + (3 * Math.abs(start[a]! - start[b]!)) / p.horizon + (2 * Math.abs(p.demand[a]! - p.demand[b]!)) / maxDemand;
  const candidates = routedCustomers(p, s);
  const removed = [candidates[Math.floor(rng() * candidates.length)]!];
  const left = new Set(candidates);
  left.delete(removed[0]!);
  while (removed.length < q && left.size) {
    const from = removed[Math.floor(rng() * removed.length)]!;
    const ranked = [...left].map((u) => [related(from, u), u] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const pick = ranked[Math.floor(rng() ** 6 * ranked.length)]![1];
    removed.push(pick);
    left.delete(pick);
  }
  return removeAll(s, removed);
};

/**
 * String removal (Christiaens & Vanden Berghe 2020, "Slack induction by string removals for vehicle
 * routing problems", Transp. Sci. 54): strings of consecutive customers from several routes near a seed
 * customer, which frees room in neighbouring routes at once.
 */
const stringRemoval: Destroy = (p, s, q, rng) => {
  let routed = 0;
  for (const r of s.routes) routed += r.customers;
  const averageRoute = routed / Math.max(1, s.routes.length);
  const longest = Math.min(10, averageRoute);
  const strings = Math.floor(rng() * ((4 * Math.max(q, 4)) / (1 + longest) - 1)) + 1;
  const customers = routedCustomers(p, s);
  const seed = customers[Math.floor(rng() * customers.length)]!;
  const ruined = new Set<number>();
  const removed: number[] = [];
  for (const c of [seed, ...p.nearest[seed]!]) {
    if (ruined.size >= strings) break;
    const r = s.routeOf[c]!;
    if (r < 0 || ruined.has(r)) continue;
    ruined.add(r);
    const nodes = s.routes[r]!.nodes;
    const size = nodes.length - 2;
    const length = 1 + Math.floor(rng() * Math.min(size, longest));
    // A string of `length` customers containing c, at a random offset.
    const pos = s.posOf[c]!;
    const firstMin = Math.max(1, pos - length + 1);
    const firstMax = Math.min(pos, size - length + 1);
    const first = firstMin + Math.floor(rng() * (firstMax - firstMin + 1));
    removed.push(...nodes.slice(first, first + length));
  }
  return removeAll(s, removed);
};

/** Empties one of the shortest routes (by customers; ties at random): a chance to serve everyone with one vehicle fewer. */
const routeRemoval: Destroy = (_p, s, _q, rng) => {
  const sizes = s.routes.map((r, i) => [r.customers + rng() * 0.5, i] as const).sort((a, b) => a[0] - b[0]);
  return removeAll(s, s.routes[sizes[0]![1]]!.nodes.slice(1, -1));
};

/** Regret-k insertion (k = 1: greedy); noise (when on) perturbs insertion costs by up to ±2.5 % of the longest distance. */
function regretRepair(k: number, noise: boolean): Repair {
  return (p, s, pending, rng) => {
    const amplitude = noise ? 0.025 * p.maxDistance : 0;
    const R = s.routes.length;
    const cost = pending.map(() => new Float64Array(R));
    const pos = pending.map(() => new Int32Array(R));
    const evaluate = (ci: number, r: number): void => {
      const u = pending[ci]!;
      const route = s.routes[r]!;
      let best = Infinity;
      let at = -1;
      for (let i = 0; i < route.nodes.length - 1; i++) {
        const delta = insertionDelta(p, route, i, u);
        if (delta < best) {
          best = delta;
          at = i;
        }
      }
      cost[ci]![r] = best === Infinity ? Infinity : Math.max(0, best + amplitude * (2 * rng() - 1));
      pos[ci]![r] = at;
    };
    for (let ci = 0; ci < pending.length; ci++) for (let r = 0; r < R; r++) evaluate(ci, r);
    const open = pending.map((_, i) => i);
    while (open.length) {
      let chosen = -1;
      let chosenScore = -Infinity;
      let chosenRoute = -1;
      for (let oi = 0; oi < open.length; oi++) {
        const c = cost[open[oi]!]!;
        // The k cheapest routes for this customer.
        const top = [Infinity, Infinity, Infinity];
        let bestRoute = -1;
        for (let r = 0; r < R; r++) {
          const v = c[r]!;
          if (v < top[0]!) {
            top[2] = top[1]!;
            top[1] = top[0]!;
            top[0] = v;
            bestRoute = r;
          } else if (v < top[1]!) {
            top[2] = top[1]!;
            top[1] = v;
          } else if (v < top[2]!) top[2] = v;
        }
        // Fits nowhere now: to the bank (scored as 'insert first' so it leaves the open list at once).
        if (bestRoute < 0) {
          chosen = oi;
          chosenRoute = -1;
          break;
        }
        let score: number;
        if (k === 1) score = -top[0]!;
        else {
          // Customers with fewer feasible routes first (infinite regret), then the largest regret.
          let regret = 0;
          for (let h = 1; h < k; h++) regret += top[h] === Infinity ? 1e9 * (k - h) : top[h]! - top[0]!;
          score = regret - top[0]! * 1e-6;
        }
        if (score > chosenScore) {
          chosenScore = score;
          chosen = oi;
          chosenRoute = bestRoute;
        }
      }
      const ci = open[chosen]!;
      open.splice(chosen, 1);
      if (chosenRoute < 0) {
        s.bank.push(pending[ci]!);
        continue;
      }
      s.insert(pending[ci]!, chosenRoute, pos[ci]![chosenRoute]!);
      for (const other of open) evaluate(other, chosenRoute);
    }
    return s.bank.length === 0;
  };
}

interface Operator<T> {
  fn: T;
  name: string;
  weight: number;
  score: number;
  uses: number;
}

function pickOperator<T>(ops: Operator<T>[], rng: Rng): Operator<T> {
  let total = 0;
  for (const o of ops) total += o.weight;
  let x = rng() * total;
  for (const o of ops) {
    x -= o.weight;
    if (x <= 0) return o;
  }
  return ops[ops.length - 1]!;
}

function operators<T>(entries: Array<[string, T]>): Operator<T>[] {
  return entries.map(([name, fn]) => ({ name, fn, weight: 1, score: 0, uses: 0 }));
}

/** Adaptive large neighbourhood search with simulated annealing; the route count never grows. */
function minimiseDistance(p: Problem, start: Solution, budget: Budget, rng: Rng): Solution {
  const destroys = operators<Destroy>([
    ['random', randomRemoval],
    ['worst', worstRemoval],
    ['shaw', shawRemoval],
    ['route', routeRemoval],
    ['string', stringRemoval],
  ]);
  const repairs = operators<Repair>([
    ['greedy', regretRepair(1, false)],
    ['greedy+noise', regretRepair(1, true)],
    ['regret-2', regretRepair(2, false)],
    ['regret-3', regretRepair(3, false)],
    ['regret-2+noise', regretRepair(2, true)],
  ]);
  let current = start.clone();
  localSearch(p, current, rng);
  let best = current.clone();
  // A banked customer costs about two long legs: the search may pass through such solutions, not stay.
  const bankPenalty = 2 * p.maxDistance;
  let bestKey = key(best);
  let currentKey = key(current);
  // A solution 1 % longer is accepted with probability ½ at the start; the temperature falls geometrically.
  const startTemperature = (0.01 * current.distance) / Math.log(2);
  const endTemperature = startTemperature / 500;
  const startFraction = budget.fraction();
  const customers = p.size - 1;
  const minRemoved = Math.min(4, customers);
  const maxRemoved = Math.max(minRemoved, Math.min(40, Math.round(0.3 * customers)));
  let sinceUpdate = 0;
  let banked = 0;
  for (;;) {
    const f = budget.fraction();
    if (f >= 1) break;
    budget.iterations++;
    const progress = (f - startFraction) / Math.max(1e-9, 1 - startFraction);
    const temperature = startTemperature * (endTemperature / startTemperature) ** progress;
    const destroy = pickOperator(destroys, rng);
    const repair = pickOperator(repairs, rng);
    const candidate = current.clone();
    const q = minRemoved + Math.floor(rng() * (maxRemoved - minRemoved + 1));
    const removed = destroy.fn(p, candidate, q, rng);
    const pending = [...candidate.bank, ...shuffle(rng, removed)];
    candidate.bank = [];
    let score = 0;
    {
      // Noise-free regret repair puts customers back where they were; the bank lets the search pass through partial solutions.
      const complete = repair.fn(p, candidate, pending, rng);
      // Routes emptied by the search are dropped only when everyone is served (else the bank could never come back).
      if (complete) candidate.compact();
      localSearch(p, candidate, rng);
      if (complete) candidate.compact();
      const candidateKey = key(candidate, bankPenalty);
      if (complete && candidateKey < bestKey - 1e-9) {
        best = candidate.clone();
        bestKey = candidateKey;
        score = 33;
      } else if (candidateKey < currentKey - 1e-9) score = 9;
      else if (rng() < Math.exp(-(candidateKey - currentKey) / temperature)) score = 13;
      if (score > 0) {
        current = candidate;
        currentKey = candidateKey;
      }
      // Wandering too long with customers in the bank: back to the best complete solution.
      banked = current.bank.length ? banked + 1 : 0;
      if (banked > BANKED_ITERATIONS) {
        current = best.clone();
        currentKey = bestKey;
        banked = 0;
      }
    }
    destroy.score += score;
    repair.score += score;
    destroy.uses++;
    repair.uses++;
    if (++sinceUpdate === 100) {
      sinceUpdate = 0;
      for (const o of [...destroys, ...repairs] as Operator<unknown>[]) {
        // Reaction factor 0.1 (Ropke & Pisinger); a floor keeps every operator in play.
        if (o.uses) o.weight = Math.max(0.05, 0.9 * o.weight + (0.1 * o.score) / o.uses);
        o.score = 0;
        o.uses = 0;
      }
    }
  }
  return best;
}

/**
 * Hierarchical objective as one number: a route costs more than any possible distance saving; each
 * banked customer costs `bankPenalty`, and while any is banked every route counts, empty or not.
 */
function key(s: Solution, bankPenalty = 0): number {
  let vehicles = 0;
  for (const r of s.routes) if (r.customers > 0 || s.bank.length) vehicles++;
  return vehicles * 1e7 + s.distance + bankPenalty * s.bank.length;
}

// ─── Entry points ──────────────────────────────────────────────────────────────────────────────────

/** Solves a VRPTW instance: fewest vehicles, then least distance, within the time or iteration budget. */
export function solveVrptw(instance: VrptwInstance, options: VrptwOptions = {}): VrptwSolution {
  const seconds = options.seconds ?? 10;
  if (!(seconds > 0)) throw new Error(`seconds must be positive, got ${seconds}`);
  if (options.maxIterations !== undefined && !(Number.isInteger(options.maxIterations) && options.maxIterations > 0)) {
    throw new Error(`maxIterations must be a positive whole number, got ${options.maxIterations}`);
  }
  const rng = seededRng(options.seed ?? 1);
  const p = new Problem(instance);
  const budget = new Budget(seconds, options.maxIterations);
  for (let u = 1; u < p.size; u++) {
    if (!p.sequence([0, u, 0])) throw new Error(`Customer ${instance.nodes[u]!.id} cannot be served even by a vehicle of its own (time window or depot due date).`);
  }

  let solution = construct(p);
  localSearch(p, solution, rng);
  const constructedVehicles = solution.routes.length;
  let totalDemand = 0;
  for (const q of p.demand) totalDemand += q;
  const fewestPossible = Math.max(1, Math.ceil(totalDemand / p.capacity - 1e-9));
  while (solution.routes.length > fewestPossible && budget.fraction() < ROUTE_MINIMISATION_SHARE) {
    const fewer = removeOneRoute(p, solution, budget, ROUTE_MINIMISATION_SHARE, rng);
    if (!fewer) break;
    solution = fewer;
    solution.compact();
  }
  const routeMinimisationSeconds = budget.elapsedSeconds();
  const vehiclesAfterRouteMinimisation = solution.routes.length;
  const iterationsBefore = budget.iterations;
  solution = minimiseDistance(p, solution, budget, rng);
  solution.compact();
  const routes = solution.routes.map((r) => r.nodes.slice(1, -1).map((i) => instance.nodes[i]!.id));
  return { vehicles: routes.length, distance: solution.distance, routes, iterations: budget.iterations,
    elapsedSeconds: budget.elapsedSeconds(),
    stats: { constructedVehicles, routeMinimisationSeconds, vehiclesAfterRouteMinimisation, searchIterations: budget.iterations - iterationsBefore },
  };
}

export interface VrptwCheck {
  /** Each broken rule, in words; empty when the solution is feasible. */
  problems: string[];
  /** Distance recomputed from the coordinates (double precision). */
  distance: number;
  vehicles: number;
}

/**
 * Checks a solution from the instance alone: every customer exactly once, capacity, service started
 * by each due date (waiting for ready times allowed), back at the depot by its due date. Tolerance 1e-6.
 */
export function checkVrptwSolution(instance: VrptwInstance, routes: number[][]): VrptwCheck {
  const problems: string[] = [];
  const byId = new Map(instance.nodes.map((n) => [n.id, n]));
  const depot = instance.nodes[0]!;
  const seen = new Map<number, number>();
  const dist = (a: { x: number; y: number }, b: { x: number; y: number }): number => Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
  let distance = 0;
  let vehicles = 0;
  routes.forEach((route, r) => {
    const label = `route ${r + 1}`;
    if (route.length === 0) {
      problems.push(`${label} is empty`);
      return;
    }
    vehicles++;
    let at = depot;
    let time = 0;
    let load = 0;
    for (const id of route) {
      const c = byId.get(id);
      if (!c || id === depot.id) {
        problems.push(`${label} visits ${id}, which is not a customer of ${instance.name}`);
        continue;
      }
      if (seen.has(id)) problems.push(`customer ${id} is visited again in ${label} (first in route ${seen.get(id)! + 1})`);
      else seen.set(id, r);
      const travel = dist(at, c);
      distance += travel;
      const start = Math.max(time + travel, c.ready);
      if (start > c.due + 1e-6) problems.push(`${label} starts customer ${id} at ${start.toFixed(2)}, after its due date ${c.due}`);
      time = start + c.service;
      load += c.demand;
      at = c;
    }
    const back = dist(at, depot);
    distance += back;
    if (time + back > depot.due + 1e-6) problems.push(`${label} returns to the depot at ${(time + back).toFixed(2)}, after its due date ${depot.due}`);
    if (load > instance.capacity + 1e-6) problems.push(`${label} carries ${load}, over the capacity ${instance.capacity}`);
  });
  for (const c of instance.nodes.slice(1)) if (!seen.has(c.id)) problems.push(`customer ${c.id} is not visited`);
  if (vehicles > instance.vehicleLimit) problems.push(`${vehicles} vehicles used, more than the ${instance.vehicleLimit} available`);
  return { problems, distance, vehicles };
}
