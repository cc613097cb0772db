import { h, s } from '../shared/dom.ts';
import { SEVERITIES } from './filters.ts';
import { MAP_COLOURS, SEVERITY_COLOURS } from './style.ts';

const POINT_RADIUS = { fatal: 6.5, serious: 5.2, slight: 4.2 } as const;

function dot(colour: string, r: number): SVGSVGElement {
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

/** The map legend; its second part changes between single collisions and grouped areas. */
export function renderLegend(container: HTMLElement, grouped: boolean, collapsed: boolean): void {
  const items = h(
    'ul',
    { class: 'legend-items' },
    ...SEVERITIES.map((sev) => h('li', {}, dot(SEVERITY_COLOURS[sev], POINT_RADIUS[sev]), `${sev.charAt(0).toUpperCase()}${sev.slice(1)}`)),
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
  const details = h('details', { class: 'legend-details', ...(collapsed ? {} : { open: true }) }, h('summary', {}, 'Legend'), items, mode);
  container.replaceChildren(details);
}
