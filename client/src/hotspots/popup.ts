import { h } from '../shared/dom.ts';
import { formatGbp, formatProbability } from '../shared/format.ts';
import { flagChips } from './detail-view.ts';
import { normaliseSite, siteLabel } from './types.ts';

/** The public page with one site's details (charts, method). */
export function siteDetailsUrl(siteId: string, runId?: number | null): string {
  const query = new URLSearchParams({ site: siteId });
  if (runId) query.set('run', String(runId));
  return `/hotspot?${query}`;
}

/** A hotspot's popup on the map: road, rank, harm per year, probability of excess and a link to its details. */
export function renderHotspotPopup(properties: Record<string, unknown>): HTMLElement {
  const site = normaliseSite({ properties });
  const list = h('dl', { class: 'details' });
  const add = (term: string, value: string) => list.append(h('dt', {}, term), h('dd', {}, value));
  add('Rank', site.rank === null ? '–' : String(site.rank));
  add('Harm', site.harmScore === null ? '–' : `${formatGbp(site.harmScore)} a year`);
  add('P(excess)', formatProbability(site.pExcess));
  return h(
    'div',
    { class: 'hotspot-popup' },
    h('h2', { class: 'details-title' }, siteLabel(site)),
    flagChips(site),
    list,
    h('p', { class: 'hotspot-popup-note' }, 'Harm: pounds a year of collisions above what similar roads expect. P(excess): how sure we are there are more than expected.'),
    site.siteId ? h('p', { class: 'details-ref' }, h('a', { href: siteDetailsUrl(site.siteId, site.runId) }, 'Site details and charts')) : null,
  );
}

/** Hover text for a hotspot feature. */
export function hotspotTip(properties: Record<string, unknown>): string {
  const site = normaliseSite({ properties });
  return `${siteLabel(site)}\nRank ${site.rank ?? '–'}${site.candidate ? ' · candidate' : ''}\nSelect for details`;
}
