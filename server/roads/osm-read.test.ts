import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import parsers from 'osm-pbf-parser/lib/parsers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_CHECKED } from '../../test/fixtures/osm/hand-checked.ts';
import { osmPbf, osmXml } from '../../test/fixtures/osm/osm-writer.ts';
import { formatE7 } from './import.ts';
import { OsmFileError, readOsm, type OsmWay } from './osm-read.ts';

const LEEDS_PBF = path.resolve(import.meta.dirname, '../../../shared/data/osm/leeds-its-example.osm.pbf');

describe('readOsm', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-osm-read-'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const readAll = async (file: string) => {
    const ways: OsmWay[] = [];
    const nodes: Array<[number, number, number]> = [];
    const summary = await readOsm(file, { way: (w) => ways.push(w), node: (id, lon, lat) => nodes.push([id, lon, lat]) });
    return { ways, nodes, summary };
  };

  it('reads the same ways, tags and node positions (1e-7 degrees) from XML, gzip XML and PBF, whatever the file is called', async () => {
    const xml = await readAll(write('a.osm', osmXml(HAND_CHECKED)));
    expect(xml.summary).toMatchObject({ format: 'xml', gzip: false, nodes: 16, ways: 10, relations: 0, nodeAfterWay: false, stoppedEarly: false });
    expect(xml.nodes[0]).toEqual([1, -27_000_000, 537_600_000]);
    expect(xml.ways[0]).toEqual({ id: 100, refs: [2, 7, 1, 3, 6], tags: { highway: 'primary', ref: 'A6', name: 'Garstang Road', maxspeed: '30 mph' } });
    for (const [name, content] of [
      ['b.osm.gz', zlib.gzipSync(osmXml(HAND_CHECKED))],
      ['c.osm.pbf', osmPbf(HAND_CHECKED)],
      ['d.osm.pbf', osmPbf(HAND_CHECKED, { compress: false, blockSize: 4 })],
      ['e.bin', osmPbf(HAND_CHECKED)],
    ] as const) {
      const other = await readAll(write(name, content));
      expect(other.ways, name).toEqual(xml.ways);
      expect(other.nodes, name).toEqual(xml.nodes);
    }
  });

  it('keeps ids beyond 2³² exact (OSM node ids passed 2³² in 2021)', async () => {
    const data = {
      nodes: [
        { id: 11_163_893_602, lon: -1.5, lat: 53.8 },
        { id: 9_007_199_254_740, lon: -1.51, lat: 53.81 },
      ],
      ways: [{ id: 5_000_000_123, refs: [11_163_893_602, 9_007_199_254_740], tags: { highway: 'residential' } }],
    };
    for (const file of [write('big.osm.pbf', osmPbf(data)), write('big.osm', osmXml(data))]) {
      const { ways, nodes } = await readAll(file);
      expect(ways, file).toEqual([{ id: 5_000_000_123, refs: [11_163_893_602, 9_007_199_254_740], tags: { highway: 'residential' } }]);
      expect(nodes.map(([id]) => id), file).toEqual([11_163_893_602, 9_007_199_254_740]);
    }
  });

  it('notices nodes listed after ways, and can stop at the first way when they are not', async () => {
    const late = await readAll(write('late.osm', osmXml(HAND_CHECKED, { nodesLast: true })));
    expect(late.summary.nodeAfterWay).toBe(true);
    let ways = 0;
    let nodes = 0;
    const stopped = await readOsm(write('early.osm.pbf', osmPbf(HAND_CHECKED, { blockSize: 4 })), { way: () => ways++, node: () => nodes++ }, { stopAtFirstWay: true });
    expect(stopped).toMatchObject({ stoppedEarly: true, nodes: 16 });
    expect([ways, nodes]).toEqual([0, 16]);
  });

  it('reports bytes read as it goes, ending at the file size', async () => {
    const seen: number[] = [];
    await readOsm(LEEDS_PBF, {}, { onBytes: (bytes, total) => void seen.push(bytes / total) });
    expect(seen.at(-1)).toBe(1);
  });

  it('reads a real PBF: Leeds, 1678 nodes, 294 ways, 14 relations', async () => {
    const { summary, ways } = await readAll(LEEDS_PBF);
    expect(summary).toMatchObject({ format: 'pbf', nodes: 1678, ways: 294, relations: 14 });
    expect(ways.find((w) => w.tags.name === 'Woodhouse Lane')?.tags.ref).toBe('A660');
  });

  describe('rejects what is not an OSM file, naming the file and the problem', () => {
    const rejects = async (file: string, message: RegExp) => {
      // Both handlers, as the two passes of an import have: ids and positions are checked where they are used.
      const error = await readOsm(file, { way: () => undefined, node: () => undefined }).catch((err: Error) => err);
      expect(error).toBeInstanceOf(OsmFileError);
      expect((error as OsmFileError).file).toBe(file);
      expect((error as Error).message).toMatch(message);
    };

    it('a missing, empty or directory path', async () => {
      await rejects(path.join(dir, 'nope.osm'), /road network file .*nope\.osm does not exist$/);
      await rejects(write('empty.osm', ''), /empty\.osm is empty \(0 bytes\)/);
      await rejects(dir, /is not a file$/);
    });

    it('bzip2-compressed files (Geofabrik also offers .osm.bz2)', async () => {
      await rejects(write('x.osm.bz2', Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(40)])), /x\.osm\.bz2 is bzip2-compressed: decompress it first \(bunzip2\)/);
    });

    it('text that is not XML, and XML that is not OSM', async () => {
      await rejects(write('t.osm.pbf', 'collision_index,collision_year\n'), /t\.osm\.pbf is not an OpenStreetMap file \(neither OSM XML nor OSM PBF\): .*it starts "collision_index,collision_year"$/);
      await rejects(write('g.osm', '<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>'), /g\.osm is not an OpenStreetMap XML file: its root element \(line 1\) is <gpx>, not <osm>$/);
      await rejects(write('n.osm', '<osm version="0.6"><node id="x1" lat="1" lon="2"/></osm>'), /n\.osm line 1: <node> has id "x1", not an OSM id/);
      await rejects(write('w.osm', '<osm><way id="1"><nd ref="abc"/></way></osm>'), /w\.osm line 1: <way id="1"> has <nd ref="abc">, not a node id/);
      await rejects(write('lon.osm', '<osm><node id="1" lat="53" lon="200"/></osm>'), /lon\.osm line 1: <node id="1"> has lon="200", not a longitude in degrees/);
      await rejects(write('bad.osm', '<osm><node id="1" lat="53" lon="2"></osm>'), /bad\.osm is not well-formed XML \(line 1, column \d+: unexpected close tag/);
    });

    it('PBF blocks in an unsupported compression, needing unknown features, or cut short', async () => {
      const frame = (type: string, blob: Buffer) => {
        const header = parsers.file.BlobHeader.encode({ type, datasize: blob.length });
        const size = Buffer.alloc(4);
        size.writeUInt32BE(header.length);
        return Buffer.concat([size, header, blob]);
      };
      const headerBlock = (features: string[]) => parsers.osm.HeaderBlock.encode({ required_features: features, optional_features: [] });
      await rejects(
        write('lzma.osm.pbf', frame('OSMHeader', parsers.file.Blob.encode({ lzma_data: Buffer.from('xx') }))),
        /lzma\.osm\.pbf is damaged: the PBF block at byte 0 is LZMA-compressed, which is not supported/,
      );
      await rejects(
        write('lows.osm.pbf', frame('OSMHeader', parsers.file.Blob.encode({ raw: headerBlock(['OsmSchema-V0.6', 'LocationsOnWays']) }))),
        /lows\.osm\.pbf needs PBF features this reader does not have: LocationsOnWays/,
      );
      await rejects(write('data-first.osm.pbf', frame('OSMData', parsers.file.Blob.encode({ raw: Buffer.alloc(3) }))), /data-first\.osm\.pbf is not an OpenStreetMap file .*its first block is "OSMData", not "OSMHeader"/);
      const whole = osmPbf(HAND_CHECKED);
      await rejects(write('cut.osm.pbf', whole.subarray(0, whole.length - 10)), /cut\.osm\.pbf is damaged: the PBF block at byte \d+ is cut short \(the file is truncated/);
      const garbled = Buffer.from(whole);
      garbled.fill(0x55, 200, 260); // inside the first data block's zlib stream
      await rejects(write('garbled.osm.pbf', garbled), /garbled\.osm\.pbf is damaged: the PBF block at byte \d+ (cannot be decompressed|cannot be decoded|has a header)/);
    });
  });
});

describe('formatE7', () => {
  it('writes 1e-7 degrees as an exact decimal', () => {
    expect(formatE7(-15_295_029)).toBe('-1.5295029');
    expect(formatE7(537_968_084)).toBe('53.7968084');
    expect(formatE7(5)).toBe('0.0000005');
    expect(formatE7(-5)).toBe('-0.0000005');
    expect(formatE7(0)).toBe('0.0000000');
    expect(formatE7(1_800_000_000)).toBe('180.0000000');
  });
});
