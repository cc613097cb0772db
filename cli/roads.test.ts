import { describe, expect, it } from 'vitest';
import { capture } from '../test/support/capture.ts';
import { fileSize, RoadImportProgressBar, summarizeRoadImport } from './roads.ts';


describe('road import progress on a non-terminal', () => {
  it('prints a line every 10 % of each pass, then one line per storing step', () => {
    const out = capture();
    const bar = new RoadImportProgressBar(out);
    for (const bytes of [1e6, 5e6, 9e6, 10e6]) bar.update({ phase: 'ways', bytesRead: bytes, totalBytes: 10e6, detail: `${bytes / 1e5} highway ways` });
    bar.update({ phase: 'nodes', bytesRead: 10e6, totalBytes: 10e6, detail: '900 of 900 road nodes located' });
    bar.update({ phase: 'staging', bytesRead: 0, totalBytes: 10e6, detail: '40 nodes' });
    bar.update({ phase: 'staging', bytesRead: 0, totalBytes: 10e6, detail: '40 nodes' });
    bar.update({ phase: 'segments', bytesRead: 0, totalBytes: 10e6, detail: 'cutting 50 edges' });
    bar.stop();
    expect(out.text).toBe(
      [
        'pass 1: ways: 10% of 10.0 MB read, 10 highway ways',
        'pass 1: ways: 50% of 10.0 MB read, 50 highway ways',
        'pass 1: ways: 90% of 10.0 MB read, 90 highway ways',
        'pass 1: ways: 100% of 10.0 MB read, 100 highway ways',
        'pass 2: nodes: 100% of 10.0 MB read, 900 of 900 road nodes located',
        'staging: 40 nodes',
        'segments: cutting 50 edges',
        '',
      ].join('\n'),
    );
  });
});

describe('fileSize', () => {
  it('gives kilobytes below a megabyte, else megabytes with one decimal', () => {
    expect([fileSize(40_792), fileSize(999_999), fileSize(3_002_617), fileSize(52_400_000)]).toEqual(['41 KB', '1000 KB', '3.0 MB', '52.4 MB']);
  });
});

describe('summarizeRoadImport', () => {
  it('lists ways, nodes with junctions, edges, segments, length and time, with notes for cut ways and unread limits', () => {
    const text = summarizeRoadImport({
      importId: 4,
      file: '/data/lancashire-latest.osm.pbf',
      format: 'pbf',
      ways: 41_234,
      nodes: 52_000,
      junctions: 21_000,
      edges: 70_000,
      segments: 98_765,
      lengthKm: 9123.456,
      urbanEdges: 40_000,
      missingNodeRefs: 12,
      unparsedMaxspeeds: 3,
      durationMs: 41_500,
    });
    expect(text).toBe(
      [
        'Road network from lancashire-latest.osm.pbf (OSM PBF):',
        '  ways       41234',
        '  nodes      52000 (21000 junctions)',
        '  edges      70000 (40000 urban)',
        '  segments   98765',
        '  length     9123.5 km',
        'Note: 12 way positions refer to nodes the file does not hold (roads leaving the extract); the ways are cut there.',
        'Note: 3 ways have a maxspeed that could not be read; they are stored without a limit.',
        'Import 4 finished in 41.5 s; it replaced the previous road network.',
        '',
      ].join('\n'),
    );
  });
});
