import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDistricts } from '../../server/districts/import.ts';
import { importRoadNetwork } from '../../server/roads/import.ts';
import type { RoadNetworkState } from '../../server/roads/queries.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';
import { HAND_CHECKED } from '../fixtures/osm/hand-checked.ts';
import { osmXml } from '../fixtures/osm/osm-writer.ts';

const LEEDS_XML = path.resolve(import.meta.dirname, '../../../shared/data/osm/leeds-city-centre.osm');
const LANCASHIRE_DISTRICTS = path.resolve(import.meta.dirname, '../../demo-data/lancashire-lad-2017.geojson');

describe.each(testTargets())('GET /api/road-network on the $mode database', (target) => {
  const t = useTestApp(target);
  let analyst: StaffClient;
  let tmp: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roads-api-'));
    await createStaff(t.db.knex, 'analyst@example.org', ['analyst']);
    await createStaff(t.db.knex, 'reviewer@example.org', ['reviewer']);
    analyst = await signIn(t.app.url, 'analyst@example.org');
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  const state = async (): Promise<RoadNetworkState> => {
    const res = await fetch(`${t.app.url}/api/road-network`, { headers: analyst.headers() });
    expect(res.status).toBe(200);
    return (await res.json()) as RoadNetworkState;
  };

  it('is for staff: 401 signed out, 403 for a role without it', async () => {
    expect((await fetch(`${t.app.url}/api/road-network`)).status).toBe(401);
    const reviewer = await signIn(t.app.url, 'reviewer@example.org');
    expect((await fetch(`${t.app.url}/api/road-network`, { headers: reviewer.headers() })).status).toBe(403);
  });

  it('is described in the OpenAPI document with its response schema', async () => {
    const doc = (await (await fetch(`${t.app.url}/api/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.paths['/api/road-network']?.get?.responses).toHaveProperty('200');
    expect(Object.keys(doc.components.schemas.RoadNetworkState?.properties ?? {})).toEqual(['loaded', 'import', 'lastAttempt', 'network']);
  });

  it('says no network is loaded before the first import', async () => {
    expect(await state()).toEqual({
      loaded: false,
      import: null,
      lastAttempt: null,
      network: { nodes: 0, junctions: 0, edges: 0, segments: 0, lengthKm: 0, urbanLengthKm: 0, ruralLengthKm: 0, byRoadClass: [], byDistrict: [], bbox: null, bboxBng: null },
    });
  });

  it('gives the import record, counts by road class and district, total length and bounding box of the stored network', async () => {
    await importDistricts(t.db.knex, LANCASHIRE_DISTRICTS);
    const file = path.join(tmp, 'preston.osm');
    fs.writeFileSync(file, osmXml(HAND_CHECKED));
    const result = await importRoadNetwork(t.db.knex, file, { startedBy: 'analyst@example.org' });
    const body = await state();
    expect(body.loaded).toBe(true);
    expect(body.lastAttempt).toBeNull();
    expect(body.import).toMatchObject({
      id: result.importId,
      sourceFile: file,
      status: 'succeeded',
      options: { includeService: false, includePaths: false, urbanSegmentM: 100, ruralSegmentM: 200 },
      ways: 6,
      nodes: 7,
      edges: 8,
      segments: result.segments,
      junctions: 3,
      startedBy: 'analyst@example.org',
    });
    expect(body.import?.message).toMatch(/^6 ways → 7 nodes \(3 junctions\), 8 edges, \d+ segments, \d+\.\d km; 1 way positions refer to nodes outside the file/);
    expect(Date.parse(body.import?.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(body.import?.startedAt ?? ''));

    const { network } = body;
    expect(network).toMatchObject({ nodes: 7, junctions: 3, edges: 8, segments: result.segments });
    expect(network.byRoadClass.map((c) => [c.roadClass, c.edges])).toEqual([
      ['a_road', 2],
      ['b_road', 1],
      ['minor', 5],
    ]);
    expect(network.byRoadClass.reduce((n, c) => n + c.segments, 0)).toBe(result.segments);
    expect(network.lengthKm).toBeCloseTo(result.lengthKm, 2);
    expect(network.urbanLengthKm + network.ruralLengthKm).toBeCloseTo(network.lengthKm, 2);
    // Moor Lane (national limit) is the only rural road: about a third of a kilometre.
    expect(network.ruralLengthKm).toBeGreaterThan(0.3);
    expect(network.ruralLengthKm).toBeLessThan(0.36);
    expect(network.byDistrict).toEqual([{ districtCode: 'E07000123', segments: result.segments, lengthKm: network.lengthKm }]);
    // The fixture spans -2.703 … -2.690 °E, 53.757 … 53.763 °N.
    const [west, south, east, north] = network.bbox as [number, number, number, number];
    expect(west).toBeCloseTo(-2.703, 3);
    expect(east).toBeCloseTo(-2.69, 3);
    expect(south).toBeCloseTo(53.757, 3);
    expect(north).toBeCloseTo(53.763, 3);
    const [minE, minN, maxE, maxN] = network.bboxBng as [number, number, number, number];
    expect(maxE - minE).toBeGreaterThan(800);
    expect(maxE - minE).toBeLessThan(900);
    expect(maxN - minN).toBeGreaterThan(640);
    expect(maxN - minN).toBeLessThan(690);
  });

  it('keeps showing the stored network after a failed import, with the failure as the last attempt', async () => {
    const before = await state();
    const bad = path.join(tmp, 'page.osm');
    fs.writeFileSync(bad, '<html><body>Not found</body></html>');
    await expect(importRoadNetwork(t.db.knex, bad)).rejects.toThrow(/root element/);
    const after = await state();
    expect(after.import).toEqual(before.import);
    expect(after.network).toEqual(before.network);
    expect(after.lastAttempt).toMatchObject({ status: 'failed', sourceFile: bad, edges: 0 });
    expect(after.lastAttempt?.message).toMatch(/page\.osm is not an OpenStreetMap XML file/);
  });

  it('reports a network outside the districts with a null district (Leeds)', async () => {
    const result = await importRoadNetwork(t.db.knex, LEEDS_XML);
    const body = await state();
    expect(body.import?.id).toBe(result.importId);
    expect(body.lastAttempt).toBeNull();
    expect(body.network.byDistrict).toEqual([{ districtCode: null, segments: result.segments, lengthKm: body.network.lengthKm }]);
    expect(body.network.byRoadClass.map((c) => c.roadClass)).toEqual(['motorway', 'a_road', 'b_road', 'minor']);
    const [west, south, east, north] = body.network.bbox as [number, number, number, number];
    expect(west).toBeGreaterThan(-1.56);
    expect(east).toBeLessThan(-1.5);
    expect(south).toBeGreaterThan(53.78);
    expect(north).toBeLessThan(53.81);
  });
});
