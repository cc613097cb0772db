// Staff concern triage: a list and a map of concerns with filters, and a detail panel to change status, outcome, duplicate link and notes.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/staff.css';
import '../styles/pages.css';
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { createBaseMap, featuresBounds, geometryBounds } from '../map/base-map.ts';
import { dotSwatch } from '../map/legend.ts';
import { ApiError, fetchDistricts, fetchJson } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { formatCount, formatDateTime } from '../shared/format.ts';
import { CATEGORIES, CATEGORY_LABEL, OUTCOME_LABEL, OUTCOMES, STATUS_LABEL, STATUSES } from '../../../server/concerns/model.ts';
import type { ConcernEvent } from '../../../server/concerns/store.ts';
import { categoryLabel, CONCERN_SOURCE_LABELS, outcomeLabel, statusLabel, whenText } from '../concerns/labels.ts';
import { csrfHeaders, startStaffPage, type Me } from './chrome.ts';

/** Status colours on the map and in the list: red needs attention, grey is done. */
export const STATUS_COLOURS: Record<string, string> = {
  received: '#b3261e',
  triaged: '#c25e00',
  awaiting_speed_data: '#8a6d00',
  assessed: '#0b5cad',
  outcome: '#1d6b35',
  closed: '#6b7480',
};

const OPEN_STATUSES = STATUSES.filter((s) => s !== 'closed');
const SOURCE = 'concerns';
const LIST_LIMIT = 500;

interface ConcernItem {
  reference: string;
  category: string;
  categoryLabel?: string;
  status: string;
  statusLabel?: string;
  outcome: string | null;
  outcomeLabel?: string | null;
  outcomeNote: string | null;
  source: string;
  districtCode: string | null;
  districtName: string | null;
  locationText: string | null;
  description: string;
  whenDays: string[];
  whenTimes: string[];
  duplicateOf: string | null;
  duplicateCount: number;
  hasContact: boolean;
  geometryType: string;
  lengthM: number | null;
  createdAt: string;
  updatedAt: string;
  geometry: GeoJSON.Point | GeoJSON.LineString;
}

interface ConcernDetail extends ConcernItem {
  reporter: { name: string | null; email: string | null } | null;
  allowedNextStatuses: string[];
  duplicates: Array<{ reference: string; category: string; status: string; statusLabel?: string; createdAt: string }>;
  nearby: Array<{ reference: string; category: string; status: string; createdAt: string; distanceM: number }>;
  events: ConcernEvent[];
}

const state = {
  me: undefined as Me | undefined,
  concerns: [] as ConcernItem[],
  numberMatched: 0,
  selected: new URLSearchParams(location.search).get('ref') ?? undefined,
  map: undefined as MapLibreMap | undefined,
};

let listController: AbortController | undefined;

function statusPill(status: string, label?: string): HTMLElement {
  return h('span', { class: `status-pill concern-status-${status}` }, h('span', { class: 'status-dot', style: `background:${STATUS_COLOURS[status] ?? '#888'}`, 'aria-hidden': 'true' }), statusLabel(status, label));
}

// ---------- Filters ----------

function query(extra: Record<string, string> = {}): URLSearchParams {
  const params = new URLSearchParams();
  const status = byId<HTMLSelectElement>('status').value;
  if (status === 'open') params.set('status', OPEN_STATUSES.join(','));
  else if (status) params.set('status', status);
  const category = byId<HTMLSelectElement>('category').value;
  if (category) params.set('category', category);
  const district = byId<HTMLSelectElement>('district').value;
  if (district) params.set('district', district);
  const q = byId<HTMLInputElement>('q').value.trim();
  if (q) params.set('q', q);
  if (byId<HTMLInputElement>('hide-duplicates').checked) params.set('duplicate', 'false');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params;
}

function fillOptions(): void {
  byId('status').append(...STATUSES.map((s) => h('option', { value: s }, STATUS_LABEL[s])));
  byId('category').append(...CATEGORIES.map((c) => h('option', { value: c }, CATEGORY_LABEL[c])));
}

async function loadDistricts(): Promise<void> {
  byId('district').append(...(await fetchDistricts()).map((d) => h('option', { value: d.code }, d.name)));
}

// ---------- List ----------

async function loadList(): Promise<void> {
  listController?.abort();
  const controller = (listController = new AbortController());
  byId<HTMLAnchorElement>('export-csv').href = `/api/staff/concerns?${query({ format: 'csv' })}`;
  byId('list-status').textContent = 'Loading…';
  try {
    const body = await fetchJson<{ numberMatched?: number; concerns?: ConcernItem[] }>(`/api/staff/concerns?${query({ limit: String(LIST_LIMIT) })}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    state.concerns = body.concerns ?? [];
    state.numberMatched = body.numberMatched ?? state.concerns.length;
    renderTable();
    updateMap(true);
    byId('list-status').textContent =
      state.concerns.length === 0
        ? 'No concerns match these filters.'
        : `${state.concerns.length < state.numberMatched ? `The newest ${formatCount(state.concerns.length)} of ${formatCount(state.numberMatched)}` : formatCount(state.concerns.length)} concern${state.numberMatched === 1 ? '' : 's'}, newest first.`;
    announce(byId('list-status').textContent ?? '');
    if (state.selected) void select(state.selected, { focus: false, scroll: false });
  } catch (err) {
    if (controller.signal.aborted) return;
    byId('table-wrap').replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The concerns could not be loaded: ${(err as Error).message}`));
    byId('list-status').textContent = '';
  }
}

function renderTable(): void {
  const wrap = byId('table-wrap');
  if (state.concerns.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted' }, 'No concerns match these filters.'));
    return;
  }
  const table = h(
    'table',
    { class: 'data-table hotspot-table concern-table', id: 'concern-table' },
    h('caption', { class: 'visually-hidden' }, 'Concerns, newest first. Select one to triage it.'),
    h('thead', {}, h('tr', {}, ...['Reference', 'Received', 'Type', 'Status', 'District', 'Place', 'Contact'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...state.concerns.map((c) =>
        h(
          'tr',
          { 'data-ref': c.reference, class: c.reference === state.selected ? 'selected' : null, 'aria-selected': String(c.reference === state.selected) },
          h('td', { class: 'nowrap' }, h('button', { type: 'button', class: 'link-button', 'data-ref': c.reference }, c.reference), c.duplicateOf ? h('div', { class: 'hint' }, `duplicate of ${c.duplicateOf}`) : null),
          h('td', { class: 'nowrap' }, formatDateTime(c.createdAt)),
          h('td', {}, categoryLabel(c.category, c.categoryLabel)),
          h('td', {}, statusPill(c.status, c.statusLabel), c.outcome ? h('div', { class: 'hint' }, outcomeLabel(c.outcome, c.outcomeLabel)) : null),
          h('td', {}, c.districtName ?? c.districtCode ?? '–'),
          h('td', {}, c.locationText ?? (c.geometryType === 'LineString' ? `A stretch${c.lengthM ? ` of ${formatCount(c.lengthM)} m` : ''}` : 'A point')),
          h('td', {}, c.hasContact ? 'Email' : '–'),
        ),
      ),
    ),
  );
  table.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-ref]');
    if (row?.dataset.ref) void select(row.dataset.ref, { focus: true, scroll: true });
  });
  wrap.replaceChildren(table);
}

function markSelected(): void {
  for (const row of document.querySelectorAll<HTMLTableRowElement>('#concern-table tbody tr')) {
    const on = row.dataset.ref === state.selected;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
  state.map?.setFilter('concern-selected-point', ['all', ['==', ['geometry-type'], 'Point'], ['==', ['get', 'reference'], state.selected ?? '']]);
  state.map?.setFilter('concern-selected-line', ['all', ['==', ['geometry-type'], 'LineString'], ['==', ['get', 'reference'], state.selected ?? '']]);
  const params = new URLSearchParams(location.search);
  if (state.selected) params.set('ref', state.selected);
  else params.delete('ref');
  history.replaceState(history.state, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
}

// ---------- Map ----------

function featureCollection(): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: state.concerns.map((c) => ({ type: 'Feature', geometry: c.geometry, properties: { reference: c.reference, status: c.status, category: c.category } })),
  };
}

function updateMap(fit: boolean): void {
  const map = state.map;
  if (!map?.getSource(SOURCE)) return;
  byId('map').dataset.idle = 'false';
  map.getSource<GeoJSONSource>(SOURCE)!.setData(featureCollection());
  if (fit) {
    const bounds = featuresBounds(state.concerns.map((c) => c.geometry));
    if (bounds) map.fitBounds(bounds, { padding: 50, maxZoom: 15, duration: 0 });
  }
}

const statusColour: ExpressionSpecification = ['match', ['get', 'status'], ...Object.entries(STATUS_COLOURS).flat(), '#888888'] as unknown as ExpressionSpecification;

function createMap(): void {
  state.map = createBaseMap(byId('map'), {
    label: 'Map of concerns.',
    onLoad: (map) => {
      map.addSource(SOURCE, { type: 'geojson', data: featureCollection() });
      map.addLayer({ id: 'concern-selected-line', type: 'line', source: SOURCE, filter: ['==', ['get', 'reference'], ''], paint: { 'line-color': '#ffbf47', 'line-width': 12 } });
      map.addLayer({ id: 'concern-lines', type: 'line', source: SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-cap': 'round' }, paint: { 'line-color': statusColour, 'line-width': 4 } });
      map.addLayer({
        id: 'concern-points',
        type: 'circle',
        source: SOURCE,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': statusColour, 'circle-radius': 7, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
      });
      map.addLayer({
        id: 'concern-selected-point',
        type: 'circle',
        source: SOURCE,
        filter: ['==', ['get', 'reference'], ''],
        paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 12, 'circle-stroke-color': '#ffbf47', 'circle-stroke-width': 4 },
      });
      updateMap(true);
      markSelected();
      const layers = ['concern-points', 'concern-lines'];
      map.on('mousemove', (e) => (map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers }).length ? 'pointer' : ''));
      map.on('click', (e) => {
        const ref = (map.queryRenderedFeatures(e.point, { layers })[0]?.properties as { reference?: string } | undefined)?.reference;
        if (ref) {
          void select(ref, { focus: false, scroll: true });
          document.querySelector(`#concern-table tr[data-ref="${CSS.escape(ref)}"]`)?.scrollIntoView({ block: 'nearest' });
        }
      });
    },
  });
}

function renderLegend(): void {
  byId('concern-legend').replaceChildren(
    h(
      'ul',
      { class: 'legend-items' },
      ...STATUSES.map((st) =>
        h(
          'li',
          {},
          dotSwatch(STATUS_COLOURS[st] ?? '#888', 6),
          STATUS_LABEL[st],
        ),
      ),
    ),
  );
}

// ---------- Detail and triage ----------

function changeText(e: ConcernEvent): string {
  if (e.action === 'created') return 'Reported';
  if (e.action === 'status') return `Status: ${statusLabel(e.fromStatus ?? '')} → ${statusLabel(e.toStatus ?? '')}`;
  const parts = Object.entries(e.changes ?? {}).map(([field, v]) => {
    const [before, after] = Array.isArray(v) ? v : [undefined, v];
    const show = (x: unknown) => (x === null || x === undefined || x === '' ? '–' : field === 'outcome' ? outcomeLabel(String(x)) : field === 'status' ? statusLabel(String(x)) : String(x));
    return `${field}: ${show(before)} → ${show(after)}`;
  });
  return parts.length ? parts.join('; ') : e.action === 'note' ? 'Note' : e.action;
}

function renderDetail(c: ConcernDetail): HTMLElement {
  const facts = h('dl', { class: 'details' });
  const add = (term: string, value: Node | string) => facts.append(h('dt', {}, term), h('dd', {}, value));
  add('Type', categoryLabel(c.category, c.categoryLabel));
  add('Status', statusPill(c.status, c.statusLabel));
  if (c.outcome) add('Outcome', `${outcomeLabel(c.outcome, c.outcomeLabel)}${c.outcomeNote ? `: ${c.outcomeNote}` : ''}`);
  add('Source', CONCERN_SOURCE_LABELS[c.source] ?? c.source);
  add('District', c.districtName ?? c.districtCode ?? '–');
  add('Place', `${c.locationText ?? '–'} (${c.geometryType === 'LineString' ? `a stretch${c.lengthM ? ` of ${formatCount(c.lengthM)} m` : ''}` : 'a point'})`);
  add('When', whenText(c.whenDays ?? [], c.whenTimes ?? []));
  add('Received', formatDateTime(c.createdAt));
  add('Updated', formatDateTime(c.updatedAt));
  if (c.duplicateOf) add('Duplicate of', h('button', { type: 'button', class: 'link-button', onclick: () => void select(c.duplicateOf!, { focus: true, scroll: true }) }, c.duplicateOf));

  const reporter = c.reporter && (c.reporter.name || c.reporter.email)
    ? h(
        'div',
        { class: 'private-box', id: 'reporter' },
        h('h3', {}, 'Reporter (private)'),
        h('p', {}, c.reporter.name ?? 'No name given'),
        c.reporter.email ? h('p', {}, h('a', { href: `mailto:${c.reporter.email}` }, c.reporter.email)) : h('p', { class: 'muted' }, 'No email given'),
      )
    : h('div', { class: 'private-box', id: 'reporter' }, h('h3', {}, 'Reporter (private)'), h('p', { class: 'muted' }, 'No contact details were given.'));

  const related = [
    ...c.duplicates.map((d) => h('li', {}, h('button', { type: 'button', class: 'link-button', onclick: () => void select(d.reference, { focus: true, scroll: true }) }, d.reference), ` duplicate, ${categoryLabel(d.category)}, ${statusLabel(d.status, d.statusLabel)}`)),
    ...c.nearby.map((n) =>
      h(
        'li',
        {},
        h('button', { type: 'button', class: 'link-button', onclick: () => void select(n.reference, { focus: true, scroll: true }) }, n.reference),
        ` ${formatCount(n.distanceM)} m away, ${categoryLabel(n.category)}, ${statusLabel(n.status)} `,
        h('button', { type: 'button', class: 'button secondary small', onclick: () => prefillDuplicate(n.reference) }, 'Mark this concern as its duplicate'),
      ),
    ),
  ];

  const history = h(
    'ol',
    { class: 'timeline staff-timeline', id: 'history' },
    ...[...c.events]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((e) => h('li', {}, h('time', { datetime: e.at }, formatDateTime(e.at)), h('span', { class: 'timeline-status' }, changeText(e)), h('span', { class: 'muted' }, ` by ${e.actor}`), e.note ? h('p', { class: 'timeline-note' }, e.note) : null)),
  );

  return h(
    'article',
    { class: 'concern-article' },
    h('div', { class: 'detail-actions' }, h('button', { type: 'button', class: 'button secondary small', onclick: () => closeDetail() }, 'Close')),
    h('h2', { id: 'detail-heading', tabindex: '-1' }, `Concern ${c.reference}`),
    h('div', { class: 'concern-columns' }, h('div', {}, facts, h('h3', {}, 'Description'), h('p', { class: 'concern-description' }, c.description)), reporter),
    related.length ? h('section', {}, h('h3', {}, 'Duplicates and concerns nearby'), h('ul', { class: 'related-list' }, ...related)) : null,
    triageForm(c),
    h('section', { 'aria-labelledby': 'history-heading' }, h('h3', { id: 'history-heading' }, 'History'), history),
  );
}

function triageForm(c: ConcernDetail): HTMLElement {
  const next = c.allowedNextStatuses ?? [];
  const field = (id: string, label: string, control: HTMLElement, hint?: string) =>
    h('div', { class: 'field', id: `${id}-field` }, h('label', { for: id }, label), hint ? h('p', { class: 'hint' }, hint) : null, h('p', { class: 'field-error', id: `${id}-error`, hidden: true }), control);
  const form = h(
    'form',
    { class: 'triage-form', id: 'triage-form', novalidate: true, 'aria-labelledby': 'triage-heading' },
    h('h3', { id: 'triage-heading' }, 'Triage'),
    h('div', { class: 'error-summary', id: 'triage-errors', role: 'alert', tabindex: '-1', hidden: true }, h('h2', {}, 'There is a problem'), h('ul', { id: 'triage-error-list' })),
    h(
      'div',
      { class: 'triage-grid' },
      field(
        'triage-status',
        'Move to status',
        h('select', { id: 'triage-status', name: 'status' }, h('option', { value: '' }, `No change (${statusLabel(c.status, c.statusLabel)})`), ...next.map((st) => h('option', { value: st }, statusLabel(st)))),
        'Forward to any later status; back one step needs a note.',
      ),
      field(
        'triage-outcome',
        'Outcome',
        h('select', { id: 'triage-outcome', name: 'outcome' }, h('option', { value: '' }, c.outcome ? `No change (${outcomeLabel(c.outcome)})` : 'None yet'), ...OUTCOMES.map((o) => h('option', { value: o }, OUTCOME_LABEL[o]))),
      ),
      field('triage-outcomeNote', 'Outcome note (the reporter sees it)', h('textarea', { id: 'triage-outcomeNote', name: 'outcomeNote', rows: 2, maxlength: 2000 }, c.outcomeNote ?? ''), 'Required for “No action”: the reason.'),
      field('triage-duplicateOf', 'Duplicate of', h('input', { type: 'text', id: 'triage-duplicateOf', name: 'duplicateOf', value: c.duplicateOf ?? '', placeholder: 'CON-2026-000123', spellcheck: 'false' }), 'Empty it to remove the link.'),
      field('triage-note', 'Staff note (private)', h('textarea', { id: 'triage-note', name: 'note', rows: 2, maxlength: 4000 })),
    ),
    h('button', { type: 'submit', class: 'button', id: 'triage-save' }, 'Save changes'),
    h('p', { class: 'hint', id: 'triage-result', 'aria-live': 'polite' }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void saveTriage(c);
  });
  return form;
}

function prefillDuplicate(reference: string): void {
  const input = document.getElementById('triage-duplicateOf') as HTMLInputElement | null;
  if (!input) return;
  input.value = reference;
  input.focus();
}

const TRIAGE_FIELDS = ['status', 'outcome', 'outcomeNote', 'duplicateOf', 'note'] as const;

function showTriageErrors(problems: Array<{ field?: string; message: string }>): void {
  const list = byId('triage-error-list');
  list.replaceChildren();
  for (const f of TRIAGE_FIELDS) {
    byId(`triage-${f}-field`).classList.remove('field-invalid');
    byId(`triage-${f}-error`).hidden = true;
  }
  for (const { field, message } of problems) {
    const known = field && (TRIAGE_FIELDS as readonly string[]).includes(field) ? field : undefined;
    list.append(h('li', {}, known ? h('a', { href: `#triage-${known}` }, message) : message));
    if (!known) continue;
    byId(`triage-${known}-field`).classList.add('field-invalid');
    const error = byId(`triage-${known}-error`);
    error.hidden = false;
    error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
  }
  const box = byId('triage-errors');
  box.hidden = problems.length === 0;
  if (problems.length) box.focus();
}

async function saveTriage(c: ConcernDetail): Promise<void> {
  if (!state.me) return;
  const value = (id: string) => (document.getElementById(`triage-${id}`) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value.trim();
  const body: Record<string, unknown> = {};
  if (value('status')) body.status = value('status');
  if (value('outcome')) body.outcome = value('outcome');
  if (value('outcomeNote') !== (c.outcomeNote ?? '')) body.outcomeNote = value('outcomeNote') || null;
  const duplicate = value('duplicateOf').toUpperCase();
  if (duplicate !== (c.duplicateOf ?? '')) body.duplicateOf = duplicate || null;
  if (value('note')) body.note = value('note');
  if (Object.keys(body).length === 0) {
    showTriageErrors([{ message: 'Nothing to save: choose a status or outcome, change the duplicate link, or write a note.' }]);
    return;
  }
  if (body.outcome === 'no_action' && !value('outcomeNote')) {
    showTriageErrors([{ field: 'outcomeNote', message: 'Give the reason for no action: the reporter sees it' }]);
    return;
  }
  const button = byId<HTMLButtonElement>('triage-save');
  button.disabled = true;
  button.textContent = 'Saving…';
  try {
    const updated = await fetchJson<ConcernDetail>(`/api/staff/concerns/${encodeURIComponent(c.reference)}`, {
      method: 'PATCH',
      headers: csrfHeaders(state.me),
      body: JSON.stringify(body),
    });
    showDetail(updated, false);
    byId('triage-result').textContent = 'Saved.';
    announce(`Concern ${c.reference} saved.`);
    const i = state.concerns.findIndex((x) => x.reference === c.reference);
    if (i >= 0) {
      state.concerns[i] = { ...state.concerns[i]!, ...updated };
      renderTable();
      updateMap(false);
      markSelected();
    }
  } catch (err) {
    button.disabled = false;
    button.textContent = 'Save changes';
    if (err instanceof ApiError && err.status === 400 && err.fieldErrors.length) {
      showTriageErrors(err.fieldErrors.map((e) => ({ field: e.field.replace(/^body\./, '').split('.')[0], message: e.message })));
    } else if (err instanceof ApiError && err.status === 409) {
      showTriageErrors([{ field: body.duplicateOf !== undefined && !body.status ? 'duplicateOf' : 'status', message: err.message }]);
    } else showTriageErrors([{ message: `The change could not be saved: ${(err as Error).message}` }]);
  }
}

function showDetail(c: ConcernDetail, focus: boolean): void {
  const panel = byId('detail');
  panel.hidden = false;
  panel.replaceChildren(renderDetail(c));
  if (focus) byId('detail-heading').focus({ preventScroll: true });
}

function closeDetail(): void {
  state.selected = undefined;
  byId('detail').hidden = true;
  byId('detail').replaceChildren();
  markSelected();
}

let detailController: AbortController | undefined;

async function select(reference: string, options: { focus: boolean; scroll: boolean }): Promise<void> {
  state.selected = reference;
  markSelected();
  const item = state.concerns.find((c) => c.reference === reference);
  if (item && state.map) {
    const b = geometryBounds(item.geometry.coordinates);
    if (b) state.map.fitBounds(b, { padding: 80, maxZoom: 16, duration: 400 });
  }
  detailController?.abort();
  const controller = (detailController = new AbortController());
  const panel = byId('detail');
  panel.hidden = false;
  panel.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const detail = await fetchJson<ConcernDetail>(`/api/staff/concerns/${encodeURIComponent(reference)}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    showDetail(detail, options.focus);
    if (options.scroll) panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
  } catch (err) {
    if (controller.signal.aborted) return;
    panel.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, err instanceof ApiError && err.status === 404 ? `No concern has the reference ${reference}.` : `The concern could not be loaded: ${(err as Error).message}`));
  }
}

// ---------- Start ----------

async function start(): Promise<void> {
  const me = await startStaffPage('concerns');
  if (!me) return;
  state.me = me;
  fillOptions();
  renderLegend();
  await loadDistricts();
  const form = byId<HTMLFormElement>('concern-filters');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void loadList();
  });
  let typing: ReturnType<typeof setTimeout> | undefined;
  form.addEventListener('change', () => void loadList());
  byId('q').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void loadList(), 400);
  });
  document.addEventListener('click', (e) => {
    const link = (e.target as HTMLElement).closest<HTMLAnchorElement>('#triage-error-list a');
    if (!link) return;
    e.preventDefault();
    document.getElementById(link.getAttribute('href')!.slice(1))?.focus();
  });
  createMap();
  await loadList();
}

void start();
