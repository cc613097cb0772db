// The reporter's private status page: /concern?ref=<reference>&token=<token>. Shows status, history and outcome only.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/pages.css';
import { ApiError, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { formatDateTime } from '../shared/format.ts';
import { STATUS_LABEL, STATUSES } from '../../../server/concerns/model.ts';
import { categoryLabel, CONCERN_STATUS_HELP, outcomeLabel, statusLabel } from './labels.ts';

interface PublicConcern {
  reference: string;
  category: string;
  status: string;
  statusLabel?: string;
  outcome?: string | null;
  outcomeNote?: string | null;
  createdAt?: string;
  updatedAt?: string;
  history?: Array<{ at: string; status: string }>;
}

const params = new URLSearchParams(location.search);
// `reference` too: a link typed or shortened by hand should still open.
const reference = (params.get('ref') ?? params.get('reference') ?? '').trim();
const token = (params.get('token') ?? '').trim();

/** The steps a concern goes through, with those reached marked, so the reporter sees what comes next. */
function progress(current: string): HTMLElement {
  const index = (STATUSES as readonly string[]).indexOf(current);
  return h(
    'ol',
    { class: 'status-steps', 'aria-label': 'Steps' },
    ...STATUSES.map((s, i) =>
      h(
        'li',
        { class: i < index ? 'done' : i === index ? 'current' : 'todo', ...(i === index ? { 'aria-current': 'step' } : {}) },
        STATUS_LABEL[s],
        i < index ? h('span', { class: 'visually-hidden' }, ' (done)') : null,
      ),
    ),
  );
}

function render(c: PublicConcern): HTMLElement {
  const history = [...(c.history ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  const outcome = c.outcome
    ? h(
        'section',
        { class: 'panel-card outcome', 'aria-labelledby': 'outcome-heading' },
        h('h2', { id: 'outcome-heading' }, 'Outcome'),
        h('p', { class: 'outcome-value', id: 'outcome' }, outcomeLabel(c.outcome)),
        c.outcomeNote ? h('p', { id: 'outcome-note' }, c.outcomeNote) : null,
      )
    : null;
  return h(
    'div',
    { class: 'concern-status' },
    h('h1', {}, 'Your concern ', h('span', { class: 'nowrap' }, c.reference)),
    h(
      'dl',
      { class: 'details status-facts' },
      h('dt', {}, 'Type'),
      h('dd', {}, categoryLabel(c.category)),
      h('dt', {}, 'Reported'),
      h('dd', {}, formatDateTime(c.createdAt)),
      h('dt', {}, 'Last updated'),
      h('dd', {}, formatDateTime(c.updatedAt)),
    ),
    h(
      'div',
      { class: 'status-now' },
      h('p', { class: 'status-now-label' }, 'Status'),
      h('p', { class: 'status-now-value', id: 'status' }, statusLabel(c.status, c.statusLabel)),
      CONCERN_STATUS_HELP[c.status] ? h('p', { class: 'hint' }, CONCERN_STATUS_HELP[c.status]) : null,
    ),
    progress(c.status),
    outcome,
    h(
      'section',
      { 'aria-labelledby': 'history-heading' },
      h('h2', { id: 'history-heading' }, 'History'),
      history.length
        ? h(
            'ol',
            { class: 'timeline', id: 'timeline' },
            ...history.map((e) => h('li', {}, h('time', { datetime: e.at }, formatDateTime(e.at)), h('span', { class: 'timeline-status' }, statusLabel(e.status)))),
          )
        : h('p', { class: 'muted' }, 'No changes yet.'),
    ),
    h('p', { class: 'hint' }, 'This page shows only the progress of your report. Your name, email and description are never shown here.'),
  );
}

async function start(): Promise<void> {
  const target = byId('concern');
  const lookup = byId<HTMLFormElement>('lookup');
  lookup.addEventListener('submit', (e) => {
    e.preventDefault();
    const ref = byId<HTMLInputElement>('ref').value.trim();
    const code = byId<HTMLInputElement>('token').value.trim();
    if (ref && code) location.assign(`/concern?${new URLSearchParams({ ref, token: code })}`);
  });
  if (!reference || !token) {
    target.replaceChildren();
    lookup.hidden = false;
    byId<HTMLInputElement>('ref').value = reference;
    return;
  }
  try {
    const concern = await fetchJson<PublicConcern>(`/api/concerns/${encodeURIComponent(reference)}?${new URLSearchParams({ token })}`);
    document.title = `Concern ${concern.reference}: ${statusLabel(concern.status, concern.statusLabel)} – Road safety`;
    target.replaceChildren(render(concern));
  } catch (err) {
    const notFound = err instanceof ApiError && (err.status === 404 || err.status === 403 || err.status === 401);
    target.replaceChildren(
      h('h1', {}, 'Concern not found'),
      h(
        'p',
        { class: 'error-text', role: 'alert' },
        notFound ? 'We could not find a concern with this reference and link. Check that you copied the whole link.' : `The status could not be loaded: ${(err as Error).message}`,
      ),
    );
    lookup.hidden = false;
    byId<HTMLInputElement>('ref').value = reference;
  }
}

void start();
