import type { ExpressionSpecification, LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl';
import type { Severity } from './filters.ts';

/**
 * Severity colours: told apart by lightness as well as hue, so they survive the common colour-vision
 * deficiencies and greyscale printing. Each passes 3:1 against the map's land colour.
 */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  fatal: '#7a0019', // very dark crimson
  serious: '#d9650a', // orange
  slight: '#4f76a8', // blue-grey
};

export const SEVERITY_CODE: Record<Severity, number> = { fatal: 1, serious: 2, slight: 3 };

/** Map chrome colours, chosen to stay far from the severity colours (the browser test counts those pixels). */
export const MAP_COLOURS = {
  /** Outside the districts (sea, neighbouring areas). */
  background: '#dde4ea',
  /** Inside the districts. */
  land: '#f8f8f6',
  districtLine: '#68707c',
  districtHover: '#f4eedd',
  selectedDistrictLine: '#1b1f24',
};

/** Shown on the map and in the page footer (DfT STATS19 and ONS boundaries are OGL v3). */
export const DATA_ATTRIBUTION =
  'Collisions: DfT STATS19. Boundaries: ONS. Contains public sector information licensed under the ' +
  '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/" rel="noopener" target="_blank">Open Government Licence v3.0</a>. ' +
  'Contains OS data © Crown copyright and database right.';

export const COLLISION_SOURCE = 'collisions';
export const DISTRICT_SOURCE = 'districts';

/** Layer ids the page listens to. */
export const LAYERS = {
  districtFill: 'district-fill',
  districtLine: 'district-line',
  districtSelected: 'district-selected',
  cellsAll: 'collision-cells',
  cellsFatal: 'collision-cells-fatal',
  points: 'collision-points',
} as const;

/** Tile URL template for a layer with the current filter query. */
export function tileUrl(origin: string, layer: 'collisions' | 'districts', query = ''): string {
  return `${origin}/tiles/${layer}/{z}/{x}/{y}.mvt${query ? `?${query}` : ''}`;
}

export function sources(origin: string, filterQuery: string): Record<string, SourceSpecification> {
  return {
    [DISTRICT_SOURCE]: {
      type: 'vector',
      tiles: [tileUrl(origin, 'districts')],
      minzoom: 0,
      maxzoom: 14,
      // Feature state (hover) needs an id; the district code is one.
      promoteId: { districts: 'code' },
      attribution: DATA_ATTRIBUTION,
    },
    [COLLISION_SOURCE]: {
      type: 'vector',
      tiles: [tileUrl(origin, 'collisions', filterQuery)],
      minzoom: 0,
      maxzoom: 16,
    },
  };
}

const isAggregated: ExpressionSpecification = ['==', ['get', 'aggregated'], true];
/** Killed or seriously injured collisions in a cell. */
const KSI: ExpressionSpecification = ['+', ['get', 'fatal'], ['get', 'serious']];

/**
 * Radius in pixels for a number of collisions in a grid cell: area grows with the count, so the
 * orange centre (killed or seriously injured) and the blue-grey ring (slight) show each share by
 * area. `scale` shrinks the circles at the lowest zooms, where cells sit closer together.
 */
function cellRadius(count: ExpressionSpecification, scale: number): ExpressionSpecification {
  const stops = [1, 3, 4, 7, 10, 14, 20, 22, 40, 32].map((v, i) => (i % 2 === 1 ? v * scale : v));
  return ['interpolate', ['linear'], ['sqrt', count], ...stops] as ExpressionSpecification;
}

/** A zoom-dependent paint value built from a cell-radius scale: 70 % at zoom 7, full size from zoom 10. */
function byZoom(build: (scale: number) => ExpressionSpecification | number): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], 7, build(0.7), 10, build(1)] as ExpressionSpecification;
}

/** Point radius by severity (1 fatal, 2 serious, 3 slight) and zoom. */
function pointRadius(): ExpressionSpecification {
  const bySeverity = (slight: number): ExpressionSpecification => ['match', ['get', 'severity'], 1, slight * 1.6, 2, slight * 1.25, slight];
  return ['interpolate', ['linear'], ['zoom'], 10, bySeverity(3), 14, bySeverity(4.5), 17, bySeverity(8)];
}

/**
 * The service's own layers: district land and boundaries, aggregated cells below the point zoom,
 * and collision points coloured by severity with slight drawn first so fatal lies on top.
 * With an external basemap the land fill is left transparent so the basemap shows through.
 */
export function serviceLayers(options: { withBasemap: boolean; selectedDistrict?: string }): LayerSpecification[] {
  const { withBasemap } = options;
  return [
    {
      id: LAYERS.districtFill,
      type: 'fill',
      source: DISTRICT_SOURCE,
      'source-layer': 'districts',
      paint: {
        'fill-color': ['case', ['boolean', ['feature-state', 'hover'], false], MAP_COLOURS.districtHover, MAP_COLOURS.land],
        'fill-opacity': withBasemap ? ['case', ['boolean', ['feature-state', 'hover'], false], 0.35, 0] : 1,
      },
    },
    {
      id: LAYERS.districtLine,
      type: 'line',
      source: DISTRICT_SOURCE,
      'source-layer': 'districts',
      paint: {
        'line-color': MAP_COLOURS.districtLine,
        'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.8, 12, 1.6],
      },
    },
    {
      id: LAYERS.districtSelected,
      type: 'line',
      source: DISTRICT_SOURCE,
      'source-layer': 'districts',
      filter: ['==', ['get', 'code'], options.selectedDistrict ?? ''],
      paint: { 'line-color': MAP_COLOURS.selectedDistrictLine, 'line-width': 3 },
    },
    {
      // One circle per cell: the fill is the killed-or-seriously-injured share (orange), the ring
      // around it the slight share (blue-grey), so overlapping neighbours cannot hide a cell's mix.
      id: LAYERS.cellsAll,
      type: 'circle',
      source: COLLISION_SOURCE,
      'source-layer': 'collisions',
      filter: isAggregated,
      layout: { 'circle-sort-key': ['-', 0, ['get', 'count']] },
      paint: {
        'circle-color': ['case', ['>', KSI, 0], SEVERITY_COLOURS.serious, SEVERITY_COLOURS.slight],
        'circle-radius': byZoom((k) => ['case', ['>', KSI, 0], cellRadius(KSI, k), cellRadius(['get', 'count'], k)]),
        'circle-stroke-color': SEVERITY_COLOURS.slight,
        'circle-stroke-width': byZoom((k) => ['case', ['>', KSI, 0], ['-', cellRadius(['get', 'count'], k), cellRadius(KSI, k)], 0]),
      },
    },
    {
      id: LAYERS.cellsFatal,
      type: 'circle',
      source: COLLISION_SOURCE,
      'source-layer': 'collisions',
      filter: ['all', isAggregated, ['>', ['get', 'fatal'], 0]],
      paint: {
        'circle-color': SEVERITY_COLOURS.fatal,
        // One pixel larger than its share, so a single fatal collision stays visible at the lowest zooms.
        'circle-radius': byZoom((k) => ['+', 1, cellRadius(['get', 'fatal'], k)]),
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 0.75,
      },
    },
    {
      id: LAYERS.points,
      type: 'circle',
      source: COLLISION_SOURCE,
      'source-layer': 'collisions',
      filter: ['!', isAggregated],
      layout: {
        // Higher keys draw on top: fatal (1) above serious (2) above slight (3).
        'circle-sort-key': ['-', 4, ['get', 'severity']],
      },
      paint: {
        'circle-color': ['match', ['get', 'severity'], 1, SEVERITY_COLOURS.fatal, 2, SEVERITY_COLOURS.serious, SEVERITY_COLOURS.slight],
        'circle-radius': pointRadius(),
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 10, 0.75, 15, 1.5],
      },
    },
  ];
}

/** The offline style: a plain background and the service's own tiles; no glyphs, sprites or fonts. */
export function offlineStyle(origin: string, filterQuery: string, selectedDistrict?: string): StyleSpecification {
  return {
    version: 8,
    name: 'Road collisions (offline)',
    sources: sources(origin, filterQuery),
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': MAP_COLOURS.background } },
      ...serviceLayers({ withBasemap: false, selectedDistrict }),
    ],
  };
}
