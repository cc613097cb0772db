import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl';
import type { SiteUnit } from './types.ts';

/**
 * Hotspot colours: purples and a teal, far from the collision severity colours (crimson, orange,
 * blue-grey) so both layers can be read together, and told apart by lightness as well as hue.
 */
export const HOTSPOT_COLOURS = {
  /** P(excess) ≥ 0.95: a candidate hotspot. */
  candidate: '#5b1a8f',
  /** Ranked, but not a candidate. */
  ranked: '#b79be0',
  /** Part of a Gi* corridor (drawn as a casing under the site). */
  corridor: '#0f8a7e',
  /** The site picked in the staff table. */
  selected: '#ffbf47',
  outline: '#ffffff',
};

export const HOTSPOT_SOURCE = 'hotspots';

/** Layer ids, prefixed so two sets (tiles and a GeoJSON list) can live on one map. */
export function hotspotLayerIds(prefix = 'hotspot'): {
  corridor: string;
  cellFill: string;
  cellLine: string;
  lines: string;
  points: string;
  selectedLine: string;
  selectedPoint: string;
  selectedFill: string;
} {
  return {
    corridor: `${prefix}-corridor`,
    cellFill: `${prefix}-cell-fill`,
    cellLine: `${prefix}-cell-line`,
    lines: `${prefix}-lines`,
    points: `${prefix}-points`,
    selectedFill: `${prefix}-selected-fill`,
    selectedLine: `${prefix}-selected-line`,
    selectedPoint: `${prefix}-selected-point`,
  };
}

/** The layers a click or hover looks at. */
export function interactiveHotspotLayers(prefix = 'hotspot'): string[] {
  const ids = hotspotLayerIds(prefix);
  return [ids.points, ids.lines, ids.cellFill];
}

/** Tile URL template of the hotspot layer (ranked sites of the latest published run). */
export function hotspotTileUrl(origin: string, unit?: SiteUnit | ''): string {
  return `${origin}/tiles/hotspots/{z}/{x}/{y}.mvt${unit ? `?unit=${encodeURIComponent(unit)}` : ''}`;
}

const isCandidate: ExpressionSpecification = ['==', ['get', 'candidate'], true];
/**
 * Drawn: candidates and other sites with excess harm. A ranking also holds every site with none (a
 * grid run ranks each hexagon), which would cover the map; they stay in the table, and the selected
 * site is always highlighted.
 */
const HAS_EXCESS: ExpressionSpecification = ['any', isCandidate, ['>', ['coalesce', ['get', 'harmScore'], 0], 0]];
const POLYGONS: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
const LINES: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]];
const POINTS: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];
/** Higher keys draw on top: rank 1 above rank 2. */
const RANK_SORT: ExpressionSpecification = ['-', 0, ['coalesce', ['get', 'rank'], 1_000_000]];

function byZoom(low: number, high: number): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], 8, low, 15, high];
}

/** A zoom-dependent size that also depends on candidacy (zoom must be the outermost expression). */
function byZoomAndCandidate(low: [number, number], high: [number, number]): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], 8, ['case', isCandidate, low[0], low[1]], 15, ['case', isCandidate, high[0], high[1]]];
}

const siteColour: ExpressionSpecification = ['case', isCandidate, HOTSPOT_COLOURS.candidate, HOTSPOT_COLOURS.ranked];

export interface HotspotLayerOptions {
  /** Layer id prefix (default "hotspot"). */
  prefix?: string;
  source?: string;
  /** For vector tiles: the layer inside the tile ("hotspots"). Leave out for a GeoJSON source. */
  sourceLayer?: string;
  /** Starts hidden (the public map's toggle). */
  hidden?: boolean;
  /** The selected site's id (staff page), highlighted on top. */
  selectedSiteId?: string;
}

/**
 * Hotspot sites: corridors as a teal casing, road sections and windows as lines, junctions as
 * circles, grid cells as hexagons; candidates dark and wider, other ranked sites light.
 */
export function hotspotLayers(options: HotspotLayerOptions = {}): LayerSpecification[] {
  const ids = hotspotLayerIds(options.prefix);
  const base = { source: options.source ?? HOTSPOT_SOURCE, ...(options.sourceLayer ? { 'source-layer': options.sourceLayer } : {}) };
  const layout = { visibility: options.hidden ? ('none' as const) : ('visible' as const) };
  const selected: ExpressionSpecification = ['==', ['get', 'siteId'], options.selectedSiteId ?? ''];
  return [
    {
      id: ids.corridor,
      type: 'line',
      ...base,
      filter: ['all', ['==', ['get', 'corridor'], true], ['!', POINTS], HAS_EXCESS],
      layout: { ...layout, 'line-cap': 'round', 'line-join': 'round' },
      // A casing under road sections; a thinner outline round grid cells, which tile the area edge to edge.
      paint: {
        'line-color': HOTSPOT_COLOURS.corridor,
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, ['case', POLYGONS, 1.5, 5], 15, ['case', POLYGONS, 3, 14]],
        'line-opacity': 0.9,
      },
    },
    {
      id: ids.cellFill,
      type: 'fill',
      ...base,
      filter: ['all', POLYGONS, HAS_EXCESS],
      layout: { ...layout, 'fill-sort-key': RANK_SORT },
      paint: { 'fill-color': siteColour, 'fill-opacity': ['case', isCandidate, 0.85, 0.6] },
    },
    {
      id: ids.cellLine,
      type: 'line',
      ...base,
      filter: ['all', POLYGONS, HAS_EXCESS],
      layout,
      paint: { 'line-color': siteColour, 'line-width': ['case', isCandidate, 2, 1] },
    },
    {
      id: ids.lines,
      type: 'line',
      ...base,
      filter: ['all', LINES, HAS_EXCESS],
      layout: { ...layout, 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': RANK_SORT },
      paint: { 'line-color': siteColour, 'line-width': byZoomAndCandidate([3, 1.5], [8, 4]) },
    },
    {
      id: ids.points,
      type: 'circle',
      ...base,
      filter: ['all', POINTS, HAS_EXCESS],
      layout: { ...layout, 'circle-sort-key': RANK_SORT },
      paint: {
        'circle-color': siteColour,
        'circle-radius': byZoomAndCandidate([4, 3], [10, 6]),
        'circle-stroke-color': ['case', ['==', ['get', 'corridor'], true], HOTSPOT_COLOURS.corridor, HOTSPOT_COLOURS.outline],
        'circle-stroke-width': ['case', ['==', ['get', 'corridor'], true], 3, 1],
      },
    },
    {
      id: ids.selectedFill,
      type: 'line',
      ...base,
      filter: ['all', POLYGONS, selected],
      layout,
      paint: { 'line-color': HOTSPOT_COLOURS.selected, 'line-width': 4 },
    },
    {
      id: ids.selectedLine,
      type: 'line',
      ...base,
      filter: ['all', LINES, selected],
      layout: { ...layout, 'line-cap': 'round' },
      paint: { 'line-color': HOTSPOT_COLOURS.selected, 'line-width': byZoom(6, 14), 'line-gap-width': byZoom(2, 6) },
    },
    {
      id: ids.selectedPoint,
      type: 'circle',
      ...base,
      filter: ['all', POINTS, selected],
      layout,
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': byZoom(9, 16), 'circle-stroke-color': HOTSPOT_COLOURS.selected, 'circle-stroke-width': 4 },
    },
  ];
}

/** Shows or hides every hotspot layer of a prefix. */
export function setHotspotVisibility(map: { getLayer(id: string): unknown; setLayoutProperty(id: string, name: string, value: unknown): unknown }, visible: boolean, prefix = 'hotspot'): void {
  for (const id of Object.values(hotspotLayerIds(prefix))) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}

/** Moves the selected-site highlight to another site. */
export function setSelectedSite(map: { getLayer(id: string): unknown; setFilter(id: string, filter: FilterSpecification): unknown }, siteId: string, prefix = 'hotspot'): void {
  const ids = hotspotLayerIds(prefix);
  const selected: ExpressionSpecification = ['==', ['get', 'siteId'], siteId];
  if (map.getLayer(ids.selectedFill)) map.setFilter(ids.selectedFill, ['all', POLYGONS, selected]);
  if (map.getLayer(ids.selectedLine)) map.setFilter(ids.selectedLine, ['all', LINES, selected]);
  if (map.getLayer(ids.selectedPoint)) map.setFilter(ids.selectedPoint, ['all', POINTS, selected]);
}
