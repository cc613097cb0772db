import { h } from '../shared/dom.ts';
import { formatDate, formatDateTime, formatGbp } from '../shared/format.ts';
import type { HotspotRun, MethodStatement, UnitKind } from './types.ts';

/** The grid cell size from a run's parameters, whatever the exact key (metres). */
function cellSizeM(params: Record<string, unknown>): number | undefined {
  for (const [key, value] of Object.entries(params)) {
    if (/^(grid|hex|cell)/i.test(key) && /(size|width|m$|metres|meters)/i.test(key) && typeof value === 'number') return value;
  }
  return undefined;
}

/** "road network: junctions, road sections and sliding windows" or "a grid of 200 m hexagons". */
export function unitsSentence(kind: UnitKind | undefined, params: Record<string, unknown> = {}): string {
  if (kind === 'network') return 'Sites are junctions, road sections and sliding windows along the roads of the loaded road network.';
  if (kind === 'grid') {
    const size = cellSizeM(params);
    return `No road network is loaded, so sites are cells of a hexagonal grid${size ? ` (${size} m)` : ''} rather than roads and junctions.`;
  }
  return 'No ranking has been computed yet.';
}

function years(from: string, to: string): string {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return '';
  const months = Math.round((end - start) / (30.44 * 86_400_000));
  const plural = (n: number, unit: string) => ` (${n} ${unit}${n === 1 ? '' : 's'})`;
  return months >= 12 && months % 12 === 0 ? plural(months / 12, 'year') : months > 0 ? plural(months, 'month') : '';
}

/** "1 Jan 2019 to 31 Dec 2023 (5 years)". */
export function periodSentence(run: HotspotRun | undefined): string {
  if (!run?.periodFrom || !run.periodTo) return '';
  return `${formatDate(run.periodFrom)} to ${formatDate(run.periodTo)}${years(run.periodFrom, run.periodTo)}`;
}

/** One line for the public map: which units and which period the published ranking used. */
export function shortMethodLine(method: MethodStatement): string {
  const run = method.latestRun;
  if (!run) return 'No hotspot ranking has been published yet.';
  const units = (method.units ?? run.unitKind) === 'grid' ? 'a hexagonal grid (no road network loaded)' : 'the road network (junctions and road sections)';
  return `Ranked on ${units}, from collisions ${periodSentence(run)}.`;
}

/**
 * The statement of method and period the staff page and the site page show: units, data period,
 * camera-evidence window, method version, value table and price year, and the API's own words.
 */
export function renderMethod(method: MethodStatement, run: HotspotRun | undefined = method.latestRun): HTMLElement {
  const list = h('dl', { class: 'method-facts' });
  const add = (term: string, ...value: Array<Node | string>) => list.append(h('dt', {}, term), h('dd', {}, ...value));
  const kind = run?.unitKind ?? method.units;
  add('Units', unitsSentence(kind, run?.params ?? method.defaults));
  if (run) {
    add('Period', `Injury collisions ${periodSentence(run)}.`);
    if (run.cameraFrom) add('Camera evidence', `Killed or seriously injured collisions per km over the 36 months from ${formatDate(run.cameraFrom)} to ${formatDate(run.periodTo)}.`);
    add('Run', `Run ${run.id ?? '–'}${run.scope === 'rescore' ? ' (a re-score, not the published ranking)' : ''}, computed ${formatDateTime(run.createdAt)}.`);
  }
  const version = run?.methodVersion || method.methodVersion;
  add(
    'Method',
    'Empirical Bayes: each site is compared with what similar sites (negative binomial safety performance functions per road type) would expect, which corrects for regression to the mean. ' +
      'Sites are ranked by harm: pounds per year of excess collisions. A site is a candidate when the probability of excess is at least 95%.',
    version ? h('span', { class: 'method-version' }, ` Method version ${version}.`) : '',
  );
  const vt = method.valueTable;
  const vtVersion = run?.valueTableVersion || vt?.version;
  if (vt || vtVersion) {
    const values = vt && vt.fatalGbp !== null ? ` Fatal ${formatGbp(vt.fatalGbp)}, serious ${formatGbp(vt.seriousGbp)}, slight ${formatGbp(vt.slightGbp)} per collision.` : '';
    add('Collision values', `${vtVersion ?? ''}${vt?.priceYear ? `, ${vt.priceYear} prices` : ''}${vt?.source ? ` (${vt.source})` : ''}.${values}`);
  }
  const block = h('div', { class: 'method' }, list);
  if (method.statement.length) {
    block.append(h('details', { class: 'method-more' }, h('summary', {}, 'How sites are scored, in full'), ...method.statement.map((p) => h('p', {}, p))));
  }
  return block;
}
