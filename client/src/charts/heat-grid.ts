import { h, s } from '../shared/dom.ts';
import { formatCount } from '../shared/format.ts';
import { interpolateStops, SEQUENTIAL_BLUES } from './scale.ts';

export interface DayHour {
  /** Row labels, in the order of `counts` (e.g. Monday…Sunday). */
  days: string[];
  /** Column labels, normally 0…23. */
  hours: number[];
  /** counts[day][hour]. */
  counts: number[][];
}

function shortDay(day: string): string {
  return day.length > 3 ? day.slice(0, 3) : day;
}

function cellColour(count: number, max: number): string {
  if (count === 0 || max === 0) return '#f4f5f7';
  // A square-root ramp keeps quiet hours visible next to the rush-hour peaks.
  return interpolateStops(SEQUENTIAL_BLUES, 0.12 + 0.88 * Math.sqrt(count / max));
}

/** The 7 × 24 day-of-week × hour matrix as a heat grid, with a key and a visually hidden table. */
export function heatGrid(data: DayHour, idPrefix: string): HTMLElement {
  const figure = h('figure', { class: 'chart' });
  const max = Math.max(0, ...data.counts.flat());
  const width = 340;
  const left = 32;
  const top = 4;
  const cell = (width - left - 2) / Math.max(1, data.hours.length);
  const rowH = Math.min(16, cell * 1.25);
  const height = top + data.days.length * rowH + 18;

  let busiest = { day: '', hour: 0, count: -1 };
  data.counts.forEach((row, d) =>
    row.forEach((count, hIndex) => {
      if (count > busiest.count) busiest = { day: data.days[d] ?? '', hour: data.hours[hIndex] ?? hIndex, count };
    }),
  );
  const titleId = `${idPrefix}-title`;
  const description =
    max > 0
      ? `Heat grid of collisions by day of week and hour of day; darker is more. Busiest: ${busiest.day} ${String(busiest.hour).padStart(2, '0')}:00 with ${formatCount(busiest.count)}.`
      : 'Heat grid of collisions by day of week and hour of day: none match these filters.';
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, class: 'chart-svg' });
  svg.append(s('title', { id: titleId }, description));

  data.days.forEach((day, d) => {
    const y = top + d * rowH;
    svg.append(s('text', { x: left - 5, y: y + rowH / 2, class: 'tick-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, shortDay(day)));
    data.hours.forEach((hour, i) => {
      const count = data.counts[d]?.[i] ?? 0;
      svg.append(
        s(
          'rect',
          { x: left + i * cell + 0.5, y: y + 0.5, width: cell - 1, height: rowH - 1, rx: 1.5, fill: cellColour(count, max) },
          s('title', {}, `${day} ${String(hour).padStart(2, '0')}:00–${String(hour).padStart(2, '0')}:59: ${formatCount(count)}`),
        ),
      );
    });
  });
  data.hours.forEach((hour, i) => {
    if (hour % 3 !== 0) return;
    svg.append(s('text', { x: left + i * cell + cell / 2, y: top + data.days.length * rowH + 13, class: 'tick-label', 'text-anchor': 'middle' }, String(hour).padStart(2, '0')));
  });
  figure.append(svg);

  const key = h('div', { class: 'heat-key', 'aria-hidden': 'true' }, h('span', {}, 'Fewer'));
  for (let i = 0; i <= 5; i++) key.append(h('span', { class: 'heat-key-swatch', style: `background:${cellColour(i === 0 ? 0 : (i / 5) ** 2 * Math.max(1, max), Math.max(1, max))}` }));
  key.append(h('span', {}, `More (max ${formatCount(max)})`));
  figure.append(key);

  figure.append(
    h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, 'Collisions by day of week (rows) and hour of day (columns)'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), ...data.hours.map((hour) => h('th', { scope: 'col' }, `${String(hour).padStart(2, '0')}:00`)))),
      h(
        'tbody',
        {},
        ...data.days.map((day, d) => h('tr', {}, h('th', { scope: 'row' }, day), ...data.hours.map((_hour, i) => h('td', {}, formatCount(data.counts[d]?.[i] ?? 0))))),
      ),
    ),
  );
  return figure;
}
