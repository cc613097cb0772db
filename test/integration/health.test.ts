import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { testTargets } from '../support/db.ts';

describe.each(testTargets())('service health on the $mode database', (target) => {
  const t = useTestApp(target);

  it('reports the database mode, the PostGIS version and the collision count', async () => {
    const res = await fetch(`${t.app.url}/healthz`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', database: target.mode, collisions: 0 });
    expect(body.postgis).toMatch(/^3\.\d+/);
  });

  it('gives every response a request id, keeping a sane one from the caller', async () => {
    const res = await fetch(`${t.app.url}/healthz`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const other = await fetch(`${t.app.url}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await fetch(`${t.app.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('serves an OpenAPI 3.1 document listing its routes', async () => {
    const res = await fetch(`${t.app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/healthz');
  });
});
