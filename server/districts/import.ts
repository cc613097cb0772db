import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { bumpDataVersion } from '../db/data-versions.ts';

/**
 * Imports ONS boundaries (any area type: local authority districts, counties, wards, police force
 * areas) from a GeoJSON FeatureCollection into `districts`, upserting by code in one transaction.
 * Polygons are repaired with ST_MakeValid and stored as MultiPolygons in EPSG:4326 and EPSG:27700.
 *
 * The code and name properties are found automatically when the file uses ONS naming (`LAD17CD` /
 * `LAD17NM`, `pfa16cd` / `pfa16nm`, `WD13CD` / `WD13NM` …), or given as options.
 */

export interface DistrictImportOptions {
  /** Feature property holding the ONS code, e.g. "LAD23CD". Default: detected. */
  codeProperty?: string;
  /** Feature property holding the name, e.g. "LAD23NM". Default: detected from the code property. */
  nameProperty?: string;
  /** Who ran it (shown in the import log). */
  startedBy?: string;
}

export interface DistrictImportResult {
  importId: number;
  features: number;
  inserted: number;
  updated: number;
  unchanged: number;
  codeProperty: string;
  nameProperty: string;
}

export class DistrictImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** 1-based feature number, when the problem is in one feature. */
    readonly feature?: number,
    readonly property?: string,
  ) {
    super(message);
    this.name = 'DistrictImportError';
  }
}

interface Feature {
  type?: unknown;
  properties?: Record<string, unknown> | null;
  geometry?: { type?: unknown; coordinates?: unknown } | null;
}

const ONS_CODE_KEY = /^([a-z]+)(\d{2})cd$/i;

/** Finds the ONS code/name property pair (LADxxCD/LADxxNM style) in a feature's properties. */
export function detectProperties(properties: Record<string, unknown>): { codeProperty: string; nameProperty: string } | { problem: string } {
  const codeKeys = Object.keys(properties).filter((k) => ONS_CODE_KEY.test(k));
  // Prefer local authority districts when a file carries several area codes (e.g. LAD and county).
  const preferred = codeKeys.length > 1 ? codeKeys.filter((k) => /^lad/i.test(k)) : codeKeys;
  if (preferred.length !== 1) {
    return {
      problem:
        codeKeys.length === 0
          ? `has no ONS code property like LAD23CD (properties: ${Object.keys(properties).join(', ') || 'none'}); name it with codeProperty`
          : `has several ONS code properties (${codeKeys.join(', ')}); choose one with codeProperty`,
    };
  }
  const codeProperty = preferred[0] as string;
  // Same prefix and case: LAD17CD → LAD17NM, pfa16cd → pfa16nm.
  const nameProperty = codeProperty.replace(/cd$/, 'nm').replace(/CD$/, 'NM');
  return { codeProperty, nameProperty };
}

/** The SRID a GeoJSON file declares with the old `crs` member; RFC 7946 files have none (WGS84). */
function declaredSrid(collection: { crs?: { properties?: { name?: unknown } } }): number {
  const name = collection.crs?.properties?.name;
  if (typeof name !== 'string' || /CRS84$/i.test(name)) return 4326;
  const match = /EPSG:{1,2}(\d+)$/i.exec(name);
  return match ? Number(match[1]) : 4326;
}

/** Imports a GeoJSON FeatureCollection of boundaries; throws DistrictImportError naming the feature and property. */
export async function importDistricts(knex: Knex, geojsonPath: string, options: DistrictImportOptions = {}): Promise<DistrictImportResult> {
  const file = path.basename(geojsonPath);
  const fail = (message: string, feature?: number, property?: string): never => {
    throw new DistrictImportError(`districts file ${file}${feature ? ` feature ${feature}` : ''}: ${message}`, geojsonPath, feature, property);
  };
  let collection: { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } };
  try {
    collection = JSON.parse(fs.readFileSync(geojsonPath, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'does not exist' : code ? `cannot be read (${(err as Error).message})` : `is not valid JSON (${(err as Error).message})`);
  }
  if (collection?.type !== 'FeatureCollection' || !Array.isArray(collection.features)) fail('is not a GeoJSON FeatureCollection');
  const features = collection.features as Feature[];
  if (features.length === 0) fail('has no features');

  let { codeProperty, nameProperty } = options;
  if (!codeProperty) {
    const detected = detectProperties(features[0]?.properties ?? {});
    if ('problem' in detected) return fail(detected.problem, 1);
    codeProperty = detected.codeProperty;
    nameProperty ??= detected.nameProperty;
  }
  nameProperty ??= codeProperty.replace(/cd$/, 'nm').replace(/CD$/, 'NM');
  const srid = declaredSrid(collection);

  const rows: Array<{ code: string; name: string; geometry: string }> = [];
  const seen = new Map<string, number>();
  features.forEach((feature, i) => {
    const n = i + 1;
    const properties = feature?.properties ?? {};
    const code = properties[codeProperty as string];
    if (typeof code !== 'string' || code.trim() === '') fail(`property ${codeProperty} is missing or empty`, n, codeProperty);
    const name = properties[nameProperty as string];
    if (typeof name !== 'string' || name.trim() === '') fail(`(${String(code)}) property ${nameProperty} is missing or empty`, n, nameProperty);
    const type = feature?.geometry?.type;
    if (type !== 'Polygon' && type !== 'MultiPolygon') {
      fail(`(${String(code)}) geometry is ${type === undefined ? 'missing' : String(type)}, not Polygon or MultiPolygon`, n, 'geometry');
    }
    const trimmed = (code as string).trim();
    if (seen.has(trimmed)) fail(`code ${trimmed} repeats feature ${seen.get(trimmed)}`, n, codeProperty);
    seen.set(trimmed, n);
    rows.push({ code: trimmed, name: (name as string).trim(), geometry: JSON.stringify(feature.geometry) });
  });

  const [logRow] = await knex('stats19_imports')
    .insert({
      kind: 'districts',
      files: JSON.stringify([{ table: 'districts', path: path.resolve(geojsonPath) }]),
      options: JSON.stringify({ codeProperty, nameProperty }),
      started_by: options.startedBy ?? null,
    })
    .returning('id');
  const importId = Number(logRow.id);
  try {
    const counts = await knex.transaction(async (trx) => {
      let inserted = 0;
      let updated = 0;
      for (const [i, row] of rows.entries()) {
        // Repair (self-intersections would make GEOS fail later), keep the polygonal parts, and store both SRIDs.
        const { rows: result } = await trx
          .raw(
            `WITH g AS (
               SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), ?::integer), 4326)), 3)) AS geom
             )
             INSERT INTO districts AS d (code, name, source, geom, geom_bng, imported_at)
             SELECT ?, ?, ?, g.geom, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(g.geom, 27700)), 3)), now() FROM g
             ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, source = EXCLUDED.source, geom = EXCLUDED.geom,
               geom_bng = EXCLUDED.geom_bng, imported_at = now()
             WHERE (d.name, d.geom) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.geom)
             RETURNING (xmax = 0) AS inserted, ST_IsEmpty(d.geom) AS empty`,
            [row.geometry, srid, row.code, row.name, file],
          )
          .catch((err: Error) => fail(`(${row.code}) geometry could not be stored: ${err.message}`, i + 1, 'geometry'));
        if (result.length === 0) continue; // identical to the stored boundary
        if (result[0].empty) fail(`(${row.code}) geometry has no polygon area`, i + 1, 'geometry');
        if (result[0].inserted) inserted++;
        else updated++;
      }
      if (inserted + updated > 0) await bumpDataVersion(trx, 'districts');
      await trx('stats19_imports')
        .where({ id: importId })
        .update({ status: 'succeeded', finished_at: trx.fn.now(), message: `${rows.length} features: ${inserted} new, ${updated} changed` });
      return { inserted, updated };
    });
    return { importId, features: rows.length, ...counts, unchanged: rows.length - counts.inserted - counts.updated, codeProperty, nameProperty };
  } catch (err) {
    await knex('stats19_imports')
      .where({ id: importId })
      .update({ status: 'failed', message: (err as Error).message.slice(0, 2000), finished_at: knex.fn.now() })
      .catch(() => undefined);
    throw err;
  }
}
