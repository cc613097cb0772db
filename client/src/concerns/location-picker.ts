import type { GeoJSONSource, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { lineLengthM } from '../../../server/concerns/model.ts';
import type { ReportLocation } from './report-form.ts';

export type PickMode = 'point' | 'line';

/** Colours of the pin and the drawn stretch: the service's accent blue with a white edge. */
const PICK_COLOUR = '#0b5cad';
const SOURCE = 'picked';

/** Longitude/latitude rounded to about 1 m (6 decimal places); more would be noise from a click. */
function round(c: [number, number]): [number, number] {
  return [Math.round(c[0] * 1e6) / 1e6, Math.round(c[1] * 1e6) / 1e6];
}

/**
 * Places one pin or draws a stretch of road on a MapLibre map: click (or "use the map centre" from
 * the keyboard) to place; for a stretch, each click adds a point, `finish()` stops adding, `undo()`
 * removes the last point and `clear()` starts again. `onChange` hears every change.
 */
export class LocationPicker {
  private points: Array<[number, number]> = [];
  private finished = false;
  private modeValue: PickMode = 'point';

  constructor(
    private readonly map: MapLibreMap,
    private readonly onChange: (picker: LocationPicker) => void,
  ) {
    map.addSource(SOURCE, { type: 'geojson', data: this.geojson() });
    map.addLayer({ id: 'picked-line-casing', type: 'line', source: SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 8 } });
    map.addLayer({ id: 'picked-line', type: 'line', source: SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': PICK_COLOUR, 'line-width': 4 } });
    map.addLayer({
      id: 'picked-points',
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-color': PICK_COLOUR,
        'circle-radius': ['case', ['==', ['get', 'role'], 'pin'], 9, 5],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['case', ['==', ['get', 'role'], 'pin'], 3, 2],
      },
    });
    map.on('click', (e: MapMouseEvent) => this.add([e.lngLat.lng, e.lngLat.lat]));
    map.getCanvas().style.cursor = 'crosshair';
  }

  get mode(): PickMode {
    return this.modeValue;
  }

  /** Switching between a pin and a stretch keeps what can be kept: the first point. */
  setMode(mode: PickMode): void {
    if (mode === this.modeValue) return;
    this.modeValue = mode;
    this.points = this.points.slice(0, 1);
    this.finished = false;
    this.update();
  }

  /** Adds a point (a stretch) or moves the pin. Ignored once a stretch is finished. */
  add(lngLat: [number, number]): void {
    const point = round(lngLat);
    if (this.modeValue === 'point') this.points = [point];
    else {
      if (this.finished) return;
      this.points.push(point);
    }
    this.update();
  }

  addMapCentre(): void {
    const c = this.map.getCenter();
    this.add([c.lng, c.lat]);
  }

  undo(): void {
    this.points.pop();
    this.finished = false;
    this.update();
  }

  clear(): void {
    this.points = [];
    this.finished = false;
    this.update();
  }

  finish(): void {
    if (this.modeValue === 'line' && this.points.length >= 2) {
      this.finished = true;
      this.update();
    }
  }

  get pointCount(): number {
    return this.points.length;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** The chosen place: a Point, a LineString of two or more points, or undefined. */
  location(): ReportLocation | undefined {
    if (this.modeValue === 'point') return this.points[0] ? { type: 'Point', coordinates: this.points[0] } : undefined;
    return this.points.length >= 2 ? { type: 'LineString', coordinates: this.points.map((p) => [...p]) } : undefined;
  }

  /** A sentence about what is chosen, for the live region under the map. */
  describe(): string {
    if (this.modeValue === 'point') {
      const p = this.points[0];
      return p ? `Pin placed at latitude ${p[1].toFixed(5)}, longitude ${p[0].toFixed(5)}.` : 'No pin placed yet.';
    }
    if (this.points.length === 0) return 'No stretch drawn yet: click the map at one end of the stretch.';
    if (this.points.length === 1) return 'One point placed: click the map at the other end (and at bends in between).';
    const length = lineLengthM(this.points);
    const metres = length >= 1000 ? `${(length / 1000).toFixed(1)} km` : `${Math.round(length)} m`;
    return `Stretch of ${this.points.length} points, about ${metres} long${this.finished ? ' (finished)' : '; add more points or finish'}.`;
  }

  private geojson(): GeoJSON.FeatureCollection {
    const features: GeoJSON.Feature[] = [];
    if (this.modeValue === 'line' && this.points.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: this.points } });
    this.points.forEach((p) => features.push({ type: 'Feature', properties: { role: this.modeValue === 'point' ? 'pin' : 'vertex' }, geometry: { type: 'Point', coordinates: p } }));
    return { type: 'FeatureCollection', features };
  }

  private update(): void {
    this.map.getSource<GeoJSONSource>(SOURCE)?.setData(this.geojson());
    this.onChange(this);
  }
}
