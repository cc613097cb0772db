import { fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { capitalise, formatCount, formatDate } from '../shared/format.ts';
import { normaliseCollision, type CollisionDetails } from './api-types.ts';

export const PAGE_SIZE = 50;

interface FeatureCollection {
  features?: unknown[];
  /** Collisions matching the filters (all pages). */
  numberMatched?: number;
}

/** The paged table of collisions for the current filters: the data behind the map without the map. */
export class TableView {
  private offset = 0;
  private total = 0;
  private query = '';
  private controller: AbortController | undefined;

  constructor(private readonly onShowOnMap: (c: CollisionDetails) => void) {
    byId('page-prev').addEventListener('click', () => this.go(this.offset - PAGE_SIZE));
    byId('page-next').addEventListener('click', () => this.go(this.offset + PAGE_SIZE));
  }

  /** New filters: back to the first page. `total` comes from the summary. */
  setQuery(query: string, total: number): void {
    this.query = query;
    this.total = total;
    this.offset = 0;
  }

  setTotal(total: number): void {
    this.total = total;
  }

  private go(offset: number): void {
    this.offset = Math.max(0, offset);
    void this.load();
  }

  async load(): Promise<void> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const scroll = byId('table-scroll');
    scroll.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams(this.query);
    params.set('limit', String(PAGE_SIZE));
    params.set('offset', String(this.offset));
    try {
      const body = await fetchJson<FeatureCollection>(`/api/collisions?${params}`, { signal: controller.signal });
      if (controller.signal.aborted) return;
      if (typeof body.numberMatched === 'number') this.total = body.numberMatched;
      this.render((body.features ?? []).map(normaliseCollision));
    } catch (err) {
      if (controller.signal.aborted) return;
      scroll.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The collisions could not be loaded: ${(err as Error).message}`));
    } finally {
      if (this.controller === controller) scroll.removeAttribute('aria-busy');
    }
  }

  private render(rows: CollisionDetails[]): void {
    const first = rows.length ? this.offset + 1 : 0;
    const last = this.offset + rows.length;
    byId('table-count').textContent = this.total ? `${formatCount(this.total)} collisions match the filters.` : 'No collisions match the filters.';
    byId('page-label').textContent = rows.length ? `Rows ${formatCount(first)}–${formatCount(last)} of ${formatCount(this.total)}` : '';
    (byId('page-prev') as HTMLButtonElement).disabled = this.offset === 0;
    (byId('page-next') as HTMLButtonElement).disabled = last >= this.total || rows.length < PAGE_SIZE;

    const table = h(
      'table',
      { class: 'data-table', id: 'collision-table' },
      h('caption', { class: 'visually-hidden' }, `Collisions, rows ${first} to ${last} of ${this.total}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Date', 'Time', 'Severity', 'District', 'Road', 'Speed limit', 'Casualties', 'Vehicles', 'Reference'].map((label) =>
            h('th', { scope: 'col', class: ['Casualties', 'Vehicles', 'Speed limit'].includes(label) ? 'num' : null }, label),
          ),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Map')),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((c) =>
          h(
            'tr',
            {},
            h('td', { class: 'nowrap' }, formatDate(c.date)),
            h('td', {}, c.time || '–'),
            h('td', { class: 'nowrap' }, h('span', { class: `swatch swatch-${c.severity ?? 'unknown'}`, 'aria-hidden': 'true' }), capitalise(c.severity ?? 'unknown')),
            h('td', {}, c.districtName || '–'),
            h('td', {}, c.road || 'C or unclassified'),
            h('td', { class: 'num' }, c.speedLimit || '–'),
            h('td', { class: 'num' }, c.casualties ?? '–'),
            h('td', { class: 'num' }, c.vehicles ?? '–'),
            h('td', {}, h('code', {}, c.collisionIndex)),
            h(
              'td',
              { class: 'nowrap' },
              c.lon !== undefined && c.lat !== undefined
                ? h('button', { type: 'button', class: 'link-button', onclick: () => this.onShowOnMap(c) }, 'Show on map', h('span', { class: 'visually-hidden' }, ` (collision ${c.collisionIndex})`))
                : '',
            ),
          ),
        ),
      ),
    );
    byId('table-scroll').replaceChildren(rows.length ? table : h('p', { class: 'muted' }, 'No collisions match these filters.'));
  }
}
