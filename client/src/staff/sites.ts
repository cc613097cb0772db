// Staff register of enforcement sites: map and sortable table with evidence and eligibility, filters, the editor, history.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/staff.css';
import '../styles/pages.css';
import '../styles/planning.css';
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { SITE_CATEGORIES } from '../../../geo/planning/types.ts';
import { createBaseMap, featuresBounds, maplibregl } from '../map/base-map.ts';
import { fetchDistricts, fetchJson, type District } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { formatCount, formatDate, formatDateTime, formatDecimal, formatGbp } from '../shared/format.ts';
import { CATEGORY_COLOURS, CATEGORY_ORDER, CATEGORY_SHORT } from '../enforcement/model.ts';
import { startStaffPage, type Me } from './chrome.ts';
import { SiteEditor } from './sites-editor.ts';
import { describeValue, normaliseSite, sortSites, type SiteChange, type SiteView, type SortKey } from './sites-model.ts';

const SOURCE = 'register';
const LINE_LAYER = 'register-lines';
/** Roles that may change the register (server/access.ts). */
const EDIT_ROLES = ['admin', 'planner'];

const url = new URLSearchParams(location.search);
const state = {
  me: undefined as Me | undefined,
  districts: [] as District[],
  sites: [] as SiteView[],
  sort: { key: 'reference' as SortKey, descending: false },
  filter: {
    district: url.get('district') ?? '',
    category: url.get('category') ?? '',
    eligible: url.get('eligible') ?? '',
    q: url.get('q') ?? '',
    includeRetired: url.get('includeRetired') === 'true',
  },
  selected: Number(url.get('site')) || undefined,
  map: undefined as MapLibreMap | undefined,
  editor: undefined as SiteEditor | undefined,
};
let listController: AbortController | undefined;

const canEdit = () => Boolean(state.me?.user.roles.some((r) => EDIT_ROLES.includes(r)));

function query(extra: Record<string, string> = {}): URLSearchParams {
  const q = new URLSearchParams();
  const f = state.filter;
  if (f.district) q.set('district', f.district);
  if (f.category) q.set('category', f.category);
  if (f.eligible) q.set('eligible', f.eligible);
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.includeRetired) q.set('includeRetired', 'true');
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q;
}

function writeUrl(): void {
  const q = query();
  if (state.selected) q.set('site', String(state.selected));
  const search = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}`);
  byId<HTMLAnchorElement>('export-csv').href = `/api/sites?${query({ format: 'csv' })}`;
  byId<HTMLAnchorElement>('export-geojson').href = `/api/sites?${query({ format: 'geojson' })}`;
}

function setStatus(text: string, isError = false): void {
  const el = byId('list-status');
  el.textContent = text;
  el.classList.toggle('error-text', isError);
}

// ---------- Table ----------

const COLUMNS: Array<{ key: SortKey | null; label: string; title?: string; num?: boolean }> = [
  { key: 'reference', label: 'Reference' },
  { key: 'publishedText', label: 'Published text' },
  { key: 'category', label: 'Category' },
  { key: 'district', label: 'District' },
  { key: 'limit', label: 'Limit', num: true },
  { key: 'ksiPerKm', label: 'KSI/km', title: 'Killed-or-seriously-injured collisions per km over the evidence period', num: true },
  { key: 'p85', label: 'Survey p85', title: '85th percentile speed in the latest speed survey (mph)', num: true },
  { key: 'risk', label: 'Risk', title: 'Harm score used to rank sites for the plan', num: true },
  { key: 'eligible', label: 'Eligible' },
  { key: null, label: 'Actions' },
];

function headerCell(col: (typeof COLUMNS)[number]): HTMLTableCellElement {
  if (!col.key) return h('th', { scope: 'col' }, col.label);
  const active = state.sort.key === col.key;
  const sortState = active ? (state.sort.descending ? 'descending' : 'ascending') : null;
  return h(
    'th',
    { scope: 'col', class: col.num ? 'num' : null, 'aria-sort': sortState, title: col.title ?? null },
    h('button', { type: 'button', class: 'sort-button', 'data-sort': col.key }, col.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (state.sort.descending ? ' ▼' : ' ▲') : '')),
  );
}

function eligibilityCell(site: SiteView): HTMLElement {
  const e = site.eligibility;
  const badge = site.retiredAt
    ? h('span', { class: 'status-pill status-retired' }, 'Retired')
    : e.eligible
      ? h('span', { class: 'status-pill status-succeeded' }, `Yes${e.tier ? `, tier ${e.tier}` : ''}`)
      : h('span', { class: 'status-pill status-failed' }, 'No');
  if (e.reasons.length === 0) return h('td', { class: 'nowrap' }, badge);
  return h('td', {}, h('details', { class: 'reasons' }, h('summary', { title: e.reasons.join('\n') }, badge, h('span', { class: 'visually-hidden' }, ' reasons')), h('ul', {}, ...e.reasons.map((r) => h('li', {}, r)))));
}

function renderTable(): void {
  const wrap = byId('table-wrap');
  const sites = sortSites(state.sites, state.sort.key, state.sort.descending);
  if (sites.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted', id: 'no-sites' }, 'No sites match these filters.'));
    return;
  }
  const table = h(
    'table',
    { class: 'data-table compact sites-table', id: 'sites-table' },
    h('caption', { class: 'visually-hidden' }, 'Enforcement sites. Column headings sort the table.'),
    h('thead', {}, h('tr', {}, ...COLUMNS.map(headerCell))),
    h(
      'tbody',
      {},
      ...sites.map((s) =>
        h(
          'tr',
          { 'data-site-id': s.id, class: [s.id === state.selected ? 'selected' : '', s.retiredAt ? 'retired' : ''].join(' ').trim() || null, 'aria-selected': String(s.id === state.selected) },
          h('td', { class: 'nowrap' }, h('button', { type: 'button', class: 'link-button site-open', 'data-open': s.id }, s.reference)),
          h('td', { class: 'published-cell' }, s.publishedText),
          h('td', {}, h('span', { class: 'line-key', style: `background:${CATEGORY_COLOURS[s.category]}`, 'aria-hidden': 'true' }), CATEGORY_SHORT[s.category] ?? s.category),
          h('td', {}, s.districtName ?? s.districtCode ?? '–'),
          h('td', { class: 'num nowrap' }, `${s.speedLimitMph}${s.limitKind === 'zone' ? ' zone' : ''}`),
          h('td', { class: 'num' }, formatDecimal(s.evidence.ksiPerKm, 2)),
          h('td', { class: 'num' }, s.evidence.survey ? formatDecimal(s.evidence.survey.p85Mph, 1) : '–'),
          h('td', { class: 'num' }, s.evidence.riskScore === null ? '–' : formatGbp(s.evidence.riskScore)),
          eligibilityCell(s),
          h('td', { class: 'nowrap' }, canEdit() && !s.retiredAt ? h('button', { type: 'button', class: 'button secondary small', 'data-edit': s.id, 'aria-label': `Edit ${s.reference}` }, 'Edit') : null),
        ),
      ),
    ),
  );
  wrap.replaceChildren(table);
}

// ---------- Loading ----------

async function loadSites(options: { fit: boolean } = { fit: true }): Promise<void> {
  listController?.abort();
  const controller = (listController = new AbortController());
  writeUrl();
  setStatus('Loading the register…');
  byId('table-wrap').setAttribute('aria-busy', 'true');
  try {
    const body = await fetchJson<{ sites?: unknown[] }>(`/api/sites?${query()}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    state.sites = (body.sites ?? []).map(normaliseSite);
    renderTable();
    updateMap(options.fit);
    const eligible = state.sites.filter((s) => s.eligibility.eligible && !s.retiredAt).length;
    setStatus(`${formatCount(state.sites.length)} ${state.sites.length === 1 ? 'site' : 'sites'}, ${formatCount(eligible)} eligible.`);
  } catch (err) {
    if (controller.signal.aborted) return;
    byId('table-wrap').replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The register could not be loaded: ${(err as Error).message}`));
    setStatus('', true);
  } finally {
    if (listController === controller) byId('table-wrap').removeAttribute('aria-busy');
  }
}

// ---------- Map ----------

function features(): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: state.sites.flatMap((s) =>
      s.stretch ? [{ type: 'Feature' as const, id: s.id, geometry: s.stretch, properties: { siteId: s.id, category: s.category, eligible: s.eligibility.eligible && !s.retiredAt, selected: s.id === state.selected, text: s.publishedText, reference: s.reference } }] : [],
    ),
  };
}

function updateMap(fit: boolean): void {
  const map = state.map;
  if (!map?.getSource(SOURCE)) return;
  byId('map').dataset.idle = 'false';
  map.getSource<GeoJSONSource>(SOURCE)!.setData(features());
  if (fit) {
    const bounds = featuresBounds(state.sites.map((s) => s.stretch));
    if (bounds) map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: 0 });
  }
}

const colour = ['match', ['get', 'category'], ...CATEGORY_ORDER.flatMap((c) => [c, CATEGORY_COLOURS[c]]), '#555555'] as unknown as ExpressionSpecification;

function createMap(): void {
  state.map = createBaseMap(byId('map'), {
    label: 'Map of the register: each stretch coloured by category, dashed when not eligible.',
    onLoad: (map) => {
      map.addSource(SOURCE, { type: 'geojson', data: features() });
      map.addLayer({ id: `${LINE_LAYER}-selected`, type: 'line', source: SOURCE, filter: ['==', ['get', 'selected'], true], layout: { 'line-cap': 'round' }, paint: { 'line-color': '#1b1f24', 'line-width': 11 } });
      map.addLayer({ id: `${LINE_LAYER}-casing`, type: 'line', source: SOURCE, layout: { 'line-cap': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 7 } });
      map.addLayer({ id: LINE_LAYER, type: 'line', source: SOURCE, filter: ['==', ['get', 'eligible'], true], layout: { 'line-cap': 'round' }, paint: { 'line-color': colour, 'line-width': 4 } });
      map.addLayer({ id: `${LINE_LAYER}-ineligible`, type: 'line', source: SOURCE, filter: ['!=', ['get', 'eligible'], true], paint: { 'line-color': colour, 'line-width': 3, 'line-dasharray': [2, 2] } });
      updateMap(true);
      const layers = [LINE_LAYER, `${LINE_LAYER}-ineligible`];
      const tip = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'hover-tip', offset: 12 });
      map.on('mousemove', (e) => {
        if (state.editor?.capturesClicks) return;
        const f = map.queryRenderedFeatures(e.point, { layers })[0];
        map.getCanvas().style.cursor = f ? 'pointer' : '';
        if (!f) tip.remove();
        else tip.setLngLat(e.lngLat).setDOMContent(h('div', {}, h('strong', {}, String(f.properties?.reference ?? '')), h('div', {}, String(f.properties?.text ?? '')))).addTo(map);
      });
      map.getCanvasContainer().addEventListener('mouseleave', () => tip.remove());
      map.on('click', (e) => {
        if (state.editor?.capturesClicks) {
          state.editor.mapClick(e);
          return;
        }
        const f = map.queryRenderedFeatures(e.point, { layers })[0];
        const id = Number(f?.properties?.siteId);
        if (id) {
          tip.remove();
          void openSite(id, { fromMap: true });
        }
      });
    },
  });
}

function renderLegend(): void {
  byId('legend').replaceChildren(
    ...CATEGORY_ORDER.map((c) => h('li', {}, h('span', { class: 'line-key', style: `background:${CATEGORY_COLOURS[c]}`, 'aria-hidden': 'true' }), CATEGORY_SHORT[c])),
    h('li', {}, h('span', { class: 'line-key dashed', 'aria-hidden': 'true' }), 'Dashed: not eligible'),
  );
}

// ---------- One site: editor and history ----------

function markSelected(): void {
  for (const row of document.querySelectorAll<HTMLTableRowElement>('#sites-table tbody tr')) {
    const on = Number(row.dataset.siteId) === state.selected;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
  updateMap(false);
}

function evidenceSummary(site: SiteView): HTMLElement {
  const e = site.evidence;
  const list = h('dl', { class: 'facts' });
  const add = (term: string, value: string) => list.append(h('dt', {}, term), h('dd', {}, value));
  add('Published text', site.publishedText || '–');
  add('Stretch', site.stretchLengthM === null ? '–' : `${formatDecimal(site.stretchLengthM / 1000, 2)} km`);
  add('Collisions', e.ksi === null ? '–' : `${formatCount(e.ksi)} KSI, ${formatCount(e.injury ?? 0)} injury (${formatDate(e.periodFrom)} to ${formatDate(e.periodTo)})`);
  add('Speed survey', e.survey ? `${e.survey.reference}: mean ${formatDecimal(e.survey.meanMph, 1)} mph, p85 ${formatDecimal(e.survey.p85Mph, 1)} mph, ${Math.round(e.survey.shareOverThreshold * 100)}% over ${e.survey.thresholdMph} mph (${formatDate(e.survey.surveyedFrom)}–${formatDate(e.survey.surveyedTo)})` : 'None');
  add('Concerns', e.concerns.length ? e.concerns.map((c) => `${c.reference} (${c.status}${c.outcome ? `, ${c.outcome}` : ''})`).join('; ') : 'None');
  add('Risk assessment', `${formatDate(site.riskAssessedOn)} – expires ${formatDate(site.riskAssessmentExpiresOn)}`);
  add('Eligibility', site.eligibility.eligible ? `Eligible, tier ${site.eligibility.tier ?? '–'}` : 'Not eligible');
  return h('div', { class: 'site-facts' }, list, site.eligibility.reasons.length ? h('ul', { class: 'reason-list' }, ...site.eligibility.reasons.map((r) => h('li', {}, r))) : null);
}

function changeRows(change: SiteChange): HTMLElement {
  const fields = change.fields.length ? change.fields : Object.keys(change.after ?? {});
  // A creation sets every field: listing them all says nothing, so they fold away.
  if (change.action === 'create' || !change.before) {
    return h(
      'tr',
      {},
      h('td', { class: 'nowrap' }, formatDateTime(change.at)),
      h('td', {}, change.actor),
      h('td', {}, h('span', { class: 'status-pill' }, change.action), fields.length ? h('details', { class: 'change-created' }, h('summary', {}, `${fields.length} fields set`), h('p', { class: 'hint' }, fields.join(', '))) : null),
      h('td', {}, change.reason ?? '–'),
    );
  }
  const diff = h(
    'ul',
    { class: 'change-fields' },
    ...fields.map((f) =>
      h('li', {}, h('code', {}, f), ': ', h('del', {}, describeValue(change.before?.[f])), ' → ', h('ins', {}, describeValue(change.after?.[f]))),
    ),
  );
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap' }, formatDateTime(change.at)),
    h('td', {}, change.actor),
    h('td', {}, h('span', { class: 'status-pill' }, change.action), fields.length ? diff : null),
    h('td', {}, change.reason ?? '–'),
  );
}

async function loadHistory(site: SiteView): Promise<void> {
  const panel = byId('history');
  panel.hidden = false;
  panel.replaceChildren(h('h2', { id: 'history-heading' }, `${site.reference}: evidence and history`), evidenceSummary(site), h('p', { class: 'muted' }, 'Loading the history…'));
  try {
    const body = await fetchJson<{ changes?: SiteChange[] }>(`/api/sites/${site.id}/changes`);
    const changes = [...(body.changes ?? [])].sort((a, b) => b.at.localeCompare(a.at));
    if (state.selected !== site.id) return;
    panel.replaceChildren(
      h('h2', { id: 'history-heading' }, `${site.reference}: evidence and history`),
      evidenceSummary(site),
      h('h3', {}, 'Change history'),
      changes.length === 0
        ? h('p', { class: 'muted' }, 'No changes recorded.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'data-table compact', id: 'history-table' },
              h('caption', { class: 'visually-hidden' }, `Changes to ${site.reference}, newest first`),
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'What changed'), h('th', { scope: 'col' }, 'Reason'))),
              h('tbody', {}, ...changes.map(changeRows)),
            ),
          ),
    );
  } catch (err) {
    panel.append(h('p', { class: 'error-text', role: 'alert' }, `The history could not be loaded: ${(err as Error).message}`));
  }
}

async function openSite(id: number, options: { fromMap?: boolean; edit?: boolean } = {}): Promise<void> {
  state.selected = id;
  writeUrl();
  markSelected();
  let site = state.sites.find((s) => s.id === id);
  if (!site) {
    try {
      site = normaliseSite(await fetchJson<unknown>(`/api/sites/${id}`));
    } catch (err) {
      setStatus(`Site ${id} could not be loaded: ${(err as Error).message}`, true);
      return;
    }
  }
  if (options.fromMap) document.querySelector(`#sites-table tr[data-site-id="${id}"]`)?.scrollIntoView({ block: 'nearest' });
  else if (site.stretch && state.map) {
    const b = featuresBounds([site.stretch]);
    if (b) state.map.fitBounds(b, { padding: 60, maxZoom: 16, duration: 400 });
  }
  if (options.edit && canEdit()) state.editor?.open(site);
  await loadHistory(site);
  if (!options.edit) byId('history').scrollIntoView({ block: 'start', behavior: 'smooth' });
}

// ---------- Start ----------

function fillFilters(): void {
  byId('filter-district').append(...state.districts.map((d) => h('option', { value: d.code }, d.name)));
  byId('filter-category').append(...SITE_CATEGORIES.map((c) => h('option', { value: c }, CATEGORY_SHORT[c])));
  byId<HTMLSelectElement>('filter-district').value = state.filter.district;
  byId<HTMLSelectElement>('filter-category').value = state.filter.category;
  byId<HTMLSelectElement>('filter-eligible').value = state.filter.eligible;
  byId<HTMLInputElement>('filter-q').value = state.filter.q;
  byId<HTMLInputElement>('filter-retired').checked = state.filter.includeRetired;
}

function wire(): void {
  const form = byId<HTMLFormElement>('site-filters');
  form.addEventListener('submit', (e) => e.preventDefault());
  let timer: number | undefined;
  const read = () => {
    state.filter = {
      district: byId<HTMLSelectElement>('filter-district').value,
      category: byId<HTMLSelectElement>('filter-category').value,
      eligible: byId<HTMLSelectElement>('filter-eligible').value,
      q: byId<HTMLInputElement>('filter-q').value,
      includeRetired: byId<HTMLInputElement>('filter-retired').checked,
    };
    void loadSites();
  };
  form.addEventListener('change', read);
  byId('filter-q').addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(read, 300);
  });
  byId('table-wrap').addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const sort = t.closest<HTMLButtonElement>('button[data-sort]');
    if (sort) {
      const key = sort.dataset.sort as SortKey;
      state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : ['risk', 'ksiPerKm', 'p85'].includes(key) };
      renderTable();
      document.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)?.focus();
      announce(`Sorted by ${sort.textContent?.replace(/[▲▼]/g, '').trim()}, ${state.sort.descending ? 'descending' : 'ascending'}.`);
      return;
    }
    const edit = t.closest<HTMLButtonElement>('button[data-edit]');
    if (edit) {
      void openSite(Number(edit.dataset.edit), { edit: true });
      return;
    }
    const open = t.closest<HTMLButtonElement>('button[data-open]');
    if (open) void openSite(Number(open.dataset.open));
  });
  const newButton = byId<HTMLButtonElement>('new-site');
  newButton.hidden = !canEdit();
  newButton.addEventListener('click', () => {
    state.selected = undefined;
    markSelected();
    byId('history').hidden = true;
    state.editor?.open(undefined);
  });
}

async function start(): Promise<void> {
  const me = await startStaffPage('sites');
  if (!me) return;
  state.me = me;
  state.districts = await fetchDistricts();
  state.editor = new SiteEditor({
    me,
    map: () => state.map,
    districts: state.districts,
    onSaved: (site, created) => {
      state.selected = site.id;
      void loadSites({ fit: false }).then(() => {
        setStatus(`${created ? 'Created' : 'Saved'} ${site.reference}. ${byId('list-status').textContent ?? ''}`);
        void openSite(site.id);
      });
    },
    onClosed: () => undefined,
  });
  fillFilters();
  renderLegend();
  wire();
  createMap();
  await loadSites();
  if (state.selected) void openSite(state.selected);
}

void start();
