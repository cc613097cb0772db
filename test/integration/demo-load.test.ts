import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { DEMO_MARKER, loadDemoDataIfEmpty } from '../../server/demo/load.ts';
import { createLogger } from '../../server/logger.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';

describe.each(testTargets())('first-run demo data on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let ctx: AppContext;
  beforeAll(async () => {
    db = await openTestDatabase(target);
    ctx = { db, config: loadConfig({ NODE_ENV: 'test' }), logger: createLogger('silent'), version: 'test' };
  });
  afterAll(async () => {
    await db?.close();
  });

  it('loads the 14 Lancashire districts and the 2,762 collisions of 2023 into an empty database and marks it', async () => {
    expect(await loadDemoDataIfEmpty(ctx)).toEqual({ districts: 14, collisions: 2762 });
    const { rows } = await db.knex.raw(`SELECT (SELECT count(*) FROM districts) AS d, (SELECT count(*) FROM collisions) AS c`);
    expect(rows[0]).toEqual({ d: '14', c: '2762' });
    const marker = await db.knex('app_state').where({ key: DEMO_MARKER }).first('value');
    expect(marker.value).toMatchObject({ districts: 14, collisions: 2762 });
  });

  it('does nothing on a later start, even after the demo collisions were deleted', async () => {
    await db.knex.raw('TRUNCATE collisions CASCADE');
    await db.knex('districts').del();
    expect(await loadDemoDataIfEmpty(ctx)).toBeUndefined();
    expect(Number((await db.knex.raw('SELECT count(*) AS n FROM collisions')).rows[0].n)).toBe(0);
  });
});
