import { Readable } from 'node:stream';
import express from 'express';
import { currentUser } from '../auth/guard.ts';
import { sendCsv } from '../collisions/csv.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../http/routes.ts';
import { notFound } from '../http/errors.ts';
import { loadSiteCriteria } from './criteria.ts';
import { enforcementThresholdMph } from './eligibility.ts';
import { importSitesCsv, SiteImportError, sitesCsv } from './register-csv.ts';
import {
  importQuery,
  newSiteBody,
  retireQuery,
  siteChangeBody,
  siteIdParams,
  siteListQuery,
  surveyListQuery,
  type NewSiteBody,
  type SiteChangeBody,
  type SiteListQuery,
} from './schemas.ts';
import { assessSites, createSite, loadSites, retireSite, siteChanges, siteView, updateSite, type SiteView } from './store.ts';
import { listSpeedSurveys } from './survey-import.ts';

const errorBody = { description: 'See `errors` for each field' };

/** The site register: list/map/export, one site, its history, create, change, retire, CSV import, criteria, surveys. */
export function siteRoutes(ctx: AppContext): AnyRoute[] {
  const { knex } = ctx.db;
  // Read once at start: a bad criteria file stops the service with the key at fault.
  const inForce = loadSiteCriteria(ctx.config.SITE_CRITERIA_FILE);
  const { criteria } = inForce;

  /** Views of every current site (tiers rank among all eligible ones), plus retired ones when asked. */
  async function views(includeRetired = false, alsoId?: number): Promise<SiteView[]> {
    const rows = await loadSites(knex, { includeRetired: includeRetired || alsoId !== undefined });
    const wanted = rows.filter((r) => includeRetired || r.retiredAt === null || r.id === alsoId);
    return (await assessSites(knex, wanted, criteria)).map(siteView);
  }
  async function viewOf(id: number): Promise<SiteView> {
    const found = (await views(false, id)).find((v) => v.id === id);
    if (!found) throw notFound(`No site has the id ${id}.`);
    return found;
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/sites',
      summary: 'The enforcement site register with evidence and eligibility, as JSON, GeoJSON or CSV',
      description:
        'Each site with its published text, evidence computed from the data (KSI and injury collisions per km over the latest ' +
        `${criteria.periodMonths} months, the latest speed survey, linked concerns, the hotspot risk score) and its eligibility with reasons. ` +
        'Filters: district (ONS code), category, eligible, q (reference, road, locality or text), includeRetired. format=csv gives the register ' +
        'in the import columns (POST /api/sites/import takes it back); format=geojson one LineString feature per site.',
      tags: ['sites'],
      request: { query: siteListQuery },
      responses: { 200: { description: '{sites: SiteView[]}', contentTypes: ['text/csv', 'application/geo+json'] }, 400: errorBody },
      handler: async ({ query }: { query: SiteListQuery }, _req, res) => {
        const q = query.q?.toLowerCase();
        const sites = (await views(query.includeRetired ?? false)).filter(
          (s) =>
            (!query.district || s.districtCode === query.district) &&
            (!query.category || s.category === query.category) &&
            (query.eligible === undefined || s.eligibility.eligible === query.eligible) &&
            (!q || [s.reference, s.roadNumber, s.roadName, s.locality, s.qualifier, s.publishedText].some((v) => v?.toLowerCase().includes(q))),
        );
        if (query.format === 'csv') {
          await sendCsv(res, 'enforcement-sites.csv', Readable.from([sitesCsv(sites)]));
          return;
        }
        if (query.format === 'geojson') {
          res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
          res.json({
            type: 'FeatureCollection',
            features: sites.map(({ stretch, ...properties }) => ({ type: 'Feature', id: properties.id, geometry: stretch, properties })),
          });
          return;
        }
        res.json({ sites });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sites/:id',
      summary: 'One site with its evidence and eligibility',
      tags: ['sites'],
      request: { params: siteIdParams },
      responses: { 200: { description: 'SiteView' }, 404: { description: 'No such site' } },
      handler: async ({ params }: { params: { id: number } }, _req, res) => {
        res.json(await viewOf(params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sites/:id/changes',
      summary: 'Every change to a site: who, when, what (field names), before and after',
      tags: ['sites'],
      request: { params: siteIdParams },
      responses: { 200: { description: '{changes: [{at, actor, action, fields, before, after, reason}]}' }, 404: { description: 'No such site' } },
      handler: async ({ params }: { params: { id: number } }, _req, res) => {
        res.json({ changes: await siteChanges(knex, params.id) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/sites',
      summary: 'Add a site to the register',
      description: 'The stretch is a GeoJSON LineString in WGS84; its length and (when not given) district are derived. The change is recorded.',
      tags: ['sites'],
      request: { body: newSiteBody },
      responses: { 201: { description: 'The new SiteView' }, 400: errorBody, 409: { description: 'The reference is taken' } },
      handler: async ({ body }: { body: NewSiteBody }, req, res) => {
        const created = await createSite(knex, body, { actor: currentUser(req).email });
        res.status(201).json(await viewOf(created.id));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/sites/:id',
      summary: 'Change a site (optimistic concurrency by version)',
      description: 'Send the fields to change, the `version` you edited and optionally a `reason`. 409 when the site changed since (the message names both versions).',
      tags: ['sites'],
      request: { params: siteIdParams, body: siteChangeBody },
      responses: { 200: { description: 'The changed SiteView' }, 400: errorBody, 404: { description: 'No such site' }, 409: { description: 'Edited an old version, or the site is retired' } },
      handler: async ({ params, body }: { params: { id: number }; body: SiteChangeBody }, req, res) => {
        await updateSite(knex, params.id, body, { actor: currentUser(req).email, reason: body.reason ?? null });
        res.json(await viewOf(params.id));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/sites/:id',
      summary: 'Retire a site (kept for plans and the audit trail)',
      tags: ['sites'],
      request: { params: siteIdParams, query: retireQuery },
      responses: { 200: { description: 'The retired SiteView' }, 404: { description: 'No such site' }, 409: { description: 'Already retired' } },
      handler: async ({ params, query }: { params: { id: number }; query: { reason?: string } }, req, res) => {
        await retireSite(knex, params.id, { actor: currentUser(req).email, reason: query.reason || null });
        res.json(await viewOf(params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/sites/import',
      summary: 'Import the register from CSV (text/csv body), upserting by reference, all or nothing',
      description: 'Columns as GET /api/sites?format=csv gives them. `file` (optional) names the upload in the audit trail (actor "import:<file>"). 422 lists every problem by line.',
      tags: ['sites'],
      request: { query: importQuery },
      responses: { 200: { description: '{file, rows, inserted, updated, unchanged, ignoredColumns}' }, 415: { description: 'Not text/csv' }, 422: { description: '{errors: [{line, field, value, message}]}' } },
      before: [express.text({ type: ['text/csv', 'application/csv', 'text/plain'], limit: '10mb' })],
      handler: async ({ query }: { query: { file?: string } }, req, res) => {
        if (typeof req.body !== 'string') {
          res.status(415).json({ error: 'unsupported_media_type', message: 'Send the CSV as the body with Content-Type: text/csv.', requestId: String(req.id ?? '') });
          return;
        }
        const file = query.file || 'upload.csv';
        try {
          const result = await importSitesCsv(knex, file, req.body, { actor: `import:${file}`, reason: `uploaded by ${currentUser(req).email}` });
          res.json(result);
        } catch (err) {
          if (!(err instanceof SiteImportError)) throw err;
          res.status(422).json({ error: 'invalid_file', message: err.message, errors: err.errors, requestId: String(req.id ?? '') });
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/site-criteria',
      summary: 'The eligibility criteria in force',
      description: 'The defaults (or preset) with SITE_CRITERIA_FILE merged over them, and the enforcement threshold per speed limit.',
      tags: ['sites'],
      responses: { 200: { description: '{source, preset, criteria, thresholdsMph}' } },
      handler: (_input, _req, res) => {
        res.json({
          source: inForce.source,
          preset: inForce.preset,
          criteria,
          thresholdsMph: Object.fromEntries([20, 30, 40, 50, 60, 70].map((l) => [l, enforcementThresholdMph(l, criteria.threshold20Mph)])),
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/speed-surveys',
      summary: 'Imported speed surveys, newest first (optionally one site’s)',
      tags: ['sites'],
      request: { query: surveyListQuery },
      responses: { 200: { description: '{surveys: [...]}' }, 400: errorBody },
      handler: async ({ query }: { query: { siteId?: number } }, _req, res) => {
        res.json({ surveys: await listSpeedSurveys(knex, query.siteId) });
      },
    }),
  ];
}
