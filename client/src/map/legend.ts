import { h, s } from '../shared/dom.ts';
import { capitalise } from '../shared/format.ts';
import { SEVERITIES } from './filters.ts';
import { HOTSPOT_COLOURS } from '../hotspots/style.ts';
import { MAP_COLOURS, SEVERITY_COLOURS } from './style.ts';

const POINT_RADIUS = { fatal: 6.5, serious: 5.2, slight: 4.2 } as const;

/** A legend swatch: a filled circle with a white edge. */
export function dotSwatch(colour: string, r: number): SVGSVGElement {
  return s('svg', { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' }, s('circle', { cx: 8, cy: 8, r, fill: colour, stroke: '#fff', 'stroke-width': 1 }));
}

function nestedCircles(): SVGSVGElement {
  return s(
    'svg',
    { viewBox: '0 0 28 28', width: 28, height: 28, 'aria-hidden': 'true', focusable: 'false' },
    s('circle', { cx: 14, cy: 14, r: 13, fill: SEVERITY_COLOURS.slight, stroke: '#fff', 'stroke-width': 1 }),
    s('circle', { cx: 14, cy: 14, r: 8, fill: SEVERITY_COLOURS.serious }),
    s('circle', { cx: 14, cy: 14, r: 4, fill: SEVERITY_COLOURS.fatal }),
  );
}

/** A legend swatch: a short line, with a wider casing under it when given. */
export function lineSwatch(colour: string, width: number, casing?: string): SVGSVGElement {
  return s(
    'svg',
    { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' },
    casing ? s('line', { x1: 1, y1: 8, x2: 15, y2: 8, stroke: casing, 'stroke-width': width + 4, 'stroke-linecap': 'round' }) : null,
    s('line', { x1: 2, y1: 8, x2: 14, y2: 8, stroke: colour, 'stroke-width': width, 'stroke-linecap': 'round' }),
  );
}

/** The hotspot part of the legend, shown while the layer is on. */
export function hotspotLegendItems(): HTMLElement {
  return h(
    'ul',
    { class: 'legend-items legend-hotspots', 'aria-label': 'Hotspots' },
    h('li', {}, lineSwatch(HOTSPOT_COLOURS.candidate, 5), 'Candidate hotspot (P(excess) ≥ 95%)'),
    h('li', {}, lineSwatch(HOTSPOT_COLOURS.ranked, 3), 'Other site with excess collisions'),
    h('li', {}, lineSwatch(HOTSPOT_COLOURS.ranked, 3, HOTSPOT_COLOURS.corridor), 'Part of a corridor'),
  );
}

/** The map legend; its second part changes between single collisions and grouped areas. */
export function renderLegend(container: HTMLElement, grouped: boolean, collapsed: boolean, hotspots = false): void {
  const items = h(
    'ul',
    { class: 'legend-items' },
    ...SEVERITIES.map((sev) => h('li', {}, dotSwatch(SEVERITY_COLOURS[sev], POINT_RADIUS[sev]), capitalise(sev))),
    h(
      'li',
      {},
      s('svg', { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' }, s('line', { x1: 1, y1: 8, x2: 15, y2: 8, stroke: MAP_COLOURS.districtLine, 'stroke-width': 2 })),
      'District boundary',
    ),
  );
  const mode = grouped
    ? h(
        'div',
        { class: 'legend-mode' },
        nestedCircles(),
        h('p', {}, 'Grouped by area at this zoom: circle size shows the number, the orange and red centres the serious and fatal share. Zoom in for single collisions.'),
      )
    : h('p', { class: 'legend-mode legend-hint' }, 'Select a collision for its details.');
  const details = h(
    'details',
    { class: 'legend-details', ...(collapsed ? {} : { open: true }) },
    h('summary', {}, 'Legend'),
    hotspots ? hotspotLegendItems() : null,
    items,
    mode,
  );
  container.replaceChildren(details);
}
