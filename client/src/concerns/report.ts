// The public "report a speeding concern" page: a pin or a stretch on the map, the form, ALTCHA, the confirmation.
import '../styles/base.css';
import '../styles/map.css';
import '../styles/pages.css';
// The widget without its bundled blob: workers: the solvers below are Vite-built files on this origin (CSP worker-src 'self').
import 'altcha/external';
import 'altcha/altcha.css';
import type { AltchaWidgetElement } from 'altcha/external';
import Pbkdf2Worker from 'altcha/workers/pbkdf2?worker';
import ShaWorker from 'altcha/workers/sha?worker';
import { ApiError, fetchDistricts, fetchJson } from '../shared/api.ts';
import { byId, h } from '../shared/dom.ts';
import { formatCount } from '../shared/format.ts';
import { createBaseMap, featuresBounds } from '../map/base-map.ts';
import { CATEGORIES, CATEGORY_LABEL, DAYS, DESCRIPTION_LENGTH, TIME_BANDS } from '../../../server/concerns/model.ts';
import { TIME_PERIOD_LABELS, WEEKDAY_LABELS } from './labels.ts';
import { LocationPicker, type PickMode } from './location-picker.ts';
import { problemsFromServer, reportBody, validateReport, type FieldProblem, type ReportField, type ReportValues } from './report-form.ts';

// The widget's global registry ($altcha); its own type declaration is not reachable under NodeNext resolution.
const altchaRegistry = (globalThis as unknown as { $altcha: { algorithms: Map<string, () => Worker> } }).$altcha;
for (const algorithm of ['SHA-256', 'SHA-384', 'SHA-512']) altchaRegistry.algorithms.set(algorithm, () => new ShaWorker());
for (const algorithm of ['PBKDF2/SHA-256', 'PBKDF2/SHA-384', 'PBKDF2/SHA-512']) altchaRegistry.algorithms.set(algorithm, () => new Pbkdf2Worker());

interface Created {
  reference: string;
  token: string;
  statusUrl?: string;
}

const FIELDS: ReportField[] = ['location', 'locationText', 'category', 'whenDays', 'whenTimes', 'description', 'email', 'name', 'altcha'];

const form = byId<HTMLFormElement>('report-form');
const submitButton = byId<HTMLButtonElement>('submit-report');
const widget = byId('altcha') as AltchaWidgetElement;
let picker: LocationPicker | undefined;
let sending = false;

// ---------- Building the form ----------

function fillChoices(): void {
  byId('category').append(...CATEGORIES.map((c) => h('option', { value: c }, CATEGORY_LABEL[c])));
  byId('days').append(...DAYS.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'whenDays', value: d }), WEEKDAY_LABELS[d] ?? d)));
  byId('periods').append(...TIME_BANDS.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'whenPeriods', value: p }), TIME_PERIOD_LABELS[p] ?? p)));
}

function checked(name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

function value(id: string): string {
  return byId<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(id).value;
}

function readForm(): ReportValues {
  return {
    location: picker?.location(),
    pendingPoints: picker && !picker.location() ? picker.pointCount : 0,
    locationText: value('locationText'),
    category: value('category'),
    whenDays: checked('whenDays'),
    whenPeriods: checked('whenPeriods'),
    timeFrom: value('time-from'),
    timeTo: value('time-to'),
    description: value('description'),
    email: value('email'),
    name: value('name'),
  };
}

// ---------- Errors ----------

/** The control an error links to and focuses. */
function controlFor(field: ReportField): HTMLElement | null {
  switch (field) {
    case 'location':
      return document.querySelector<HTMLElement>('#map canvas') ?? byId('pick-point');
    case 'whenDays':
      return form.querySelector<HTMLElement>('input[name="whenDays"]');
    case 'whenTimes':
      return byId('time-from');
    case 'altcha':
      return widget.querySelector<HTMLElement>('input[type="checkbox"]') ?? widget;
    default:
      return document.getElementById(field);
  }
}

function clearErrors(): void {
  byId('error-summary').hidden = true;
  byId('error-list').replaceChildren();
  for (const field of FIELDS) {
    byId(`${field}-field`).classList.remove('field-invalid');
    const error = byId(`${field}-error`);
    error.hidden = true;
    error.textContent = '';
    const control = controlFor(field);
    control?.removeAttribute('aria-invalid');
  }
  document.title = document.title.replace(/^Error: /, '');
}

/** The GOV.UK pattern: a summary at the top linking to each field, and the message beside the field. */
function showErrors(problems: FieldProblem[]): void {
  const list = byId('error-list');
  for (const { field, message } of problems) {
    list.append(h('li', {}, field ? h('a', { href: `#${field}-field`, 'data-field': field }, message) : message));
    if (!field) continue;
    byId(`${field}-field`).classList.add('field-invalid');
    const error = byId(`${field}-error`);
    error.hidden = false;
    error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
    controlFor(field)?.setAttribute('aria-invalid', 'true');
  }
  const summary = byId('error-summary');
  summary.hidden = false;
  summary.focus();
  summary.scrollIntoView({ block: 'start' });
  document.title = `Error: ${document.title.replace(/^Error: /, '')}`;
}

byId('error-list').addEventListener('click', (e) => {
  const link = (e.target as HTMLElement).closest<HTMLAnchorElement>('a[data-field]');
  if (!link) return;
  e.preventDefault();
  const field = link.dataset.field as ReportField;
  byId(`${field}-field`).scrollIntoView({ block: 'center' });
  controlFor(field)?.focus();
});

// ---------- The map ----------

function updateLocationTools(p: LocationPicker): void {
  const line = p.mode === 'line';
  byId('location-status').textContent = p.describe();
  byId('add-centre').textContent = line ? 'Add the map centre as a point' : 'Put the pin at the map centre';
  byId('finish-stretch').hidden = !line;
  byId<HTMLButtonElement>('finish-stretch').disabled = p.pointCount < 2 || p.isFinished;
  byId<HTMLButtonElement>('undo-point').disabled = p.pointCount === 0;
  byId<HTMLButtonElement>('undo-point').textContent = line ? 'Undo last point' : 'Remove the pin';
  byId<HTMLButtonElement>('clear-location').disabled = p.pointCount === 0;
  byId('clear-location').hidden = !line;
  // A place chosen after an error: the error no longer applies.
  if (p.location() && !byId('location-error').hidden) {
    byId('location-error').hidden = true;
    byId('location-field').classList.remove('field-invalid');
  }
}

async function createPicker(): Promise<void> {
  const bounds = featuresBounds((await fetchDistricts()).map((d) => d.geometry));
  createBaseMap(byId('map'), {
    label: 'Map for placing the concern.',
    bounds,
    onLoad: (map) => {
      picker = new LocationPicker(map, updateLocationTools);
      const mode = form.querySelector<HTMLInputElement>('input[name="pickMode"]:checked')?.value as PickMode | undefined;
      if (mode) picker.setMode(mode);
      updateLocationTools(picker);
    },
  });
  for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="pickMode"]')) {
    radio.addEventListener('change', () => picker?.setMode(radio.value as PickMode));
  }
  byId('add-centre').addEventListener('click', () => picker?.addMapCentre());
  byId('finish-stretch').addEventListener('click', () => picker?.finish());
  byId('undo-point').addEventListener('click', () => picker?.undo());
  byId('clear-location').addEventListener('click', () => picker?.clear());
}

// ---------- Sending ----------

/** The next end of a check the widget is running: its payload when verified, undefined when it failed or expired. */
function nextVerification(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const listener = (e: Event) => {
      const { state, payload } = (e as CustomEvent<{ state: string; payload?: string }>).detail;
      if (state === 'verifying' || state === 'unverified') return;
      widget.removeEventListener('statechange', listener);
      resolve(state === 'verified' ? payload : undefined);
    };
    widget.addEventListener('statechange', listener);
  });
}

/** The ALTCHA payload: the one the widget already has, the one it is working on (started on focus), or a fresh proof of work now. */
async function altchaPayload(): Promise<string | undefined> {
  const current = () => form.querySelector<HTMLInputElement>('input[name="altcha"]')?.value || undefined;
  const state = widget.getState();
  if (state === 'verified' && current()) return current();
  // Starting a second verification would abort the one running: wait for it instead.
  if (state === 'verifying') return (await nextVerification()) ?? current();
  const result = await widget.verify();
  return result?.payload || current();
}

function setSending(on: boolean, label = 'Send the report'): void {
  sending = on;
  submitButton.disabled = on;
  submitButton.textContent = label;
  form.setAttribute('aria-busy', String(on));
}

async function send(): Promise<void> {
  if (sending) return;
  clearErrors();
  const values = readForm();
  const problems = validateReport(values);
  if (problems.length) {
    showErrors(problems);
    return;
  }
  setSending(true, 'Checking…');
  let payload: string | undefined;
  try {
    payload = await altchaPayload();
  } catch (err) {
    console.warn('ALTCHA failed', err);
  }
  if (!payload) {
    setSending(false);
    widget.reset();
    showErrors([{ field: 'altcha', message: 'The anti-spam check did not finish. Check your connection and send the report again.' }]);
    return;
  }
  setSending(true, 'Sending…');
  try {
    const created = await fetchJson<Created>('/api/concerns', {
      method: 'POST',
      body: JSON.stringify(reportBody(values, payload, value('website'))),
    });
    showConfirmation(created, Boolean(values.email.trim()));
  } catch (err) {
    // A solved challenge is spent once the server has seen it: the next try needs a new one.
    widget.reset();
    setSending(false);
    if (err instanceof ApiError && err.status === 400) showErrors(problemsFromServer(err.fieldErrors, err.message));
    else if (err instanceof ApiError && err.status === 429) showErrors([{ message: 'Too many reports have been sent from this connection. Wait a while, then try again.' }]);
    else showErrors([{ message: `The report could not be sent: ${(err as Error).message}. Try again.` }]);
  }
}

function statusLink(created: Created): string {
  const fallback = `/concern?${new URLSearchParams({ ref: created.reference, token: created.token })}`;
  return new URL(created.statusUrl || fallback, location.origin).href;
}

function showConfirmation(created: Created, withEmail: boolean): void {
  const link = statusLink(created);
  byId('reference').textContent = created.reference;
  const anchor = byId<HTMLAnchorElement>('status-link');
  anchor.href = link;
  anchor.textContent = link;
  byId('email-note').hidden = !withEmail;
  byId('report-view').hidden = true;
  const panel = byId('confirmation');
  panel.hidden = false;
  document.title = `Concern received (${created.reference}) – Road safety`;
  panel.focus();
  window.scrollTo({ top: 0 });
}

function wire(): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });
  const description = byId<HTMLTextAreaElement>('description');
  const count = byId('description-count');
  description.addEventListener('input', () => {
    const left = DESCRIPTION_LENGTH.max - description.value.length;
    count.textContent = left >= 0 ? `You have ${formatCount(left)} characters left.` : `You have ${formatCount(-left)} characters too many.`;
  });
  byId('copy-link').addEventListener('click', () => {
    const text = byId<HTMLAnchorElement>('status-link').href;
    navigator.clipboard.writeText(text).then(
      () => (byId('copy-result').textContent = 'Copied.'),
      () => (byId('copy-result').textContent = 'Copying is not allowed here: select the link and copy it.'),
    );
  });
}

fillChoices();
wire();
void createPicker();
