import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor, routeAccess, type Access } from '../../server/access.ts';
import { ROLES, type Role } from '../../server/auth/roles.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { openTestDatabase, testTargets } from '../support/db.ts';
import { createStaff, signIn, type StaffClient } from '../support/staff.ts';

/**
 * THE access walker: reads the routes actually registered on the Express app (not a list kept by
 * hand), so a route any domain adds later is covered without touching this file.
 */

interface RegisteredRoute {
  method: string;
  path: string;
  key: string;
}

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: unknown };
  name?: string;
}

/** Every `METHOD path` on the app's router (Express 5: app.router.stack). */
function registeredRoutes(app: TestApp): { routes: RegisteredRoute[]; problems: string[] } {
  const stack = (app.express.router as unknown as { stack: RouterLayer[] }).stack;
  const routes: RegisteredRoute[] = [];
  const problems: string[] = [];
  for (const layer of stack) {
    if (Array.isArray(layer.handle?.stack)) {
      problems.push(`a sub-router (${layer.name ?? 'router'}) is mounted with app.use: its routes bypass server/access.ts; use defineRoute`);
    }
    if (!layer.route) continue;
    if (typeof layer.route.path !== 'string') {
      problems.push(`route with a non-string path ${String(layer.route.path)}: use one Express path string per route`);
      continue;
    }
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') {
        problems.push(`app.all('${layer.route.path}') is registered: declare each method in server/access.ts instead`);
        continue;
      }
      const upper = method.toUpperCase();
      routes.push({ method: upper, path: layer.route.path, key: `${upper} ${layer.route.path}` });
    }
  }
  return { routes, problems };
}

/** A concrete URL path for an Express path: every parameter becomes `1` (`/tiles/:layer/:z/:x/:y.mvt` → `/tiles/1/1/1/1.mvt`). */
function examplePath(expressPath: string): string {
  return expressPath
    .replace(/[{}]/g, '')
    .replace(/[:*]([A-Za-z_$][A-Za-z0-9_$]*)/g, '1')
    .replace(/\\(.)/g, '$1');
}

const hasBody = (method: string) => !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(method);

/** Sends a syntactically valid request: dummy path parameters and, where a body fits, `{}`. */
function send(app: TestApp, route: RegisteredRoute, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${examplePath(route.path)}`, {
    method: route.method,
    headers: hasBody(route.method) ? { ...headers, 'Content-Type': 'application/json' } : headers,
    body: hasBody(route.method) ? '{}' : undefined,
    redirect: 'manual',
  });
}

const isStaff = (access: Access): access is Extract<Access, { kind: 'staff' }> => access.kind === 'staff';
const wrongRoleFor = (access: Extract<Access, { kind: 'staff' }>): Role | undefined => ROLES.find((r) => !access.roles.includes(r));

describe.each(testTargets())('route access on the $mode database', (target) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: TestApp;
  let routes: RegisteredRoute[];
  let problems: string[];
  /** One signed-in user per role, holding only that role. */
  const staffByRole = new Map<Role, StaffClient>();

  beforeAll(async () => {
    db = await openTestDatabase(target);
    app = await startTestApp(db);
    ({ routes, problems } = registeredRoutes(app));
    for (const role of ROLES) {
      const email = `only-${role.replace(/_/g, '-')}@example.org`;
      await createStaff(db.knex, email, [role]);
      staffByRole.set(role, await signIn(app.url, email));
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('finds the registered routes, including staff routes', () => {
    expect(routes.map((r) => r.key)).toEqual(expect.arrayContaining(['GET /healthz', 'POST /api/auth/login', 'GET /api/users']));
    expect(problems).toEqual([]);
  });

  it('every registered route is declared in server/access.ts, and every declaration is registered', () => {
    const registered = new Set(routes.map((r) => r.key));
    const undeclared = [...registered].filter((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return accessFor(method, path) === undefined;
    });
    const stale = Object.keys(routeAccess).filter((key) => !registered.has(key));
    expect({ undeclared, stale }).toEqual({ undeclared: [], stale: [] });
  });

  it('every registered route went through the route registry (so the access guard runs first) exactly once', () => {
    const viaRegistry = app.routes.map(({ route }) => `${route.method.toUpperCase()} ${route.path}`);
    const duplicates = viaRegistry.filter((key, i) => viaRegistry.indexOf(key) !== i);
    const bypassing = routes.map((r) => r.key).filter((key) => !viaRegistry.includes(key));
    expect({ duplicates, bypassing }).toEqual({ duplicates: [], bypassing: [] });
  });

  it('every staff route answers 401 to an anonymous request', async () => {
    const staffRoutes = routes.filter((r) => isStaff(accessFor(r.method, r.path)!));
    expect(staffRoutes.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const route of staffRoutes) {
      const res = await send(app, route);
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      if (res.status !== 401 || body.error !== 'unauthorized') wrong.push(`${route.key} → ${res.status} ${body.error ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every role-restricted staff route answers 403 to a signed-in user holding only a role not listed', async () => {
    // ANY_STAFF routes list every role, so no role can be refused there: they are covered by the 401 check only.
    const restricted = routes.flatMap((route) => {
      const access = accessFor(route.method, route.path)!;
      const role = isStaff(access) ? wrongRoleFor(access) : undefined;
      return role ? [{ route, role }] : [];
    });
    expect(restricted.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const { route, role } of restricted) {
      // With a valid CSRF token, so the 403 can only come from the role check.
      const res = await send(app, route, staffByRole.get(role)!.headers({ csrf: true }));
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      if (res.status !== 403 || body.error !== 'forbidden') wrong.push(`${route.key} as ${role} → ${res.status} ${body.error ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('admin is not a superuser: every staff route that does not list admin answers 403 to an admin', async () => {
    const notForAdmin = routes.filter((r) => {
      const access = accessFor(r.method, r.path)!;
      return isStaff(access) && !access.roles.includes('admin');
    });
    const wrong: string[] = [];
    for (const route of notForAdmin) {
      const res = await send(app, route, staffByRole.get('admin')!.headers({ csrf: true }));
      if (res.status !== 403) wrong.push(`${route.key} as admin → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the staff users used by the walk are all still signed in (the walk changed nothing)', async () => {
    for (const [role, client] of staffByRole) {
      const res = await fetch(`${app.url}/api/auth/me`, { headers: client.headers() });
      expect(res.status, role).toBe(200);
    }
  });
});
