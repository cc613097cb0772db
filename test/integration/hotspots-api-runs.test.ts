import { beforeAll, describe, expect, it } from 'vitest';
import { importStats19 } from '../../server/collisions/stats19/import.ts';
import { importDistricts } from '../../server/districts/import.ts';
import { RESCORE_KEEP } from '../../server/hotspots/queries.ts';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

/*
 * Starting runs through the API and re-scoring one district, with the real pipeline over the
 * Lancashire 2023 demo collisions (no road network is loaded, so runs use the hexagon grid).
 */

const PRESTON = 'E07000123';

describe.each(testTargets())('hotspot runs and re-scoring on the $mode database', (target) => {
  const t = useTestApp(target);
  let analyst: StaffClient;

  beforeAll(async () => {
    await importDistricts(t.db.knex, 'demo-data/lancashire-lad-2017.geojson');
    await importStats19(t.db.knex, { collisions: 'demo-data/lancashire-collisions-2023.csv' });
    await createStaff(t.db.knex, 'analyst@example.org', ['analyst']);
    analyst = await signIn(t.app.url, 'analyst@example.org');
  });

  const post = (path: string, body: unknown) =>
    fetch(`${t.app.url}${path}`, { method: 'POST', headers: analyst.headers({ csrf: true, json: true }), body: JSON.stringify(body) });
  const get = (path: string) => fetch(`${t.app.url}${path}`, { headers: analyst.headers() });

  /** Polls the job until it has finished (a grid run over 2,762 collisions takes seconds). */
  async function finished(jobId: number): Promise<Record<string, unknown>> {
    for (let i = 0; i < 600; i++) {
      const res = await get(`/api/hotspot-runs/${jobId}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      if (body.status === 'succeeded' || body.status === 'failed') return body;
      expect(['queued', 'running']).toContain(body.status);
      expect(body.progress).toBeGreaterThanOrEqual(0);
      expect(body.progress).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`job ${jobId} did not finish`);
  }

  it('starts a full run as a background job (202 with the job id), reports it done with its run, and publishes it', async () => {
    const res = await post('/api/hotspot-runs', { district: PRESTON });
    expect(res.status).toBe(202);
    const started = await res.json();
    expect(started).toMatchObject({ id: started.jobId, runId: null, status: 'queued', statusUrl: `/api/hotspot-runs/${started.jobId}` });
    expect(res.headers.get('location')).toBe(started.statusUrl);

    const done = await finished(started.jobId);
    expect(done, JSON.stringify(done)).toMatchObject({ id: started.jobId, jobId: started.jobId, status: 'succeeded', progress: 1, scope: 'full', unitKind: 'grid', districtCode: PRESTON, startedBy: 'analyst@example.org' });
    expect(done.runId).toEqual(expect.any(Number));
    expect(done.periodTo).toBe('2023-12-31');
    expect(done.methodVersion).toEqual(expect.any(String));
    expect(done.params).toMatchObject({ hexSizeM: 200 });
    expect(done.summary).toMatchObject({ unitKind: 'grid' });
    expect(done.finishedAt).toEqual(expect.any(String));

    const list = await (await fetch(`${t.app.url}/api/hotspots?run=latest`)).json();
    expect(list.run.id).toBe(done.runId);
    expect(list.units).toBe('grid');
    expect(list.features.length).toBeGreaterThan(0);
    // The detail of the top site counts exactly its stored collisions.
    const top = list.features[0].properties;
    const detail = await (await fetch(`${t.app.url}/api/hotspots/${top.siteId}`)).json();
    expect(detail.collisions).toHaveLength(top.fatal + top.serious + top.slight);
    expect(detail.trend.reduce((s: number, y: { fatal: number; serious: number; slight: number }) => s + y.fatal + y.serious + y.slight, 0)).toBe(top.fatal + top.serious + top.slight);

    const runs = await (await get('/api/hotspot-runs')).json();
    expect(runs[0]).toMatchObject({ id: started.jobId, runId: done.runId, status: 'succeeded' });
  });

  it('refuses a bad request with a 400 naming the body field, and starts nothing', async () => {
    const before = Number((await t.db.knex('background_jobs').count({ n: '*' }))[0]!.n);
    for (const [body, field] of [
      [{ unit: 'roads' }, 'body.unit'],
      [{ district: 'E07999999' }, 'body.district'],
      [{ unit: 'network' }, 'body.unit'],
      [{ from: '2023-06-01', to: '2023-01-01' }, 'body.from'],
      [{ to: '2023-02-30' }, 'body.to'],
      [{ params: { snapDistanceM: -5 } }, 'body.params.snapDistanceM'],
      [{ params: { snapDistance: 5 } }, 'body.params.snapDistance'],
      [{ colour: 'red' }, 'body'],
    ] as const) {
      const res = await post('/api/hotspot-runs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const errors = (await res.json()).errors as Array<{ field: string; message: string }>;
      expect(errors.map((e) => e.field), JSON.stringify(errors)).toContain(field);
    }
    expect(Number((await t.db.knex('background_jobs').count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('answers 409 while another run job is live, and ignores one whose instance has gone', async () => {
    const [job] = await t.db.knex('background_jobs').insert({ kind: 'hotspot_run', status: 'running' }).returning('id');
    await t.db.knex('job_claims').insert({ key: `job-lease:${job.id}`, claimed_by: 'other-instance' });
    const res = await post('/api/hotspot-runs', { district: PRESTON });
    expect(res.status).toBe(409);
    expect((await res.json()).message).toContain(String(job.id));
    // The other instance died: its lease is stale, so a new run may start.
    await t.db.knex('job_claims').where({ key: `job-lease:${job.id}` }).update({ claimed_at: t.db.knex.raw(`now() - interval '1 hour'`) });
    const again = await post('/api/hotspot-runs', { district: PRESTON, to: '2023-06-30' });
    expect(again.status).toBe(202);
    const done = await finished((await again.json()).jobId);
    expect(done.status).toBe('succeeded');
    expect(done.periodTo).toBe('2023-06-30');
    await t.db.knex('background_jobs').where({ id: job.id }).delete();
  });

  it('answers 404 for an unknown job id and 400 for one that is not a number', async () => {
    expect((await get('/api/hotspot-runs/999999')).status).toBe(404);
    const res = await get('/api/hotspot-runs/latest');
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].field).toBe('params.id');
  });

  it('re-scores one district with filters at once, as a transient run the published ranking ignores', async () => {
    const published = (await (await fetch(`${t.app.url}/api/hotspots`)).json()).run.id;
    const res = await post('/api/hotspots/rescore', { district: PRESTON, severity: 'ksi', from: '2023-01-01', to: '2023-12-31', limit: 10 });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    expect(body.run).toMatchObject({ scope: 'rescore', districtCode: PRESTON, filters: { severity: 'ksi' }, periodFrom: '2023-01-01', periodTo: '2023-12-31' });
    expect(body.units).toBe('grid');
    expect(body.unit).toBe('cell');
    expect(body.features.length).toBeGreaterThan(0);
    expect(body.features.length).toBeLessThanOrEqual(10);
    // KSI only: no site counts a slight collision.
    expect(body.features.every((f: { properties: { slight: number } }) => f.properties.slight === 0)).toBe(true);
    expect(body.features.map((f: { properties: { rank: number } }) => f.properties.rank)).toEqual([...body.features.map((f: { properties: { rank: number } }) => f.properties.rank)].sort((a, b) => a - b));
    expect((await (await fetch(`${t.app.url}/api/hotspots`)).json()).run.id).toBe(published);
    // Readable by id while it lives.
    expect((await fetch(`${t.app.url}/api/hotspots?run=${body.run.id}&format=csv`)).status).toBe(200);
  });

  it('refuses a re-score without a district, or with a bad filter, naming the field', async () => {
    for (const [body, field] of [
      [{}, 'body.district'],
      [{ district: 'Preston' }, 'body.district'],
      [{ district: PRESTON, roadUser: 'horse' }, 'body.roadUser'],
      [{ district: PRESTON, severity: 'deadly' }, 'body.severity'],
      [{ district: PRESTON, unit: 'segment' }, 'body.unit'],
      [{ district: PRESTON, limit: 0 }, 'body.limit'],
      [{ district: 'E07999999' }, 'body.district'],
    ] as const) {
      const res = await post('/api/hotspots/rescore', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const errors = (await res.json()).errors as Array<{ field: string }>;
      expect(errors.map((e) => e.field), JSON.stringify(errors)).toContain(field);
    }
  });

  it(`deletes re-score runs older than an hour and keeps at most the newest ${RESCORE_KEEP}`, async () => {
    const { knex } = t.db;
    const insert = (createdAt: string) =>
      knex('hotspot_runs')
        .insert({
          status: 'succeeded',
          scope: 'rescore',
          unit_kind: 'grid',
          params: '{}',
          period_from: '2023-01-01',
          period_to: '2023-12-31',
          camera_from: '2021-01-01',
          method_version: 'x',
          value_table_version: 'x',
          created_at: knex.raw(createdAt),
        })
        .returning('id');
    const [old] = await insert(`now() - interval '2 hours'`);
    for (let i = 0; i < RESCORE_KEEP + 5; i++) await insert('now()');
    const res = await post('/api/hotspots/rescore', { district: PRESTON });
    expect(res.status).toBe(200);
    const kept = await knex('hotspot_runs').where({ scope: 'rescore' }).orderBy('id').pluck('id');
    expect(kept).not.toContain(old.id);
    // The newest RESCORE_KEEP before this call, and this call's own run.
    expect(kept.length).toBe(RESCORE_KEEP + 1);
    expect(Number((await knex('hotspot_runs').where({ scope: 'full' }).count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);
  });
});
