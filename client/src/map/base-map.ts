// A MapLibre map with the service's own district tiles only: the base of the report, site and staff maps.
import 'maplibre-gl/dist/maplibre-gl.css';
import * as maplibregl from 'maplibre-gl';
// The worker ships as its own module file; Vite copies it and gives its URL (same origin: CSP worker-src 'self').
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { StyleSpecification } from 'maplibre-gl';
import { DATA_ATTRIBUTION, DISTRICT_SOURCE, MAP_COLOURS, tileUrl } from './style.ts';

maplibregl.setWorkerUrl(workerUrl);

declare global {
  interface Window {
    /** The page's MapLibre map, for browser tests and the console. */
    roadsafeMap?: maplibregl.Map;
  }
}

/** Lancashire, used when nothing better is known. */
export const DEFAULT_BOUNDS: [number, number, number, number] = [-3.1, 53.48, -2.0, 54.25];

/** Background and district boundaries from this service's tiles; no glyphs, sprites or fonts. */
export function districtStyle(origin: string): StyleSpecification {
  return {
    version: 8,
    name: 'Districts (offline)',
    sources: {
      [DISTRICT_SOURCE]: { type: 'vector', tiles: [tileUrl(origin, 'districts')], minzoom: 0, maxzoom: 14, attribution: DATA_ATTRIBUTION },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': MAP_COLOURS.background } },
      { id: 'district-fill', type: 'fill', source: DISTRICT_SOURCE, 'source-layer': 'districts', paint: { 'fill-color': MAP_COLOURS.land } },
      {
        id: 'district-line',
        type: 'line',
        source: DISTRICT_SOURCE,
        'source-layer': 'districts',
        paint: { 'line-color': MAP_COLOURS.districtLine, 'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.8, 12, 1.6] },
      },
    ],
  };
}

export interface BaseMapOptions {
  bounds?: [number, number, number, number];
  /** Read by screen readers on the canvas. */
  label: string;
  /** Fires once the style has loaded: add sources and layers here. */
  onLoad?: (map: maplibregl.Map) => void;
  maxZoom?: number;
}

/**
 * Creates the map in `container` (which keeps `data-idle` up to date for the browser tests), with
 * zoom buttons, a scale bar and the OGL attribution.
 */
export function createBaseMap(container: HTMLElement, options: BaseMapOptions): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style: districtStyle(location.origin),
    bounds: options.bounds ?? DEFAULT_BOUNDS,
    fitBoundsOptions: { padding: 30 },
    attributionControl: false,
    maxZoom: options.maxZoom ?? 18,
    minZoom: 5,
    dragRotate: false,
    pitchWithRotate: false,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  window.roadsafeMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-right');
  map.on('idle', () => (container.dataset.idle = 'true'));
  map.on('dataloading', () => (container.dataset.idle = 'false'));
  map.on('error', (e) => console.error('map error:', e.error?.message ?? e));
  map.once('load', () => {
    map.getCanvas().setAttribute('aria-label', `${options.label} Arrow keys move the map, plus and minus zoom.`);
    // The compact attribution opens by default and would cover a small map: start it folded (the ⓘ button opens it).
    container.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
    options.onLoad?.(map);
  });
  return map;
}

/** The bounding box of any GeoJSON geometry's coordinates, or undefined for none. */
export function geometryBounds(coordinates: unknown): [number, number, number, number] | undefined {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      minX = Math.min(minX, c[0]);
      maxX = Math.max(maxX, c[0]);
      minY = Math.min(minY, c[1]);
      maxY = Math.max(maxY, c[1]);
    } else c.forEach(visit);
  };
  visit(coordinates);
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : undefined;
}

/** Bounds of several geometries together. */
export function featuresBounds(geometries: Iterable<GeoJSON.Geometry | null | undefined>): [number, number, number, number] | undefined {
  let out: [number, number, number, number] | undefined;
  for (const g of geometries) {
    if (!g) continue;
    const b = geometryBounds('coordinates' in g ? g.coordinates : undefined);
    if (!b) continue;
    out = out ? [Math.min(out[0], b[0]), Math.min(out[1], b[1]), Math.max(out[2], b[2]), Math.max(out[3], b[3])] : b;
  }
  return out;
}

export { maplibregl };
