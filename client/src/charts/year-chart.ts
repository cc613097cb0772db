import { h, s } from '../shared/dom.ts';
import { capitalise, formatCount } from '../shared/format.ts';
import { niceTicks } from './scale.ts';

export interface YearRow {
  year: number;
  fatal: number;
  serious: number;
  slight: number;
}

const SERIES = ['fatal', 'serious', 'slight'] as const;

/** Every year from the first to the last present, with zeros for years without collisions. */
export function fillYears(rows: readonly YearRow[], from?: number, to?: number): YearRow[] {
  const byYear = new Map(rows.map((r) => [r.year, r]));
  const years = rows.map((r) => r.year);
  const first = from ?? Math.min(...years);
  const last = to ?? Math.max(...years);
  if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
  const filled: YearRow[] = [];
  for (let y = first; y <= last; y++) filled.push(byYear.get(y) ?? { year: y, fatal: 0, serious: 0, slight: 0 });
  return filled;
}

/**
 * Collisions per year as stacked bars (fatal at the base, then serious, then slight), labelled with
 * each year's total, and a visually hidden table of the same numbers.
 */
export function yearChart(rows: readonly YearRow[], colours: Record<(typeof SERIES)[number], string>, idPrefix: string, range: { from?: number; to?: number } = {}): HTMLElement {
  const years = fillYears(rows, range.from, range.to);
  const figure = h('figure', { class: 'chart', 'data-chart': 'trend' });
  if (years.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No collisions in the period.'));
    return figure;
  }
  const width = 340;
  const height = 150;
  const margin = { top: 14, right: 4, bottom: 20, left: 30 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const totals = years.map((y) => y.fatal + y.serious + y.slight);
  const max = Math.max(...totals);
  const ticks = niceTicks(max, 3);
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => margin.top + plotH - (v / top) * plotH;
  const band = plotW / years.length;
  const barW = Math.min(36, band * 0.65);

  const titleId = `${idPrefix}-title`;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, class: 'chart-svg' });
  svg.append(
    s('title', { id: titleId }, `Stacked bar chart of collisions per year by severity, ${years[0]!.year} to ${years[years.length - 1]!.year}; most in one year ${formatCount(max)}.`),
  );
  for (const t of ticks) {
    svg.append(s('line', { x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t), class: t === 0 ? 'axis-line' : 'grid-line' }));
    svg.append(s('text', { x: margin.left - 5, y: y(t), class: 'tick-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatCount(t)));
  }
  years.forEach((row, i) => {
    const x = margin.left + i * band + (band - barW) / 2;
    const group = s('g', { class: 'bar' });
    group.append(s('title', {}, `${row.year}: ${formatCount(row.fatal)} fatal, ${formatCount(row.serious)} serious, ${formatCount(row.slight)} slight`));
    let base = 0;
    for (const key of SERIES) {
      const v = row[key];
      if (v > 0) group.append(s('rect', { x, width: barW, y: y(base + v), height: Math.max(0.5, y(base) - y(base + v)), fill: colours[key], 'data-series': key }));
      base += v;
    }
    svg.append(group);
    if (totals[i]! > 0) svg.append(s('text', { x: x + barW / 2, y: y(totals[i]!) - 3, class: 'tick-label', 'text-anchor': 'middle' }, formatCount(totals[i]!)));
    svg.append(s('text', { x: x + barW / 2, y: height - margin.bottom + 13, class: 'tick-label', 'text-anchor': 'middle' }, String(row.year)));
  });
  figure.append(svg);
  figure.append(
    h(
      'div',
      { class: 'chart-key', 'aria-hidden': 'true' },
      ...SERIES.map((k) => h('span', {}, h('span', { class: `swatch swatch-${k}` }), capitalise(k))),
    ),
  );
  figure.append(
    h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, 'Collisions by year and severity'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Year'), ...SERIES.map((k) => h('th', { scope: 'col' }, k)), h('th', { scope: 'col' }, 'Total'))),
      h('tbody', {}, ...years.map((r, i) => h('tr', {}, h('th', { scope: 'row' }, String(r.year)), ...SERIES.map((k) => h('td', {}, formatCount(r[k]))), h('td', {}, formatCount(totals[i]!))))),
    ),
  );
  return figure;
}
