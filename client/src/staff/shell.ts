// The staff area shell: who is signed in, sign out, and the sections later releases fill.
import '../styles/base.css';
import '../styles/staff.css';
import { ApiError, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { formatCount } from '../shared/format.ts';

interface Me {
  user: { id: number | string; email: string; roles: string[]; displayName?: string | null };
  csrfToken: string;
}

interface Section {
  id: string;
  title: string;
  /** What the section will do, shown while it is a placeholder. */
  purpose: string;
  /** Roles that see it; undefined: every staff member. */
  roles?: string[];
  render?: (content: HTMLElement) => Promise<void>;
}

const ROLE_LABELS: Record<string, string> = {
  admin: 'Administrator',
  analyst: 'Analyst',
  planner: 'Planner',
  reviewer: 'Reviewer',
  decision_maker: 'Decision maker',
  supervisor: 'Supervisor',
};

const SECTIONS: Section[] = [
  { id: 'overview', title: 'Overview', purpose: '' },
  { id: 'hotspots', title: 'Hotspots', purpose: 'Find clusters of serious and fatal collisions and rank them for action.' },
  { id: 'sites', title: 'Enforcement sites', purpose: 'Keep the list of camera and mobile enforcement sites, with their evidence.' },
  { id: 'van-plans', title: 'Van plans', purpose: 'Plan mobile camera van deployments across sites and shifts.' },
  { id: 'snap', title: 'Operation Snap', purpose: 'Review dash-cam and helmet-cam footage submitted by the public.' },
  { id: 'results', title: 'Enforcement results', purpose: 'Record and report the outcomes of enforcement sessions.' },
  { id: 'imports', title: 'Imports', purpose: 'STATS19 imports into the collision database.', roles: ['admin', 'analyst'], render: renderImports },
  { id: 'users', title: 'Users', purpose: 'Staff accounts and their roles.', roles: ['admin'], render: renderUsers },
];

let me: Me;

function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

function visibleSections(): Section[] {
  return SECTIONS.filter((s) => !s.roles || s.roles.some((r) => me.user.roles.includes(r)));
}

function currentSection(): Section {
  const id = location.hash.replace(/^#\/?/, '') || 'overview';
  return visibleSections().find((s) => s.id === id) ?? SECTIONS[0]!;
}

function pageHeading(section: Section): HTMLHeadingElement {
  return h('h1', { tabindex: '-1', id: 'section-heading' }, section.title);
}

async function show(focus: boolean): Promise<void> {
  const section = currentSection();
  document.title = `${section.title} – Road safety staff`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#staff-nav-list a')) {
    if (link.dataset.section === section.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const content = byId('content');
  const heading = pageHeading(section);
  if (section.id === 'overview') {
    content.replaceChildren(heading, overview());
  } else if (section.render) {
    content.replaceChildren(heading, h('p', { class: 'muted' }, section.purpose), h('p', { class: 'muted' }, 'Loading…'));
    await section.render(content);
  } else {
    content.replaceChildren(
      heading,
      h(
        'div',
        { class: 'placeholder' },
        h('span', { class: 'badge' }, 'Coming in a later release'),
        h('p', {}, section.purpose),
        h('p', { class: 'muted' }, 'This part of the staff area is not available yet.'),
      ),
    );
  }
  if (focus) heading.focus();
}

function overview(): HTMLElement {
  const name = me.user.displayName || me.user.email;
  const cards = visibleSections()
    .filter((s) => s.id !== 'overview')
    .map((s) =>
      h(
        'li',
        { class: 'card' },
        h('h2', {}, h('a', { href: `#${s.id}` }, s.title)),
        h('p', {}, s.purpose),
        s.render ? null : h('span', { class: 'badge' }, 'Coming in a later release'),
      ),
    );
  return h(
    'div',
    {},
    h('p', { class: 'lead' }, `Signed in as ${name}.`),
    h('ul', { class: 'cards' }, ...cards),
  );
}

type Row = Record<string, unknown>;

function listFrom(body: unknown, key: string): Row[] {
  if (Array.isArray(body)) return body as Row[];
  const value = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? (value as Row[]) : [];
}

function value(row: Row, ...keys: string[]): unknown {
  for (const key of keys) if (row[key] !== undefined && row[key] !== null) return row[key];
  return undefined;
}

function when(v: unknown): string {
  if (typeof v !== 'string' && !(v instanceof Date)) return '–';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function filesText(v: unknown): string {
  if (!v) return '–';
  if (typeof v === 'string') return v.split('/').pop() ?? v;
  if (Array.isArray(v)) return v.map(filesText).join(', ');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return typeof o.path === 'string' ? filesText(o.path) : Object.values(o).filter((x) => typeof x === 'string').map(filesText).join(', ');
  }
  return String(v);
}

function errorMessage(err: unknown, what: string): HTMLElement {
  const text = err instanceof ApiError && err.status === 403 ? `Your role cannot see ${what}.` : `${what.charAt(0).toUpperCase()}${what.slice(1)} could not be loaded: ${(err as Error).message}`;
  return h('p', { class: 'error-text', role: 'alert' }, text);
}

async function renderImports(content: HTMLElement): Promise<void> {
  try {
    const rows = listFrom(await fetchJson<unknown>('/api/imports'), 'imports');
    const table = rows.length
      ? h(
          'table',
          { class: 'data-table' },
          h('caption', { class: 'visually-hidden' }, 'Imports, newest first'),
          h('thead', {}, h('tr', {}, ...['Started', 'Kind', 'Files', 'Status', 'Collisions', 'Casualties', 'Vehicles', 'Rejected', 'By'].map((t) => h('th', { scope: 'col', class: ['Collisions', 'Casualties', 'Vehicles', 'Rejected'].includes(t) ? 'num' : null }, t)))),
          h(
            'tbody',
            {},
            ...rows.map((r) => {
              const status = String(value(r, 'status') ?? '–');
              const count = (...keys: string[]) => {
                const v = value(r, ...keys);
                if (typeof v === 'number') return formatCount(v);
                if (v && typeof v === 'object') {
                  const o = v as Record<string, unknown>;
                  const total = ['inserted', 'updated', 'unchanged'].reduce((sum, k) => sum + (typeof o[k] === 'number' ? (o[k] as number) : 0), 0);
                  return formatCount(total);
                }
                return '–';
              };
              return h(
                'tr',
                {},
                h('td', { class: 'nowrap' }, when(value(r, 'startedAt', 'started_at'))),
                h('td', {}, String(value(r, 'kind') ?? '–')),
                h('td', {}, filesText(value(r, 'files'))),
                h('td', {}, h('span', { class: `status-pill status-${status.toLowerCase()}` }, status), value(r, 'message') ? h('div', { class: 'hint' }, String(value(r, 'message'))) : null),
                h('td', { class: 'num' }, count('collisions')),
                h('td', { class: 'num' }, count('casualties')),
                h('td', { class: 'num' }, count('vehicles')),
                h('td', { class: 'num' }, count('rejected')),
                h('td', {}, String(value(r, 'startedBy', 'started_by') ?? '–')),
              );
            }),
          ),
        )
      : h('p', {}, 'No imports yet.');
    content.replaceChildren(content.firstElementChild!, h('p', { class: 'muted' }, 'STATS19 imports, newest first. Run imports with ', h('code', {}, 'roadsafe import stats19'), '.'), h('div', { class: 'table-wrap' }, table));
  } catch (err) {
    content.replaceChildren(content.firstElementChild!, errorMessage(err, 'imports'));
  }
}

async function renderUsers(content: HTMLElement): Promise<void> {
  try {
    const rows = listFrom(await fetchJson<unknown>('/api/users'), 'users');
    const table = h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'visually-hidden' }, 'Staff accounts'),
      h('thead', {}, h('tr', {}, ...['Email', 'Name', 'Roles', 'Status', 'Last sign-in'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...rows.map((r) => {
          const roles = Array.isArray(r.roles) ? (r.roles as string[]) : [];
          const disabled = value(r, 'disabled') === true;
          return h(
            'tr',
            {},
            h('td', {}, String(value(r, 'email') ?? '–')),
            h('td', {}, String(value(r, 'displayName', 'display_name') ?? '–')),
            h('td', {}, ...roles.map((role) => h('span', { class: 'role-chip' }, roleLabel(role)))),
            h('td', {}, disabled ? 'Disabled' : 'Active'),
            h('td', { class: 'nowrap' }, when(value(r, 'lastLoginAt', 'last_login_at'))),
          );
        }),
      ),
    );
    content.replaceChildren(
      content.firstElementChild!,
      h('p', { class: 'muted' }, 'Add accounts with ', h('code', {}, 'roadsafe users add --email E --role R'), '. Editing accounts here comes in a later release.'),
      h('div', { class: 'table-wrap' }, table),
    );
  } catch (err) {
    content.replaceChildren(content.firstElementChild!, errorMessage(err, 'users'));
  }
}

function goToLogin(): void {
  const next = `${location.pathname}${location.hash}`;
  location.replace(`/staff/login?next=${encodeURIComponent(next)}`);
}

async function signOut(): Promise<void> {
  const button = byId<HTMLButtonElement>('sign-out');
  button.disabled = true;
  try {
    await fetchJson('/api/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.csrfToken } });
  } catch (err) {
    // Already signed out (401) is fine; anything else is worth a message.
    if (!(err instanceof ApiError && err.status === 401)) {
      button.disabled = false;
      byId('content').prepend(h('p', { class: 'error-text', role: 'alert' }, `Signing out did not work: ${(err as Error).message}`));
      return;
    }
  }
  location.replace('/staff/login');
}

async function start(): Promise<void> {
  try {
    me = await fetchJson<Me>('/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      goToLogin();
      return;
    }
    byId('content').replaceChildren(h('h1', {}, 'Staff area'), h('p', { class: 'error-text', role: 'alert' }, `The staff area could not be loaded: ${(err as Error).message}`));
    return;
  }
  byId('user-email').textContent = me.user.displayName ? `${me.user.displayName} (${me.user.email})` : me.user.email;
  byId('user-roles').replaceChildren(...me.user.roles.map((r) => h('span', { class: 'role-chip' }, roleLabel(r))));
  byId('staff-user').hidden = false;
  byId('sign-out').addEventListener('click', () => void signOut());
  byId('staff-nav-list').replaceChildren(
    ...visibleSections().map((s) =>
      h(
        'li',
        {},
        h('a', { href: `#${s.id}`, 'data-section': s.id }, s.title, s.id !== 'overview' && !s.render ? h('span', { class: 'nav-soon' }, 'later release') : null),
      ),
    ),
  );
  window.addEventListener('hashchange', () => void show(true));
  await show(false);
}

void start();
