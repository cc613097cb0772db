import { h } from '../shared/dom.ts';
import { formatCount } from '../shared/format.ts';

export interface BarItem {
  label: string;
  value: number;
}

/**
 * A labelled list of horizontal bars (largest first) for a breakdown such as road-user groups.
 * Plain HTML, so screen readers read "Pedestrians 4" without a separate table.
 */
export function barList(items: readonly BarItem[], options: { caption: string; colour?: string; empty?: string; keepOrder?: boolean }): HTMLElement {
  const rows = options.keepOrder ? [...items] : [...items].sort((a, b) => b.value - a.value);
  const shown = rows.filter((r) => r.value > 0);
  const figure = h('figure', { class: 'chart bar-list', 'data-chart': 'bars' }, h('figcaption', { class: 'bar-list-caption' }, options.caption));
  if (shown.length === 0) {
    figure.append(h('p', { class: 'muted' }, options.empty ?? 'None.'));
    return figure;
  }
  const max = Math.max(...shown.map((r) => r.value));
  figure.append(
    h(
      'ul',
      { class: 'bar-list-items' },
      ...shown.map((r) =>
        h(
          'li',
          {},
          h('span', { class: 'bar-list-label' }, r.label),
          h('span', { class: 'bar-list-track', 'aria-hidden': 'true' }, h('span', { class: 'bar-list-bar', style: `width:${((100 * r.value) / max).toFixed(1)}%${options.colour ? `;background:${options.colour}` : ''}` })),
          h('span', { class: 'bar-list-value' }, formatCount(r.value)),
        ),
      ),
    ),
  );
  return figure;
}
