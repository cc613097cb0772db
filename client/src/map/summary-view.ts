import { heatGrid } from '../charts/heat-grid.ts';
import { monthChart } from '../charts/month-chart.ts';
import { h } from '../shared/dom.ts';
import { capitalise, formatCount, formatDate, formatPercent } from '../shared/format.ts';
import type { Summary } from './api-types.ts';
import { ROAD_USER_LABELS, SEVERITIES, type Filters, type RoadUserGroup } from './filters.ts';
import { SEVERITY_COLOURS } from './style.ts';

export interface SummaryViewOptions {
  filters: Filters;
  districtNames: Map<string, string>;
  /** Called when a district row is chosen, to filter to it. */
  onDistrict: (code: string) => void;
}

/** One line saying what the numbers cover, e.g. "1 Jan 2023 – 30 Jun 2023 · Preston · cyclists". */
export function describeScope(filters: Filters, districtNames: Map<string, string>): string {
  const parts: string[] = [];
  if (filters.from && filters.to) parts.push(`${formatDate(filters.from)} – ${formatDate(filters.to)}`);
  else if (filters.from) parts.push(`From ${formatDate(filters.from)}`);
  else if (filters.to) parts.push(`Up to ${formatDate(filters.to)}`);
  else parts.push('All dates');
  parts.push(filters.district ? (districtNames.get(filters.district) ?? filters.district) : 'All districts');
  if (filters.roadUser) parts.push(`casualties among ${ROAD_USER_LABELS[filters.roadUser].toLowerCase()}`);
  if (filters.youngRoadUser) parts.push('a casualty aged 17–24');
  return parts.join(' · ');
}

function severityCards(summary: Summary): HTMLElement {
  return h(
    'ul',
    { class: 'severity-cards', 'aria-label': 'Collisions by severity' },
    ...SEVERITIES.map((sev) =>
      h(
        'li',
        { class: `severity-card severity-${sev}` },
        h('span', { class: 'severity-card-label' }, h('span', { class: `swatch swatch-${sev}`, 'aria-hidden': 'true' }), capitalise(sev)),
        h('span', { class: 'severity-card-count', 'data-severity': sev }, formatCount(summary.bySeverity[sev])),
        h('span', { class: 'severity-card-share' }, formatPercent(summary.bySeverity[sev], summary.total)),
      ),
    ),
  );
}

function districtBars(summary: Summary, options: SummaryViewOptions): HTMLElement {
  const rows = [...summary.byDistrict].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const max = Math.max(1, ...rows.map((r) => r.total));
  const list = h('ol', { class: 'district-bars' });
  for (const row of rows) {
    const name = row.name || options.districtNames.get(row.code) || row.code;
    const selected = options.filters.district === row.code;
    const label = h('span', { class: 'district-bar-name' }, name);
    list.append(
      h(
        'li',
        {},
        row.code && !selected
          ? h('button', { type: 'button', class: 'district-bar-button', title: `Show only ${name}`, onclick: () => options.onDistrict(row.code) }, h('span', { class: 'visually-hidden' }, 'Show only '), label)
          : label,
        h(
          'span',
          { class: 'district-bar-track', 'aria-hidden': 'true' },
          ...SEVERITIES.map((sev) => h('span', { class: `district-bar-part`, style: `width:${(row[sev] / max) * 100}%;background:${SEVERITY_COLOURS[sev]}` })),
        ),
        h('span', { class: 'district-bar-count' }, formatCount(row.total), h('span', { class: 'visually-hidden' }, ` collisions, ${formatCount(row.fatal + row.serious)} killed or seriously injured`)),
      ),
    );
  }
  return list;
}

function roadUserTable(summary: Summary): HTMLElement | null {
  const rows = summary.casualtiesByRoadUser;
  if (!rows || rows.length === 0) return null;
  const label = (g: string) => ROAD_USER_LABELS[g as RoadUserGroup] ?? capitalise(g || 'unknown');
  return h(
    'table',
    { class: 'data-table compact' },
    h('caption', { class: 'visually-hidden' }, 'Casualties by road-user group and severity'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Road user'), ...SEVERITIES.map((s) => h('th', { scope: 'col', class: 'num' }, capitalise(s))), h('th', { scope: 'col', class: 'num' }, 'Total'))),
    h(
      'tbody',
      {},
      ...[...rows]
        .sort((a, b) => b.total - a.total)
        .map((r) => h('tr', {}, h('th', { scope: 'row' }, label(r.group)), ...SEVERITIES.map((s) => h('td', { class: 'num' }, formatCount(r[s]))), h('td', { class: 'num' }, formatCount(r.total)))),
    ),
  );
}

function severityKey(): HTMLElement {
  return h(
    'p',
    { class: 'chart-key', 'aria-hidden': 'true' },
    ...SEVERITIES.map((sev) => h('span', { class: 'chart-key-item' }, h('span', { class: `swatch swatch-${sev}` }), capitalise(sev))),
  );
}

/** The summary panel's content for one response. */
export function renderSummary(summary: Summary, options: SummaryViewOptions): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(
    h(
      'p',
      { class: 'headline' },
      h('span', { class: 'headline-number', id: 'summary-total' }, formatCount(summary.total)),
      h('span', { class: 'headline-label' }, summary.total === 1 ? ' collision' : ' collisions'),
    ),
    h('p', { class: 'scope' }, describeScope(options.filters, options.districtNames)),
    severityCards(summary),
    h(
      'p',
      { class: 'ksi' },
      h('abbr', { title: 'Killed or seriously injured' }, 'KSI'),
      ` (fatal or serious): ${formatCount(summary.ksi)} collisions, ${formatPercent(summary.ksi, summary.total)} of the total.`,
    ),
  );
  if (summary.total === 0) return fragment;

  fragment.append(h('h3', {}, 'By month'), monthChart(summary.byMonth, SEVERITY_COLOURS, 'month-chart'), severityKey());
  fragment.append(h('h3', {}, 'By day and hour'), heatGrid(summary.dayHour, 'day-hour'));
  if (summary.byDistrict.length > 0) fragment.append(h('h3', {}, 'By district'), districtBars(summary, options));
  const roadUsers = roadUserTable(summary);
  if (roadUsers) fragment.append(h('h3', {}, 'Casualties by road user'), roadUsers);
  return fragment;
}
