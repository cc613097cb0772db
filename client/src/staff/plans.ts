// Staff van plans: a month's plans, generating one with progress, the metrics and violations, the calendar (days × vans),
// the day view with routes, edits with reasons, approve and publish, exports, returns and planned-vs-delivered.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/staff.css';
import '../styles/pages.css';
import '../styles/planning.css';
import { barList } from '../charts/bar-list.ts';
import { ApiError, fetchJson } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { formatCount, formatDate, formatDateTime, formatDecimal, monthLabel } from '../shared/format.ts';
import { londonMonth, nextMonth } from '../enforcement/model.ts';
import { csrfHeaders, startStaffPage, type Me } from './chrome.ts';
import { DayMap, VAN_COLOURS, type SiteLocations } from './plans-day.ts';
import {
  calendarGrid,
  datesOfMonth,
  daySessions,
  deliveryRows,
  localClock,
  londonToday,
  measureRows,
  minutesBetween,
  normalisePlan,
  offenceCounts,
  planVans,
  STATUS_LABELS,
  weekdayShort,
  type PlanDetail,
  type PlanSessionView,
  type PlanSummary,
} from './plans-model.ts';

/** How often a generating plan is asked for its progress. */
const POLL_MS = 1000;
const PLAN_ROLES = ['admin', 'planner'];
const PUBLISH_ROLES = ['supervisor'];
const RETURN_ROLES = ['admin', 'planner', 'supervisor'];

const url = new URLSearchParams(location.search);
const state = {
  me: undefined as Me | undefined,
  month: /^\d{4}-\d{2}$/.test(url.get('month') ?? '') ? url.get('month')! : nextMonth(londonMonth(new Date())),
  plans: [] as PlanSummary[],
  plan: undefined as PlanDetail | undefined,
  day: url.get('date') ?? undefined,
  /** Site id → published text and where the van parks (from the register). */
  siteText: new Map<number, string>(),
  siteAt: new Map<number, [number, number]>() as SiteLocations,
  eligibleSites: [] as Array<{ id: number; text: string }>,
  shifts: [] as Array<{ code: string; name: string; starts: string; ends: string }>,
  vans: [] as Array<{ id: number; callSign: string }>,
  following: undefined as number | undefined,
  editSession: undefined as PlanSessionView | undefined,
  returnSession: undefined as PlanSessionView | undefined,
};
let dayMap: DayMap | undefined;

/** replaceChildren that skips the null/false of optional parts. */
function fill(el: HTMLElement, ...children: Array<Node | string | null | undefined | false>): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

const hasRole = (roles: string[]) => Boolean(state.me?.user.roles.some((r) => roles.includes(r)));

function writeUrl(): void {
  const q = new URLSearchParams({ month: state.month });
  if (state.plan) q.set('plan', String(state.plan.id));
  if (state.day && state.plan) q.set('date', state.day);
  history.replaceState(history.state, '', `${location.pathname}?${q}`);
}

function setStatus(text: string, isError = false): void {
  const el = byId('page-status');
  el.textContent = text;
  el.classList.toggle('error-text', isError);
}

function siteName(id: number, fallback?: string | null): string {
  return fallback ?? state.siteText.get(id) ?? `Site ${id}`;
}

// ---------- Plans of the month ----------

async function loadPlans(): Promise<void> {
  writeUrl();
  const wrap = byId('plans-wrap');
  wrap.setAttribute('aria-busy', 'true');
  try {
    const body = await fetchJson<{ plans?: PlanSummary[] }>(`/api/plans?month=${state.month}`);
    state.plans = [...(body.plans ?? [])].sort((a, b) => b.version - a.version || b.id - a.id);
    renderPlans();
    const generating = state.plans.find((p) => p.status === 'generating');
    if (generating) void follow(generating.id);
  } catch (err) {
    wrap.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `The plans could not be loaded: ${(err as Error).message}`));
  } finally {
    wrap.removeAttribute('aria-busy');
  }
}

function statusPill(status: string): HTMLElement {
  return h('span', { class: `status-pill plan-status-${status}` }, STATUS_LABELS[status as keyof typeof STATUS_LABELS] ?? status);
}

function renderPlans(): void {
  const wrap = byId('plans-wrap');
  byId('plans-heading').textContent = `Plans for ${monthLabel(state.month).long}`;
  if (state.plans.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted', id: 'no-plans' }, `No plan for ${monthLabel(state.month).long} yet.${hasRole(PLAN_ROLES) ? ' Use “Generate plan”.' : ''}`));
    return;
  }
  wrap.replaceChildren(
    h(
      'table',
      { class: 'data-table compact', id: 'plans-table' },
      h('caption', { class: 'visually-hidden' }, `Plans for ${monthLabel(state.month).long}, newest version first`),
      h(
        'thead',
        {},
        h('tr', {}, ...['Plan', 'Version', 'Status', 'Seed', 'Sessions', 'Violations', 'Created', 'Approved', 'Published'].map((c) => h('th', { scope: 'col', class: ['Version', 'Seed', 'Sessions', 'Violations'].includes(c) ? 'num' : null }, c))),
      ),
      h(
        'tbody',
        {},
        ...state.plans.map((p) =>
          h(
            'tr',
            { 'data-plan-id': p.id, class: state.plan?.id === p.id ? 'selected' : null, 'aria-selected': String(state.plan?.id === p.id) },
            h('td', {}, h('button', { type: 'button', class: 'link-button', 'data-open-plan': p.id }, `Plan ${p.id}`)),
            h('td', { class: 'num' }, p.version),
            h('td', {}, statusPill(p.status)),
            h('td', { class: 'num' }, p.seed),
            h('td', { class: 'num' }, formatCount(p.sessionCount ?? 0)),
            h('td', { class: 'num' }, p.violationCount ? h('strong', { class: 'error-text' }, formatCount(p.violationCount)) : '0'),
            h('td', { class: 'nowrap' }, formatDateTime(p.createdAt)),
            h('td', { class: 'nowrap' }, formatDateTime(p.approvedAt)),
            h('td', { class: 'nowrap' }, formatDateTime(p.publishedAt)),
          ),
        ),
      ),
    ),
  );
}

// ---------- Generating ----------

function showProgress(fraction: number | undefined, text: string, failed = false): void {
  byId('plan-progress').hidden = false;
  if (fraction !== undefined) byId<HTMLProgressElement>('plan-progress-bar').value = Math.max(0, Math.min(1, fraction));
  const stage = byId('plan-stage');
  stage.textContent = text;
  stage.classList.toggle('error-text', failed);
}

async function follow(planId: number): Promise<void> {
  if (state.following === planId) return;
  state.following = planId;
  const button = byId<HTMLButtonElement>('generate');
  button.disabled = true;
  showProgress(0, 'Queued…');
  try {
    for (;;) {
      const plan = normalisePlan(await fetchJson<unknown>(`/api/plans/${planId}`));
      if (plan.status === 'generating') {
        const fraction = plan.progress?.fraction ?? 0;
        showProgress(fraction, `${plan.progress?.stage || 'Generating'}… ${Math.round(fraction * 100)}%`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      if (plan.status === 'failed') {
        showProgress(undefined, `The plan could not be generated: ${plan.error ?? 'no reason given'}`, true);
        announce('Generating the plan failed.');
      } else {
        showProgress(1, `Plan ${plan.id} is ready: ${formatCount(plan.sessions.length)} sessions, ${plan.violations.length} violations.`);
        announce('The plan is ready.');
      }
      await loadPlans();
      showPlan(plan);
      break;
    }
  } catch (err) {
    showProgress(undefined, `The plan's progress could not be read: ${(err as Error).message}`, true);
  } finally {
    state.following = undefined;
    button.disabled = !hasRole(PLAN_ROLES);
  }
}

async function generate(): Promise<void> {
  if (!state.me) return;
  const seedText = byId<HTMLInputElement>('seed').value.trim();
  const body: Record<string, unknown> = { month: state.month };
  if (seedText !== '') {
    const seed = Number(seedText);
    if (!Number.isInteger(seed) || seed < 0) {
      showProgress(undefined, 'The seed must be a whole number, 0 or more.', true);
      byId('seed').focus();
      return;
    }
    body.seed = seed;
  }
  const button = byId<HTMLButtonElement>('generate');
  button.disabled = true;
  showProgress(0, 'Starting…');
  try {
    const started = await fetchJson<{ id: number }>('/api/plans', { method: 'POST', headers: csrfHeaders(state.me), body: JSON.stringify(body) });
    announce('Generating the plan.');
    await follow(started.id);
  } catch (err) {
    button.disabled = false;
    showProgress(undefined, err instanceof ApiError ? err.message : `The plan could not be started: ${(err as Error).message}`, true);
  }
}

// ---------- One plan ----------

async function openPlan(id: number, focus = true): Promise<void> {
  try {
    const plan = normalisePlan(await fetchJson<unknown>(`/api/plans/${id}`));
    showPlan(plan);
    if (plan.status === 'generating') void follow(plan.id);
    if (focus) byId('plan-heading').focus();
  } catch (err) {
    setStatus(`Plan ${id} could not be loaded: ${(err as Error).message}`, true);
  }
}

function showPlan(plan: PlanDetail): void {
  const sameDay = state.plan?.id === plan.id ? state.day : state.day && plan.sessions.some((s) => s.date === state.day) ? state.day : undefined;
  state.plan = plan;
  state.day = sameDay;
  writeUrl();
  renderPlans();
  byId('plan').hidden = false;
  byId('plan-heading').textContent = `Plan ${plan.id}: ${monthLabel(plan.month).long}, version ${plan.version}`;
  const facts = [
    h('span', {}, statusPill(plan.status)),
    ` Seed ${plan.seed}. `,
    `${formatCount(plan.sessions.filter((s) => s.status !== 'cancelled').length)} sessions. `,
    plan.travelMode ? `Travel: ${plan.travelMode === 'road_network' ? 'road network' : 'straight lines (no road network loaded)'}. ` : '',
    plan.createdBy ? `Generated by ${plan.createdBy}. ` : '',
    plan.approvedBy ? `Approved by ${plan.approvedBy} on ${formatDateTime(plan.approvedAt)}. ` : '',
    plan.publishedBy ? `Published by ${plan.publishedBy} on ${formatDateTime(plan.publishedAt)}. ` : '',
    plan.correctionReason ? `Correction of plan ${plan.supersedesPlanId ?? ''}: ${plan.correctionReason}. ` : '',
  ];
  byId('plan-facts').replaceChildren(...facts);
  byId('plan-notes').replaceChildren(...(plan.error ? [h('p', { class: 'error-text' }, plan.error)] : []), ...plan.notes.map((n) => h('p', { class: 'hint' }, n)));
  byId('action-error').hidden = true;
  renderActions(plan);
  renderExports(plan);
  renderViolations(plan);
  renderMetrics(plan);
  renderCalendar(plan);
  if (state.day) void showDay(state.day, false);
  else byId('day').hidden = true;
  const audit = byId<HTMLDetailsElement>('audit');
  audit.dataset.planId = '';
  if (audit.open) void loadAudit(plan);
  if (plan.status === 'published' || plan.status === 'superseded') void loadDelivery(plan);
  else byId('delivery').hidden = true;
}

function renderActions(plan: PlanDetail): void {
  const approve = byId<HTMLButtonElement>('approve');
  const publish = byId<HTMLButtonElement>('publish');
  approve.hidden = !hasRole(PLAN_ROLES) || plan.status !== 'draft';
  approve.disabled = plan.violations.length > 0;
  approve.title = plan.violations.length > 0 ? 'A plan with violations cannot be approved: fix them first.' : '';
  approve.setAttribute('aria-describedby', plan.violations.length > 0 ? 'violations-heading' : '');
  publish.hidden = !hasRole(PUBLISH_ROLES) || plan.status !== 'approved';
  const actions = byId('plan-actions');
  actions.querySelector('.correction')?.remove();
  if (plan.status === 'published' && hasRole(PLAN_ROLES)) {
    actions.append(
      h(
        'details',
        { class: 'correction' },
        h('summary', {}, 'Correct the published plan'),
        h(
          'form',
          { id: 'correction-form', novalidate: true },
          h('div', { class: 'field' }, h('label', { for: 'correction-reason' }, 'Reason for the correction'), h('input', { type: 'text', id: 'correction-reason', required: true, autocomplete: 'off' })),
          h('button', { type: 'submit', class: 'button secondary small' }, 'Start a corrected version'),
        ),
      ),
    );
    byId('correction-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void correct();
    });
  }
}

function renderExports(plan: PlanDetail): void {
  const vans = planVans(plan.sessions);
  byId('plan-exports').replaceChildren(
    h('a', { class: 'download', href: `/api/plans/${plan.id}/export?format=csv`, download: `plan-${plan.month}-v${plan.version}.csv` }, 'Download CSV'),
    ...vans.map((v) => h('a', { class: 'download', href: `/api/plans/${plan.id}/calendar?vanId=${v.vanId}`, download: `plan-${plan.month}-${v.callSign}.ics` }, `iCalendar ${v.callSign}`)),
  );
}

function renderViolations(plan: PlanDetail): void {
  const panel = byId('violations');
  if (plan.violations.length === 0) {
    panel.hidden = true;
    fill(panel, );
    return;
  }
  panel.hidden = false;
  fill(panel, 
    h('h3', { id: 'violations-heading' }, `${plan.violations.length} hard-constraint violation${plan.violations.length === 1 ? '' : 's'}: the plan cannot be approved`),
    h(
      'ul',
      { class: 'violation-list' },
      ...plan.violations.map((v) =>
        h('li', {}, h('code', {}, v.kind), ' ', v.message, v.date ? h('button', { type: 'button', class: 'link-button', 'data-day': v.date }, ` (${formatDate(v.date)})`) : null),
      ),
    ),
  );
}

function renderMetrics(plan: PlanDetail): void {
  const panel = byId('metrics');
  const rows = measureRows(plan.metrics);
  const m = plan.metrics;
  if (!m || rows.length === 0) {
    fill(panel, h('h3', { id: 'metrics-heading' }, 'Quality measures'), h('p', { class: 'muted' }, plan.status === 'generating' ? 'Measured once the plan is ready.' : 'No measures for this plan.'));
    return;
  }
  const met = rows.filter((r) => r.met).length;
  fill(panel, 
    h('h3', { id: 'metrics-heading' }, 'Quality measures'),
    h('p', { class: 'metrics-summary' }, `${met} of ${rows.length} targets met. ${formatDecimal(m.hoursEnforcing, 1)} hours enforcing of ${formatDecimal(m.hoursRostered, 1)} rostered; ${formatDecimal(m.hoursTravelling, 1)} hours travelling.`),
    h(
      'table',
      { class: 'data-table compact metrics-table', id: 'metrics-table' },
      h('caption', { class: 'visually-hidden' }, 'Each quality measure, its value, its target and whether it is met'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col', class: 'num' }, 'Value'), h('th', { scope: 'col' }, 'Target'), h('th', { scope: 'col' }, 'Result'))),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            { 'data-measure': r.key },
            h('th', { scope: 'row' }, r.label),
            h('td', { class: 'num' }, r.value),
            h('td', {}, r.target),
            h('td', {}, h('span', { class: `met-badge ${r.met ? 'met' : 'not-met'}` }, r.met ? '✓ Met' : '✗ Not met')),
          ),
        ),
      ),
    ),
    m.districtFairness?.length
      ? h(
          'details',
          { class: 'fairness' },
          h('summary', {}, 'District fairness in detail'),
          h(
            'table',
            { class: 'data-table compact' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'District'), h('th', { scope: 'col', class: 'num' }, 'Hours share'), h('th', { scope: 'col', class: 'num' }, 'Risk share'), h('th', { scope: 'col', class: 'num' }, 'Ratio'))),
            h(
              'tbody',
              {},
              ...m.districtFairness.map((d) =>
                h('tr', {}, h('td', {}, d.districtCode), h('td', { class: 'num' }, `${(d.hoursShare * 100).toFixed(1)}%`), h('td', { class: 'num' }, `${(d.riskShare * 100).toFixed(1)}%`), h('td', { class: 'num' }, formatDecimal(d.ratio, 2))),
              ),
            ),
          ),
        )
      : null,
  );
}

// ---------- Calendar ----------

function renderCalendar(plan: PlanDetail): void {
  const wrap = byId('calendar');
  const vans = planVans(plan.sessions);
  if (vans.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted' }, 'No sessions in this plan.'));
    return;
  }
  const grid = calendarGrid(plan.sessions);
  const cell = (date: string, vanId: number) => {
    const shifts = grid.get(date)?.get(vanId) ?? [];
    if (shifts.length === 0) return h('td', { class: 'calendar-cell empty' }, h('span', { class: 'visually-hidden' }, 'No sessions'));
    return h(
      'td',
      { class: 'calendar-cell' },
      ...shifts.map((c) =>
        h(
          'div',
          { class: 'calendar-shift' },
          h('span', { class: 'shift-code' }, c.shift),
          h(
            'ol',
            {},
            ...c.sessions.map((s) =>
              h('li', { class: s.status === 'cancelled' ? 'cancelled' : null, title: `${siteName(s.siteId, s.siteText)} ${localClock(s.arrive)}–${localClock(s.depart)}` }, `${localClock(s.arrive)} ${siteName(s.siteId, s.siteText)}`, s.status === 'cancelled' ? ' (cancelled)' : ''),
            ),
          ),
        ),
      ),
    );
  };
  wrap.replaceChildren(
    h(
      'table',
      { class: 'data-table compact calendar-table', id: 'calendar-table' },
      h('caption', { class: 'visually-hidden' }, 'Sessions by day and van. Choose a day for its routes.'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), ...vans.map((v) => h('th', { scope: 'col' }, v.callSign)))),
      h(
        'tbody',
        {},
        ...datesOfMonth(plan.month).map((date) =>
          h(
            'tr',
            { 'data-date': date, class: [weekdayShort(date) === 'Sat' || weekdayShort(date) === 'Sun' ? 'weekend' : '', date === state.day ? 'selected' : ''].join(' ').trim() || null },
            h('th', { scope: 'row', class: 'nowrap' }, h('button', { type: 'button', class: 'link-button', 'data-day': date }, `${weekdayShort(date)} ${formatDate(date)}`)),
            ...vans.map((v) => cell(date, v.vanId)),
          ),
        ),
      ),
    ),
  );
}

// ---------- Day view ----------

function vanColours(plan: PlanDetail): Map<number, string> {
  return new Map(planVans(plan.sessions).map((v, i) => [v.vanId, VAN_COLOURS[i % VAN_COLOURS.length]!]));
}

async function showDay(date: string, focus = true): Promise<void> {
  const plan = state.plan;
  if (!plan) return;
  state.day = date;
  writeUrl();
  for (const row of document.querySelectorAll<HTMLTableRowElement>('#calendar-table tbody tr')) row.classList.toggle('selected', row.dataset.date === date);
  const panel = byId('day');
  panel.hidden = false;
  byId('day-heading').textContent = `${weekdayShort(date)} ${formatDate(date)}`;
  const dates = datesOfMonth(plan.month);
  byId<HTMLButtonElement>('prev-day').disabled = date <= dates[0]!;
  byId<HTMLButtonElement>('next-day').disabled = date >= dates.at(-1)!;
  byId('add-session').hidden = !(plan.status === 'draft' && hasRole(PLAN_ROLES));
  renderDaySessions(plan, date);
  if (focus) {
    panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
    byId('day-heading').focus({ preventScroll: true });
  }
  const colours = vanColours(plan);
  byId('route-legend').replaceChildren(...planVans(plan.sessions).map((v) => h('li', {}, h('span', { class: 'line-key', style: `background:${colours.get(v.vanId)}`, 'aria-hidden': 'true' }), v.callSign)));
  try {
    const routes = await fetchJson<GeoJSON.FeatureCollection>(`/api/plans/${plan.id}/routes?date=${date}`);
    if (state.day !== date) return;
    dayMap ??= new DayMap(byId('map'));
    dayMap.show(routes, colours, state.siteAt);
  } catch (err) {
    byId('day-sessions').prepend(h('p', { class: 'error-text', role: 'alert' }, `The routes could not be loaded: ${(err as Error).message}`));
  }
}

function renderDaySessions(plan: PlanDetail, date: string): void {
  const groups = daySessions(plan.sessions, date);
  const wrap = byId('day-sessions');
  if (groups.length === 0) {
    wrap.replaceChildren(h('p', { class: 'muted' }, 'No sessions on this day.'));
    return;
  }
  const editable = plan.status === 'draft' && hasRole(PLAN_ROLES);
  const returnable = plan.status === 'published' && hasRole(RETURN_ROLES);
  const today = londonToday();
  const colours = vanColours(plan);
  wrap.replaceChildren(
    ...groups.map((g) =>
      h(
        'section',
        { class: 'van-shift', 'aria-label': `${g.callSign}, ${g.shift} shift` },
        h(
          'h4',
          {},
          h('span', { class: 'line-key', style: `background:${colours.get(g.vanId)}`, 'aria-hidden': 'true' }),
          `${g.callSign} · ${g.shift}`,
          ' ',
          h('a', { class: 'download small-link', href: `/api/plans/${plan.id}/tasking?date=${date}&vanId=${g.vanId}`, target: '_blank', rel: 'noopener' }, 'Tasking sheet'),
        ),
        h(
          'ol',
          { class: 'session-list' },
          ...g.sessions.map((s) =>
            h(
              'li',
              { class: `session${s.status === 'cancelled' ? ' cancelled' : ''}`, 'data-session-id': s.id },
              h('span', { class: 'stop-number', style: `background:${colours.get(g.vanId)}`, 'aria-hidden': 'true' }, String(s.order)),
              h(
                'div',
                { class: 'session-body' },
                h('p', { class: 'session-site' }, siteName(s.siteId, s.siteText), s.status === 'cancelled' ? h('strong', {}, ' (cancelled)') : null),
                h('p', { class: 'session-times' }, `Arrive ${localClock(s.arrive)}, depart ${localClock(s.depart)} (${minutesBetween(s.arrive, s.depart)} min)`),
                s.fallbackSiteIds.length ? h('p', { class: 'hint' }, `Fallback: ${s.fallbackSiteIds.map((id) => siteName(id)).join('; ')}`) : null,
                s.reason ? h('p', { class: 'hint' }, `Why: ${s.reason}`) : null,
                s.delivered
                  ? h('p', { class: 'session-return' }, `Returned: ${formatDecimal(s.delivered.hoursDelivered, 2)} h, ${formatCount(s.delivered.vehiclesChecked)} vehicles, ${formatCount(s.delivered.detections.speeding)} speeding${s.delivered.usedFallback ? ' (at a fallback site)' : ''}`)
                  : null,
                h(
                  'div',
                  { class: 'session-actions' },
                  ...(editable && s.status !== 'cancelled'
                    ? [
                        h('button', { type: 'button', class: 'button secondary small', 'data-edit': 'move', 'data-session': s.id }, 'Move'),
                        h('button', { type: 'button', class: 'button secondary small', 'data-edit': 'swap', 'data-session': s.id }, 'Swap site'),
                        h('button', { type: 'button', class: 'button secondary small', 'data-edit': 'cancel', 'data-session': s.id }, 'Cancel'),
                      ]
                    : []),
                  returnable && s.status !== 'cancelled'
                    ? s.date <= today
                      ? h('button', { type: 'button', class: 'button secondary small', 'data-return': s.id }, s.delivered ? 'Edit the return' : 'Record the return')
                      : h('span', { class: 'hint' }, `The crew's return can be recorded from ${formatDate(s.date)}.`)
                    : null,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  for (const actions of wrap.querySelectorAll('.session-actions')) if (actions.childElementCount === 0) actions.remove();
}

// ---------- Approve, publish, correct ----------

async function planAction(path: string, body: Record<string, unknown> | undefined, done: string): Promise<void> {
  const plan = state.plan;
  if (!plan || !state.me) return;
  const error = byId('action-error');
  error.hidden = true;
  try {
    const answer = await fetchJson<unknown>(`/api/plans/${plan.id}/${path}`, { method: 'POST', headers: csrfHeaders(state.me), body: JSON.stringify(body ?? {}) });
    announce(done);
    setStatus(done);
    const next = (answer as { id?: number; plan?: { id?: number } } | undefined)?.plan?.id ?? (path === 'corrections' ? (answer as { id?: number }).id : undefined) ?? plan.id;
    await loadPlans();
    await openPlan(next, false);
  } catch (err) {
    error.hidden = false;
    error.textContent = err instanceof ApiError ? `${err.message}` : `That did not work: ${(err as Error).message}`;
    error.focus?.();
  }
}

async function correct(): Promise<void> {
  const reason = byId<HTMLInputElement>('correction-reason').value.trim();
  if (!reason) {
    byId('action-error').hidden = false;
    byId('action-error').textContent = 'Give the reason for the correction.';
    byId('correction-reason').focus();
    return;
  }
  await planAction('corrections', { reason }, 'A corrected draft version was created.');
}

// ---------- Edit dialog ----------

function fillSelect(select: HTMLSelectElement, options: Array<{ value: string; label: string }>, value: string): void {
  select.replaceChildren(...options.map((o) => h('option', { value: o.value }, o.label)));
  select.value = value;
}

function openEdit(action: 'move' | 'swap' | 'cancel' | 'add', session: PlanSessionView | undefined): void {
  const plan = state.plan;
  if (!plan) return;
  state.editSession = session;
  const dialog = byId<HTMLDialogElement>('edit-dialog');
  const actionSelect = byId<HTMLSelectElement>('edit-action');
  for (const option of actionSelect.options) option.disabled = session ? option.value === 'add' : option.value !== 'add';
  actionSelect.value = action;
  byId('edit-session-text').textContent = session ? `${session.vanCallSign ?? ''} ${session.shift}, ${formatDate(session.date)}: ${session.order}. ${siteName(session.siteId, session.siteText)} (${localClock(session.arrive)}–${localClock(session.depart)})` : `A new session on ${formatDate(state.day ?? '')}.`;
  const vans = state.vans.length ? state.vans : planVans(plan.sessions).map((v) => ({ id: v.vanId, callSign: v.callSign }));
  fillSelect(byId('edit-van'), vans.map((v) => ({ value: String(v.id), label: v.callSign })), String(session?.vanId ?? vans[0]?.id ?? ''));
  byId<HTMLInputElement>('edit-date').value = session?.date ?? state.day ?? '';
  byId<HTMLInputElement>('edit-date').min = `${plan.month}-01`;
  byId<HTMLInputElement>('edit-date').max = datesOfMonth(plan.month).at(-1)!;
  const shifts = state.shifts.length ? state.shifts.map((s) => ({ value: s.code, label: `${s.name} (${s.starts}–${s.ends})` })) : [...new Set(plan.sessions.map((s) => s.shift))].map((c) => ({ value: c, label: c }));
  fillSelect(byId('edit-shift'), shifts, session?.shift ?? shifts[0]?.value ?? '');
  byId<HTMLInputElement>('edit-order').value = '';
  fillSelect(byId('edit-site'), state.eligibleSites.map((s) => ({ value: String(s.id), label: s.text })), String(session?.siteId ?? state.eligibleSites[0]?.id ?? ''));
  byId<HTMLInputElement>('edit-reason').value = '';
  byId('edit-reason-field').classList.remove('field-invalid');
  byId('edit-reason-error').hidden = true;
  byId('edit-error').hidden = true;
  byId<HTMLButtonElement>('edit-submit').disabled = false;
  showEditFields();
  dialog.showModal();
  byId('edit-action').focus();
}

function showEditFields(): void {
  const action = byId<HTMLSelectElement>('edit-action').value;
  for (const field of byId('edit-form').querySelectorAll<HTMLElement>('[data-for]')) field.hidden = !field.dataset.for!.split(' ').includes(action);
}

async function submitEdit(): Promise<void> {
  const plan = state.plan;
  if (!plan || !state.me) return;
  const action = byId<HTMLSelectElement>('edit-action').value as 'move' | 'swap' | 'cancel' | 'add';
  const reason = byId<HTMLInputElement>('edit-reason').value.trim();
  const error = byId('edit-error');
  error.hidden = true;
  if (!reason) {
    byId('edit-reason-field').classList.add('field-invalid');
    const e = byId('edit-reason-error');
    e.hidden = false;
    e.textContent = 'Give the reason for the change: it is kept in the audit trail.';
    byId('edit-reason').setAttribute('aria-invalid', 'true');
    byId('edit-reason').focus();
    return;
  }
  const body: Record<string, unknown> = { action, reason };
  if (state.editSession) body.sessionId = state.editSession.id;
  if (action === 'move' || action === 'add') {
    body.vanId = Number(byId<HTMLSelectElement>('edit-van').value);
    body.date = byId<HTMLInputElement>('edit-date').value;
    body.shift = byId<HTMLSelectElement>('edit-shift').value;
  }
  if (action === 'add' || action === 'swap') body.siteId = Number(byId<HTMLSelectElement>('edit-site').value);
  const order = byId<HTMLInputElement>('edit-order').value;
  if (order && action !== 'cancel') body.order = Number(order);
  const button = byId<HTMLButtonElement>('edit-submit');
  button.disabled = true;
  try {
    const answer = await fetchJson<{ plan?: unknown; warnings?: string[] }>(`/api/plans/${plan.id}/edits`, { method: 'POST', headers: csrfHeaders(state.me), body: JSON.stringify(body) });
    const warnings = answer.warnings ?? [];
    byId<HTMLDialogElement>('edit-dialog').close();
    const updated = normalisePlan(answer.plan ?? (await fetchJson<unknown>(`/api/plans/${plan.id}`)));
    state.plan = updated;
    // The month's list shows each plan's violation and session counts: refresh it with the plan.
    await loadPlans();
    showPlan(updated);
    const message = warnings.length ? `Change applied, with warnings: ${warnings.join(' ')}` : 'Change applied.';
    setStatus(message, false);
    if (warnings.length) byId('page-status').classList.add('warning-text');
    announce(message);
  } catch (err) {
    error.hidden = false;
    error.textContent = err instanceof ApiError ? err.message : `The change could not be applied: ${(err as Error).message}`;
    button.disabled = false;
  }
}

// ---------- Returns ----------

function openReturn(session: PlanSessionView): void {
  state.returnSession = session;
  const d = session.delivered;
  byId('return-session-text').textContent = `${session.vanCallSign ?? ''} ${session.shift}, ${formatDate(session.date)}: ${siteName(session.siteId, session.siteText)} (${localClock(session.arrive)}–${localClock(session.depart)})`;
  const planned = minutesBetween(session.arrive, session.depart) / 60;
  byId<HTMLInputElement>('return-hours').value = String(d?.hoursDelivered ?? Math.round(planned * 4) / 4);
  byId<HTMLInputElement>('return-vehicles').value = String(d?.vehiclesChecked ?? 0);
  byId<HTMLInputElement>('return-speeding').value = String(d?.detections.speeding ?? 0);
  byId<HTMLInputElement>('return-seatbelt').value = String(d?.detections.seatBelt ?? 0);
  byId<HTMLInputElement>('return-phone').value = String(d?.detections.mobilePhone ?? 0);
  byId<HTMLInputElement>('return-control').value = String(d?.detections.notInProperControl ?? 0);
  byId<HTMLInputElement>('return-fallback').checked = d?.usedFallback ?? false;
  byId<HTMLTextAreaElement>('return-note').value = d?.note ?? '';
  fillSelect(byId('return-site'), session.fallbackSiteIds.map((id) => ({ value: String(id), label: siteName(id) })), String(d?.actualSiteId ?? session.fallbackSiteIds[0] ?? ''));
  byId('return-site-field').hidden = !byId<HTMLInputElement>('return-fallback').checked;
  byId('return-error').hidden = true;
  byId<HTMLDialogElement>('return-dialog').showModal();
  byId('return-hours').focus();
}

async function submitReturn(): Promise<void> {
  const session = state.returnSession;
  if (!session || !state.me || !state.plan) return;
  const n = (id: string) => Number(byId<HTMLInputElement>(id).value || 0);
  const error = byId('return-error');
  const counts = ['return-vehicles', 'return-speeding', 'return-seatbelt', 'return-phone', 'return-control'];
  const hours = n('return-hours');
  if (!(hours >= 0 && hours <= 24) || counts.some((id) => !Number.isInteger(n(id)) || n(id) < 0)) {
    error.hidden = false;
    error.textContent = 'Hours must be 0–24 and every count a whole number, 0 or more.';
    return;
  }
  const usedFallback = byId<HTMLInputElement>('return-fallback').checked;
  const body = {
    hoursDelivered: hours,
    vehiclesChecked: n('return-vehicles'),
    detections: { speeding: n('return-speeding'), seatBelt: n('return-seatbelt'), mobilePhone: n('return-phone'), notInProperControl: n('return-control') },
    usedFallback,
    ...(usedFallback && byId<HTMLSelectElement>('return-site').value ? { actualSiteId: Number(byId<HTMLSelectElement>('return-site').value) } : {}),
    ...(byId<HTMLTextAreaElement>('return-note').value.trim() ? { note: byId<HTMLTextAreaElement>('return-note').value.trim() } : {}),
  };
  try {
    await fetchJson(`/api/plan-sessions/${session.id}/return`, { method: 'PUT', headers: csrfHeaders(state.me), body: JSON.stringify(body) });
    byId<HTMLDialogElement>('return-dialog').close();
    announce('Return saved.');
    await openPlan(state.plan.id, false);
  } catch (err) {
    error.hidden = false;
    error.textContent = err instanceof ApiError ? err.message : `The return could not be saved: ${(err as Error).message}`;
  }
}

// ---------- Delivery ----------

/** Two bars per district on one scale: hours planned (grey) and delivered (blue), with the numbers in words for screen readers. */
function plannedDeliveredChart(rows: ReturnType<typeof deliveryRows>): HTMLElement {
  const figure = h('figure', { class: 'chart bar-list paired-bars', 'data-chart': 'delivery' }, h('figcaption', { class: 'bar-list-caption' }, 'Hours planned and delivered by district'));
  const max = Math.max(0, ...rows.flatMap((r) => [r.plannedHours, r.deliveredHours]));
  if (rows.length === 0 || max === 0) {
    figure.append(h('p', { class: 'muted' }, 'No hours planned.'));
    return figure;
  }
  const bar = (value: number, kind: string) =>
    h('span', { class: 'bar-list-track', 'aria-hidden': 'true' }, h('span', { class: `bar-list-bar ${kind}`, style: `width:${((100 * value) / max).toFixed(1)}%` }));
  figure.append(
    h(
      'ul',
      { class: 'bar-list-items' },
      ...rows.map((r) =>
        h(
          'li',
          {},
          h('span', { class: 'bar-list-label' }, r.label),
          h('span', { class: 'paired-track' }, bar(r.plannedHours, 'planned'), bar(r.deliveredHours, 'delivered')),
          h('span', { class: 'bar-list-value' }, `${formatDecimal(r.deliveredHours, 1)} of ${formatDecimal(r.plannedHours, 1)} h`),
        ),
      ),
    ),
    h('p', { class: 'chart-key', 'aria-hidden': 'true' }, h('span', { class: 'key planned' }), 'Planned ', h('span', { class: 'key delivered' }), 'Delivered'),
  );
  return figure;
}

async function loadDelivery(plan: PlanDetail): Promise<void> {
  const panel = byId('delivery');
  panel.hidden = false;
  fill(panel, h('h3', { id: 'delivery-heading' }, 'Planned and delivered'), h('p', { class: 'muted' }, 'Loading…'));
  try {
    const raw = await fetchJson<Record<string, unknown>>(`/api/plans/${plan.id}/delivery`);
    if (state.plan?.id !== plan.id) return;
    const districts = deliveryRows(raw.districts ?? raw.byDistrict);
    const sites = deliveryRows(raw.sites ?? raw.bySite);
    const offences = offenceCounts(raw.offences ?? raw.detections ?? raw.byOffence ?? (raw.totals as Record<string, unknown> | undefined)?.detections);
    const totals = (raw.totals ?? raw.total ?? {}) as Record<string, unknown>;
    const table = (caption: string, rows: ReturnType<typeof deliveryRows>, id: string) =>
      h(
        'table',
        { class: 'data-table compact', id },
        h('caption', {}, caption),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Where'), h('th', { scope: 'col', class: 'num' }, 'Hours planned'), h('th', { scope: 'col', class: 'num' }, 'Hours delivered'), h('th', { scope: 'col', class: 'num' }, 'Delivered'))),
        h(
          'tbody',
          {},
          ...rows.map((r) =>
            h('tr', {}, h('td', {}, r.label), h('td', { class: 'num' }, formatDecimal(r.plannedHours, 1)), h('td', { class: 'num' }, formatDecimal(r.deliveredHours, 1)), h('td', { class: 'num' }, r.plannedHours > 0 ? `${Math.round((100 * r.deliveredHours) / r.plannedHours)}%` : '–')),
          ),
        ),
      );
    fill(panel, 
      h('h3', { id: 'delivery-heading' }, 'Planned and delivered'),
      typeof totals.plannedHours === 'number' || typeof totals.deliveredHours === 'number'
        ? h('p', {}, `${formatDecimal(Number(totals.deliveredHours ?? 0), 1)} of ${formatDecimal(Number(totals.plannedHours ?? 0), 1)} planned hours delivered.`)
        : null,
      Array.isArray(raw.sessionsWithoutReturn) && raw.sessionsWithoutReturn.length
        ? h(
            'p',
            { class: 'hint', id: 'missing-returns' },
            `${formatCount(raw.sessionsWithoutReturn.length)} sessions have no return yet (${formatCount((raw.sessionsWithoutReturn as Array<{ overdue?: boolean }>).filter((m) => m.overdue).length)} overdue).`,
          )
        : null,
      h(
        'div',
        { class: 'delivery-charts' },
        plannedDeliveredChart(districts),
        barList(offences, { caption: 'Detections by offence', empty: 'No detections returned yet.' }),
      ),
      districts.length ? table('By district', districts, 'delivery-districts') : null,
      sites.length ? h('details', {}, h('summary', {}, `By site (${sites.length})`), table('By site', sites, 'delivery-sites')) : null,
    );
  } catch (err) {
    fill(panel, h('h3', { id: 'delivery-heading' }, 'Planned and delivered'), h('p', { class: 'error-text' }, `The delivery summary could not be loaded: ${(err as Error).message}`));
  }
}

// ---------- Audit trail ----------

interface PlanEvent {
  at: string;
  actor: string;
  action: string;
  sessionId: number | null;
  reason: string | null;
  warnings: string[];
}

async function loadAudit(plan: PlanDetail): Promise<void> {
  const audit = byId<HTMLDetailsElement>('audit');
  if (audit.dataset.planId === String(plan.id)) return;
  audit.dataset.planId = String(plan.id);
  const body = byId('audit-body');
  body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    const raw = await fetchJson<{ events?: PlanEvent[] } | PlanEvent[]>(`/api/plans/${plan.id}/events`);
    const events = [...(Array.isArray(raw) ? raw : (raw.events ?? []))].reverse();
    body.replaceChildren(
      events.length === 0
        ? h('p', { class: 'muted' }, 'No events.')
        : h(
            'table',
            { class: 'data-table compact', id: 'audit-table' },
            h('caption', { class: 'visually-hidden' }, 'Events of this plan, newest first'),
            h('thead', {}, h('tr', {}, ...['When', 'Who', 'What', 'Reason', 'Warnings'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              {},
              ...events.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'nowrap' }, formatDateTime(e.at)),
                  h('td', {}, e.actor),
                  h('td', {}, h('span', { class: 'status-pill' }, e.action), e.sessionId ? ` session ${e.sessionId}` : ''),
                  h('td', {}, e.reason ?? '–'),
                  h('td', {}, (e.warnings ?? []).join(' ') || '–'),
                ),
              ),
            ),
          ),
    );
  } catch (err) {
    audit.dataset.planId = '';
    body.replaceChildren(h('p', { class: 'error-text' }, `The audit trail could not be loaded: ${(err as Error).message}`));
  }
}

// ---------- Reference data ----------

async function loadReference(): Promise<void> {
  const [sites, shifts, vans] = await Promise.allSettled([
    fetchJson<{ sites?: Array<{ id: number; publishedText?: string; parkingPositions?: Array<{ lon: number; lat: number }>; stretch?: GeoJSON.LineString | null; eligibility?: { eligible?: boolean }; retiredAt?: string | null }> }>('/api/sites?includeRetired=true'),
    fetchJson<{ shifts?: Array<{ code: string; name: string; starts: string; ends: string }> }>('/api/shift-templates'),
    fetchJson<{ vans?: Array<{ id: number; callSign: string; active?: boolean }> }>('/api/vans'),
  ]);
  if (sites.status === 'fulfilled') {
    for (const s of sites.value.sites ?? []) {
      state.siteText.set(s.id, s.publishedText ?? `Site ${s.id}`);
      const park = s.parkingPositions?.[0];
      const coords = s.stretch?.coordinates;
      // The planner times visits at the first parking position; a site without one is drawn at its stretch's middle point.
      const at = park ? ([park.lon, park.lat] as [number, number]) : coords?.length ? (coords[Math.floor(coords.length / 2)] as [number, number]) : undefined;
      if (at) state.siteAt.set(s.id, at);
      if (s.eligibility?.eligible && !s.retiredAt) state.eligibleSites.push({ id: s.id, text: s.publishedText ?? `Site ${s.id}` });
    }
    state.eligibleSites.sort((a, b) => a.text.localeCompare(b.text));
  }
  if (shifts.status === 'fulfilled') state.shifts = shifts.value.shifts ?? [];
  if (vans.status === 'fulfilled') state.vans = (vans.value.vans ?? []).filter((v) => v.active !== false).map((v) => ({ id: v.id, callSign: v.callSign }));
}

// ---------- Start ----------

function sessionById(id: number): PlanSessionView | undefined {
  return state.plan?.sessions.find((s) => s.id === id);
}

function wire(): void {
  const month = byId<HTMLInputElement>('month');
  month.value = state.month;
  month.addEventListener('change', () => {
    if (!/^\d{4}-\d{2}$/.test(month.value)) return;
    state.month = month.value;
    state.plan = undefined;
    state.day = undefined;
    byId('plan').hidden = true;
    void loadPlans();
  });
  byId<HTMLFormElement>('month-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void generate();
  });
  const generateButton = byId<HTMLButtonElement>('generate');
  generateButton.hidden = !hasRole(PLAN_ROLES);
  byId('seed-field').hidden = !hasRole(PLAN_ROLES);
  byId('plans-wrap').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-open-plan]');
    if (b) void openPlan(Number(b.dataset.openPlan));
  });
  byId('approve').addEventListener('click', () => void planAction('approve', undefined, 'The plan is approved. A supervisor can publish it now.'));
  byId('publish').addEventListener('click', () => void planAction('publish', undefined, 'The plan is published: the month’s list of sites is public.'));
  for (const id of ['calendar', 'violations']) {
    byId(id).addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('[data-day]');
      if (b?.dataset.day) void showDay(b.dataset.day);
    });
  }
  byId('prev-day').addEventListener('click', () => {
    const dates = datesOfMonth(state.plan!.month);
    const i = dates.indexOf(state.day!);
    if (i > 0) void showDay(dates[i - 1]!);
  });
  byId('next-day').addEventListener('click', () => {
    const dates = datesOfMonth(state.plan!.month);
    const i = dates.indexOf(state.day!);
    if (i < dates.length - 1) void showDay(dates[i + 1]!);
  });
  byId('add-session').addEventListener('click', () => openEdit('add', undefined));
  byId<HTMLDetailsElement>('audit').addEventListener('toggle', () => {
    if (byId<HTMLDetailsElement>('audit').open && state.plan) void loadAudit(state.plan);
  });
  byId('day-sessions').addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const edit = t.closest<HTMLButtonElement>('[data-edit]');
    if (edit) {
      const s = sessionById(Number(edit.dataset.session));
      if (s) openEdit(edit.dataset.edit as 'move' | 'swap' | 'cancel', s);
      return;
    }
    const ret = t.closest<HTMLButtonElement>('[data-return]');
    if (ret) {
      const s = sessionById(Number(ret.dataset.return));
      if (s) openReturn(s);
    }
  });
  byId('edit-action').addEventListener('change', showEditFields);
  byId<HTMLFormElement>('edit-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitEdit();
  });
  byId('edit-cancel').addEventListener('click', () => byId<HTMLDialogElement>('edit-dialog').close());
  byId('return-fallback').addEventListener('change', () => (byId('return-site-field').hidden = !byId<HTMLInputElement>('return-fallback').checked));
  byId<HTMLFormElement>('return-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitReturn();
  });
  byId('return-cancel').addEventListener('click', () => byId<HTMLDialogElement>('return-dialog').close());
}

async function start(): Promise<void> {
  const me = await startStaffPage('plans');
  if (!me) return;
  state.me = me;
  wire();
  await loadReference();
  await loadPlans();
  const asked = Number(url.get('plan'));
  if (asked) await openPlan(asked, false);
}

void start();
