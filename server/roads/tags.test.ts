import { describe, expect, it } from 'vitest';
import { keptHighways, parseMaxspeed, parseOneway, roadClass, travelSpeedMph, wayAttributes, wayMaxspeed } from './tags.ts';

describe('parseMaxspeed', () => {
  it.each([
    ['30 mph', 30],
    ['30mph', 30],
    ['20 MPH', 20],
    ['50', 31], // km/h, OSM's default unit
    ['50 km/h', 31],
    ['48 kph', 30],
    ['112 kmh', 70],
    ['10 knots', 12],
    ['30 mph;40 mph', 30], // the first value of a list
    ['GB:nsl_single', 60],
    ['GB:nsl_dual', 70],
    ['UK:motorway', 70],
    ['GB:zone20', 20],
  ])('reads %j as %d mph', (value, mph) => {
    expect(parseMaxspeed(value, 'primary')).toEqual({ mph, unparsed: false });
  });

  it('gives "national" the national limit of the class: 60 single carriageway, 70 dual carriageway and motorway', () => {
    expect(parseMaxspeed('national', 'unclassified').mph).toBe(60);
    expect(parseMaxspeed('national', 'trunk', true).mph).toBe(70);
    expect(parseMaxspeed('national', 'motorway').mph).toBe(70);
  });

  it('gives no limit for a missing tag or one that is not a number, counting only the unreadable ones as unparsed', () => {
    expect(parseMaxspeed(undefined, 'primary')).toEqual({ mph: null, unparsed: false });
    expect(parseMaxspeed('  ', 'primary')).toEqual({ mph: null, unparsed: false });
    for (const value of ['none', 'walk', 'signals', 'variable']) expect(parseMaxspeed(value, 'primary')).toEqual({ mph: null, unparsed: false });
    for (const value of ['fast', '0', '400 mph', '30 mp/h']) expect(parseMaxspeed(value, 'primary'), value).toEqual({ mph: null, unparsed: true });
  });
});

describe('wayMaxspeed', () => {
  it('prefers maxspeed, then the lower of the directional limits, then a coded maxspeed:type or source:maxspeed', () => {
    expect(wayMaxspeed({ maxspeed: '40 mph', 'maxspeed:forward': '30 mph' }, 'primary', false).mph).toBe(40);
    expect(wayMaxspeed({ 'maxspeed:forward': '40 mph', 'maxspeed:backward': '30 mph' }, 'primary', false).mph).toBe(30);
    expect(wayMaxspeed({ 'maxspeed:type': 'GB:nsl_single' }, 'primary', false).mph).toBe(60);
    expect(wayMaxspeed({ 'source:maxspeed': 'GB:nsl_dual' }, 'trunk', true).mph).toBe(70);
    expect(wayMaxspeed({ 'source:maxspeed': 'survey' }, 'trunk', true)).toEqual({ mph: null, unparsed: false });
  });
});

describe('parseOneway', () => {
  it('reads yes/true/1 as along the way, -1/reverse as against it, and no/reversible/alternating as both ways', () => {
    for (const v of ['yes', 'true', '1', 'YES']) expect(parseOneway({ oneway: v })).toBe(1);
    for (const v of ['-1', 'reverse']) expect(parseOneway({ oneway: v })).toBe(-1);
    for (const v of ['no', 'false', '0', 'reversible', 'alternating']) expect(parseOneway({ oneway: v })).toBe(0);
  });

  it('treats untagged roundabouts and motorways as one-way, but not slip roads, and an explicit oneway=no wins', () => {
    expect(parseOneway({ highway: 'tertiary', junction: 'roundabout' })).toBe(1);
    expect(parseOneway({ highway: 'tertiary', junction: 'circular' })).toBe(1);
    expect(parseOneway({ highway: 'motorway' })).toBe(1);
    expect(parseOneway({ highway: 'motorway_link' })).toBe(0);
    expect(parseOneway({ highway: 'tertiary', junction: 'roundabout', oneway: 'no' })).toBe(0);
    expect(parseOneway({ highway: 'residential' })).toBe(0);
  });
});

describe('roadClass', () => {
  it.each([
    ['motorway', null, 'motorway'],
    ['motorway_link', null, 'motorway'],
    ['trunk', 'A64(M)', 'motorway'],
    ['primary', 'M6', 'motorway'],
    ['trunk', null, 'a_road'],
    ['primary_link', null, 'a_road'],
    ['tertiary', 'A6', 'a_road'],
    ['unclassified', 'a583', 'a_road'],
    ['secondary', null, 'b_road'],
    ['unclassified', 'B6241', 'b_road'],
    ['secondary', 'A6;B5411', 'a_road'],
    ['residential', null, 'minor'],
    ['tertiary', 'C123', 'minor'],
  ] as const)('%s with ref %j is %s', (highway, ref, cls) => {
    expect(roadClass(highway, ref)).toBe(cls);
  });
});

describe('wayAttributes', () => {
  const main = keptHighways();
  it('keeps the main classes only; service roads and paths need their flags; areas are never roads', () => {
    expect(wayAttributes({ highway: 'residential' }, main)).not.toBeNull();
    expect(wayAttributes({ highway: 'service' }, main)).toBeNull();
    expect(wayAttributes({ highway: 'service' }, keptHighways({ includeService: true }))).not.toBeNull();
    expect(wayAttributes({ highway: 'footway' }, keptHighways({ includeService: true }))).toBeNull();
    for (const h of ['footway', 'cycleway', 'path', 'track', 'pedestrian', 'bridleway', 'steps']) {
      expect(wayAttributes({ highway: h }, keptHighways({ includePaths: true })), h).not.toBeNull();
    }
    expect(wayAttributes({ highway: 'pedestrian', area: 'yes' }, keptHighways({ includePaths: true }))).toBeNull();
    expect(wayAttributes({ highway: 'construction' }, keptHighways({ includeService: true, includePaths: true }))).toBeNull();
    expect(wayAttributes({ building: 'yes' }, main)).toBeNull();
  });

  it('trims names and refs, and treats a one-way trunk or primary that is not a roundabout as a dual carriageway', () => {
    expect(wayAttributes({ highway: 'trunk', ref: ' A6 ', name: ' ', oneway: 'yes', maxspeed: 'national' }, main)).toEqual({
      highway: 'trunk',
      name: null,
      ref: 'A6',
      maxspeedMph: 70,
      maxspeedUnparsed: false,
      oneway: 1,
      dualCarriageway: true,
    });
    expect(wayAttributes({ highway: 'primary', junction: 'roundabout', maxspeed: 'national' }, main)).toMatchObject({ dualCarriageway: false, maxspeedMph: 60, oneway: 1 });
  });
});

describe('travelSpeedMph', () => {
  it('uses the tagged limit, else the class default, at most 30 mph in a built-up area except on motorways', () => {
    expect(travelSpeedMph('primary', 40, true, false)).toBe(40);
    expect(travelSpeedMph('primary', null, false, false)).toBe(60);
    expect(travelSpeedMph('primary', null, false, true)).toBe(70);
    expect(travelSpeedMph('primary', null, true, false)).toBe(30);
    expect(travelSpeedMph('living_street', null, true, false)).toBe(10);
    expect(travelSpeedMph('motorway', null, true, true)).toBe(70);
  });
});
