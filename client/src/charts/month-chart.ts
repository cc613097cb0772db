import { h, s } from '../shared/dom.ts';
import { formatCount, monthLabel } from '../shared/format.ts';
import { niceTicks } from './scale.ts';

export interface MonthCounts {
  /** 'YYYY-MM'. */
  month: string;
  fatal: number;
  serious: number;
  slight: number;
  total: number;
}

const SERIES = ['fatal', 'serious', 'slight'] as const;

function nextMonth(yyyymm: string): string {
  const [y, m] = yyyymm.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** Every month from the first to the last present, with zeros where a month had none. */
export function fillMonths(rows: MonthCounts[]): MonthCounts[] {
  const byMonth = new Map(rows.map((r) => [r.month.slice(0, 7), r]));
  const months = [...byMonth.keys()].sort();
  if (months.length === 0) return [];
  const filled: MonthCounts[] = [];
  for (let m = months[0]!; m <= months[months.length - 1]!; m = nextMonth(m)) {
    const row = byMonth.get(m);
    filled.push(row ? { ...row, month: m } : { month: m, fatal: 0, serious: 0, slight: 0, total: 0 });
  }
  return filled;
}

/**
 * Collisions by month as stacked bars (fatal at the base, then serious, then slight), with a
 * visually hidden table of the same numbers for screen readers.
 */
export function monthChart(rows: MonthCounts[], colours: Record<(typeof SERIES)[number], string>, idPrefix: string): HTMLElement {
  const months = fillMonths(rows);
  const figure = h('figure', { class: 'chart' });
  if (months.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No collisions match these filters.'));
    return figure;
  }
  const width = 340;
  const height = 168;
  const margin = { top: 8, right: 4, bottom: months.length > 12 ? 30 : 20, left: 36 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = Math.max(...months.map((m) => m.fatal + m.serious + m.slight));
  const ticks = niceTicks(max, 4);
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => margin.top + plotH - (v / top) * plotH;
  const band = plotW / months.length;
  const barW = Math.max(1, band * 0.72);

  const titleId = `${idPrefix}-title`;
  const first = monthLabel(months[0]!.month).long;
  const last = monthLabel(months[months.length - 1]!.month).long;
  const description = `Stacked bar chart of collisions per month by severity, ${first} to ${last}; busiest month ${formatCount(max)} collisions.`;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': titleId,
    class: 'chart-svg',
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(s('title', { id: titleId }, description));

  for (const t of ticks) {
    svg.append(s('line', { x1: margin.left, x2: width - margin.right, y1: y(t), y2: y(t), class: t === 0 ? 'axis-line' : 'grid-line' }));
    svg.append(s('text', { x: margin.left - 5, y: y(t), class: 'tick-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatCount(t)));
  }

  months.forEach((m, i) => {
    const x = margin.left + i * band + (band - barW) / 2;
    const label = monthLabel(m.month);
    const group = s('g', { class: 'bar' });
    group.append(s('title', {}, `${label.long}: ${formatCount(m.fatal)} fatal, ${formatCount(m.serious)} serious, ${formatCount(m.slight)} slight`));
    let base = 0;
    for (const key of SERIES) {
      const v = m[key];
      if (v > 0) group.append(s('rect', { x, width: barW, y: y(base + v), height: Math.max(0.5, y(base) - y(base + v)), fill: colours[key] }));
      base += v;
    }
    svg.append(group);
    const everyNth = months.length <= 12 ? 1 : months.length <= 24 ? 2 : 3;
    const monthIndex = Number(m.month.slice(5, 7)) - 1;
    if (monthIndex % everyNth === 0) {
      svg.append(s('text', { x: x + barW / 2, y: height - margin.bottom + 12, class: 'tick-label', 'text-anchor': 'middle' }, months.length <= 12 ? label.short : label.short.charAt(0)));
    }
    if (months.length > 12 && (monthIndex === 0 || i === 0)) {
      svg.append(s('text', { x: x, y: height - 4, class: 'tick-label year-label', 'text-anchor': 'start' }, label.year));
    }
  });
  figure.append(svg);

  const table = h(
    'table',
    { class: 'visually-hidden' },
    h('caption', {}, 'Collisions by month and severity'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Month'), ...SERIES.map((k) => h('th', { scope: 'col' }, k)), h('th', { scope: 'col' }, 'Total'))),
    h(
      'tbody',
      {},
      ...months.map((m) =>
        h('tr', {}, h('th', { scope: 'row' }, monthLabel(m.month).long), ...SERIES.map((k) => h('td', {}, formatCount(m[k]))), h('td', {}, formatCount(m.fatal + m.serious + m.slight))),
      ),
    ),
  );
  figure.append(table);
  return figure;
}
