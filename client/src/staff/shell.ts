// The staff area shell: who is signed in, sign out, and the sections later releases fill.
import '../styles/base.css';
import '../styles/staff.css';
import { ApiError, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { capitalise, formatCount } from '../shared/format.ts';
import { fillChrome, signedInUser, type Me } from './chrome.ts';
import { roleLabel, sectionHref, sectionsFor, STAFF_SECTIONS, type StaffSection } from './nav.ts';

interface Section extends StaffSection {
  render?: (content: HTMLElement) => Promise<void>;
}

const RENDERERS: Record<string, (content: HTMLElement) => Promise<void>> = { imports: renderImports, users: renderUsers };
const SECTIONS: Section[] = STAFF_SECTIONS.map((s) => ({ ...s, render: RENDERERS[s.id] }));

let me: Me;

function visibleSections(): Section[] {
  const visible = new Set(sectionsFor(me.user.roles).map((s) => s.id));
  return SECTIONS.filter((s) => visible.has(s.id));
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
  // An old link to a section that now has a page of its own.
  if (section.href) {
    location.replace(section.href);
    return;
  }
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
        h('h2', {}, h('a', { href: sectionHref(s, true) }, s.title)),
        h('p', {}, s.purpose),
        s.render || s.href ? null : h('span', { class: 'badge' }, 'Coming in a later release'),
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
  const text = err instanceof ApiError && err.status === 403 ? `Your role cannot see ${what}.` : `${capitalise(what)} could not be loaded: ${(err as Error).message}`;
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

async function start(): Promise<void> {
  const user = await signedInUser();
  if (!user) return;
  me = user;
  fillChrome(me, currentSection().id, true);
  window.addEventListener('hashchange', () => void show(true));
  await show(false);
}

void start();
