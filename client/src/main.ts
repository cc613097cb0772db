// The public collision map: filters → URL, vector tiles, summary charts, details popups, table view.
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/base.css';
import './styles/map.css';
import './styles/pages.css';
// base-map.ts points MapLibre at its worker file and declares window.roadsafeMap.
import { DEFAULT_BOUNDS, featuresBounds, geometryBounds, maplibregl } from './map/base-map.ts';
import { ApiError, fetchDistricts, fetchJson } from './shared/api.ts';
import { announce, byId, h } from './shared/dom.ts';
import { capitalise, formatCount, formatDate, formatGbp } from './shared/format.ts';
import { normaliseCollision, normaliseSummary, type CollisionDetails, type Summary } from './map/api-types.ts';
import { renderDetails, renderDetailsError } from './map/details-view.ts';
import {
  DEFAULT_FILTERS,
  filterProblem,
  filtersFromQuery,
  filtersToQuery,
  ROAD_USER_GROUPS,
  ROAD_USER_LABELS,
  SEVERITIES,
  type Filters,
  type RoadUserGroup,
  type Severity,
} from './map/filters.ts';
import { renderLegend } from './map/legend.ts';
import {
  COLLISION_SOURCE,
  DATA_ATTRIBUTION,
  DISTRICT_SOURCE,
  LAYERS,
  offlineStyle,
  serviceLayers,
  sources,
  tileUrl,
} from './map/style.ts';
import { renderSummary } from './map/summary-view.ts';
import { TableView } from './map/table-view.ts';
import { shortMethodLine } from './hotspots/method-view.ts';
import { hotspotTip, renderHotspotPopup, siteDetailsUrl } from './hotspots/popup.ts';
import { HOTSPOT_SOURCE, hotspotLayers, hotspotTileUrl, interactiveHotspotLayers, setHotspotVisibility } from './hotspots/style.ts';
import { normaliseList, normaliseMethod, siteLabel, UNIT_LABELS, unitsForKind, UNITS, type MethodStatement, type SiteUnit } from './hotspots/types.ts';

interface ClientConfig {
  basemapStyleUrl: string | null;
  tileMinPointZoom: number;
}

/** The collision API's largest GeoJSON page. */
const GEOJSON_DOWNLOAD_LIMIT = 10_000;
const NARROW = window.matchMedia('(max-width: 800px)');

const state = {
  filters: filtersFromQuery(new URLSearchParams(location.search)),
  view: new URLSearchParams(location.search).get('view') === 'table' ? ('table' as const) : ('map' as const),
  summary: undefined as Summary | undefined,
  districtNames: new Map<string, string>(),
  districtBounds: new Map<string, [number, number, number, number]>(),
  config: { basemapStyleUrl: null, tileMinPointZoom: 11 } as ClientConfig,
  hotspots: {
    /** The layer is on (URL `hotspots=on`). */
    show: new URLSearchParams(location.search).get('hotspots') === 'on',
    /** Which units to draw (URL `hotspotUnit`); empty until the method says which exist. */
    unit: (new URLSearchParams(location.search).get('hotspotUnit') ?? '') as SiteUnit | '',
    /** A published run exists, so the tile layer has something to show. */
    available: false,
    method: undefined as MethodStatement | undefined,
  },
};

const form = byId<HTMLFormElement>('filters');
const fromInput = byId<HTMLInputElement>('filter-from');
const toInput = byId<HTMLInputElement>('filter-to');
const districtSelect = byId<HTMLSelectElement>('filter-district');
const roadUserSelect = byId<HTMLSelectElement>('filter-road-user');
const youngInput = byId<HTMLInputElement>('filter-young');
const severityInputs = [...form.querySelectorAll<HTMLInputElement>('input[name="severity"]')];
const mapContainer = byId('map');

let map: maplibregl.Map | undefined;
let summaryController: AbortController | undefined;
const table = new TableView(showOnMap);

// ---------- URL and form ----------

function pageUrl(): string {
  const query = filtersToQuery(state.filters);
  if (state.view === 'table') query.set('view', 'table');
  if (state.hotspots.show) query.set('hotspots', 'on');
  if (state.hotspots.show && state.hotspots.unit) query.set('hotspotUnit', state.hotspots.unit);
  const search = query.toString();
  return `${location.pathname}${search ? `?${search}` : ''}${location.hash}`;
}

function apiQuery(): string {
  return filtersToQuery(state.filters).toString();
}

function writeForm(filters: Filters): void {
  fromInput.value = filters.from ?? '';
  toInput.value = filters.to ?? '';
  for (const input of severityInputs) input.checked = filters.severity.includes(input.value as Severity);
  districtSelect.value = filters.district ?? '';
  roadUserSelect.value = filters.roadUser ?? '';
  youngInput.checked = filters.youngRoadUser;
}

function readForm(): Filters {
  const severity = severityInputs.filter((i) => i.checked).map((i) => i.value as Severity);
  return {
    ...DEFAULT_FILTERS,
    from: fromInput.value || undefined,
    to: toInput.value || undefined,
    severity: SEVERITIES.filter((s) => severity.includes(s)),
    district: districtSelect.value || undefined,
    roadUser: (roadUserSelect.value || undefined) as RoadUserGroup | undefined,
    youngRoadUser: youngInput.checked,
  };
}

function fillRoadUserOptions(): void {
  for (const group of ROAD_USER_GROUPS) roadUserSelect.append(h('option', { value: group }, ROAD_USER_LABELS[group]));
}

// ---------- Filters applied ----------

function applyFilters(filters: Filters, options: { fitDistrict?: boolean } = {}): void {
  const districtChanged = filters.district !== state.filters.district;
  state.filters = filters;
  history.replaceState(history.state, '', pageUrl());
  const query = apiQuery();
  byId<HTMLAnchorElement>('download-csv').href = `/api/collisions?${new URLSearchParams([...new URLSearchParams(query), ['format', 'csv']])}`;
  // GeoJSON comes in pages (CSV streams every row): ask for the largest page the API allows.
  byId<HTMLAnchorElement>('download-geojson').href = `/api/collisions?${new URLSearchParams([...new URLSearchParams(query), ['format', 'geojson'], ['limit', String(GEOJSON_DOWNLOAD_LIMIT)]])}`;

  const problem = filterProblem(filters);
  const problemEl = byId('filter-problem');
  problemEl.hidden = !problem;
  problemEl.textContent = problem ?? '';

  updateMapFilters();
  if (districtChanged && options.fitDistrict) fitToDistrict(filters.district);
  void loadSummary();
}

function updateMapFilters(): void {
  if (!map || !map.getSource(COLLISION_SOURCE)) return;
  const source = map.getSource<maplibregl.VectorTileSource>(COLLISION_SOURCE);
  const problem = filterProblem(state.filters);
  const visibility = problem ? 'none' : 'visible';
  for (const id of [LAYERS.cellsAll, LAYERS.cellsFatal, LAYERS.points]) map.setLayoutProperty(id, 'visibility', visibility);
  mapContainer.dataset.idle = 'false';
  source?.setTiles([tileUrl(location.origin, 'collisions', apiQuery())]);
  map.setFilter(LAYERS.districtSelected, ['==', ['get', 'code'], state.filters.district ?? '']);
  map.triggerRepaint();
}

function fitToDistrict(code: string | undefined): void {
  if (!map) return;
  const bounds = code ? state.districtBounds.get(code) : allDistrictBounds();
  if (bounds) map.fitBounds(bounds, { padding: 40, duration: 600 });
}

function allDistrictBounds(): [number, number, number, number] | undefined {
  return geometryBounds([...state.districtBounds.values()].map(([x0, y0, x1, y1]) => [[x0, y0], [x1, y1]]));
}

// ---------- Summary ----------

async function loadSummary(): Promise<void> {
  summaryController?.abort();
  const controller = (summaryController = new AbortController());
  const section = byId('summary');
  const body = byId('summary-body');
  const status = byId('summary-status');
  section.setAttribute('aria-busy', 'true');
  status.textContent = 'Updating…';
  const problem = filterProblem(state.filters);
  try {
    const summary = problem
      ? normaliseSummary({ total: 0 })
      : normaliseSummary(await fetchJson<unknown>(`/api/collisions/summary?${apiQuery()}`, { signal: controller.signal }));
    if (controller.signal.aborted) return;
    state.summary = summary;
    body.replaceChildren(
      renderSummary(summary, {
        filters: state.filters,
        districtNames: state.districtNames,
        onDistrict: (code) => {
          districtSelect.value = code;
          applyFilters(readForm(), { fitDistrict: true });
        },
      }),
    );
    updateRoadUserAvailability(summary);
    byId('download-note').textContent =
      summary.total > GEOJSON_DOWNLOAD_LIMIT ? `The GeoJSON download holds the first ${formatCount(GEOJSON_DOWNLOAD_LIMIT)} collisions; the CSV holds all ${formatCount(summary.total)}.` : '';
    showMapMessage(problem ?? (summary.total === 0 ? 'No collisions match these filters.' : mapNotice));
    announce(`${formatCount(summary.total)} collisions match the filters.`);
    table.setQuery(apiQuery(), summary.total);
    if (state.view === 'table') void table.load();
  } catch (err) {
    if (controller.signal.aborted) return;
    const message = err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.map((e) => e.message).join('; ') : (err as Error).message;
    body.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The summary could not be loaded: ${message}`));
  } finally {
    if (summaryController === controller) {
      section.setAttribute('aria-busy', 'false');
      status.textContent = '';
    }
  }
}

/**
 * Road-user filters need casualty records; say so (and disable them) when none are loaded. An empty
 * result says nothing either way, so the last answer stands.
 */
let casualtyDataLoaded: boolean | undefined;
function updateRoadUserAvailability(summary: Summary): void {
  if (summary.total > 0 && !state.filters.roadUser && !state.filters.youngRoadUser) casualtyDataLoaded = summary.casualtiesByRoadUser !== null;
  const unavailable = casualtyDataLoaded === false && !state.filters.roadUser && !state.filters.youngRoadUser;
  roadUserSelect.disabled = unavailable;
  youngInput.disabled = unavailable;
  byId('road-user-hint').textContent = unavailable
    ? 'Not available: no casualty records are loaded for these collisions.'
    : 'Collisions in which at least one casualty was in this group.';
}

/** A lasting note about the map itself (e.g. a basemap that failed), shown when no filter message is. */
let mapNotice: string | undefined;

function showMapMessage(message: string | undefined): void {
  const el = byId('map-message');
  el.hidden = !message;
  el.textContent = message ?? '';
}

// ---------- Map ----------

async function createMap(): Promise<void> {
  const hasView = /(^|[#&])map=/.test(location.hash);
  const withBasemap = Boolean(state.config.basemapStyleUrl);
  // A link with a district but no map view opens on that district; Lancashire when the districts cannot be read.
  const bounds = (state.filters.district && state.districtBounds.get(state.filters.district)) || allDistrictBounds() || DEFAULT_BOUNDS;
  map = new maplibregl.Map({
    container: mapContainer,
    style: withBasemap ? state.config.basemapStyleUrl! : offlineStyle(location.origin, apiQuery(), state.filters.district),
    hash: 'map',
    ...(hasView ? {} : { bounds, fitBoundsOptions: { padding: 40 } }),
    attributionControl: false,
    maxZoom: 18,
    minZoom: 5,
    dragRotate: false,
    pitchWithRotate: false,
    cooperativeGestures: false,
    locale: { 'Map.Title': 'Map of collisions' },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  window.roadsafeMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({ compact: NARROW.matches }), 'bottom-right');

  map.on('idle', () => (mapContainer.dataset.idle = 'true'));
  map.on('dataloading', () => (mapContainer.dataset.idle = 'false'));
  map.on('error', (e) => {
    // Reported once in the page (the table still works) and as a console error, which the browser tests watch for.
    showMapMessage('Some map data could not be loaded. The table view shows the same collisions.');
    console.error('map error:', e.error?.message ?? e);
  });

  const addServiceLayers = (m: maplibregl.Map) => {
    for (const [id, source] of Object.entries(sources(location.origin, apiQuery()))) m.addSource(id, source);
    for (const layer of serviceLayers({ withBasemap: true, selectedDistrict: state.filters.district })) m.addLayer(layer);
  };
  if (withBasemap) {
    // An external basemap that cannot be fetched must not cost the collisions: fall back to the offline style.
    const onBasemapError = () => {
      if (map!.isStyleLoaded()) return;
      map!.off('style.load', onBasemapLoad);
      mapNotice = 'The background map could not be loaded; showing collisions without it.';
      showMapMessage(mapNotice);
      map!.setStyle(offlineStyle(location.origin, apiQuery(), state.filters.district));
      map!.once('style.load', () => {
        addHotspotLayers(map!);
        wireMapEvents(map!);
      });
    };
    const onBasemapLoad = () => {
      map!.off('error', onBasemapError);
      addServiceLayers(map!);
      addHotspotLayers(map!);
      wireMapEvents(map!);
    };
    map.once('style.load', onBasemapLoad);
    map.once('error', onBasemapError);
  } else {
    map.once('load', () => {
      addHotspotLayers(map!);
      wireMapEvents(map!);
    });
  }
  updateLegend();
  map.on('zoomend', updateLegend);
}

let legendGrouped: boolean | undefined;
function updateLegend(): void {
  const grouped = (map?.getZoom() ?? 0) < state.config.tileMinPointZoom;
  if (grouped === legendGrouped) return;
  legendGrouped = grouped;
  const container = byId('legend');
  const current = container.querySelector('details');
  renderLegend(container, grouped, current ? !current.open : NARROW.matches, state.hotspots.show && state.hotspots.available);
}

// ---------- Hotspots ----------

/** Collision layers and their normal opacity paint property, dimmed while hotspots are shown. */
const COLLISION_OPACITY: Array<[string, 'circle-opacity' | 'circle-stroke-opacity']> = [LAYERS.cellsAll, LAYERS.cellsFatal, LAYERS.points].flatMap((id) => [
  [id, 'circle-opacity'],
  [id, 'circle-stroke-opacity'],
] as Array<[string, 'circle-opacity' | 'circle-stroke-opacity']>);

/** Adds the hotspot tile layer (hidden unless switched on) once a published ranking exists. */
function addHotspotLayers(m: maplibregl.Map): void {
  if (!state.hotspots.available || m.getSource(HOTSPOT_SOURCE)) return;
  m.addSource(HOTSPOT_SOURCE, { type: 'vector', tiles: [hotspotTileUrl(location.origin, state.hotspots.unit)], minzoom: 0, maxzoom: 16 });
  for (const layer of hotspotLayers({ sourceLayer: 'hotspots', hidden: !state.hotspots.show })) m.addLayer(layer);
  showHotspots(state.hotspots.show);
}

/** The top candidate sites as a list of links: the hotspots without the map, for keyboards and screen readers. */
let hotspotTopLoaded = false;
async function loadHotspotTop(): Promise<void> {
  if (hotspotTopLoaded) return;
  hotspotTopLoaded = true;
  const target = byId('hotspot-top');
  try {
    const query = new URLSearchParams({ limit: '10', candidate: 'true' });
    if (state.hotspots.unit) query.set('unit', state.hotspots.unit);
    const list = normaliseList(await fetchJson<unknown>(`/api/hotspots?${query}`));
    target.replaceChildren(
      h('h3', {}, 'Top candidate sites'),
      list.sites.length
        ? h('ol', { class: 'hotspot-top-list' }, ...list.sites.map((site) => h('li', {}, h('a', { href: siteDetailsUrl(site.siteId, site.runId) }, siteLabel(site)), ` · ${formatGbp(site.harmScore)} a year`)))
        : h('p', { class: 'hint' }, 'No site is a candidate hotspot in the published ranking.'),
    );
  } catch (err) {
    hotspotTopLoaded = false;
    target.replaceChildren(h('p', { class: 'hint' }, `The list of sites could not be loaded: ${(err as Error).message}`));
  }
}

function showHotspots(show: boolean): void {
  state.hotspots.show = show && state.hotspots.available;
  byId('hotspot-top').hidden = !state.hotspots.show;
  if (state.hotspots.show) void loadHotspotTop();
  history.replaceState(history.state, '', pageUrl());
  byId('hotspot-unit-field').hidden = !state.hotspots.show || byId<HTMLSelectElement>('hotspot-unit').options.length < 2;
  if (map?.getSource(HOTSPOT_SOURCE)) {
    setHotspotVisibility(map, state.hotspots.show);
    // The hotspots are the subject while shown: the collisions stay as faint context.
    for (const [id, property] of COLLISION_OPACITY) if (map.getLayer(id)) map.setPaintProperty(id, property, state.hotspots.show ? 0.3 : 1);
    mapContainer.dataset.idle = 'false';
    map.triggerRepaint();
  }
  legendGrouped = undefined;
  updateLegend();
}

function setHotspotUnit(unit: SiteUnit | ''): void {
  state.hotspots.unit = unit;
  hotspotTopLoaded = false;
  if (state.hotspots.show) void loadHotspotTop();
  history.replaceState(history.state, '', pageUrl());
  const source = map?.getSource<maplibregl.VectorTileSource>(HOTSPOT_SOURCE);
  if (source) {
    mapContainer.dataset.idle = 'false';
    source.setTiles([hotspotTileUrl(location.origin, unit)]);
  }
}

async function loadHotspotMethod(): Promise<void> {
  const line = byId('hotspot-method');
  const toggle = byId<HTMLInputElement>('show-hotspots');
  try {
    const method = normaliseMethod(await fetchJson<unknown>('/api/hotspot-method'));
    state.hotspots.method = method;
    state.hotspots.available = Boolean(method.latestRun);
    line.textContent = shortMethodLine(method);
    // The tile layer's default: road sections and junctions of a network run, cells of a grid run.
    const kind = method.latestRun?.unitKind ?? method.units;
    const units: Array<SiteUnit | ''> = kind === 'network' ? ['', ...unitsForKind(kind)] : [''];
    const select = byId<HTMLSelectElement>('hotspot-unit');
    select.replaceChildren(...units.map((u) => h('option', { value: u }, u ? UNIT_LABELS[u] : kind === 'network' ? 'Road sections and junctions' : UNIT_LABELS.cell)));
    if (!units.includes(state.hotspots.unit)) state.hotspots.unit = '';
    select.value = state.hotspots.unit;
  } catch (err) {
    state.hotspots.available = false;
    line.textContent = err instanceof ApiError && err.status === 404 ? 'No hotspot ranking has been published yet.' : `The hotspot method could not be loaded: ${(err as Error).message}`;
  }
  toggle.disabled = !state.hotspots.available;
  toggle.checked = state.hotspots.show && state.hotspots.available;
  if (!state.hotspots.available) state.hotspots.show = false;
}

function wireMapEvents(m: maplibregl.Map): void {
  const canvas = m.getCanvas();
  canvas.setAttribute('aria-label', 'Map of collisions. Arrow keys move the map, plus and minus zoom.');
  const tip = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'hover-tip', offset: 12, maxWidth: '260px' });
  let hoveredDistrict: string | number | undefined;
  const interactive = [LAYERS.points, LAYERS.cellsAll];
  const hotspotInteractive = interactiveHotspotLayers().filter((id) => m.getLayer(id));
  /** The hotspot under the pointer, when the layer is shown (it takes precedence over collisions). */
  const hotspotAt = (point: maplibregl.PointLike) => (state.hotspots.show && hotspotInteractive.length ? m.queryRenderedFeatures(point, { layers: hotspotInteractive })[0] : undefined);

  m.on('mousemove', (e) => {
    const features = m.queryRenderedFeatures(e.point, { layers: interactive });
    const feature = features.find((f) => f.layer.id === LAYERS.points) ?? features[0];
    const districts = m.queryRenderedFeatures(e.point, { layers: [LAYERS.districtFill] });
    const district = districts[0];
    if (hoveredDistrict !== undefined && hoveredDistrict !== district?.id) {
      m.setFeatureState({ source: DISTRICT_SOURCE, sourceLayer: 'districts', id: hoveredDistrict }, { hover: false });
      hoveredDistrict = undefined;
    }
    if (district?.id !== undefined && hoveredDistrict !== district.id) {
      hoveredDistrict = district.id;
      m.setFeatureState({ source: DISTRICT_SOURCE, sourceLayer: 'districts', id: hoveredDistrict }, { hover: true });
    }
    const hotspot = hotspotAt(e.point);
    canvas.style.cursor = feature || hotspot ? 'pointer' : '';
    const text = hotspot ? hotspotTip(hotspot.properties) : feature ? featureTip(feature.properties) : district ? String(district.properties.name ?? '') : '';
    if (text) tip.setLngLat(e.lngLat).setDOMContent(h('div', {}, ...text.split('\n').map((line, i) => (i === 0 ? h('strong', {}, line) : h('div', {}, line))))).addTo(m);
    else tip.remove();
  });
  m.getCanvasContainer().addEventListener('mouseleave', () => {
    tip.remove();
    if (hoveredDistrict !== undefined) m.setFeatureState({ source: DISTRICT_SOURCE, sourceLayer: 'districts', id: hoveredDistrict }, { hover: false });
    hoveredDistrict = undefined;
  });

  m.on('click', (e) => {
    const hotspot = hotspotAt(e.point);
    if (hotspot) {
      tip.remove();
      openHotspot(hotspot.properties, [e.lngLat.lng, e.lngLat.lat]);
      return;
    }
    const features = m.queryRenderedFeatures(e.point, { layers: interactive });
    const feature = features.find((f) => f.layer.id === LAYERS.points) ?? features[0];
    if (!feature) return;
    tip.remove();
    const point = feature.geometry.type === 'Point' ? (feature.geometry.coordinates as [number, number]) : [e.lngLat.lng, e.lngLat.lat];
    if (feature.properties.aggregated) {
      m.easeTo({ center: point as [number, number], zoom: Math.min(state.config.tileMinPointZoom + 1, Math.max(m.getZoom() + 2, state.config.tileMinPointZoom)) });
      return;
    }
    void openDetails(String(feature.properties.collisionIndex), point as [number, number]);
  });
}

function featureTip(p: Record<string, unknown>): string {
  if (p.aggregated) {
    const count = Number(p.count ?? 0);
    return `${formatCount(count)} collision${count === 1 ? '' : 's'}\n${formatCount(Number(p.fatal ?? 0))} fatal, ${formatCount(Number(p.serious ?? 0))} serious, ${formatCount(Number(p.slight ?? 0))} slight\nSelect to zoom in`;
  }
  const severity = String(p.severityName ?? ({ 1: 'fatal', 2: 'serious', 3: 'slight' } as Record<string, string>)[String(p.severity)] ?? '');
  return `${capitalise(severity)} collision\n${formatDate(String(p.date ?? ''))}\nSelect for details`;
}

let detailsPopup: maplibregl.Popup | undefined;

function openHotspot(properties: Record<string, unknown>, at: [number, number]): void {
  if (!map) return;
  detailsPopup?.remove();
  detailsPopup = new maplibregl.Popup({ className: 'details-popup', maxWidth: '320px', focusAfterOpen: true, closeButton: true })
    .setLngLat(at)
    .setDOMContent(renderHotspotPopup(properties))
    .addTo(map);
  detailsPopup.getElement()?.querySelector<HTMLButtonElement>('.maplibregl-popup-close-button')?.focus();
}

async function openDetails(collisionIndex: string, at: [number, number]): Promise<void> {
  if (!map) return;
  detailsPopup?.remove();
  const popup = (detailsPopup = new maplibregl.Popup({ className: 'details-popup', maxWidth: '320px', focusAfterOpen: true, closeButton: true })
    .setLngLat(at)
    .setDOMContent(h('p', { class: 'muted' }, 'Loading…'))
    .addTo(map));
  try {
    const raw = await fetchJson<unknown>(`/api/collisions/${encodeURIComponent(collisionIndex)}`);
    if (popup !== detailsPopup) return;
    const details = normaliseCollision(raw);
    if (!details.collisionIndex) details.collisionIndex = collisionIndex;
    popup.setDOMContent(renderDetails(details));
  } catch (err) {
    if (popup !== detailsPopup) return;
    popup.setDOMContent(renderDetailsError(err instanceof ApiError && err.status === 404 ? 'This collision is no longer in the data.' : `The details could not be loaded: ${(err as Error).message}`));
  }
  // Focus the close button so keyboard users land in the popup and can leave it with Enter/Escape.
  popup.getElement()?.querySelector<HTMLButtonElement>('.maplibregl-popup-close-button')?.focus();
}

function showOnMap(c: CollisionDetails): void {
  if (c.lon === undefined || c.lat === undefined || !map) return;
  setView('map');
  const target: [number, number] = [c.lon, c.lat];
  map.once('moveend', () => void openDetails(c.collisionIndex, target));
  map.flyTo({ center: target, zoom: Math.max(map.getZoom(), 15), duration: 800 });
}

// ---------- Views and layout ----------

function setView(view: 'map' | 'table', focus = false): void {
  state.view = view;
  history.replaceState(history.state, '', pageUrl());
  byId('map-view').hidden = view !== 'map';
  byId('table-view').hidden = view !== 'table';
  byId('show-map').setAttribute('aria-pressed', String(view === 'map'));
  byId('show-table').setAttribute('aria-pressed', String(view === 'table'));
  document.body.classList.toggle('table-mode', view === 'table');
  if (view === 'map') map?.resize();
  if (view === 'table') {
    if (state.summary) table.setTotal(state.summary.total);
    void table.load();
    if (focus) byId('table-view').focus();
  }
}

function setPanelOpen(open: boolean): void {
  document.body.classList.toggle('panel-open', open);
  byId('panel-toggle').setAttribute('aria-expanded', String(open));
  byId('panel-toggle').textContent = open ? 'Show map' : 'Filters & summary';
  if (open) byId('panel').focus();
}

function wireControls(): void {
  form.addEventListener('submit', (e) => e.preventDefault());
  let dateTimer: ReturnType<typeof setTimeout> | undefined;
  form.addEventListener('change', (e) => {
    const target = e.target as HTMLElement;
    clearTimeout(dateTimer);
    // Typing a date fires a change per complete-looking value (2 → 20 → 202 → 2023): wait for a pause.
    if (target === fromInput || target === toInput) dateTimer = setTimeout(() => applyFilters(readForm()), 400);
    else applyFilters(readForm(), { fitDistrict: target === districtSelect });
  });
  byId('reset-filters').addEventListener('click', () => {
    writeForm(DEFAULT_FILTERS);
    applyFilters({ ...DEFAULT_FILTERS, severity: [...SEVERITIES] }, { fitDistrict: true });
    announce('Filters reset.');
  });
  byId('show-map').addEventListener('click', () => setView('map'));
  byId('show-table').addEventListener('click', () => setView('table', true));
  byId('skip-to-table').addEventListener('click', (e) => {
    e.preventDefault();
    setView('table', true);
  });
  byId('panel-toggle').addEventListener('click', () => setPanelOpen(!document.body.classList.contains('panel-open')));
  NARROW.addEventListener('change', () => {
    if (!NARROW.matches) setPanelOpen(false);
    map?.resize();
  });
  byId('attribution-text').innerHTML = DATA_ATTRIBUTION;
  byId<HTMLInputElement>('show-hotspots').addEventListener('change', (e) => {
    showHotspots((e.target as HTMLInputElement).checked);
    announce(state.hotspots.show ? 'Hotspot sites shown on the map.' : 'Hotspot sites hidden.');
  });
  byId<HTMLSelectElement>('hotspot-unit').addEventListener('change', (e) => {
    const value = (e.target as HTMLSelectElement).value;
    setHotspotUnit((UNITS as readonly string[]).includes(value) ? (value as SiteUnit) : '');
  });
}

// ---------- Start ----------

async function loadDistricts(): Promise<void> {
  for (const d of await fetchDistricts()) {
    state.districtNames.set(d.code, d.name);
    const b = featuresBounds([d.geometry]);
    if (b) state.districtBounds.set(d.code, b);
    districtSelect.append(h('option', { value: d.code }, d.name));
  }
}

async function start(): Promise<void> {
  fillRoadUserOptions();
  wireControls();
  const [config] = await Promise.all([
    fetchJson<ClientConfig>('/api/config').catch(() => state.config),
    loadDistricts(),
    loadHotspotMethod(),
  ]);
  state.config = { ...state.config, ...config };
  writeForm(state.filters);
  setView(state.view);
  await createMap();
  applyFilters(state.filters);
}

void start();
