// The public page of one hotspot site: /hotspot?site=<siteId>[&run=<id>]. No personal data: the API's public view.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/pages.css';
import { ApiError, fetchDistricts, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { createBaseMap, featuresBounds } from '../map/base-map.ts';
import { renderSiteDetail } from './detail-view.ts';
import { renderMethod } from './method-view.ts';
import { hotspotLayers } from './style.ts';
import { normaliseDetail, normaliseMethod, siteLabel, type MethodStatement, type SiteDetail } from './types.ts';

const params = new URLSearchParams(location.search);
const siteId = params.get('site') ?? '';
const runId = params.get('run') ?? '';

async function loadDistrictNames(): Promise<Map<string, string>> {
  return new Map((await fetchDistricts()).map((d) => [d.code, d.name]));
}

function showMap(detail: SiteDetail): void {
  const geometry = detail.site.geometry;
  const bounds = featuresBounds([geometry]);
  if (!geometry || !bounds) return;
  byId('site-map-wrap').hidden = false;
  const pad = 0.004;
  createBaseMap(byId('map'), {
    label: `Map of ${siteLabel(detail.site)}.`,
    bounds: [bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad],
    maxZoom: 17,
    onLoad: (map) => {
      map.addSource('site', { type: 'geojson', data: { type: 'Feature', geometry, properties: { ...detail.site, geometry: undefined, siteId: detail.site.siteId } } });
      for (const layer of hotspotLayers({ source: 'site', prefix: 'site', selectedSiteId: detail.site.siteId })) map.addLayer(layer);
    },
  });
}

async function start(): Promise<void> {
  const target = byId('site');
  const methodTarget = byId('method');
  if (!siteId) {
    target.replaceChildren(h('h1', {}, 'Hotspot site'), h('p', {}, 'No site was named. ', h('a', { href: '/?hotspots=on' }, 'Choose a hotspot on the map'), '.'));
    methodTarget.replaceChildren();
    return;
  }
  const query = runId ? `?run=${encodeURIComponent(runId)}` : '';
  const [detailResult, method, districtNames] = await Promise.all([
    fetchJson<unknown>(`/api/hotspots/${encodeURIComponent(siteId)}${query}`).then(
      (raw) => ({ ok: true as const, detail: normaliseDetail(raw) }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
    fetchJson<unknown>('/api/hotspot-method').then(normaliseMethod, () => undefined as MethodStatement | undefined),
    loadDistrictNames(),
  ]);
  if (!detailResult.ok) {
    const err = detailResult.err;
    const message = err instanceof ApiError && err.status === 404 ? 'This site is not in the hotspot ranking (it may have dropped out since the link was made).' : `The site could not be loaded: ${(err as Error).message}`;
    target.replaceChildren(h('h1', {}, 'Hotspot site'), h('p', { class: 'error-text', role: 'alert' }, message));
  } else {
    const { detail } = detailResult;
    const run = detail.run ?? (method?.latestRun && (!runId || String(method.latestRun.id) === runId) ? method.latestRun : undefined);
    document.title = `${siteLabel(detail.site)} – hotspot – Road collisions`;
    target.replaceChildren(renderSiteDetail(detail, { run, districtNames, headingLevel: 'h1', idPrefix: 'site' }));
    showMap(detail);
  }
  const shownRun = detailResult.ok ? detailResult.detail.run : undefined;
  methodTarget.replaceChildren(method ? renderMethod(method, shownRun ?? method.latestRun) : h('p', { class: 'muted' }, 'The method statement could not be loaded.'));
}

void start();
