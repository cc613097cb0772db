// The day view's map: each van's route that day along its travel legs, with numbered stops (HTML markers: the map has no glyphs).
import type { GeoJSONSource, Map as MapLibreMap, Marker } from 'maplibre-gl';
import { createBaseMap, featuresBounds, maplibregl } from '../map/base-map.ts';
import { h } from '../shared/dom.ts';
import { localClock } from './plans-model.ts';

const SOURCE = 'van-routes';

/** Colours for vans in call-sign order (Okabe–Ito, then darker companions), told apart in the legend by name too. */
export const VAN_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7b3294', '#1b7837', '#b2182b', '#4d4d4d'];

export interface RouteStop {
  order: number;
  siteId: number;
  siteText: string;
  arrive: string;
  depart: string;
}

export interface RouteProperties {
  vanId: number;
  callSign: string;
  shift: string;
  date: string;
  seconds: number;
  metres: number;
  mode: string;
  stops: RouteStop[];
}

export type SiteLocations = Map<number, [number, number]>;

/** Draws and redraws one day's routes on a map created the first time it is needed. */
export class DayMap {
  private map: MapLibreMap | undefined;
  private markers: Marker[] = [];
  private pending: { routes: GeoJSON.FeatureCollection; colours: Map<number, string>; locations: SiteLocations } | undefined;

  constructor(private readonly container: HTMLElement) {}

  show(routes: GeoJSON.FeatureCollection, colours: Map<number, string>, locations: SiteLocations): void {
    this.pending = { routes, colours, locations };
    if (!this.map) {
      this.map = createBaseMap(this.container, {
        label: "Map of the day's van routes with numbered stops.",
        onLoad: (map) => {
          map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
          map.addLayer({ id: 'van-route-casing', type: 'line', source: SOURCE, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 7 } });
          map.addLayer({ id: 'van-routes', type: 'line', source: SOURCE, layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['get', 'colour'], 'line-width': 4 } });
          this.draw();
        },
      });
    } else if (this.map.loaded() || this.map.isStyleLoaded()) this.draw();
    this.map.resize();
  }

  private draw(): void {
    const map = this.map;
    const data = this.pending;
    if (!map || !data || !map.getSource(SOURCE)) return;
    this.container.dataset.idle = 'false';
    const features = data.routes.features.map((f) => {
      const p = (f.properties ?? {}) as Partial<RouteProperties>;
      return { ...f, properties: { vanId: p.vanId, shift: p.shift, colour: data.colours.get(Number(p.vanId)) ?? '#4d4d4d' } };
    });
    map.getSource<GeoJSONSource>(SOURCE)!.setData({ type: 'FeatureCollection', features });
    for (const m of this.markers) m.remove();
    this.markers = [];
    const points: GeoJSON.Geometry[] = [];
    for (const f of data.routes.features) {
      const p = (f.properties ?? {}) as Partial<RouteProperties>;
      const colour = data.colours.get(Number(p.vanId)) ?? '#4d4d4d';
      for (const stop of p.stops ?? []) {
        const at = data.locations.get(stop.siteId);
        if (!at) continue;
        const el = h(
          'div',
          { class: 'stop-marker', style: `background:${colour}`, role: 'img', 'aria-label': `${p.callSign ?? ''} stop ${stop.order}: ${stop.siteText}, ${localClock(stop.arrive)} to ${localClock(stop.depart)}` },
          String(stop.order),
        );
        el.title = `${p.callSign ?? ''} ${p.shift ?? ''} · ${stop.order}. ${stop.siteText} (${localClock(stop.arrive)}–${localClock(stop.depart)})`;
        this.markers.push(new maplibregl.Marker({ element: el }).setLngLat(at).addTo(map));
        points.push({ type: 'Point', coordinates: at });
      }
      if (f.geometry) points.push(f.geometry);
    }
    const bounds = featuresBounds(points);
    if (bounds) map.fitBounds(bounds, { padding: 50, maxZoom: 14, duration: 0 });
  }
}
