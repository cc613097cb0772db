// The public monthly list of sites camera vans may visit: month picker, map, list by district and category, search, downloads.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/pages.css';
import '../styles/planning.css';
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { createBaseMap, featuresBounds, maplibregl } from '../map/base-map.ts';
import { ApiError, fetchJson } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { formatCount, monthLabel } from '../shared/format.ts';
import {
  CATEGORY_COLOURS,
  CATEGORY_LABELS,
  CATEGORY_ORDER,
  CATEGORY_SHORT,
  countSites,
  defaultMonth,
  filterList,
  groupByCategory,
  londonMonth,
  normalisePublicList,
  siteFeatures,
  type PublicDistrict,
  type PublicList,
} from './model.ts';

const SOURCE = 'enforcement-sites';
const LINE_LAYER = 'enforcement-site-lines';

const params = new URLSearchParams(location.search);
const state = {
  months: [] as string[],
  month: undefined as string | undefined,
  list: undefined as PublicList | undefined,
  shown: [] as PublicDistrict[],
  district: params.get('district') ?? '',
  road: params.get('road') ?? '',
  map: undefined as MapLibreMap | undefined,
};
let loadController: AbortController | undefined;

function writeUrl(): void {
  const q = new URLSearchParams();
  if (state.month) q.set('month', state.month);
  if (state.district) q.set('district', state.district);
  if (state.road) q.set('road', state.road);
  const search = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

function setCount(text: string, isError = false): void {
  const el = byId('list-count');
  el.textContent = text;
  el.classList.toggle('error-text', isError);
}

function updateDownloads(): void {
  const csv = byId<HTMLAnchorElement>('download-csv');
  const geojson = byId<HTMLAnchorElement>('download-geojson');
  const published = Boolean(state.month && state.list);
  byId('downloads').hidden = !published;
  byId('downloads-section').hidden = !published;
  if (!state.month) return;
  const month = encodeURIComponent(state.month);
  csv.href = `/api/public/enforcement-sites?month=${month}&format=csv`;
  geojson.href = `/api/public/enforcement-sites?month=${month}&format=geojson`;
  csv.setAttribute('download', `enforcement-sites-${state.month}.csv`);
  geojson.setAttribute('download', `enforcement-sites-${state.month}.geojson`);
}

// ---------- Map ----------

const categoryColour: ExpressionSpecification = ['match', ['get', 'category'], ...CATEGORY_ORDER.flatMap((c) => [c, CATEGORY_COLOURS[c]]), '#555555'] as unknown as ExpressionSpecification;

function updateMap(fit: boolean): void {
  const map = state.map;
  const source = map?.getSource<GeoJSONSource>(SOURCE);
  if (!map || !source) return;
  byId('map').dataset.idle = 'false';
  source.setData(siteFeatures(state.shown));
  if (fit) {
    const bounds = featuresBounds(state.shown.flatMap((d) => d.sites.map((s) => s.geometry)));
    if (bounds) map.fitBounds(bounds, { padding: 40, maxZoom: 14, duration: 0 });
  }
}

function popupContent(text: string, category: string, district: string): HTMLElement {
  const label = CATEGORY_SHORT[category as keyof typeof CATEGORY_SHORT] ?? category;
  return h('div', { class: 'site-popup' }, h('p', { class: 'site-popup-text' }, text), h('p', { class: 'muted' }, `${label} · ${district}`));
}

function createMap(): void {
  state.map = createBaseMap(byId('map'), {
    label: 'Map of the roads camera vans may visit this month, coloured by category.',
    onLoad: (map) => {
      map.addSource(SOURCE, { type: 'geojson', data: siteFeatures(state.shown) });
      map.addLayer({ id: `${LINE_LAYER}-casing`, type: 'line', source: SOURCE, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 5, 14, 10] } });
      map.addLayer({ id: LINE_LAYER, type: 'line', source: SOURCE, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': categoryColour, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 3, 14, 6] } });
      updateMap(true);
      const popup = new maplibregl.Popup({ className: 'details-popup', maxWidth: '320px' });
      map.on('mouseenter', LINE_LAYER, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', LINE_LAYER, () => (map.getCanvas().style.cursor = ''));
      map.on('click', LINE_LAYER, (e) => {
        const p = e.features?.[0]?.properties as { text?: string; category?: string; district?: string } | undefined;
        if (!p?.text) return;
        popup.setLngLat(e.lngLat).setDOMContent(popupContent(p.text, p.category ?? '', p.district ?? '')).addTo(map);
      });
    },
  });
}

function showOnMap(siteId: number): void {
  const site = state.shown.flatMap((d) => d.sites.map((s) => ({ s, d }))).find(({ s }) => s.siteId === siteId);
  const map = state.map;
  if (!site || !map || !site.s.geometry) return;
  const bounds = featuresBounds([site.s.geometry]);
  if (bounds) map.fitBounds(bounds, { padding: 80, maxZoom: 15, duration: 400 });
  const centre = bounds ? ([(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2] as [number, number]) : undefined;
  if (centre) new maplibregl.Popup({ className: 'details-popup', maxWidth: '320px' }).setLngLat(centre).setDOMContent(popupContent(site.s.text, site.s.category, site.d.name)).addTo(map);
  byId('map').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

function renderLegend(): void {
  byId('legend').replaceChildren(
    ...CATEGORY_ORDER.map((c) => h('li', {}, h('span', { class: 'line-key', style: `background:${CATEGORY_COLOURS[c]}`, 'aria-hidden': 'true' }), CATEGORY_SHORT[c])),
  );
}

// ---------- List ----------

function renderList(): void {
  const body = byId('list-body');
  const list = state.list;
  if (!list || !state.month) return;
  const total = countSites(list.districts);
  const shownCount = countSites(state.shown);
  const month = monthLabel(state.month).long;
  if (total === 0) {
    body.replaceChildren(h('p', { class: 'muted' }, `No sites are on the list for ${month}.`));
    setCount(`No sites are on the list for ${month}.`);
    return;
  }
  const filtered = Boolean(state.district || state.road.trim());
  setCount(
    filtered
      ? `${formatCount(shownCount)} of ${formatCount(total)} sites for ${month} match your search.`
      : `${formatCount(total)} sites in ${formatCount(list.districts.filter((d) => d.sites.length > 0).length)} districts for ${month}.`,
  );
  if (shownCount === 0) {
    body.replaceChildren(h('p', { class: 'muted', id: 'no-match' }, 'No sites match your search. Try fewer words, or all districts.'));
    return;
  }
  body.replaceChildren(
    ...state.shown.map((d) =>
      h(
        'section',
        { class: 'district-group', 'aria-labelledby': `district-${d.code}` },
        h('h3', { id: `district-${d.code}` }, d.name, ' ', h('span', { class: 'group-count' }, `(${formatCount(d.sites.length)})`)),
        ...groupByCategory(d.sites).map((g) =>
          h(
            'div',
            { class: 'category-group', 'data-category': g.category },
            h('h4', {}, h('span', { class: 'line-key', style: `background:${CATEGORY_COLOURS[g.category]}`, 'aria-hidden': 'true' }), CATEGORY_LABELS[g.category]),
            h(
              'ul',
              { class: 'published-lines' },
              ...g.sites.map((s) =>
                h(
                  'li',
                  { class: 'published-line', 'data-site': s.siteId },
                  h('span', { class: 'published-text' }, s.text),
                  s.geometry ? h('button', { type: 'button', class: 'link-button show-on-map', 'data-site': s.siteId, 'aria-label': `Show ${s.text} on the map` }, 'Map') : null,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function applyFilter(fit: boolean): void {
  if (!state.list) return;
  state.shown = filterList(state.list, { district: state.district, road: state.road });
  renderList();
  updateMap(fit);
  writeUrl();
}

function fillDistricts(list: PublicList): void {
  const select = byId<HTMLSelectElement>('district');
  const districts = [...list.districts].filter((d) => d.sites.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  select.replaceChildren(h('option', { value: '' }, 'All districts'), ...districts.map((d) => h('option', { value: d.code }, `${d.name} (${d.sites.length})`)));
  if (!districts.some((d) => d.code === state.district)) state.district = '';
  select.value = state.district;
}

function showNotPublished(month: string | undefined): void {
  state.list = undefined;
  state.shown = [];
  updateMap(false);
  const text = month ? `The list for ${monthLabel(month).long} is not published yet.` : `The list for ${monthLabel(londonMonth(new Date())).long} is not published yet.`;
  byId('list-body').replaceChildren(h('p', { class: 'empty-state', id: 'not-published' }, text, ' ', 'Lists are published before the month starts.'));
  setCount(text);
  updateDownloads();
}

async function loadMonth(month: string): Promise<void> {
  loadController?.abort();
  const controller = (loadController = new AbortController());
  state.month = month;
  writeUrl();
  setCount(`Loading the list for ${monthLabel(month).long}…`);
  byId('list-body').setAttribute('aria-busy', 'true');
  try {
    const raw = await fetchJson<unknown>(`/api/public/enforcement-sites?month=${encodeURIComponent(month)}`, { signal: controller.signal });
    if (controller.signal.aborted) return;
    state.list = normalisePublicList(raw);
    fillDistricts(state.list);
    updateDownloads();
    applyFilter(true);
    announce(byId('list-count').textContent ?? '');
  } catch (err) {
    if (controller.signal.aborted) return;
    if (err instanceof ApiError && err.status === 404) showNotPublished(month);
    else {
      state.list = undefined;
      byId('list-body').replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The list could not be loaded: ${(err as Error).message}`));
      setCount('', true);
    }
  } finally {
    if (loadController === controller) byId('list-body').removeAttribute('aria-busy');
  }
}

async function loadMonths(): Promise<void> {
  const select = byId<HTMLSelectElement>('month');
  try {
    const body = await fetchJson<{ months?: string[] }>('/api/public/enforcement-months');
    state.months = (body.months ?? []).filter((m) => /^\d{4}-\d{2}$/.test(m));
  } catch (err) {
    select.replaceChildren(h('option', { value: '' }, 'Unavailable'));
    setCount(`The published months could not be loaded: ${(err as Error).message}`, true);
    return;
  }
  const current = londonMonth(new Date());
  const asked = params.get('month');
  const chosen = defaultMonth(state.months, current, asked);
  if (!chosen) {
    select.replaceChildren(h('option', { value: '' }, monthLabel(asked && /^\d{4}-\d{2}$/.test(asked) ? asked : current).long));
    showNotPublished(asked && /^\d{4}-\d{2}$/.test(asked) ? asked : current);
    return;
  }
  select.replaceChildren(...[...state.months].sort().reverse().map((m) => h('option', { value: m }, monthLabel(m).long)));
  select.disabled = false;
  select.value = chosen;
  // A month asked for in the address but not published: say so, then offer the published ones.
  if (asked && /^\d{4}-\d{2}$/.test(asked) && asked !== chosen) {
    showNotPublished(asked);
    select.value = '';
    select.prepend(h('option', { value: '' }, `${monthLabel(asked).long} (not published)`));
    select.value = '';
    return;
  }
  await loadMonth(chosen);
}

function wire(): void {
  const form = byId<HTMLFormElement>('list-filters');
  form.addEventListener('submit', (e) => e.preventDefault());
  byId<HTMLSelectElement>('month').addEventListener('change', (e) => {
    const month = (e.target as HTMLSelectElement).value;
    if (month) void loadMonth(month);
  });
  byId<HTMLSelectElement>('district').addEventListener('change', (e) => {
    state.district = (e.target as HTMLSelectElement).value;
    applyFilter(true);
  });
  const road = byId<HTMLInputElement>('road');
  road.value = state.road;
  let timer: number | undefined;
  road.addEventListener('input', () => {
    window.clearTimeout(timer);
    // A short pause so each keystroke does not redraw the map.
    timer = window.setTimeout(() => {
      state.road = road.value;
      applyFilter(false);
    }, 150);
  });
  byId('list-body').addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button.show-on-map');
    if (button?.dataset.site) showOnMap(Number(button.dataset.site));
  });
}

renderLegend();
wire();
createMap();
void loadMonths();
