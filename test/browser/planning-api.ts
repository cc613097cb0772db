/**
 * Staff API calls the planning browser tests make to set up what they need: users with a role, a
 * small register and fleet out of the demo data, and a generated (approved, published) plan.
 * Each helper signs in through POST /api/auth/login like any client, so the server's rules apply.
 */
import { request, type APIRequestContext, type Page } from 'playwright-core';

export const PLANNER = { email: 'planner@example.org', password: 'planner password 123', roles: ['planner'] };
export const SUPERVISOR = { email: 'supervisor@example.org', password: 'supervisor password 123', roles: ['supervisor'] };

export interface StaffApi {
  call<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  dispose(): Promise<void>;
}

/** An API client signed in as one staff member (session cookie plus the CSRF header). */
export async function signInApi(baseURL: string, email: string, password: string): Promise<StaffApi> {
  const context: APIRequestContext = await request.newContext({ baseURL });
  const login = await context.post('/api/auth/login', { data: { email, password } });
  if (!login.ok()) throw new Error(`signing in as ${email} failed: ${login.status()} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await context.fetch(path, { method, headers: { 'X-CSRF-Token': csrfToken }, ...(body === undefined ? {} : { data: body }) });
      if (!res.ok()) throw new Error(`${method} ${path} answered ${res.status()}: ${await res.text()}`);
      return (res.status() === 204 ? undefined : await res.json()) as T;
    },
    dispose: () => context.dispose(),
  };
}

/** Creates a staff user (ignoring "already exists" so a test can be re-run against the same server). */
export async function ensureUser(admin: StaffApi, user: { email: string; password: string; roles: string[] }): Promise<void> {
  try {
    await admin.call('POST', '/api/users', user);
  } catch (err) {
    if (!/409|already/i.test((err as Error).message)) throw err;
  }
}

/** Signs in on the staff sign-in page as anyone and waits to land on `next`. */
export async function signInAs(page: Page, baseURL: string, user: { email: string; password: string }, next: string): Promise<void> {
  await page.goto(`${baseURL}/staff/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email address').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === next);
}

interface ApiSite {
  id: number;
  reference: string;
  version: number;
  districtCode: string | null;
  eligibility: { eligible: boolean };
}

/**
 * Cuts the demo register down to `keep` eligible sites (one per district first, for spread) with a
 * risk assessment valid for the whole month, and retires the rest; keeps `vans` vans active.
 * Returns the kept sites' ids.
 */
export async function smallRegister(admin: StaffApi, month: string, options: { keep: number; vans: number }): Promise<number[]> {
  const { sites } = await admin.call<{ sites: ApiSite[] }>('GET', '/api/sites');
  const eligible = sites.filter((s) => s.eligibility.eligible).sort((a, b) => a.reference.localeCompare(b.reference));
  if (eligible.length < options.keep) throw new Error(`the demo register has ${eligible.length} eligible sites; the test needs ${options.keep}`);
  const kept: ApiSite[] = [];
  const districts = new Set<string | null>();
  for (const s of eligible) {
    if (kept.length >= options.keep || districts.has(s.districtCode)) continue;
    kept.push(s);
    districts.add(s.districtCode);
  }
  for (const s of eligible) if (kept.length < options.keep && !kept.includes(s)) kept.push(s);
  const keptIds = new Set(kept.map((s) => s.id));
  for (const s of sites) if (!keptIds.has(s.id)) await admin.call('DELETE', `/api/sites/${s.id}?reason=${encodeURIComponent('browser test: a small register')}`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const before = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 10);
  const after = new Date(Date.UTC(y + 1, m - 1, 1)).toISOString().slice(0, 10);
  for (const s of kept) {
    await admin.call('PATCH', `/api/sites/${s.id}`, { version: s.version, riskAssessedOn: before, riskAssessmentExpiresOn: after, reason: 'browser test: risk assessment valid for the month' });
  }
  const { vans } = await admin.call<{ vans: Array<{ id: number; callSign: string; active: boolean }> }>('GET', '/api/vans');
  const sorted = [...vans].sort((a, b) => a.callSign.localeCompare(b.callSign));
  for (const [i, van] of sorted.entries()) {
    const active = i < options.vans;
    if (van.active !== active) await admin.call('PATCH', `/api/vans/${van.id}`, { active });
  }
  return kept.map((s) => s.id);
}

/** Starts a plan and waits for it to finish generating; returns its id. */
export async function generatePlan(api: StaffApi, month: string, seed: number, timeoutMs = 120_000): Promise<{ id: number; status: string; violations: unknown[] }> {
  const started = await api.call<{ id: number }>('POST', '/api/plans', { month, seed });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const plan = await api.call<{ id: number; status: string; violations: unknown[]; error?: string }>('GET', `/api/plans/${started.id}`);
    if (plan.status !== 'generating') {
      if (plan.status === 'failed') throw new Error(`plan ${plan.id} failed: ${plan.error ?? ''}`);
      return plan;
    }
    if (Date.now() > until) throw new Error(`plan ${started.id} still generating after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** 'YYYY-MM' of the month `offset` months after this one in London (1 = next month). */
export function londonMonthAfter(offset: number, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' }).formatToParts(now);
  const y = Number(parts.find((p) => p.type === 'year')!.value);
  const m = Number(parts.find((p) => p.type === 'month')!.value) - 1 + offset;
  return `${y + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

/**
 * The month these tests plan: the month after next, because next month already holds the DEMO plan that the
 * first start publishes (server/demo/load.ts).
 */
export const testPlanMonth = (now = new Date()) => londonMonthAfter(2, now);
