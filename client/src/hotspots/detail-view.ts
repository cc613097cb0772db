import { barList } from '../charts/bar-list.ts';
import { heatGrid, type DayHour } from '../charts/heat-grid.ts';
import { yearChart } from '../charts/year-chart.ts';
import { categoryLabel, statusLabel } from '../concerns/labels.ts';
import { SEVERITY_COLOURS } from '../map/style.ts';
import { h } from '../shared/dom.ts';
import { capitalise, DAY_NAMES, formatCount, formatDate, formatDecimal, formatGbp, formatProbability } from '../shared/format.ts';
import { HOTSPOT_COLOURS } from './style.ts';
import { peakLabel, ROAD_USER_GROUP_LABELS, siteLabel, UNIT_SINGULAR, type HotspotRun, type HotspotSite, type SiteDetail, type SiteUnit } from './types.ts';

/** The API's matrix (row 0 = Sunday, DfT order) as a Monday-first grid, as British readers expect. */
export function mondayFirst(matrix: readonly number[][]): DayHour {
  const rows = DAY_NAMES.map((_, d) => Array.from({ length: 24 }, (_h, hour) => matrix[d]?.[hour] ?? 0));
  return {
    days: [...DAY_NAMES.slice(1), DAY_NAMES[0]],
    hours: Array.from({ length: 24 }, (_, i) => i),
    counts: [...rows.slice(1), rows[0]!],
  };
}

/** "+3" (moved up), "−2", "new", or a dash. */
export function rankChangeText(site: Pick<HotspotSite, 'rankChange' | 'previousRank' | 'rank'>): string {
  if (site.rank !== null && site.previousRank === null) return 'new';
  if (site.rankChange === null) return '–';
  if (site.rankChange === 0) return '=';
  return site.rankChange > 0 ? `▲ ${site.rankChange}` : `▼ ${Math.abs(site.rankChange)}`;
}

export function rankChangeLabel(site: Pick<HotspotSite, 'rankChange' | 'previousRank' | 'rank'>): string {
  if (site.rank !== null && site.previousRank === null) return 'new in this run';
  if (site.rankChange === null) return 'no change recorded';
  if (site.rankChange === 0) return 'same rank as the previous run';
  const places = (n: number) => `${n} place${n === 1 ? '' : 's'}`;
  return site.rankChange > 0 ? `up ${places(site.rankChange)}` : `down ${places(Math.abs(site.rankChange))}`;
}

/** Short flags for a site: candidate, corridor, cluster, camera eligibility, concern list. */
export function siteFlags(site: HotspotSite): Array<{ key: string; text: string; title: string }> {
  const flags: Array<{ key: string; text: string; title: string }> = [];
  if (site.candidate) flags.push({ key: 'candidate', text: 'Candidate', title: 'Probability of excess collisions at least 95%' });
  if (site.corridor) flags.push({ key: 'corridor', text: `Corridor${site.corridorId !== null ? ` ${site.corridorId}` : ''}`, title: 'Part of a high-collision corridor (Gi* with false discovery rate control)' });
  if (site.clusterSite) flags.push({ key: 'cluster', text: 'Cluster', title: 'Meets the cluster-site test (N collisions within R metres)' });
  if (site.eligible) flags.push({ key: 'eligible', text: 'Camera-eligible', title: site.eligibilityReason || 'Meets the camera site guidance' });
  if (site.concernOnly) flags.push({ key: 'concern', text: 'Concern list', title: 'Strong community concern without excess harm: for speed surveys or community road watch' });
  return flags;
}

export function flagChips(site: HotspotSite): HTMLElement {
  return h('span', { class: 'flag-chips' }, ...siteFlags(site).map((f) => h('span', { class: `flag-chip flag-${f.key}`, title: f.title }, f.text)));
}

function facts(site: HotspotSite, districtName: string | undefined): HTMLElement {
  const list = h('dl', { class: 'details site-facts' });
  const add = (term: string, value: string | Node) => {
    if (value === '' || value === '–') return;
    list.append(h('dt', {}, term), h('dd', {}, value));
  };
  add('Site', `${UNIT_SINGULAR[site.unit as SiteUnit] ?? site.unit}${site.siteId ? ` (${site.siteId})` : ''}`);
  add('District', districtName ?? site.districtCode);
  add('Road', [site.ref, site.name].filter(Boolean).join(' ') || site.roadLabel);
  if (site.speedLimit !== null) add('Speed limit', `${site.speedLimit} mph${site.urban === null ? '' : site.urban ? ', urban' : ', rural'}`);
  if (site.lengthM !== null) add('Length', `${formatCount(site.lengthM)} m`);
  add('Collisions', `${formatCount(site.fatal)} fatal, ${formatCount(site.serious)} serious, ${formatCount(site.slight)} slight`);
  if (site.ksi36m !== null) add('KSI, latest 36 months', `${formatCount(site.ksi36m)}${site.ksiPerKm36m !== null ? ` (${formatDecimal(site.ksiPerKm36m, 2)} per km)` : ''}`);
  if (site.expectedKsi !== null || site.muKsi !== null) {
    add('KSI: similar sites / EB expected', `${formatDecimal(site.muKsi, 2)} / ${formatDecimal(site.expectedKsi, 2)} (excess ${formatDecimal(site.excessKsi, 2)})`);
  }
  if (site.expectedAll !== null || site.muAll !== null) {
    add('All injury: similar sites / EB expected', `${formatDecimal(site.muAll, 2)} / ${formatDecimal(site.expectedAll, 2)} (excess ${formatDecimal(site.excessAll, 2)})`);
  }
  add('Probability of excess', `${formatProbability(site.pExcess)}${site.pExcessKsi !== null ? ` (KSI ${formatProbability(site.pExcessKsi)}, all ${formatProbability(site.pExcessAll)})` : ''}`);
  add('Harm', site.harmScore === null ? '–' : `${formatGbp(site.harmScore)} per year of excess collisions`);
  if (site.concernFactor !== null && site.concernFactor !== 1) add('Community concern', `priority × ${formatDecimal(site.concernFactor, 2)}${site.concernCount !== null ? ` (${formatCount(site.concernCount)} recent concerns, weighted)` : ''}`);
  else if (site.concernCount) add('Community concern', `${formatCount(site.concernCount)} recent concerns (weighted)`);
  if (site.clusterMaxInCircle !== null) add('Cluster test', `${formatCount(site.clusterMaxInCircle)} collisions inside one cluster circle${site.clusterSite ? ': meets the test' : ''}`);
  if (site.corridor) add('Corridor', `Part of corridor ${site.corridorId ?? ''}${site.giQ !== null ? ` (Gi* q = ${formatDecimal(site.giQ, 3)})` : ''}`);
  add('Camera eligibility', site.eligibilityReason ? `${site.eligible ? 'Eligible' : 'Not eligible'}: ${site.eligibilityReason}` : site.eligible ? 'Eligible' : '');
  add('Busiest hour', peakLabel(site));
  return list;
}

function breakdownItems(values: Record<string, number> | undefined, labels: Record<string, string> = {}): Array<{ label: string; value: number }> {
  return Object.entries(values ?? {}).map(([key, value]) => ({ label: labels[key] ?? capitalise(key.replace(/_/g, ' ')), value }));
}

export interface DetailOptions {
  run?: HotspotRun;
  districtNames?: Map<string, string>;
  /** Element id prefix for the charts' titles (unique per page). */
  idPrefix?: string;
  /** The heading level inside the panel (the staff page uses h2, the site page h1). */
  headingLevel?: 'h1' | 'h2';
}

/**
 * One site in full: heading with rank and flags, the key figures, the per-year trend, the 7 × 24
 * heat grid, the road-user breakdown (and age band, light, weather), concerns and collisions.
 */
export function renderSiteDetail(detail: SiteDetail, options: DetailOptions = {}): HTMLElement {
  const { site } = detail;
  const prefix = options.idPrefix ?? 'site';
  const heading = h(
    options.headingLevel ?? 'h2',
    { class: 'site-title', tabindex: '-1', id: `${prefix}-heading` },
    site.rank !== null ? h('span', { class: 'site-rank' }, `#${site.rank}`) : null,
    siteLabel(site),
  );
  const periodYears = options.run?.periodFrom && options.run.periodTo ? { from: Number(options.run.periodFrom.slice(0, 4)), to: Number(options.run.periodTo.slice(0, 4)) } : {};
  const roadUsers = detail.breakdowns.roadUser ?? detail.breakdowns.road_user ?? site.roadUserCounts;
  const rankLine =
    site.rank !== null ? h('p', { class: 'site-rank-line' }, `Rank ${site.rank}`, site.previousRank !== null || site.rankChange !== null ? ` (${rankChangeLabel(site)})` : '', '.') : null;

  const charts = h(
    'div',
    { class: 'site-charts' },
    h('section', { class: 'site-chart', 'aria-labelledby': `${prefix}-trend-h` }, h('h3', { id: `${prefix}-trend-h` }, 'Collisions per year'), yearChart(detail.trend, SEVERITY_COLOURS, `${prefix}-trend`, periodYears)),
    h(
      'section',
      { class: 'site-chart', 'aria-labelledby': `${prefix}-heat-h` },
      h('h3', { id: `${prefix}-heat-h` }, 'Day of week and hour'),
      detail.matrix.length ? heatGrid(mondayFirst(detail.matrix), `${prefix}-heat`) : h('p', { class: 'muted' }, 'No times recorded.'),
    ),
    h(
      'section',
      { class: 'site-chart', 'aria-labelledby': `${prefix}-users-h` },
      h('h3', { id: `${prefix}-users-h` }, 'Road users'),
      barList(breakdownItems(roadUsers, ROAD_USER_GROUP_LABELS), { caption: 'Collisions with a casualty in each group', colour: HOTSPOT_COLOURS.candidate, empty: 'No casualty records for these collisions.' }),
    ),
  );
  const more = h('div', { class: 'site-breakdowns' });
  for (const [key, title] of [
    ['ageBand', 'Casualty age band'],
    ['light', 'Light conditions'],
    ['weather', 'Weather'],
  ] as const) {
    const items = breakdownItems(detail.breakdowns[key]);
    if (items.some((i) => i.value > 0)) more.append(barList(items, { caption: title }));
  }

  const concerns = detail.concerns.length
    ? h(
        'ul',
        { class: 'site-concerns' },
        ...detail.concerns.map((c) =>
          h('li', {}, categoryLabel(c.category), ` · ${statusLabel(c.status)}`, c.createdMonth ? ` · reported ${formatDate(`${c.createdMonth}-01`).replace(/^1 /, '')}` : '', c.reference ? h('span', { class: 'muted' }, ` (${c.reference})`) : ''),
        ),
      )
    : h('p', { class: 'muted' }, 'No community concerns here.');

  const collisions = h(
    'details',
    { class: 'site-collisions' },
    h('summary', {}, `The ${formatCount(detail.collisions.length)} collisions counted here`),
    detail.collisions.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data-table compact' },
            h('caption', { class: 'visually-hidden' }, 'Collisions counted at this site'),
            h('thead', {}, h('tr', {}, ...['Date', 'Time', 'Severity', 'Distance from the road', 'Reference'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              {},
              ...detail.collisions.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'nowrap' }, formatDate(c.date)),
                  h('td', {}, c.time || '–'),
                  h('td', {}, h('span', { class: `swatch swatch-${c.severity}`, 'aria-hidden': 'true' }), capitalise(c.severity)),
                  h('td', {}, c.distanceM === null ? '–' : `${formatDecimal(c.distanceM, 0)} m${c.ambiguous ? ' (ambiguous: another road within 5 m)' : ''}`),
                  h('td', {}, h('code', {}, c.collisionIndex)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'None.'),
  );

  return h(
    'article',
    { class: 'site-detail', 'data-site-id': site.siteId },
    heading,
    h('div', { class: 'site-subhead' }, flagChips(site)),
    rankLine,
    facts(site, options.districtNames?.get(site.districtCode)),
    charts,
    more.childElementCount ? h('section', { class: 'site-more', 'aria-label': 'Other breakdowns' }, more) : null,
    h('section', { class: 'site-concern-list', 'aria-labelledby': `${prefix}-concerns-h` }, h('h3', { id: `${prefix}-concerns-h` }, 'Community concerns'), concerns),
    collisions,
  );
}
