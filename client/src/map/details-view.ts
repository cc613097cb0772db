import { h } from '../shared/dom.ts';
import { capitalise, DAY_NAMES, formatDate } from '../shared/format.ts';
import type { CollisionDetails } from './api-types.ts';

function weekday(iso: string): string {
  const d = new Date(`${iso}T12:00:00Z`);
  return Number.isNaN(d.getTime()) ? '' : (DAY_NAMES[d.getUTCDay()] ?? '');
}

/** The popup body for one collision: a heading and a definition list of what STATS19 records. */
export function renderDetails(c: CollisionDetails): HTMLElement {
  const rows: Array<[string, string]> = [
    ['When', [weekday(c.date), formatDate(c.date), c.time].filter(Boolean).join(' ')],
    ['District', c.districtName],
    ['Road', c.road],
    ['Speed limit', c.speedLimit],
    ['Junction', c.junction],
    ['Light', c.light],
    ['Weather', c.weather],
    ['Road surface', c.surface],
    ['Area', c.area],
    ['Casualties', c.casualties === undefined ? '' : String(c.casualties)],
    ['Vehicles', c.vehicles === undefined ? '' : String(c.vehicles)],
  ];
  const list = h('dl', { class: 'details' });
  for (const [term, value] of rows) {
    if (!value) continue;
    list.append(h('dt', {}, term), h('dd', {}, value));
  }
  const severity = c.severity ?? 'unknown';
  return h(
    'div',
    { class: 'collision-details' },
    h('h2', { class: 'details-title' }, h('span', { class: `swatch swatch-${severity}`, 'aria-hidden': 'true' }), `${capitalise(severity)} collision`),
    list,
    c.casualtyLines.length > 0 ? h('ul', { class: 'casualty-lines', 'aria-label': 'Casualties' }, ...c.casualtyLines.map((line) => h('li', {}, line))) : null,
    h('p', { class: 'details-ref' }, 'Reference ', h('code', {}, c.collisionIndex)),
  );
}

export function renderDetailsError(message: string): HTMLElement {
  return h('div', { class: 'collision-details' }, h('p', { class: 'error-text' }, message));
}
