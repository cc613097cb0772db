import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

describe.each(testTargets())('service health on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: TestApp;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    app = await startTestApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('reports the database mode, the PostGIS version and the collision count', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', database: target.mode, collisions: 0 });
    expect(body.postgis).toMatch(/^3\.\d+/);
  });

  it('gives every response a request id, keeping a sane one from the caller', async () => {
    const res = await fetch(`${app.url}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const other = await fetch(`${app.url}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await fetch(`${app.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('serves an OpenAPI 3.1 document listing its routes', async () => {
    const res = await fetch(`${app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/healthz');
  });
});
