/**
 * Benchmark data: N collisions with their casualties and vehicles, written as DfT STATS19 CSV files
 * in the 2024-era layout (`collision_*` names, the exact headers of DfT's 2024 files).
 *
 * Collisions are resampled from the real Lancashire 2023 rows (demo-data/) with a seeded generator:
 * each keeps its source row's codes (road, junction, light, weather, district, …), gets a new unique
 * collision index, a date spread over 2019–2023 and its location jittered by up to ±200 m.
 * Casualties and vehicles are synthesised to agree with the collision (number_of_casualties,
 * number_of_vehicles, severity) with a realistic mix of road users and ages.
 *
 * The rows of collision i depend only on the seed and i, so a smaller N gives a prefix of a larger
 * one, and the same seed always gives byte-identical files.
 *
 * Run directly: `npx tsx test/bench/generate.ts [--collisions N] [--seed S] [--out DIR]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createRandom, type Random, type WeightTable } from './random.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../..');
export const DEFAULT_SOURCE = path.join(REPO_ROOT, 'demo-data/lancashire-collisions-2023.csv');
export const DEFAULT_OUT_DIR = path.join(HERE, 'out');
export const DEFAULT_SEED = 20240101;
export const DEFAULT_COLLISIONS = 500_000;

/** Exact header rows of DfT's 2024 files (../shared/data/stats19/column-lists/meta_raw_*_2024.csv). */
export const HEADERS = {
  collision:
    'collision_index,collision_year,collision_reference,location_easting_osgr,location_northing_osgr,longitude,latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,local_authority_district,local_authority_ons_district,local_authority_highway,local_authority_highway_current,first_road_class,first_road_number,road_type,speed_limit,junction_detail_historic,junction_detail,junction_control,second_road_class,second_road_number,pedestrian_crossing_human_control_historic,pedestrian_crossing_physical_facilities_historic,pedestrian_crossing,light_conditions,weather_conditions,road_surface_conditions,special_conditions_at_site,carriageway_hazards_historic,carriageway_hazards,urban_or_rural_area,did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,collision_adjusted_severity_slight',
  casualty:
    'collision_index,collision_year,collision_reference,vehicle_reference,casualty_reference,casualty_class,sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,pedestrian_movement,car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,casualty_imd_decile,lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,casualty_adjusted_severity_serious,casualty_adjusted_severity_slight,casualty_distance_banding',
  vehicle:
    'collision_index,collision_year,collision_reference,vehicle_reference,vehicle_type,towing_and_articulation,vehicle_manoeuvre_historic,vehicle_manoeuvre,vehicle_direction_from,vehicle_direction_to,vehicle_location_restricted_lane_historic,vehicle_location_restricted_lane,junction_location,skidding_and_overturning,hit_object_in_carriageway,vehicle_leaving_carriageway,hit_object_off_carriageway,first_point_of_impact,vehicle_left_hand_drive,journey_purpose_of_driver_historic,journey_purpose_of_driver,sex_of_driver,age_of_driver,age_band_of_driver,engine_capacity_cc,propulsion_code,age_of_vehicle,generic_make_model,driver_imd_decile,lsoa_of_driver,escooter_flag,driver_distance_banding',
} as const;

export interface GenerateOptions {
  /** Number of collisions to write. */
  collisions: number;
  seed?: number;
  /** Directory for the three CSV files (created if missing). */
  outDir?: string;
  /** A DfT collision CSV (either era) to resample; defaults to the shipped Lancashire 2023 file. */
  sourcePath?: string;
  /** Called every few thousand collisions with the number written so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface GeneratedFiles {
  collisions: string;
  casualties: string;
  vehicles: string;
  rows: { collisions: number; casualties: number; vehicles: number };
}

/** File paths the generator writes for (N, seed); `run.ts` reuses files that already exist. */
export function benchFilePaths(collisions: number, seed = DEFAULT_SEED, outDir = DEFAULT_OUT_DIR): Omit<GeneratedFiles, 'rows'> {
  const stem = (table: string) => path.join(outDir, `stats19-bench-${table}-${collisions}-seed${seed}.csv`);
  return { collisions: stem('collision'), casualties: stem('casualty'), vehicles: stem('vehicle') };
}

// ---------------------------------------------------------------------------------------------
// Source rows

interface SourceCollision {
  easting: number;
  northing: number;
  longitude: number;
  latitude: number;
  /** Month 1–12 and day of the source date (its year is replaced). */
  month: number;
  day: number;
  /** The source row keyed by column name, either era's spelling. */
  fields: Record<string, string>;
}

/** Reads a DfT collision CSV and keeps the rows with a location (both grid and lon/lat). */
export function readSourceCollisions(sourcePath = DEFAULT_SOURCE): SourceCollision[] {
  const records = parse(fs.readFileSync(sourcePath), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  const rows: SourceCollision[] = [];
  for (const fields of records) {
    const easting = Number(fields.location_easting_osgr);
    const northing = Number(fields.location_northing_osgr);
    const longitude = Number(fields.longitude);
    const latitude = Number(fields.latitude);
    const date = /^(\d{2})\/(\d{2})\/\d{4}$/.exec(fields.date ?? '');
    if (!date || !(easting > 0 && northing > 0) || !Number.isFinite(longitude) || !Number.isFinite(latitude) || latitude < 49) continue;
    rows.push({ easting, northing, longitude, latitude, day: Number(date[1]), month: Number(date[2]), fields });
  }
  if (rows.length === 0) throw new Error(`No usable collision rows (with easting/northing, lon/lat and a date) in ${sourcePath}.`);
  return rows;
}

/** Column of a source row under its 2024 name or its pre-2024 (`accident_*`) name. */
function field(row: SourceCollision, name2024: string, namePre2024 = name2024.replace(/^collision_/, 'accident_')): string {
  const value = row.fields[name2024] ?? row.fields[namePre2024];
  if (value === undefined) throw new Error(`Source collision file has no column ${name2024} (or ${namePre2024}).`);
  return value.trim() === 'NULL' ? '-1' : value.trim();
}

/**
 * Linear map from a grid offset (metres east, north in EPSG:27700) to a lon/lat offset (degrees),
 * fitted by least squares over the source rows. Over a ±200 m jitter the projection is linear to
 * well under a metre, so jittered lon/lat stay consistent with jittered easting/northing.
 */
export interface GridToLonLat {
  lonPerEastM: number;
  lonPerNorthM: number;
  latPerEastM: number;
  latPerNorthM: number;
}

export function fitGridToLonLat(rows: readonly SourceCollision[]): GridToLonLat {
  // Centre the coordinates, then solve the 2×2 normal equations for each of lon and lat.
  const n = rows.length;
  const mean = (f: (r: SourceCollision) => number) => rows.reduce((s, r) => s + f(r), 0) / n;
  const [mE, mN, mLon, mLat] = [mean((r) => r.easting), mean((r) => r.northing), mean((r) => r.longitude), mean((r) => r.latitude)];
  let see = 0, sen = 0, snn = 0, seLon = 0, snLon = 0, seLat = 0, snLat = 0;
  for (const r of rows) {
    const e = r.easting - mE;
    const nn = r.northing - mN;
    see += e * e;
    sen += e * nn;
    snn += nn * nn;
    seLon += e * (r.longitude - mLon);
    snLon += nn * (r.longitude - mLon);
    seLat += e * (r.latitude - mLat);
    snLat += nn * (r.latitude - mLat);
  }
  const det = see * snn - sen * sen;
  if (!(Math.abs(det) > 0)) throw new Error('Source rows are collinear; cannot fit a grid-to-lon/lat transform.');
  return {
    lonPerEastM: (seLon * snn - snLon * sen) / det,
    lonPerNorthM: (snLon * see - seLon * sen) / det,
    latPerEastM: (seLat * snn - snLat * sen) / det,
    latPerNorthM: (snLat * see - seLat * sen) / det,
  };
}

// ---------------------------------------------------------------------------------------------
// Code mappings from the pre-2024 code sets (kept in the *_historic columns) to the 2024 ones

/** junction_detail: 2024 drops roundabout/mini-roundabout/slip road (road_type says so) → "other junction". */
const JUNCTION_DETAIL_2024: Record<string, string> = { '0': '0', '1': '19', '2': '19', '3': '13', '5': '19', '6': '16', '7': '17', '8': '18', '9': '19', '99': '99', '-1': '-1' };
/** pedestrian_crossing (2024) merges the human-control and physical-facility fields. */
const CROSSING_HUMAN_2024: Record<string, string> = { '1': '11', '2': '12' };
const CROSSING_PHYSICAL_2024: Record<string, string> = { '0': '0', '1': '13', '4': '14', '5': '15', '7': '16', '8': '17', '9': '99', '-1': '-1' };
const CARRIAGEWAY_HAZARDS_2024: Record<string, string> = { '0': '0', '1': '16', '2': '17', '3': '18', '4': '20', '5': '20', '6': '19', '7': '20', '9': '99', '-1': '-1' };
/** vehicle_manoeuvre: the three "going ahead" codes became one. */
const MANOEUVRE_2024: Record<number, number> = { 16: 19, 17: 19, 18: 19 };
const JOURNEY_PURPOSE_2024: Record<number, number> = { 1: 1, 2: 2, 3: 7, 4: 7, 5: 9, 6: 6, 15: 6, [-1]: -1 };

function mapped(table: Record<string, string>, code: string): string {
  return table[code] ?? '-1';
}

// ---------------------------------------------------------------------------------------------
// Distributions (shares loosely follow GB reported road casualties, DfT RAS tables)

const VEHICLE_TYPES: WeightTable<number> = [
  [9, 0.655], [8, 0.02], // car, taxi / private hire
  [1, 0.09], // pedal cycle
  [2, 0.006], [3, 0.03], [4, 0.008], [5, 0.03], [97, 0.002], [23, 0.002], // motorcycles
  [19, 0.06], [20, 0.008], [21, 0.015], [98, 0.002], // van, goods
  [11, 0.02], [10, 0.002], // bus or coach, minibus
  [17, 0.003], [22, 0.002], [16, 0.001], [90, 0.012], [99, 0.003], // agricultural, mobility scooter, ridden horse, other (e-scooters), unknown
];
const CYCLE = new Set([1]);
const MOTORCYCLE = new Set([2, 3, 4, 5, 23, 97]);
/** Riders of these are nearly always hurt when involved, so they are chosen first as casualties. */
const VULNERABLE = new Set([1, 2, 3, 4, 5, 16, 22, 23, 90, 97]);
const NOT_MOTORISED = new Set([1, 16]);

/** Age buckets [min, max] with weights. */
const DRIVER_AGES: WeightTable<readonly [number, number]> = [
  [[17, 24], 0.22], [[25, 34], 0.22], [[35, 44], 0.17], [[45, 54], 0.15], [[55, 64], 0.11], [[65, 74], 0.07], [[75, 94], 0.04], [[-1, -1], 0.02],
];
const CYCLIST_AGES: WeightTable<readonly [number, number]> = [
  [[8, 16], 0.1], [[17, 24], 0.12], [[25, 44], 0.38], [[45, 64], 0.32], [[65, 85], 0.07], [[-1, -1], 0.01],
];
const PASSENGER_AGES: WeightTable<readonly [number, number]> = [
  [[0, 5], 0.06], [[6, 15], 0.12], [[16, 24], 0.27], [[25, 44], 0.25], [[45, 64], 0.17], [[65, 95], 0.11], [[-1, -1], 0.02],
];
const PEDESTRIAN_AGES: WeightTable<readonly [number, number]> = [
  [[2, 5], 0.04], [[6, 15], 0.18], [[16, 24], 0.17], [[25, 44], 0.23], [[45, 64], 0.19], [[65, 95], 0.17], [[-1, -1], 0.02],
];
const MANOEUVRES_HISTORIC: WeightTable<number> = [
  [18, 0.45], [4, 0.08], [9, 0.08], [3, 0.05], [2, 0.04], [5, 0.04], [7, 0.03], [16, 0.03], [17, 0.03], [1, 0.02], [10, 0.02], [13, 0.02],
  [6, 0.01], [11, 0.01], [12, 0.01], [14, 0.01], [8, 0.005], [15, 0.005], [99, 0.03], [-1, 0.01],
];
const DISTANCE_BANDS: WeightTable<number> = [[1, 0.55], [2, 0.15], [3, 0.12], [4, 0.12], [5, 0.04], [-1, 0.02]];
const MAKE_MODELS: Record<string, readonly string[]> = {
  car: ['FORD FIESTA', 'VAUXHALL CORSA', 'VOLKSWAGEN GOLF', 'FORD FOCUS', 'NISSAN QASHQAI', 'TOYOTA YARIS', 'BMW 1 SERIES', 'VAUXHALL ASTRA', 'KIA SPORTAGE', 'SKODA OCTAVIA'],
  van: ['FORD TRANSIT', 'MERCEDES SPRINTER', 'VAUXHALL VIVARO', 'CITROEN BERLINGO'],
  motorcycle: ['HONDA PCX125', 'YAMAHA MT-07', 'KAWASAKI Z900', 'TRIUMPH STREET TRIPLE'],
  goods: ['DAF XF', 'SCANIA R SERIES', 'VOLVO FH', 'MERCEDES ACTROS'],
  bus: ['ALEXANDER DENNIS ENVIRO400', 'OPTARE SOLO', 'WRIGHTBUS STREETDECK'],
};

/** DfT age band (1: 0–5 … 11: over 75) of an age in years; -1 when the age is missing. */
export function ageBand(age: number): number {
  if (age < 0) return -1;
  const upper = [5, 10, 15, 20, 25, 35, 45, 55, 65, 75];
  const index = upper.findIndex((u) => age <= u);
  return index === -1 ? 11 : index + 1;
}

function ageFrom(rng: Random, table: WeightTable<readonly [number, number]>): number {
  const [min, max] = rng.weighted(table);
  return rng.int(min, max);
}

function decimal6(value: number): string {
  return value.toFixed(6);
}

/** DfT severity adjustment probabilities (serious, slight) for a severity under either reporting system. */
function adjustedSeverity(rng: Random, severity: number, injuryBased: boolean): [string, string] {
  if (severity === 1) return ['-1', '-1'];
  if (injuryBased) return severity === 2 ? ['1', '0'] : ['0', '1'];
  if (severity === 2) return ['1', '0'];
  const serious = rng.uniform(0.02, 0.4);
  return [decimal6(serious), decimal6(1 - serious)];
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvCell).join(',') + '\n';
}

// ---------------------------------------------------------------------------------------------
// One collision

interface VehicleDraft {
  reference: number;
  type: number;
  driverAge: number;
  driverSex: number;
  driverIsCasualty: boolean;
}

const FIRST_DAY = Date.UTC(2019, 0, 1);
const LAST_DAY = Date.UTC(2023, 11, 31);
const DAY_MS = 86_400_000;

class CollisionSynthesiser {
  private readonly referenceCounter = new Map<number, number>();

  constructor(
    private readonly rng: Random,
    private readonly source: readonly SourceCollision[],
    private readonly toLonLat: GridToLonLat,
  ) {}

  /** The three tables' CSV lines for the next collision. */
  next(): { collision: string; casualties: string; vehicles: string; casualtyCount: number; vehicleCount: number } {
    const { rng } = this;
    const src = rng.pick(this.source);

    // Date: the source day of the year in a random year of 2019–2023, moved by up to 3 days.
    const year0 = rng.int(2019, 2023);
    const shifted = Date.UTC(year0, src.month - 1, src.day) + rng.int(-3, 3) * DAY_MS;
    const when = new Date(Math.min(LAST_DAY, Math.max(FIRST_DAY, shifted)));
    const year = when.getUTCFullYear();
    const date = `${String(when.getUTCDate()).padStart(2, '0')}/${String(when.getUTCMonth() + 1).padStart(2, '0')}/${year}`;
    const dayOfWeek = when.getUTCDay() + 1; // DfT: 1 Sunday … 7 Saturday

    const policeForce = field(src, 'police_force');
    const sequence = (this.referenceCounter.get(year) ?? 0) + 1;
    this.referenceCounter.set(year, sequence);
    const reference = `${policeForce.padStart(2, '0')}${String(sequence).padStart(7, '0')}`;
    const index = `${year}${reference}`;

    // Location: up to ±200 m each way on the grid, lon/lat moved by the same offset.
    const dE = rng.int(-200, 200);
    const dN = rng.int(-200, 200);
    const t = this.toLonLat;
    const easting = src.easting + dE;
    const northing = src.northing + dN;
    const longitude = src.longitude + t.lonPerEastM * dE + t.lonPerNorthM * dN;
    const latitude = src.latitude + t.latPerEastM * dE + t.latPerNorthM * dN;

    const severity = Number(field(src, 'collision_severity'));
    const vehicleCount = Math.max(1, Number(field(src, 'number_of_vehicles')));
    const casualtyCount = Math.max(1, Number(field(src, 'number_of_casualties')));
    const enhanced = field(src, 'enhanced_severity_collision', 'enhanced_severity_collision');
    const injuryBased = enhanced !== '-1';
    const [adjSerious, adjSlight] = adjustedSeverity(rng, severity, injuryBased);
    const lsoa = field(src, 'lsoa_of_accident_location');
    const junctionHistoric = field(src, 'junction_detail');
    const humanControl = field(src, 'pedestrian_crossing_human_control');
    const physical = field(src, 'pedestrian_crossing_physical_facilities');
    const hazards = field(src, 'carriageway_hazards');
    const highway = field(src, 'local_authority_highway');

    const collision = csvLine([
      index, year, reference, easting, northing, decimal6(longitude), decimal6(latitude), policeForce, severity, vehicleCount, casualtyCount,
      date, dayOfWeek, field(src, 'time'), field(src, 'local_authority_district'), field(src, 'local_authority_ons_district'), highway, highway,
      field(src, 'first_road_class'), field(src, 'first_road_number'), field(src, 'road_type'), field(src, 'speed_limit'),
      junctionHistoric, mapped(JUNCTION_DETAIL_2024, junctionHistoric), field(src, 'junction_control'),
      field(src, 'second_road_class'), field(src, 'second_road_number'), humanControl, physical,
      CROSSING_HUMAN_2024[humanControl] ?? mapped(CROSSING_PHYSICAL_2024, physical),
      field(src, 'light_conditions'), field(src, 'weather_conditions'), field(src, 'road_surface_conditions'), field(src, 'special_conditions_at_site'),
      hazards, mapped(CARRIAGEWAY_HAZARDS_2024, hazards), field(src, 'urban_or_rural_area'),
      field(src, 'did_police_officer_attend_scene_of_accident'), field(src, 'trunk_road_flag'), lsoa, enhanced, injuryBased ? 1 : 0, adjSerious, adjSlight,
    ]);

    const key = [index, year, reference] as const;
    const vehicles = this.vehicles(vehicleCount);
    let vehicleLines = '';
    for (const v of vehicles) vehicleLines += this.vehicleLine(key, v, junctionHistoric === '0', lsoa);
    let casualtyLines = '';
    for (let i = 0; i < casualtyCount; i++) {
      casualtyLines += this.casualtyLine(key, i, vehicles, severity, enhanced, injuryBased, lsoa);
    }
    return { collision, casualties: casualtyLines, vehicles: vehicleLines, casualtyCount, vehicleCount };
  }

  private vehicles(count: number): VehicleDraft[] {
    const { rng } = this;
    const vehicles: VehicleDraft[] = [];
    for (let reference = 1; reference <= count; reference++) {
      const type = rng.weighted(VEHICLE_TYPES);
      const driverAge = ageFrom(rng, CYCLE.has(type) ? CYCLIST_AGES : DRIVER_AGES);
      const driverSex = rng.weighted([[1, 0.7], [2, 0.27], [3, 0.03]]);
      vehicles.push({ reference, type, driverAge, driverSex, driverIsCasualty: false });
    }
    return vehicles;
  }

  private vehicleLine(key: readonly [string, number, string], v: VehicleDraft, notAtJunction: boolean, lsoa: string): string {
    const { rng } = this;
    const motorised = !NOT_MOTORISED.has(v.type);
    const manoeuvreHistoric = rng.weighted(MANOEUVRES_HISTORIC);
    const parked = manoeuvreHistoric === 2;
    const direction = () => (parked ? 0 : rng.weighted([[rng.int(1, 8), 0.96], [9, 0.03], [-1, 0.01]]));
    const lane = rng.weighted([[0, 0.95], [2, 0.005], [4, 0.005], [5, 0.005], [6, 0.005], [9, 0.01], [99, 0.015], [-1, 0.005]]);
    const leaving = rng.weighted([[0, 0.92], [1, 0.03], [7, 0.02], [3, 0.005], [2, 0.003], [8, 0.002], [9, 0.015], [-1, 0.005]]);
    const journeyHistoric = rng.weighted([[6, 0.45], [15, 0.25], [1, 0.1], [2, 0.1], [5, 0.08], [3, 0.01], [4, 0.01]]);
    const kind =
      v.type === 8 || v.type === 9 ? 'car' : v.type === 19 ? 'van' : MOTORCYCLE.has(v.type) ? 'motorcycle' : [20, 21, 98].includes(v.type) ? 'goods' : [10, 11].includes(v.type) ? 'bus' : undefined;
    const engine = !motorised || v.type === 23 || rng.chance(0.1) ? -1 : engineCapacity(rng, v.type);
    const propulsion = !motorised ? -1 : v.type === 23 ? 3 : kind === 'goods' || kind === 'bus' ? 2 : rng.weighted([[1, 0.45], [2, 0.45], [8, 0.06], [3, 0.03], [-1, 0.01]]);
    const models = kind ? MAKE_MODELS[kind] : undefined;
    return csvLine([
      ...key, v.reference, v.type,
      v.type === 21 ? rng.pick([0, 1]) : rng.weighted([[0, 0.98], [4, 0.01], [3, 0.005], [9, 0.005]]),
      manoeuvreHistoric, MANOEUVRE_2024[manoeuvreHistoric] ?? manoeuvreHistoric,
      direction(), direction(), lane, lane,
      notAtJunction ? 0 : rng.weighted([[1, 0.3], [2, 0.15], [3, 0.05], [4, 0.1], [5, 0.1], [6, 0.15], [7, 0.02], [8, 0.1], [9, 0.03]]),
      rng.weighted([[0, 0.9], [1, 0.06], [2, 0.005], [5, 0.01], [9, 0.02], [-1, 0.005]]),
      rng.weighted([[0, 0.95], [4, 0.02], [10, 0.01], [11, 0.005], [7, 0.005], [99, 0.01]]),
      leaving,
      leaving <= 0 ? 0 : rng.weighted([[0, 0.3], [1, 0.08], [2, 0.08], [4, 0.1], [9, 0.05], [10, 0.1], [11, 0.2], [99, 0.09]]),
      rng.weighted([[1, 0.5], [2, 0.2], [3, 0.1], [4, 0.12], [0, 0.05], [9, 0.03]]),
      rng.weighted([[1, 0.97], [2, 0.005], [9, 0.02], [-1, 0.005]]),
      journeyHistoric, JOURNEY_PURPOSE_2024[journeyHistoric] ?? -1,
      v.driverSex, v.driverAge, ageBand(v.driverAge), engine, propulsion,
      motorised && !rng.chance(0.15) ? rng.int(0, 20) : -1,
      models && rng.chance(0.75) ? rng.pick(models) : -1,
      rng.chance(0.1) ? -1 : rng.int(1, 10),
      rng.chance(0.4) ? -1 : lsoa,
      v.type === 90 && rng.chance(0.5) ? 1 : 0,
      rng.weighted(DISTANCE_BANDS),
    ]);
  }

  private casualtyLine(
    key: readonly [string, number, string],
    i: number,
    vehicles: VehicleDraft[],
    collisionSeverity: number,
    collisionEnhanced: string,
    injuryBased: boolean,
    lsoa: string,
  ): string {
    const { rng } = this;
    const only = vehicles.length === 1 ? vehicles[0] : undefined;
    // Most pedestrian casualties come from single-vehicle collisions with a motor vehicle.
    const pedestrianChance = only && !NOT_MOTORISED.has(only.type) ? (i === 0 ? 0.4 : 0.3) : 0.03;
    let casualtyClass: number;
    let vehicle: VehicleDraft;
    let type: number;
    let age: number;
    let sex: number;
    if (rng.chance(pedestrianChance)) {
      casualtyClass = 3;
      vehicle = rng.pick(vehicles);
      type = 0;
      age = ageFrom(rng, PEDESTRIAN_AGES);
      sex = rng.weighted([[1, 0.55], [2, 0.44], [-1, 0.01]]);
    } else {
      const unhurtRiders = vehicles.filter((v) => VULNERABLE.has(v.type) && !v.driverIsCasualty);
      vehicle = unhurtRiders.length ? rng.pick(unhurtRiders) : rng.pick(vehicles);
      type = vehicle.type;
      if (!vehicle.driverIsCasualty && (unhurtRiders.length > 0 || rng.chance(0.75))) {
        casualtyClass = 1;
        vehicle.driverIsCasualty = true;
        age = vehicle.driverAge;
        sex = vehicle.driverSex === 3 ? -1 : vehicle.driverSex;
      } else {
        casualtyClass = 2;
        age = ageFrom(rng, PASSENGER_AGES);
        sex = rng.weighted([[1, 0.45], [2, 0.54], [-1, 0.01]]);
      }
    }

    // The first casualty carries the collision's severity; the others are no more severe.
    const severity = i === 0 ? collisionSeverity : Math.max(collisionSeverity, rng.weighted([[1, 0.005], [2, 0.15], [3, 0.845]]));
    const enhanced = !injuryBased
      ? '-1'
      : severity === 1
        ? '1'
        : severity === 3
          ? '3'
          : i === 0 && ['5', '6', '7'].includes(collisionEnhanced)
            ? collisionEnhanced
            : String(rng.weighted([[5, 0.2], [6, 0.27], [7, 0.53]]));
    const [adjSerious, adjSlight] = adjustedSeverity(rng, severity, injuryBased);
    const pedestrian = casualtyClass === 3;
    return csvLine([
      ...key, vehicle.reference, i + 1, casualtyClass, sex, age, ageBand(age), severity,
      pedestrian ? rng.weighted([[5, 0.35], [6, 0.15], [1, 0.1], [4, 0.1], [9, 0.1], [10, 0.08], [2, 0.03], [3, 0.03], [7, 0.03], [8, 0.03]]) : 0,
      pedestrian ? rng.weighted([[1, 0.3], [3, 0.2], [2, 0.08], [4, 0.05], [5, 0.04], [7, 0.05], [8, 0.03], [9, 0.25]]) : 0,
      casualtyClass === 2 && (type === 8 || type === 9) ? rng.weighted([[1, 0.6], [2, 0.38], [9, 0.02]]) : 0,
      casualtyClass === 2 && (type === 10 || type === 11) ? rng.int(1, 4) : 0,
      pedestrian ? rng.weighted([[0, 0.97], [2, 0.03]]) : 0,
      type,
      rng.chance(0.08) ? -1 : rng.int(1, 10),
      rng.chance(0.4) ? -1 : lsoa,
      enhanced, injuryBased ? 1 : 0, adjSerious, adjSlight,
      rng.weighted(DISTANCE_BANDS),
    ]);
  }
}

function engineCapacity(rng: Random, type: number): number {
  switch (type) {
    case 2:
      return 49;
    case 3:
      return rng.pick([124, 125]);
    case 4:
      return rng.int(250, 499);
    case 5:
    case 97:
      return rng.int(600, 1300);
    case 19:
      return rng.pick([1499, 1995, 2198, 2402]);
    case 20:
    case 21:
    case 98:
      return rng.pick([4500, 6700, 7700, 10800, 12800]);
    case 10:
    case 11:
      return rng.pick([6700, 7200, 8900]);
    default:
      return rng.pick([998, 1197, 1248, 1398, 1499, 1560, 1598, 1968, 1995, 2143, 2993]);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

async function write(stream: fs.WriteStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function finish(stream: fs.WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/**
 * Writes the three CSV files for `collisions` collisions. Files are written under a temporary name
 * and renamed when complete, so a file at the final path is always whole.
 */
export async function generateBenchData(options: GenerateOptions): Promise<GeneratedFiles> {
  const { collisions: total, seed = DEFAULT_SEED, outDir = DEFAULT_OUT_DIR, sourcePath = DEFAULT_SOURCE, onProgress } = options;
  if (!Number.isInteger(total) || total < 1) throw new Error(`Number of collisions must be a positive integer, got ${total}.`);
  const source = readSourceCollisions(sourcePath);
  const synthesiser = new CollisionSynthesiser(createRandom(seed), source, fitGridToLonLat(source));

  fs.mkdirSync(outDir, { recursive: true });
  const paths = benchFilePaths(total, seed, outDir);
  const partial = (p: string) => `${p}.partial`;
  const streams = {
    collisions: fs.createWriteStream(partial(paths.collisions)),
    casualties: fs.createWriteStream(partial(paths.casualties)),
    vehicles: fs.createWriteStream(partial(paths.vehicles)),
  };
  const rows = { collisions: 0, casualties: 0, vehicles: 0 };
  try {
    await write(streams.collisions, HEADERS.collision + '\n');
    await write(streams.casualties, HEADERS.casualty + '\n');
    await write(streams.vehicles, HEADERS.vehicle + '\n');
    const batch = 2_000;
    while (rows.collisions < total) {
      let c = '';
      let k = '';
      let v = '';
      const end = Math.min(total, rows.collisions + batch);
      for (; rows.collisions < end; rows.collisions++) {
        const next = synthesiser.next();
        c += next.collision;
        k += next.casualties;
        v += next.vehicles;
        rows.casualties += next.casualtyCount;
        rows.vehicles += next.vehicleCount;
      }
      await Promise.all([write(streams.collisions, c), write(streams.casualties, k), write(streams.vehicles, v)]);
      onProgress?.(rows.collisions, total);
    }
    await Promise.all(Object.values(streams).map(finish));
  } catch (err) {
    for (const s of Object.values(streams)) s.destroy();
    for (const p of Object.values(paths)) fs.rmSync(partial(p), { force: true });
    throw err;
  }
  for (const p of Object.values(paths)) fs.renameSync(partial(p), p);
  return { ...paths, rows };
}

/** Generates the files unless all three already exist (a previous run with the same N and seed). */
export async function ensureBenchData(options: GenerateOptions): Promise<Omit<GeneratedFiles, 'rows'> & { generated: boolean }> {
  const paths = benchFilePaths(options.collisions, options.seed ?? DEFAULT_SEED, options.outDir ?? DEFAULT_OUT_DIR);
  if (Object.values(paths).every((p) => fs.existsSync(p))) return { ...paths, generated: false };
  const files = await generateBenchData(options);
  return { ...files, generated: true };
}

/** A one-line progress reporter for a terminal (redraws) or a log (every 10%). */
export function progressPrinter(label: string): (done: number, total: number) => void {
  const started = Date.now();
  let lastDecile = -1;
  return (done, total) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = Math.round(done / Math.max(seconds, 0.001));
    const text = `${label}: ${done.toLocaleString('en-GB')}/${total.toLocaleString('en-GB')} (${Math.floor((100 * done) / total)}%, ${rate.toLocaleString('en-GB')}/s)`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
    } else {
      const decile = Math.floor((10 * done) / total);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${text}\n`);
      }
    }
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      collisions: { type: 'string', default: String(DEFAULT_COLLISIONS) },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      out: { type: 'string', default: DEFAULT_OUT_DIR },
    },
  });
  const collisions = Number(values.collisions);
  const seed = Number(values.seed);
  const started = Date.now();
  const files = await generateBenchData({ collisions, seed, outDir: values.out, onProgress: progressPrinter('generating collisions') });
  console.log(JSON.stringify({ ...files, seconds: (Date.now() - started) / 1000 }, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
