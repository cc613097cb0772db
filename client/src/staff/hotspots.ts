// Staff hotspot page: the ranked sites on a map and in a table, filters, runs, details with charts, exports, re-scoring.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/staff.css';
import '../styles/pages.css';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { hotspotLegendItems, lineSwatch } from '../map/legend.ts';
import { createBaseMap, featuresBounds, maplibregl } from '../map/base-map.ts';
import { ApiError, fetchDistricts, fetchJson } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { formatCount, formatDate, formatDateTime, formatDecimal, formatGbp, formatProbability } from '../shared/format.ts';
import { flagChips, rankChangeLabel, rankChangeText, renderSiteDetail } from '../hotspots/detail-view.ts';
import { renderMethod, periodSentence } from '../hotspots/method-view.ts';
import { siteDetailsUrl } from '../hotspots/popup.ts';
import { HOTSPOT_COLOURS, hotspotLayers, interactiveHotspotLayers, setSelectedSite } from '../hotspots/style.ts';
import { PLAN_GROUPS, type PlanGroup } from '../../../server/hotspots/pipeline-types.ts';
import {
  normaliseDetail,
  normaliseList,
  normaliseMethod,
  normaliseRunList,
  normaliseRunStatus,
  normaliseSite,
  ROAD_USER_GROUP_LABELS,
  siteLabel,
  UNIT_LABELS,
  UNITS,
  unitsForKind,
  type HotspotList,
  type HotspotRun,
  type HotspotSite,
  type MethodStatement,
  type RunStatus,
  type SiteUnit,
  type UnitKind,
} from '../hotspots/types.ts';
import { csrfHeaders, startStaffPage, type Me } from './chrome.ts';

/** Sites in the table and on the map; the exports hold up to the API's maximum. */
const TABLE_LIMIT = 100;
const EXPORT_LIMIT = 5000;
/** How often a running scoring job is asked for its progress. */
const POLL_MS = 1000;
const SOURCE = 'sites';

interface Query {
  /** 'latest' or a run id. */
  run: string;
  unit: SiteUnit | '';
  district: string;
  roadUser: string;
  candidate: boolean;
}

const url = new URLSearchParams(location.search);
const state = {
  me: undefined as Me | undefined,
  method: undefined as MethodStatement | undefined,
  districtNames: new Map<string, string>(),
  runs: [] as RunStatus[],
  query: {
    run: /^\d+$/.test(url.get('run') ?? '') ? url.get('run')! : 'latest',
    unit: ((UNITS as readonly string[]).includes(url.get('unit') ?? '') ? url.get('unit') : '') as SiteUnit | '',
    district: url.get('district') ?? '',
    roadUser: (PLAN_GROUPS as readonly string[]).includes(url.get('roadUser') ?? '') ? url.get('roadUser')! : '',
    candidate: url.get('candidate') === 'true',
  } as Query,
  list: undefined as HotspotList | undefined,
  numberMatched: 0,
  /** The transient re-score run being shown instead of a published one. */
  rescore: undefined as { run: HotspotRun | undefined; label: string } | undefined,
  selected: url.get('site') ?? undefined,
  map: undefined as MapLibreMap | undefined,
  features: [] as GeoJSON.Feature[],
};

let listController: AbortController | undefined;
let detailController: AbortController | undefined;

// ---------- URL and exports ----------

function apiQuery(q: Query, extra: Record<string, string> = {}): URLSearchParams {
  const params = new URLSearchParams({ run: q.run });
  if (q.unit) params.set('unit', q.unit);
  if (q.district) params.set('district', q.district);
  if (q.roadUser) params.set('roadUser', q.roadUser);
  if (q.candidate) params.set('candidate', 'true');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params;
}

function writeUrl(): void {
  const params = apiQuery(state.query);
  if (params.get('run') === 'latest') params.delete('run');
  if (state.selected) params.set('site', state.selected);
  const search = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

function updateExports(): void {
  const csv = byId<HTMLAnchorElement>('export-csv');
  const geojson = byId<HTMLAnchorElement>('export-geojson');
  const runId = state.list?.run?.id;
  const q = { ...state.query, run: runId ? String(runId) : state.query.run };
  csv.href = `/api/hotspots?${apiQuery(q, { limit: String(EXPORT_LIMIT), format: 'csv' })}`;
  geojson.href = `/api/hotspots?${apiQuery(q, { limit: String(EXPORT_LIMIT), format: 'geojson' })}`;
  const name = `hotspots${runId ? `-run${runId}` : ''}${q.unit ? `-${q.unit}` : ''}`;
  csv.setAttribute('download', `${name}.csv`);
  geojson.setAttribute('download', `${name}.geojson`);
}

// ---------- Form ----------

function fillStaticOptions(): void {
  for (const id of ['roadUser', 'rescore-roadUser']) {
    byId(id).append(...PLAN_GROUPS.map((g) => h('option', { value: g }, ROAD_USER_GROUP_LABELS[g])));
  }
}

function fillUnitOptions(select: HTMLSelectElement, kind: UnitKind | undefined, current: string, withDefault: boolean): void {
  const units = unitsForKind(kind);
  select.replaceChildren(
    ...(withDefault ? [h('option', { value: '' }, kind === 'grid' ? UNIT_LABELS.cell : kind === 'network' ? `${UNIT_LABELS.segment} (default)` : 'Default for the run')] : []),
    ...units.filter((u) => !(withDefault && ((kind === 'grid' && u === 'cell') || (kind === 'network' && u === 'segment')))).map((u) => h('option', { value: u }, UNIT_LABELS[u])),
  );
  select.value = [...select.options].some((o) => o.value === current) ? current : select.options[0]?.value ?? '';
}

function writeForm(): void {
  byId<HTMLSelectElement>('run').value = state.query.run;
  byId<HTMLSelectElement>('unit').value = state.query.unit;
  byId<HTMLSelectElement>('district').value = state.query.district;
  byId<HTMLSelectElement>('roadUser').value = state.query.roadUser;
  byId<HTMLInputElement>('candidate').checked = state.query.candidate;
}

function readForm(): Query {
  return {
    run: byId<HTMLSelectElement>('run').value || 'latest',
    unit: byId<HTMLSelectElement>('unit').value as SiteUnit | '',
    district: byId<HTMLSelectElement>('district').value,
    roadUser: byId<HTMLSelectElement>('roadUser').value,
    candidate: byId<HTMLInputElement>('candidate').checked,
  };
}

function runOptionLabel(r: RunStatus): string {
  const kind = r.unitKind === 'grid' ? 'grid' : r.unitKind === 'network' ? 'road network' : '';
  const period = periodSentence(r).replace(/ \(.*\)$/, '');
  return `Run ${r.runId}: ${[period, kind, r.districtCode ? `district ${state.districtNames.get(r.districtCode) ?? r.districtCode}` : ''].filter(Boolean).join(', ')} (${formatDateTime(r.finishedAt || r.createdAt)})`;
}

function fillRunOptions(): void {
  const select = byId<HTMLSelectElement>('run');
  const runs = state.runs.filter((r) => r.runId !== null && r.status === 'succeeded' && r.scope !== 'rescore');
  const options = [h('option', { value: 'latest' }, 'Latest published run'), ...runs.map((r) => h('option', { value: String(r.runId) }, runOptionLabel(r)))];
  if (state.rescore?.run?.id) options.push(h('option', { value: String(state.rescore.run.id) }, `Re-score (run ${state.rescore.run.id}, not published)`));
  if (/^\d+$/.test(state.query.run) && !options.some((o) => o.value === state.query.run)) options.push(h('option', { value: state.query.run }, `Run ${state.query.run}`));
  select.replaceChildren(...options);
  select.value = state.query.run;
}

// ---------- Loading the ranking ----------

function setStatus(text: string, isError = false): void {
  const el = byId('list-status');
  el.textContent = text;
  el.classList.toggle('error-text', isError);
}

async function loadList(): Promise<void> {
  listController?.abort();
  const controller = (listController = new AbortController());
  writeUrl();
  setStatus('Loading the ranking…');
  byId('table-wrap').setAttribute('aria-busy', 'true');
  try {
    const raw = await fetchJson<{ numberMatched?: number; features?: GeoJSON.Feature[]; unit?: string }>(`/api/hotspots?${apiQuery(state.query, { limit: String(TABLE_LIMIT) })}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    showList(raw);
  } catch (err) {
    if (controller.signal.aborted) return;
    state.list = undefined;
    state.features = [];
    updateMap();
    const noRun = err instanceof ApiError && err.status === 404;
    byId('table-wrap').replaceChildren(h('p', { class: noRun ? 'muted' : 'error-text', role: noRun ? null : 'alert' }, noRun ? `${err.message}` : `The ranking could not be loaded: ${(err as Error).message}`));
    setStatus(noRun ? 'No ranking to show yet: use “Start a new run”.' : '', !noRun);
  } finally {
    if (listController === controller) byId('table-wrap').removeAttribute('aria-busy');
  }
}

/** Shows a ranking response (a list or a re-score) in the table and on the map. */
function showList(raw: { numberMatched?: number; features?: GeoJSON.Feature[]; unit?: string }): void {
  const list = normaliseList(raw);
  state.list = list;
  state.numberMatched = typeof raw.numberMatched === 'number' ? raw.numberMatched : list.sites.length;
  state.features = (raw.features ?? []).filter((f) => f && f.geometry);
  const kind = list.units ?? list.run?.unitKind;
  fillUnitOptions(byId<HTMLSelectElement>('unit'), kind, state.query.unit, true);
  state.query.unit = byId<HTMLSelectElement>('unit').value as SiteUnit | '';
  renderTable(list.sites);
  updateMap({ fit: true });
  updateExports();
  renderMethodCard();
  const shown = list.sites.length;
  const unitName = (UNIT_LABELS[(raw.unit ?? list.sites[0]?.unit ?? '') as SiteUnit] ?? 'sites').toLowerCase();
  setStatus(
    shown === 0
      ? 'No sites match these filters.'
      : `${shown < state.numberMatched ? `The top ${formatCount(shown)} of ${formatCount(state.numberMatched)}` : formatCount(shown)} ${unitName}${list.run?.id ? ` from run ${list.run.id}` : ''}, in rank order. Ranks are within the whole run.`,
  );
  announce(`${formatCount(shown)} sites listed.`);
  if (state.selected && list.sites.some((s) => s.siteId === state.selected)) void selectSite(state.selected, { scroll: false, focus: false });
  else if (state.selected) closeDetail();
}

function districtName(code: string): string {
  return code ? (state.districtNames.get(code) ?? code) : '–';
}

function renderTable(sites: HotspotSite[]): void {
  const wrap = byId('table-wrap');
  if (sites.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted' }, 'No sites match these filters.'));
    return;
  }
  // Grid cells have no length, so no KSI per km: the column only takes room for road sites.
  const perKm = sites.some((site) => site.ksiPerKm36m !== null);
  const head = (label: string, title?: string, num = false) => h('th', { scope: 'col', class: num ? 'num' : null, title: title ?? null }, label);
  const table = h(
    'table',
    { class: 'data-table compact hotspot-table', id: 'hotspot-table' },
    h('caption', { class: 'visually-hidden' }, 'Ranked hotspot sites, highest priority first. Select a site for its details.'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head('Rank', undefined, true),
        head('Change', 'Rank change since the previous run'),
        head('Site'),
        head('District'),
        head('F / S / Sl', 'Fatal / serious / slight collisions in the period', true),
        perKm ? head('KSI/km', 'Killed-or-seriously-injured collisions per km, latest 36 months (camera evidence)', true) : null,
        head('Excess KSI', 'EB expected minus what similar sites expect', true),
        head('P(excess)', 'Probability of more collisions than similar sites', true),
        head('Harm £/yr', 'Pounds a year of excess collisions (the rank order, with concern)', true),
        head('Flags'),
      ),
    ),
    h(
      'tbody',
      {},
      ...sites.map((site) =>
        h(
          'tr',
          { 'data-site-id': site.siteId, class: site.siteId === state.selected ? 'selected' : null, 'aria-selected': site.siteId === state.selected ? 'true' : 'false' },
          h('td', { class: 'num rank-cell' }, site.rank ?? '–'),
          h('td', { class: 'nowrap rank-change', title: rankChangeLabel(site) }, h('span', { 'aria-hidden': 'true' }, rankChangeText(site)), h('span', { class: 'visually-hidden' }, rankChangeLabel(site))),
          h('td', {}, h('button', { type: 'button', class: 'link-button site-button', 'data-site-id': site.siteId }, siteLabel(site))),
          h('td', {}, districtName(site.districtCode)),
          h('td', { class: 'num nowrap' }, `${formatCount(site.fatal)} / ${formatCount(site.serious)} / ${formatCount(site.slight)}`),
          perKm ? h('td', { class: 'num' }, formatDecimal(site.ksiPerKm36m, 2)) : null,
          h('td', { class: 'num' }, formatDecimal(site.excessKsi, 2)),
          h('td', { class: 'num' }, formatProbability(site.pExcess)),
          h('td', { class: 'num nowrap' }, formatGbp(site.harmScore)),
          h('td', {}, flagChips(site)),
        ),
      ),
    ),
  );
  table.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-site-id]');
    if (row?.dataset.siteId) void selectSite(row.dataset.siteId, { scroll: true, focus: true });
  });
  wrap.replaceChildren(table);
}

function markSelectedRow(): void {
  for (const row of document.querySelectorAll<HTMLTableRowElement>('#hotspot-table tbody tr')) {
    const on = row.dataset.siteId === state.selected;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
}

// ---------- Details ----------

function closeDetail(): void {
  detailController?.abort();
  state.selected = undefined;
  byId('detail').hidden = true;
  byId('detail').replaceChildren();
  markSelectedRow();
  if (state.map) setSelectedSite(state.map, '');
  writeUrl();
}

async function selectSite(siteId: string, options: { scroll: boolean; focus: boolean; fromMap?: boolean }): Promise<void> {
  state.selected = siteId;
  markSelectedRow();
  writeUrl();
  if (state.map) setSelectedSite(state.map, siteId);
  const feature = state.features.find((f) => (f.properties as { siteId?: string } | null)?.siteId === siteId);
  if (feature && state.map && !options.fromMap) {
    const b = featuresBounds([feature.geometry]);
    if (b) state.map.fitBounds(b, { padding: 80, maxZoom: 16, duration: 500 });
  }
  if (options.fromMap) document.querySelector(`#hotspot-table tr[data-site-id="${CSS.escape(siteId)}"]`)?.scrollIntoView({ block: 'nearest' });

  detailController?.abort();
  const controller = (detailController = new AbortController());
  const panel = byId('detail');
  panel.hidden = false;
  panel.setAttribute('aria-busy', 'true');
  panel.replaceChildren(h('p', { class: 'muted' }, 'Loading the site…'));
  const runId = state.list?.run?.id;
  try {
    const raw = await fetchJson<unknown>(`/api/hotspots/${encodeURIComponent(siteId)}${runId ? `?run=${runId}` : ''}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    const detail = normaliseDetail(raw);
    const body = renderSiteDetail(detail, { run: detail.run ?? state.list?.run, districtNames: state.districtNames, idPrefix: 'detail' });
    panel.replaceChildren(
      h(
        'div',
        { class: 'detail-actions' },
        h('a', { href: siteDetailsUrl(siteId, state.rescore ? null : runId), class: 'button secondary small' }, 'Public page'),
        h('button', { type: 'button', class: 'button secondary small', id: 'close-detail', onclick: () => closeDetail() }, 'Close'),
      ),
      body,
    );
    if (options.scroll) panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
    if (options.focus) byId('detail-heading').focus({ preventScroll: options.scroll });
  } catch (err) {
    if (controller.signal.aborted) return;
    panel.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The site could not be loaded: ${(err as Error).message}`));
  } finally {
    if (detailController === controller) panel.removeAttribute('aria-busy');
  }
}

// ---------- Map ----------

function featureCollection(): GeoJSON.FeatureCollection {
  // The map needs flat properties; the nested road-user counts are for the table and details only.
  return {
    type: 'FeatureCollection',
    features: state.features.map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { ...(f.properties ?? {}), roadUserCounts: undefined } })),
  };
}

function updateMap(options: { fit?: boolean } = {}): void {
  const map = state.map;
  if (!map || !map.getSource(SOURCE)) return;
  byId('map').dataset.idle = 'false';
  map.getSource<GeoJSONSource>(SOURCE)!.setData(featureCollection());
  setSelectedSite(map, state.selected ?? '');
  if (options.fit) {
    const bounds = featuresBounds(state.features.map((f) => f.geometry));
    if (bounds) map.fitBounds(bounds, { padding: 40, maxZoom: 15, duration: 0 });
  }
}

function createMap(): void {
  state.map = createBaseMap(byId('map'), {
    label: 'Map of the ranked hotspot sites.',
    onLoad: (map) => {
      map.addSource(SOURCE, { type: 'geojson', data: featureCollection() });
      for (const layer of hotspotLayers({ source: SOURCE, selectedSiteId: state.selected })) map.addLayer(layer);
      updateMap({ fit: true });
      const layers = interactiveHotspotLayers();
      const tip = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'hover-tip', offset: 12 });
      map.on('mousemove', (e) => {
        const feature = map.queryRenderedFeatures(e.point, { layers })[0];
        map.getCanvas().style.cursor = feature ? 'pointer' : '';
        if (!feature) {
          tip.remove();
          return;
        }
        const site = normaliseSite({ properties: feature.properties });
        tip.setLngLat(e.lngLat).setDOMContent(h('div', {}, h('strong', {}, `#${site.rank ?? '–'} ${siteLabel(site)}`), h('div', {}, `Harm ${formatGbp(site.harmScore)} a year`))).addTo(map);
      });
      map.getCanvasContainer().addEventListener('mouseleave', () => tip.remove());
      map.on('click', (e) => {
        const feature = map.queryRenderedFeatures(e.point, { layers })[0];
        const siteId = (feature?.properties as { siteId?: string } | undefined)?.siteId;
        if (siteId) {
          tip.remove();
          void selectSite(siteId, { scroll: true, focus: false, fromMap: true });
        }
      });
    },
  });
}

function renderLegend(): void {
  const items = hotspotLegendItems();
  items.append(h('li', {}, lineSwatch(HOTSPOT_COLOURS.selected, 6), 'Selected site'));
  byId('hotspot-legend').replaceChildren(items);
}

// ---------- Method ----------

function renderMethodCard(): void {
  const target = byId('method');
  if (!state.method) return;
  const run = state.list?.run ?? state.method.latestRun;
  target.replaceChildren(renderMethod(state.method, run));
}

async function loadMethod(): Promise<void> {
  try {
    state.method = normaliseMethod(await fetchJson<unknown>('/api/hotspot-method'));
    renderMethodCard();
    if (!state.list) fillUnitOptions(byId<HTMLSelectElement>('unit'), state.method.units, state.query.unit, true);
    fillUnitOptions(byId<HTMLSelectElement>('rescore-unit'), state.method.units, '', true);
  } catch (err) {
    byId('method').replaceChildren(h('p', { class: 'error-text' }, `The method statement could not be loaded: ${(err as Error).message}`));
  }
}

// ---------- Runs ----------

async function loadRunsList(): Promise<void> {
  try {
    state.runs = normaliseRunList(await fetchJson<unknown>('/api/hotspot-runs'));
  } catch {
    // The picker keeps its old list.
  }
}

/** The runs for the picker, and the progress of one still running (a run started before the page opened). */
async function loadRuns(): Promise<void> {
  await loadRunsList();
  fillRunOptions();
  const running = state.runs.find((r) => r.status === 'running' || r.status === 'queued');
  if (running?.jobId) void followRun(running.jobId);
}

let following: number | undefined;

function showProgress(status: RunStatus | undefined, text: string, failed = false): void {
  const wrap = byId('run-progress');
  wrap.hidden = false;
  const bar = byId<HTMLProgressElement>('run-progress-bar');
  if (status) bar.value = Math.max(0, Math.min(1, status.progress));
  const stage = byId('run-stage');
  stage.textContent = text;
  stage.classList.toggle('error-text', failed);
}

/** Polls a scoring job until it ends, then shows its ranking. */
async function followRun(jobId: number): Promise<void> {
  if (following === jobId) return;
  following = jobId;
  const button = byId<HTMLButtonElement>('start-run');
  button.disabled = true;
  showProgress(undefined, 'Queued…');
  try {
    for (;;) {
      const status = normaliseRunStatus(await fetchJson<unknown>(`/api/hotspot-runs/${jobId}`));
      const percent = Math.round(status.progress * 100);
      if (status.status === 'succeeded') {
        showProgress({ ...status, progress: 1 }, `Run ${status.runId ?? ''} finished.`);
        announce('The scoring run finished.');
        state.rescore = undefined;
        byId('rescore-banner').hidden = true;
        await Promise.all([loadMethod(), loadRunsList()]);
        state.query.run = 'latest';
        fillRunOptions();
        await loadList();
        break;
      }
      if (status.status === 'failed') {
        showProgress(status, `The run failed: ${status.message || 'no reason given'}`, true);
        announce('The scoring run failed.');
        break;
      }
      showProgress(status, `${status.stage || (status.status === 'queued' ? 'Queued' : 'Running')}… ${percent}%`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch (err) {
    showProgress(undefined, `The run's progress could not be read: ${(err as Error).message}`, true);
  } finally {
    following = undefined;
    button.disabled = false;
  }
}

async function startRun(): Promise<void> {
  if (!state.me) return;
  const button = byId<HTMLButtonElement>('start-run');
  button.disabled = true;
  showProgress(undefined, 'Starting…');
  try {
    const started = await fetchJson<{ id?: number; jobId?: number }>('/api/hotspot-runs', { method: 'POST', headers: csrfHeaders(state.me), body: JSON.stringify({}) });
    const jobId = started.jobId ?? started.id;
    if (jobId === undefined) throw new Error('the server did not say which job started');
    announce('Scoring run started.');
    await followRun(jobId);
  } catch (err) {
    button.disabled = false;
    const message = err instanceof ApiError && err.status === 409 ? err.message : `The run could not be started: ${(err as Error).message}`;
    showProgress(undefined, message, true);
  }
}

// ---------- Re-scoring ----------

const RESCORE_FIELDS = ['district', 'roadUser', 'severity', 'from', 'to', 'unit'] as const;
type RescoreField = (typeof RESCORE_FIELDS)[number];

function clearRescoreErrors(): void {
  byId('rescore-errors').hidden = true;
  byId('rescore-error-list').replaceChildren();
  for (const f of RESCORE_FIELDS) {
    byId(`rescore-${f}-field`).classList.remove('field-invalid');
    byId(`rescore-${f}-error`).hidden = true;
    byId(`rescore-${f}`).removeAttribute('aria-invalid');
  }
}

function showRescoreErrors(problems: Array<{ field?: RescoreField; message: string }>): void {
  const list = byId('rescore-error-list');
  for (const { field, message } of problems) {
    list.append(h('li', {}, field ? h('a', { href: `#rescore-${field}` }, message) : message));
    if (!field) continue;
    byId(`rescore-${field}-field`).classList.add('field-invalid');
    const error = byId(`rescore-${field}-error`);
    error.hidden = false;
    error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
    byId(`rescore-${field}`).setAttribute('aria-invalid', 'true');
  }
  const box = byId('rescore-errors');
  box.hidden = false;
  box.focus();
}

async function rescore(): Promise<void> {
  if (!state.me) return;
  clearRescoreErrors();
  const value = (f: RescoreField) => byId<HTMLInputElement | HTMLSelectElement>(`rescore-${f}`).value;
  const body: Record<string, unknown> = { limit: TABLE_LIMIT };
  for (const f of RESCORE_FIELDS) if (value(f)) body[f] = value(f);
  const problems: Array<{ field?: RescoreField; message: string }> = [];
  if (!body.district) problems.push({ field: 'district', message: 'Choose the district to re-score' });
  if (body.from && body.to && String(body.from) > String(body.to)) problems.push({ field: 'from', message: 'The “from” date must not be after the “to” date' });
  if (problems.length) {
    showRescoreErrors(problems);
    return;
  }
  const button = byId<HTMLButtonElement>('rescore-submit');
  button.disabled = true;
  button.textContent = 'Re-scoring…';
  const started = performance.now();
  try {
    const raw = await fetchJson<{ numberMatched?: number; features?: GeoJSON.Feature[]; unit?: string; run?: unknown }>('/api/hotspots/rescore', {
      method: 'POST',
      headers: csrfHeaders(state.me),
      body: JSON.stringify(body),
    });
    const seconds = (performance.now() - started) / 1000;
    const list = normaliseList(raw);
    const district = districtName(String(body.district));
    const filters = [
      body.roadUser ? ROAD_USER_GROUP_LABELS[body.roadUser as PlanGroup] : '',
      body.severity ? `severity ${String(body.severity)}` : '',
      body.from || body.to ? `${body.from ? formatDate(String(body.from)) : 'start'} to ${body.to ? formatDate(String(body.to)) : 'end'}` : '',
    ].filter(Boolean);
    state.rescore = { run: list.run, label: `${district}${filters.length ? ` (${filters.join(', ')})` : ''}` };
    state.query = { run: list.run?.id ? String(list.run.id) : 'latest', unit: (raw.unit as SiteUnit | undefined) ?? '', district: '', roadUser: '', candidate: false };
    fillRunOptions();
    writeForm();
    byId('rescore-text').textContent = `Showing a re-score of ${state.rescore.label}: run ${list.run?.id ?? '–'}, ${periodSentence(list.run)}, computed in ${seconds.toFixed(1)} s. It is not a published ranking.`;
    byId('rescore-banner').hidden = false;
    state.selected = undefined;
    closeDetail();
    showList(raw);
    announce('Re-score ready.');
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && err.fieldErrors.length) {
      showRescoreErrors(
        err.fieldErrors.map((e) => {
          const key = e.field.replace(/^body\./, '').split('.')[0] as RescoreField;
          return (RESCORE_FIELDS as readonly string[]).includes(key) ? { field: key, message: e.message } : { message: `${e.field}: ${e.message}` };
        }),
      );
    } else showRescoreErrors([{ message: `The re-score did not work: ${(err as Error).message}` }]);
  } finally {
    button.disabled = false;
    button.textContent = 'Re-score';
  }
}

function backToPublished(): void {
  state.rescore = undefined;
  byId('rescore-banner').hidden = true;
  state.query = { run: 'latest', unit: '', district: '', roadUser: '', candidate: false };
  state.selected = undefined;
  closeDetail();
  fillRunOptions();
  writeForm();
  void loadList();
}

// ---------- Start ----------

async function loadDistricts(): Promise<void> {
  for (const d of await fetchDistricts()) {
    state.districtNames.set(d.code, d.name);
    byId('district').append(h('option', { value: d.code }, d.name));
    byId('rescore-district').append(h('option', { value: d.code }, d.name));
  }
}

function wire(): void {
  const form = byId<HTMLFormElement>('hotspot-filters');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('change', () => {
    const next = readForm();
    const runChanged = next.run !== state.query.run;
    state.query = next;
    if (runChanged && (!state.rescore?.run?.id || next.run !== String(state.rescore.run.id))) {
      state.rescore = undefined;
      byId('rescore-banner').hidden = true;
    }
    void loadList();
  });
  byId('start-run').addEventListener('click', () => void startRun());
  byId('back-to-published').addEventListener('click', backToPublished);
  byId<HTMLFormElement>('rescore-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void rescore();
  });
  byId('rescore-error-list').addEventListener('click', (e) => {
    const link = (e.target as HTMLElement).closest('a');
    if (!link) return;
    e.preventDefault();
    document.getElementById(link.getAttribute('href')!.slice(1))?.focus();
  });
}

async function start(): Promise<void> {
  const me = await startStaffPage('hotspots');
  if (!me) return;
  state.me = me;
  fillStaticOptions();
  renderLegend();
  wire();
  // One request at a time is plenty for the embedded database; districts first so names are ready for the table.
  await loadDistricts();
  await loadMethod();
  createMap();
  writeForm();
  await loadList();
  await loadRuns();
}

void start();
