import type { Knex } from 'knex';
import * as foundation from './20261121_01_foundation.ts';
import * as authRateLimit from './20261121_02_auth_rate_limit.ts';
import * as summaryCoveringIndex from './20261121_03_summary_covering_index.ts';
import * as roadNetwork from './20261121_04_road_network.ts';
import * as hotspots from './20261121_05_hotspots.ts';
import * as concerns from './20261121_06_concerns.ts';
import * as vanPlanning from './20261121_07_van_planning.ts';
import * as operationSnap from './20261121_08_operation_snap.ts';

/**
 * Every migration, in order. Names keep their `.ts` extension because the knex CLI records names
 * that way; a name here must never change once released. Add new migrations at the end, named
 * `YYYYMMDD_NN_purpose.ts`.
 */
export const migrations: Array<[name: string, migration: Knex.Migration]> = [
  ['20261121_01_foundation.ts', foundation],
  ['20261121_02_auth_rate_limit.ts', authRateLimit],
  ['20261121_03_summary_covering_index.ts', summaryCoveringIndex],
  ['20261121_04_road_network.ts', roadNetwork],
  ['20261121_05_hotspots.ts', hotspots],
  ['20261121_06_concerns.ts', concerns],
  ['20261121_07_van_planning.ts', vanPlanning],
  ['20261121_08_operation_snap.ts', operationSnap],
];
