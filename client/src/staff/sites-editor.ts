// The site editor: every field of a register record, the stretch drawn point by point on the map (or typed),
// parking positions picked on the map, restrictions, suspensions; saves with the record's version.
import type { GeoJSONSource, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { SITE_CATEGORIES, type SiteCategory } from '../../../geo/planning/types.ts';
import { ApiError, fetchJson, type District } from '../shared/api.ts';
import { announce, byId, h } from '../shared/dom.ts';
import { CATEGORY_SHORT } from '../enforcement/model.ts';
import { csrfHeaders, type Me } from './chrome.ts';
import { lineLengthM } from '../../../server/concerns/model.ts';
import { checkForm, emptyForm, formField, formFromSite, normaliseSite, previewText, siteBody, type FormProblem, type SiteFormValues, type SiteView } from './sites-model.ts';

const DRAFT_SOURCE = 'site-draft';
const DRAFT_COLOUR = '#c2185b';
export const SPEED_LIMITS = [20, 30, 40, 50, 60, 70];

/** What a map click does while the editor is open. */
type DrawMode = { kind: 'none' } | { kind: 'stretch' } | { kind: 'parking'; index: number };

export interface EditorOptions {
  me: Me;
  map: () => MapLibreMap | undefined;
  districts: District[];
  onSaved: (site: SiteView, created: boolean) => void;
  onClosed: () => void;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

export class SiteEditor {
  private site: SiteView | undefined;
  private values: SiteFormValues = emptyForm();
  private mode: DrawMode = { kind: 'none' };
  private readonly panel = byId('editor');
  private layersReady = false;

  constructor(private readonly options: EditorOptions) {}

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** True while map clicks belong to the editor (drawing or picking a parking position). */
  get capturesClicks(): boolean {
    return this.isOpen && this.mode.kind !== 'none';
  }

  open(site: SiteView | undefined): void {
    this.site = site;
    this.values = site ? formFromSite(site) : emptyForm();
    this.mode = site ? { kind: 'none' } : { kind: 'stretch' };
    this.panel.hidden = false;
    this.render();
    this.ensureLayers();
    this.updateDrawing();
    // A new site starts with drawing, so the map stays in view; an edit starts with the form.
    if (this.mode.kind === 'stretch') byId('map').scrollIntoView({ block: 'nearest' });
    else this.panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
    byId('editor-heading').focus({ preventScroll: true });
  }

  close(): void {
    this.mode = { kind: 'none' };
    this.panel.hidden = true;
    this.panel.replaceChildren();
    this.site = undefined;
    this.values = emptyForm();
    this.updateDrawing();
    this.setMapMode();
    this.options.onClosed();
  }

  /** A click on the map (the page forwards it while capturesClicks is true). */
  mapClick(e: MapMouseEvent): void {
    const point: [number, number] = [round6(e.lngLat.lng), round6(e.lngLat.lat)];
    this.readScalars();
    if (this.mode.kind === 'stretch') {
      this.values.stretch.push(point);
      this.syncStretchText();
    } else if (this.mode.kind === 'parking') {
      const p = this.values.parkingPositions[this.mode.index];
      if (p) {
        p.lon = String(point[0]);
        p.lat = String(point[1]);
      }
      this.mode = { kind: 'none' };
      this.renderParking();
    }
    this.updateDrawing();
    this.setMapMode();
  }

  // ---------- Map drawing ----------

  private ensureLayers(): void {
    const map = this.options.map();
    if (!map || this.layersReady || !map.isStyleLoaded()) return;
    map.addSource(DRAFT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'site-draft-casing', type: 'line', source: DRAFT_SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 9 } });
    map.addLayer({ id: 'site-draft-line', type: 'line', source: DRAFT_SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': DRAFT_COLOUR, 'line-width': 4, 'line-dasharray': [2, 1] } });
    map.addLayer({
      id: 'site-draft-points',
      type: 'circle',
      source: DRAFT_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-color': ['case', ['==', ['get', 'role'], 'parking'], '#1b1f24', DRAFT_COLOUR],
        'circle-radius': ['case', ['==', ['get', 'role'], 'parking'], 7, 5],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    this.layersReady = true;
  }

  private updateDrawing(): void {
    const map = this.options.map();
    if (!map) return;
    this.ensureLayers();
    const features: GeoJSON.Feature[] = [];
    if (this.isOpen) {
      const line = this.values.stretch;
      if (line.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: line } });
      for (const p of line) features.push({ type: 'Feature', properties: { role: 'vertex' }, geometry: { type: 'Point', coordinates: p } });
      for (const p of this.values.parkingPositions) {
        const lon = Number(p.lon);
        const lat = Number(p.lat);
        if (p.lon !== '' && p.lat !== '' && Number.isFinite(lon) && Number.isFinite(lat)) features.push({ type: 'Feature', properties: { role: 'parking' }, geometry: { type: 'Point', coordinates: [lon, lat] } });
      }
    }
    map.getSource<GeoJSONSource>(DRAFT_SOURCE)?.setData({ type: 'FeatureCollection', features });
    map.getCanvas().style.cursor = this.capturesClicks ? 'crosshair' : '';
  }

  private setMapMode(): void {
    const el = byId('map-mode');
    if (!this.isOpen || this.mode.kind === 'none') el.textContent = '';
    else if (this.mode.kind === 'stretch') el.textContent = `Drawing the stretch: click the map at each point along the road. ${this.stretchSummary()}`;
    else el.textContent = `Click the map where the van parks for parking position ${this.mode.index + 1}.`;
    const status = document.getElementById('stretch-status');
    if (status) status.textContent = this.stretchSummary();
    const drawButton = document.getElementById('draw-stretch');
    if (drawButton) {
      drawButton.setAttribute('aria-pressed', String(this.mode.kind === 'stretch'));
      drawButton.textContent = this.mode.kind === 'stretch' ? 'Stop drawing' : 'Draw on the map';
    }
  }

  private stretchSummary(): string {
    const n = this.values.stretch.length;
    if (n === 0) return 'No points yet.';
    if (n === 1) return 'One point: add the other end.';
    const m = lineLengthM(this.values.stretch);
    return `${n} points, about ${m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`} long.`;
  }

  private syncStretchText(): void {
    const area = document.getElementById('site-stretch') as HTMLTextAreaElement | null;
    if (area) area.value = this.values.stretch.map((p) => `${p[0]}, ${p[1]}`).join('\n');
  }

  // ---------- Form ----------

  private field(name: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
    const id = `site-${name}`;
    control.id = id;
    if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
    return h('div', { class: 'field', id: `${id}-field` }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, h('p', { class: 'field-error', id: `${id}-error`, hidden: true }), control);
  }

  private text(name: keyof SiteFormValues, label: string, hint?: string, attrs: Record<string, string> = {}): HTMLElement {
    return this.field(name, label, h('input', { type: 'text', name, value: String(this.values[name] ?? ''), autocomplete: 'off', ...attrs }), hint);
  }

  private render(): void {
    const v = this.values;
    const creating = !this.site;
    const category = h('select', { name: 'category' }, ...SITE_CATEGORIES.map((c) => h('option', { value: c, selected: c === v.category }, CATEGORY_SHORT[c])));
    const district = h('select', { name: 'districtCode' }, h('option', { value: '' }, 'Work it out from the stretch'), ...this.options.districts.map((d) => h('option', { value: d.code, selected: d.code === v.districtCode }, d.name)));
    const limit = h('select', { name: 'speedLimitMph' }, ...SPEED_LIMITS.map((l) => h('option', { value: String(l), selected: String(l) === v.speedLimitMph }, `${l} mph`)));
    const kind = h('select', { name: 'limitKind' }, h('option', { value: 'limit', selected: v.limitKind === 'limit' }, 'Limit'), h('option', { value: 'zone', selected: v.limitKind === 'zone' }, 'Zone'));
    const stretchArea = h('textarea', { name: 'stretch', rows: 4, spellcheck: 'false' }, v.stretch.map((p) => `${p[0]}, ${p[1]}`).join('\n'));
    const form = h(
      'form',
      { id: 'site-form', class: 'site-form', novalidate: true },
      h('div', { class: 'error-summary', id: 'site-errors', role: 'alert', tabindex: '-1', 'aria-labelledby': 'site-errors-title', hidden: true }, h('h2', { id: 'site-errors-title' }, 'There is a problem'), h('ul', { id: 'site-error-list' })),
      h(
        'fieldset',
        { class: 'form-group' },
        h('legend', {}, 'The site'),
        h('div', { class: 'form-grid' }, this.text('reference', 'Reference', creating ? 'A stable id, e.g. LAN-0101.' : 'Cannot be changed.', creating ? {} : { readonly: 'true' }), this.field('category', 'Category', category)),
        h(
          'div',
          { class: 'form-grid' },
          this.text('roadNumber', 'Road number (optional)', 'e.g. A584'),
          this.text('roadName', 'Road name'),
          this.text('qualifier', 'Qualifier (optional)', 'e.g. from Clifton Business Park to Blackpool Rd'),
          this.text('direction', 'Direction (optional)', 'e.g. eastbound, both directions'),
          this.text('locality', 'Locality'),
          this.field('districtCode', 'District', district),
          this.text('highwayAuthority', 'Highway authority (optional)'),
          this.field('speedLimitMph', 'Speed limit', limit),
          this.field('limitKind', 'Limit or zone', kind),
        ),
        h('p', { class: 'preview-line' }, 'Published as: ', h('strong', { id: 'site-preview' }, previewText(v) || '–')),
      ),
      h(
        'fieldset',
        { class: 'form-group' },
        h('legend', {}, 'The enforceable stretch'),
        h(
          'div',
          { class: 'draw-controls' },
          h('button', { type: 'button', class: 'button secondary small', id: 'draw-stretch', 'aria-pressed': 'false', 'aria-controls': 'map' }, 'Draw on the map'),
          h('button', { type: 'button', class: 'button secondary small', id: 'undo-point' }, 'Undo last point'),
          h('button', { type: 'button', class: 'button secondary small', id: 'clear-stretch' }, 'Clear'),
          h('span', { class: 'hint', id: 'stretch-status', 'aria-live': 'polite' }),
        ),
        this.field('stretch', 'Points of the stretch (longitude, latitude; one per line)', stretchArea, 'Filled in as you click the map; you can also type or paste them.'),
      ),
      h('fieldset', { class: 'form-group', id: 'parking-group' }, h('legend', {}, 'Parking positions'), h('div', { id: 'parking-rows' }), h('button', { type: 'button', class: 'button secondary small', id: 'add-parking' }, 'Add a parking position')),
      h(
        'fieldset',
        { class: 'form-group' },
        h('legend', {}, 'Risk assessment and restrictions'),
        h(
          'div',
          { class: 'form-grid' },
          this.field('riskAssessedOn', 'Risk assessed on', h('input', { type: 'date', name: 'riskAssessedOn', value: v.riskAssessedOn })),
          this.field('riskAssessmentExpiresOn', 'Risk assessment expires on', h('input', { type: 'date', name: 'riskAssessmentExpiresOn', value: v.riskAssessmentExpiresOn })),
          this.field('visibilityM', 'Van visible from (m, optional)', h('input', { type: 'number', name: 'visibilityM', min: '0', step: '1', value: v.visibilityM }), 'At least 60 m at 40 mph or less, 100 m above.'),
        ),
        h(
          'div',
          { class: 'checks', id: 'site-timeRestrictions' },
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'daylightOnly', checked: v.daylightOnly }), 'Daylight only'),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'noWeekends', checked: v.noWeekends }), 'Not at weekends'),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'schoolTimesOnly', checked: v.schoolTimesOnly }), 'School times only (07:30–09:30, 14:30–16:30 on school days)'),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'warningSigns', checked: v.warningSigns }), 'Camera warning signs in place'),
        ),
        this.field('timeRestrictions-windows', 'Only inside these times (optional)', h('input', { type: 'text', name: 'windows', value: v.windows, autocomplete: 'off' }), 'Local time, e.g. 07:00-10:00, 16:00-19:00'),
      ),
      h('fieldset', { class: 'form-group', id: 'suspension-group' }, h('legend', {}, 'Suspensions (roadworks, events)'), h('div', { id: 'suspension-rows' }), h('button', { type: 'button', class: 'button secondary small', id: 'add-suspension' }, 'Add a suspension')),
      h(
        'fieldset',
        { class: 'form-group' },
        h('legend', {}, creating ? 'Notes' : 'Notes and reason'),
        this.field('notes', 'Notes (optional)', h('textarea', { name: 'notes', rows: 2 }, v.notes)),
        // A new site's history starts with its creation; a change needs a reason.
        creating ? null : this.field('reason', 'Reason for the change', h('input', { type: 'text', name: 'reason', value: '', autocomplete: 'off' }), 'Kept in the site history.'),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'button', id: 'save-site' }, creating ? 'Create site' : 'Save changes'),
        h('button', { type: 'button', class: 'button secondary', id: 'cancel-edit' }, 'Cancel'),
        !creating && !this.site?.retiredAt ? h('button', { type: 'button', class: 'button danger', id: 'retire-site' }, 'Retire site') : null,
      ),
    );
    this.panel.replaceChildren(
      h('h2', { id: 'editor-heading', tabindex: '-1' }, creating ? 'New site' : `Edit ${this.site!.reference}`),
      this.site ? h('p', { class: 'hint' }, `Version ${this.site.version}. ${this.site.retiredAt ? 'Retired.' : ''}`) : h('p', { class: 'hint' }, 'Click the map to draw the stretch, then fill in the rest.'),
      form,
    );
    this.renderParking();
    this.renderSuspensions();
    this.wire(form, stretchArea);
    this.setMapMode();
  }

  private renderParking(): void {
    const rows = document.getElementById('parking-rows');
    if (!rows) return;
    rows.replaceChildren(
      ...this.values.parkingPositions.map((p, i) =>
        h(
          'div',
          { class: 'repeat-row', 'data-index': i },
          h('p', { class: 'repeat-title' }, `Position ${i + 1}`),
          this.field(`parkingPositions-${i}-lon`, 'Longitude', h('input', { type: 'text', inputmode: 'decimal', 'data-parking': i, 'data-key': 'lon', value: p.lon })),
          this.field(`parkingPositions-${i}-lat`, 'Latitude', h('input', { type: 'text', inputmode: 'decimal', 'data-parking': i, 'data-key': 'lat', value: p.lat })),
          this.field(`parkingPositions-${i}-directions`, 'Directions enforceable', h('input', { type: 'text', 'data-parking': i, 'data-key': 'directions', value: p.directions }), 'e.g. eastbound, westbound'),
          this.field(`parkingPositions-${i}-description`, 'Description', h('input', { type: 'text', 'data-parking': i, 'data-key': 'description', value: p.description })),
          h(
            'div',
            { class: 'repeat-actions' },
            h('button', { type: 'button', class: 'button secondary small', 'data-pick-parking': i }, 'Pick on the map'),
            h('button', { type: 'button', class: 'link-button', 'data-remove-parking': i }, `Remove position ${i + 1}`),
          ),
        ),
      ),
    );
    if (this.values.parkingPositions.length === 0) rows.append(h('p', { class: 'muted' }, 'No parking position yet: a site needs at least one safe place to park.'));
  }

  private renderSuspensions(): void {
    const rows = document.getElementById('suspension-rows');
    if (!rows) return;
    rows.replaceChildren(
      ...this.values.suspensions.map((s, i) =>
        h(
          'div',
          { class: 'repeat-row', 'data-index': i },
          this.field(`suspensions-${i}-from`, 'From', h('input', { type: 'date', 'data-suspension': i, 'data-key': 'from', value: s.from })),
          this.field(`suspensions-${i}-to`, 'To (inclusive)', h('input', { type: 'date', 'data-suspension': i, 'data-key': 'to', value: s.to })),
          this.field(`suspensions-${i}-reason`, 'Reason', h('input', { type: 'text', 'data-suspension': i, 'data-key': 'reason', value: s.reason })),
          h('div', { class: 'repeat-actions' }, h('button', { type: 'button', class: 'link-button', 'data-remove-suspension': i }, `Remove suspension ${i + 1}`)),
        ),
      ),
    );
    if (this.values.suspensions.length === 0) rows.append(h('p', { class: 'muted' }, 'None.'));
  }

  /** Copies the scalar inputs and the repeated rows into `values`. */
  private readScalars(): void {
    const form = document.getElementById('site-form') as HTMLFormElement | null;
    if (!form) return;
    const v = this.values;
    const get = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null)?.value ?? '';
    const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.checked ?? false;
    for (const name of ['reference', 'roadNumber', 'roadName', 'qualifier', 'direction', 'locality', 'districtCode', 'highwayAuthority', 'speedLimitMph', 'riskAssessedOn', 'riskAssessmentExpiresOn', 'visibilityM', 'notes', 'reason', 'windows'] as const) {
      v[name] = get(name);
    }
    v.category = get('category') as SiteCategory;
    v.limitKind = get('limitKind') === 'zone' ? 'zone' : 'limit';
    v.daylightOnly = checked('daylightOnly');
    v.noWeekends = checked('noWeekends');
    v.schoolTimesOnly = checked('schoolTimesOnly');
    v.warningSigns = checked('warningSigns');
    for (const input of form.querySelectorAll<HTMLInputElement>('[data-parking]')) {
      const p = v.parkingPositions[Number(input.dataset.parking)];
      if (p) p[input.dataset.key as 'lon' | 'lat' | 'directions' | 'description'] = input.value;
    }
    for (const input of form.querySelectorAll<HTMLInputElement>('[data-suspension]')) {
      const s = v.suspensions[Number(input.dataset.suspension)];
      if (s) s[input.dataset.key as 'from' | 'to' | 'reason'] = input.value;
    }
  }

  /** Reads the typed points; a line that does not read is reported, the rest kept. */
  private readStretchText(area: HTMLTextAreaElement): string[] {
    const points: Array<[number, number]> = [];
    const problems: string[] = [];
    area.value
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .forEach((line, i) => {
        const parts = line.split(/[\s,;]+/).map(Number);
        if (parts.length !== 2 || !parts.every(Number.isFinite) || Math.abs(parts[0]!) > 180 || Math.abs(parts[1]!) > 90) problems.push(`Line ${i + 1} (“${line}”) is not “longitude, latitude”`);
        else points.push([parts[0]!, parts[1]!]);
      });
    this.values.stretch = points;
    return problems;
  }

  private wire(form: HTMLFormElement, stretchArea: HTMLTextAreaElement): void {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    form.addEventListener('input', (e) => {
      const target = e.target as HTMLElement;
      if (target === stretchArea) return;
      this.readScalars();
      byId('site-preview').textContent = previewText(this.values) || '–';
      if (target.dataset.parking !== undefined) this.updateDrawing();
    });
    stretchArea.addEventListener('change', () => {
      this.readStretchText(stretchArea);
      this.updateDrawing();
      this.setMapMode();
    });
    byId('draw-stretch').addEventListener('click', () => {
      this.mode = this.mode.kind === 'stretch' ? { kind: 'none' } : { kind: 'stretch' };
      this.updateDrawing();
      this.setMapMode();
    });
    byId('undo-point').addEventListener('click', () => {
      this.values.stretch.pop();
      this.syncStretchText();
      this.updateDrawing();
      this.setMapMode();
    });
    byId('clear-stretch').addEventListener('click', () => {
      this.values.stretch = [];
      this.syncStretchText();
      this.updateDrawing();
      this.setMapMode();
    });
    byId('add-parking').addEventListener('click', () => {
      this.readScalars();
      // A new position starts at the stretch's first point when there is one: usually close to where the van parks.
      const first = this.values.stretch[0];
      this.values.parkingPositions.push({ lon: first ? String(first[0]) : '', lat: first ? String(first[1]) : '', directions: this.values.direction, description: '' });
      this.renderParking();
      this.updateDrawing();
      document.getElementById(`site-parkingPositions-${this.values.parkingPositions.length - 1}-lon`)?.focus();
    });
    byId('add-suspension').addEventListener('click', () => {
      this.readScalars();
      this.values.suspensions.push({ from: '', to: '', reason: '' });
      this.renderSuspensions();
      document.getElementById(`site-suspensions-${this.values.suspensions.length - 1}-from`)?.focus();
    });
    form.addEventListener('click', (e) => {
      const t = e.target as HTMLElement;
      if (t.dataset.pickParking !== undefined) {
        this.readScalars();
        this.mode = { kind: 'parking', index: Number(t.dataset.pickParking) };
        this.updateDrawing();
        this.setMapMode();
        announce(byId('map-mode').textContent ?? '');
      } else if (t.dataset.removeParking !== undefined) {
        this.readScalars();
        this.values.parkingPositions.splice(Number(t.dataset.removeParking), 1);
        this.renderParking();
        this.updateDrawing();
      } else if (t.dataset.removeSuspension !== undefined) {
        this.readScalars();
        this.values.suspensions.splice(Number(t.dataset.removeSuspension), 1);
        this.renderSuspensions();
      }
    });
    byId('cancel-edit').addEventListener('click', () => this.close());
    document.getElementById('retire-site')?.addEventListener('click', () => void this.retire());
    byId('site-error-list').addEventListener('click', (e) => {
      const link = (e.target as HTMLElement).closest('a');
      if (!link) return;
      e.preventDefault();
      document.getElementById(link.getAttribute('href')!.slice(1))?.focus();
    });
  }

  private clearErrors(): void {
    byId('site-errors').hidden = true;
    byId('site-error-list').replaceChildren();
    for (const el of this.panel.querySelectorAll('.field-invalid')) el.classList.remove('field-invalid');
    for (const el of this.panel.querySelectorAll<HTMLElement>('.field-error')) el.hidden = true;
    for (const el of this.panel.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  /** Shows each problem beside its field (or the nearest field that exists) and in the summary. */
  private showErrors(problems: FormProblem[], fromServer = false): void {
    const list = byId('site-error-list');
    for (const problem of problems) {
      const key = formField(problem.field);
      const candidates = [key.replace(/\./g, '-'), key.split('.').slice(0, 2).join('-'), key.split('.')[0]!];
      const id = candidates.map((c) => `site-${c}`).find((c) => document.getElementById(c));
      // The server's messages say what is wrong ("must be a road number such as A584"); the label says where.
      const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : undefined;
      const message = fromServer ? `${label ?? key}: ${problem.message}` : problem.message;
      list.append(h('li', {}, id ? h('a', { href: `#${id}` }, message) : message));
      if (!id) continue;
      document.getElementById(`${id}-field`)?.classList.add('field-invalid');
      const error = document.getElementById(`${id}-error`);
      if (error) {
        error.hidden = false;
        error.replaceChildren(h('span', { class: 'visually-hidden' }, 'Error: '), message);
      }
      document.getElementById(id)?.setAttribute('aria-invalid', 'true');
    }
    const box = byId('site-errors');
    box.hidden = false;
    box.focus();
  }

  private async save(): Promise<void> {
    this.readScalars();
    this.clearErrors();
    const creating = !this.site;
    const stretchProblems = this.readStretchText(byId<HTMLTextAreaElement>('site-stretch'));
    const problems = [...stretchProblems.map((message) => ({ field: 'stretch', message })), ...checkForm(this.values, creating)];
    if (!creating && !this.values.reason.trim()) problems.push({ field: 'reason', message: 'Say why you are changing the site (kept in its history)' });
    if (problems.length) {
      this.showErrors(problems);
      return;
    }
    const button = byId<HTMLButtonElement>('save-site');
    button.disabled = true;
    const body = siteBody(this.values);
    try {
      const saved = creating
        ? await fetchJson<unknown>('/api/sites', { method: 'POST', headers: csrfHeaders(this.options.me), body: JSON.stringify(body) })
        : await fetchJson<unknown>(`/api/sites/${this.site!.id}`, {
            method: 'PATCH',
            headers: csrfHeaders(this.options.me),
            // The reference is the register's key: it is not sent on an edit.
            body: JSON.stringify({ ...body, reference: undefined, version: this.site!.version, reason: this.values.reason.trim() }),
          });
      const site = normaliseSite((saved as { site?: unknown }).site ?? saved);
      announce(creating ? `Site ${site.reference} created.` : `Site ${site.reference} saved.`);
      this.mode = { kind: 'none' };
      this.panel.hidden = true;
      this.panel.replaceChildren();
      this.updateDrawing();
      this.setMapMode();
      this.options.onSaved(site, creating);
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length) this.showErrors(err.fieldErrors.map((e) => ({ field: e.field, message: e.message })), true);
      else if (err instanceof ApiError && err.status === 409) this.showErrors([{ field: '', message: `Someone else changed this site since you opened it (${err.message}). Close the editor and open the site again to see their change.` }]);
      else this.showErrors([{ field: '', message: `The site could not be saved: ${(err as Error).message}` }]);
    } finally {
      button.disabled = false;
    }
  }

  private async retire(): Promise<void> {
    if (!this.site) return;
    this.readScalars();
    this.clearErrors();
    const reason = this.values.reason.trim();
    if (!reason) {
      this.showErrors([{ field: 'reason', message: 'Say why the site is retired (kept in its history)' }]);
      return;
    }
    try {
      await fetchJson(`/api/sites/${this.site.id}?reason=${encodeURIComponent(reason)}`, { method: 'DELETE', headers: csrfHeaders(this.options.me) });
      const site = { ...this.site, retiredAt: new Date().toISOString() };
      announce(`Site ${site.reference} retired.`);
      this.panel.hidden = true;
      this.panel.replaceChildren();
      this.mode = { kind: 'none' };
      this.updateDrawing();
      this.options.onSaved(site, false);
    } catch (err) {
      this.showErrors([{ field: '', message: `The site could not be retired: ${(err as Error).message}` }]);
    }
  }
}
