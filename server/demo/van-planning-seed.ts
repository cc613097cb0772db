import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { bumpDataVersion } from '../db/data-versions.ts';
import type { SiteInput } from '../sites/store.ts';
import { createSite } from '../sites/store.ts';
import { ensureDefaultShiftTemplates, insertVanBase } from '../vans/store.ts';

/**
 * The DEMO van planning data: the derived enforcement site register (demo-data/enforcement-sites-demo.geojson,
 * see demo-data/ENFORCEMENT-SITES.md), three van bases, eight vans and the default shift templates.
 * None of it is the partnership's real register or fleet.
 */

export const DEMO_SITES_FILE = fileURLToPath(new URL('../../demo-data/enforcement-sites-demo.geojson', import.meta.url));

/** Demo bases at real town-centre locations (WGS84), not real depots. */
export const DEMO_BASES = [
  { name: 'Preston (demo base)', districtCode: 'E07000123', lon: -2.7031, lat: 53.7632 },
  { name: 'Blackburn (demo base)', districtCode: 'E06000008', lon: -2.482, lat: 53.748 },
  { name: 'Lancaster (demo base)', districtCode: 'E07000121', lon: -2.8007, lat: 54.0466 },
] as const;

/** Eight demo vans: three at Preston, three at Blackburn, two at Lancaster; one at each base also works weekends. */
export const DEMO_VANS = [
  { callSign: 'VAN-01', base: 'Preston (demo base)', crew: 'Preston crew A', shiftCodes: ['early', 'late'] },
  { callSign: 'VAN-02', base: 'Preston (demo base)', crew: 'Preston crew B', shiftCodes: ['early', 'late'] },
  { callSign: 'VAN-03', base: 'Preston (demo base)', crew: 'Preston crew C', shiftCodes: ['early', 'late', 'weekend'] },
  { callSign: 'VAN-04', base: 'Blackburn (demo base)', crew: 'Blackburn crew A', shiftCodes: ['early', 'late'] },
  { callSign: 'VAN-05', base: 'Blackburn (demo base)', crew: 'Blackburn crew B', shiftCodes: ['early', 'late'] },
  { callSign: 'VAN-06', base: 'Blackburn (demo base)', crew: 'Blackburn crew C', shiftCodes: ['early', 'late', 'weekend'] },
  { callSign: 'VAN-07', base: 'Lancaster (demo base)', crew: 'Lancaster crew A', shiftCodes: ['early', 'late'] },
  { callSign: 'VAN-08', base: 'Lancaster (demo base)', crew: 'Lancaster crew B', shiftCodes: ['early', 'late', 'weekend'] },
] as const;

/** One demo maintenance booking so the calendar shows unavailability (fixed dates, like the risk assessments). */
export const DEMO_UNAVAILABILITY = { callSign: 'VAN-05', fromDate: '2026-12-07', toDate: '2026-12-08', reason: 'maintenance', note: 'DEMO: annual service' } as const;

interface DemoFeature {
  properties: Omit<SiteInput, 'stretch'> & { derivation: string };
  geometry: { type: 'LineString'; coordinates: Array<[number, number]> };
}

export interface VanPlanningDemoResult {
  /** Sites added (0 when the register already had sites). */
  sites: number;
  bases: number;
  vans: number;
  shiftTemplates: number;
}

/** The register fields of a demo feature (the file carries extra properties: sources, collisions, derivation). */
function siteInput(f: DemoFeature, districtCode: string | null): SiteInput {
  const p = f.properties;
  return {
    reference: p.reference,
    category: p.category,
    roadNumber: p.roadNumber,
    roadName: p.roadName,
    qualifier: p.qualifier,
    direction: p.direction,
    locality: p.locality,
    districtCode,
    highwayAuthority: p.highwayAuthority,
    speedLimitMph: p.speedLimitMph,
    limitKind: p.limitKind,
    stretch: { type: 'LineString', coordinates: f.geometry.coordinates },
    parkingPositions: p.parkingPositions,
    riskAssessedOn: p.riskAssessedOn,
    riskAssessmentExpiresOn: p.riskAssessmentExpiresOn,
    timeRestrictions: p.timeRestrictions,
    suspensions: p.suspensions,
    warningSigns: p.warningSigns,
    visibilityM: p.visibilityM,
    notes: p.notes,
    demo: true,
  };
}

/**
 * Loads the demo van planning data, each part only if missing: the site register only when it has no
 * sites at all (a site_changes row per site, actor "demo"), bases and vans by name and call sign,
 * shift templates by code. Safe to call on every start. All or nothing (one transaction).
 */
export async function loadVanPlanningDemo(knex: Knex, file = DEMO_SITES_FILE): Promise<VanPlanningDemoResult> {
  const features = (JSON.parse(fs.readFileSync(file, 'utf8')) as { features: DemoFeature[] }).features;
  return knex.transaction(async (trx) => {
    const result: VanPlanningDemoResult = { sites: 0, bases: 0, vans: 0, shiftTemplates: await ensureDefaultShiftTemplates(trx) };

    const { rows } = await trx.raw('SELECT count(*) AS n FROM enforcement_sites');
    if (Number(rows[0].n) === 0) {
      // A district code is given only when that district is loaded (createSite checks it exists).
      const loaded = new Set((await trx('districts').select('code')).map((r: { code: string }) => r.code));
      for (const f of features) {
        const code = f.properties.districtCode;
        const site = await createSite(trx, siteInput(f, code && loaded.has(code) ? code : null), { actor: 'demo', action: 'create', reason: 'demo register (see demo-data/ENFORCEMENT-SITES.md)' });
        await trx('enforcement_sites').where({ id: site.id }).update({ demo_derivation: f.properties.derivation });
        result.sites++;
      }
    }

    const baseIds = new Map<string, number>();
    for (const base of DEMO_BASES) {
      const existing = await trx('van_bases').where({ name: base.name }).first('id');
      if (existing) baseIds.set(base.name, Number(existing.id));
      else {
        baseIds.set(base.name, await insertVanBase(trx, { ...base, demo: true }));
        result.bases++;
      }
    }
    for (const van of DEMO_VANS) {
      const inserted = await trx('vans')
        .insert({ call_sign: van.callSign, base_id: baseIds.get(van.base), crew: van.crew, shift_codes: [...van.shiftCodes], active: true, demo: true })
        .onConflict('call_sign')
        .ignore()
        .returning('id');
      if (inserted.length) {
        result.vans++;
        if (van.callSign === DEMO_UNAVAILABILITY.callSign) {
          const { callSign: _c, fromDate, toDate, reason, note } = DEMO_UNAVAILABILITY;
          await trx('van_unavailability').insert({ van_id: inserted[0].id, from_date: fromDate, to_date: toDate, reason, note });
        }
      }
    }
    if (result.bases || result.vans || result.shiftTemplates) await bumpDataVersion(trx, 'vans');
    return result;
  });
}
