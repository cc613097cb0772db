/**
 * Streaming readers for OpenStreetMap files: `.osm.pbf` (osm-pbf-parser's decoder behind our own
 * block framing, so a bad file gives a clear error instead of a hang) and `.osm` XML (saxes),
 * optionally gzip-compressed (`.osm.gz`). The format is found from the file's first bytes, not its
 * name. Both readers hand out the same things — ways with their tags and node ids, nodes with
 * coordinates in 1e-7 degrees (OSM's own precision, so PBF and XML give identical integers) — and
 * hold at most one block (PBF, ≤ 32 MiB by the format's rules) or one chunk (XML) in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import osmPbf from 'osm-pbf-parser';
import parsers from 'osm-pbf-parser/lib/parsers.js';
import type { PbfItem } from 'osm-pbf-parser';
import { SaxesParser } from 'saxes';

const inflate = promisify(zlib.inflate);

/** The size the PBF format allows a block header (64 KiB) and a block (32 MiB). */
const MAX_BLOB_HEADER_BYTES = 64 * 1024;
const MAX_BLOB_BYTES = 32 * 1024 * 1024;
/** PBF features osm-pbf-parser decodes. */
const SUPPORTED_PBF_FEATURES = new Set(['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation']);

export type OsmFormat = 'pbf' | 'xml';

export interface OsmWay {
  id: number;
  tags: Record<string, string>;
  /** Node ids in way order. */
  refs: number[];
}

export interface OsmReadHandlers {
  way?(way: OsmWay): void;
  /** A node's position in 1e-7 degrees (WGS84): lon × 10⁷, lat × 10⁷, rounded. */
  node?(id: number, lonE7: number, latE7: number): void;
}

export interface OsmReadOptions {
  /** Stop at the first way (a pass that needs only nodes, when the file lists all nodes before ways). */
  stopAtFirstWay?: boolean;
  /** Bytes of the file read so far; called once per chunk (about 1 MiB). */
  onBytes?: (bytesRead: number, totalBytes: number) => void | Promise<void>;
}

export interface OsmReadSummary {
  format: OsmFormat;
  gzip: boolean;
  nodes: number;
  ways: number;
  relations: number;
  /** True when a node came after a way (the file is not in the usual nodes-ways-relations order). */
  nodeAfterWay: boolean;
  /** True when the pass stopped at the first way. */
  stoppedEarly: boolean;
  totalBytes: number;
}

/** A road file that cannot be read as OSM; the message names the file and what is wrong. */
export class OsmFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** 1-based line (XML) when known. */
    readonly line?: number,
    /** Byte offset (PBF) when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'OsmFileError';
  }
}

/** Thrown inside a reader to stop early; never escapes readOsm. */
const STOP = Symbol('stop reading');

const CHUNK_BYTES = 1 << 20;

/** How a file starts: the first bytes, enough to tell gzip, bzip2, XML and PBF apart. */
function sniff(head: Buffer): 'gzip' | 'bzip2' | 'xml' | 'binary' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  // Skip a UTF-8 byte order mark and leading white space.
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return head[i] === 0x3c ? 'xml' : 'binary';
}

/** A short quote of a file's start when it is text, for "this looks like …" messages. */
function textPreview(head: Buffer): string | undefined {
  const text = head.subarray(0, 60).toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return undefined;
  return text.split(/\r?\n/)[0]?.trim();
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The file's size, or an OsmFileError saying it is missing, not a file, or empty. */
export async function checkOsmFile(file: string): Promise<number> {
  const name = path.basename(file);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OsmFileError(
      code === 'ENOENT' ? `road network file ${file} does not exist` : `road network file ${file} cannot be read (${(err as Error).message})`,
      file,
    );
  }
  if (!stat.isFile()) throw new OsmFileError(`road network file ${file} is not a file`, file);
  if (stat.size === 0) throw new OsmFileError(`road network file ${name} is empty (0 bytes): expected an OpenStreetMap .osm.pbf or .osm file`, file);
  return stat.size;
}

/**
 * Reads an OSM file once from start to end, calling the handlers for its ways and nodes in file
 * order. Throws OsmFileError for anything that is not a readable OSM file.
 */
export async function readOsm(file: string, handlers: OsmReadHandlers, options: OsmReadOptions = {}): Promise<OsmReadSummary> {
  const totalBytes = await checkOsmFile(file);
  const name = path.basename(file);
  const head = await readHead(file, 512);
  let kind = sniff(head);
  if (kind === 'bzip2') {
    throw new OsmFileError(`road network file ${name} is bzip2-compressed: decompress it first (bunzip2), or use the .osm.pbf extract`, file);
  }
  const gzip = kind === 'gzip';
  if (gzip) {
    // Sniff the decompressed start as well (an .osm.gz holds XML).
    const inner = await new Promise<Buffer>((resolve) => {
      const gunzip = zlib.createGunzip();
      const parts: Buffer[] = [];
      gunzip.on('data', (d: Buffer) => {
        parts.push(d);
        if (Buffer.concat(parts).length >= 512) gunzip.destroy();
      });
      gunzip.on('close', () => resolve(Buffer.concat(parts)));
      gunzip.on('error', () => resolve(Buffer.concat(parts)));
      gunzip.end(head);
    });
    kind = sniff(inner);
  }

  const summary: OsmReadSummary = {
    format: kind === 'xml' ? 'xml' : 'pbf',
    gzip,
    nodes: 0,
    ways: 0,
    relations: 0,
    nodeAfterWay: false,
    stoppedEarly: false,
    totalBytes,
  };
  const stream = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
  let bytesRead = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    const source: AsyncIterable<Buffer> = gzip ? stream.pipe(zlib.createGunzip()) : stream;
    if (gzip) {
      stream.on('data', (chunk) => {
        bytesRead += chunk.length;
      });
    }
    try {
      for await (const chunk of source) {
        if (!gzip) bytesRead += chunk.length;
        yield chunk;
        // After the reader has taken the chunk, so what it reports includes this chunk's elements.
        await options.onBytes?.(bytesRead, totalBytes);
      }
    } catch (err) {
      if (err instanceof OsmFileError) throw err;
      throw new OsmFileError(`road network file ${name} could not be read: ${(err as Error).message}`, file);
    }
  }
  try {
    if (summary.format === 'xml') await readXml(file, chunks(), handlers, options, summary);
    else await readPbf(file, chunks(), handlers, options, summary, head);
  } catch (err) {
    if (err !== STOP) throw err;
    summary.stoppedEarly = true;
  } finally {
    stream.destroy();
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// XML

const OSM_ID = /^-?\d{1,18}$/;

async function readXml(
  file: string,
  source: AsyncIterable<Buffer>,
  handlers: OsmReadHandlers,
  options: OsmReadOptions,
  summary: OsmReadSummary,
): Promise<void> {
  const name = path.basename(file);
  const parser = new SaxesParser();
  const fail = (message: string, line = parser.line): never => {
    throw new OsmFileError(`road network file ${name} line ${line}: ${message}`, file, line);
  };
  let depth = 0;
  let sawRoot = false;
  let sawWay = false;
  let way: OsmWay | undefined;
  const wantWays = Boolean(handlers.way);

  const id = (value: string | undefined, element: string): number => {
    if (value === undefined || !OSM_ID.test(value)) fail(`<${element}> has id "${value ?? ''}", not an OSM id (a whole number)`);
    return Number(value);
  };
  const coordinate = (value: string | undefined, attribute: 'lat' | 'lon', nodeId: number): number => {
    const n = value === undefined || value.trim() === '' ? NaN : Number(value);
    const limit = attribute === 'lat' ? 90 : 180;
    if (!Number.isFinite(n) || Math.abs(n) > limit) fail(`<node id="${nodeId}"> has ${attribute}="${value ?? ''}", not a ${attribute === 'lat' ? 'latitude' : 'longitude'} in degrees`);
    return Math.round(n * 1e7);
  };

  parser.on('error', (err) => {
    const match = /^(\d+):(\d+): (.*)$/s.exec(err.message);
    const line = match ? Number(match[1]) : parser.line;
    const detail = match ? `column ${Number(match[2]) + 1}: ${match[3]}` : err.message;
    throw new OsmFileError(`road network file ${name} is not well-formed XML (line ${line}, ${detail})`, file, line);
  });
  parser.on('opentag', (tag) => {
    depth++;
    const attributes = tag.attributes as Record<string, string>;
    if (depth === 1) {
      sawRoot = true;
      if (tag.name !== 'osm') {
        const hint = tag.name.toLowerCase() === 'html' ? ' (it looks like a web page, e.g. an error page saved instead of the download)' : '';
        throw new OsmFileError(`road network file ${name} is not an OpenStreetMap XML file: its root element (line ${parser.line}) is <${tag.name}>, not <osm>${hint}`, file, parser.line);
      }
      return;
    }
    if (depth === 2) {
      // Elements a JOSM file marks as deleted are not part of the map.
      const deleted = attributes.action === 'delete' || attributes.visible === 'false';
      if (tag.name === 'node') {
        summary.nodes++;
        if (sawWay) summary.nodeAfterWay = true;
        if (handlers.node && !deleted) {
          const nodeId = id(attributes.id, 'node');
          handlers.node(nodeId, coordinate(attributes.lon, 'lon', nodeId), coordinate(attributes.lat, 'lat', nodeId));
        }
      } else if (tag.name === 'way') {
        summary.ways++;
        sawWay = true;
        if (options.stopAtFirstWay) throw STOP;
        if (wantWays && !deleted) way = { id: id(attributes.id, 'way'), tags: {}, refs: [] };
      } else if (tag.name === 'relation') {
        summary.relations++;
      }
      return;
    }
    if (depth === 3 && way) {
      if (tag.name === 'nd') {
        const ref = attributes.ref;
        if (ref === undefined || !OSM_ID.test(ref)) fail(`<way id="${way.id}"> has <nd ref="${ref ?? ''}">, not a node id`);
        way.refs.push(Number(ref));
      } else if (tag.name === 'tag' && attributes.k !== undefined) {
        way.tags[attributes.k] = attributes.v ?? '';
      }
    }
  });
  parser.on('closetag', (tag) => {
    if (depth === 2 && tag.name === 'way' && way) {
      handlers.way?.(way);
      way = undefined;
    }
    depth--;
  });

  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    // A binary file whose first byte happened to be "<" shows up as replacement characters.
    const text = decoder.write(chunk);
    if (!sawRoot && text.includes('\ufffd')) throw new OsmFileError(`road network file ${name} is not UTF-8 text, so not an OpenStreetMap XML file`, file, 1);
    parser.write(text);
  }
  parser.write(decoder.end());
  parser.close();
  if (!sawRoot) throw new OsmFileError(`road network file ${name} has no <osm> element: it is not an OpenStreetMap XML file`, file);
}

// ---------------------------------------------------------------------------------------------
// PBF

/** Reads exact byte counts from a chunk stream. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  /** Bytes handed out so far (the offset of the next byte). */
  offset = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** `n` bytes, or fewer only at the end of the file (null when nothing is left). */
  async read(n: number): Promise<Buffer | null> {
    while (this.length < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
    if (this.length === 0) return null;
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    const take = Math.min(n, all.length);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.buffered = rest.length ? [rest] : [];
    this.length = rest.length;
    this.offset += take;
    return out;
  }
}

async function readPbf(
  file: string,
  source: AsyncIterable<Buffer>,
  handlers: OsmReadHandlers,
  options: OsmReadOptions,
  summary: OsmReadSummary,
  head: Buffer,
): Promise<void> {
  const name = path.basename(file);
  const notPbf = (detail: string): never => {
    const preview = textPreview(head);
    throw new OsmFileError(
      `road network file ${name} is not an OpenStreetMap file (neither OSM XML nor OSM PBF): ${detail}` +
        (preview ? `; it starts "${preview}"` : ''),
      file,
      0,
    );
  };
  const corrupt = (offset: number, detail: string): never => {
    throw new OsmFileError(`road network file ${name} is damaged: the PBF block at byte ${offset} ${detail}`, file, undefined, offset);
  };
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const primitives = new osmPbf.PrimitivesParser();
  let sawWay = false;
  primitives.on('data', (items: PbfItem[]) => {
    for (const item of items) {
      if (item.type === 'node') {
        summary.nodes++;
        if (sawWay) summary.nodeAfterWay = true;
        handlers.node?.(item.id, Math.round(item.lon * 1e7), Math.round(item.lat * 1e7));
      } else if (item.type === 'way') {
        summary.ways++;
        sawWay = true;
        if (options.stopAtFirstWay) throw STOP;
        handlers.way?.({ id: item.id, tags: item.tags, refs: item.refs });
      } else {
        summary.relations++;
      }
    }
  });

  let blocks = 0;
  for (;;) {
    const blockOffset = reader.offset;
    const first = blocks === 0;
    const sizeBytes = await reader.read(4);
    if (sizeBytes === null) break;
    if (sizeBytes.length < 4) {
      if (first) notPbf('it is only a few bytes long');
      corrupt(blockOffset, 'is cut short (the file is truncated: download it again)');
    }
    const headerSize = sizeBytes.readUInt32BE(0);
    if (headerSize === 0 || headerSize > MAX_BLOB_HEADER_BYTES) {
      if (first) notPbf(`its first 4 bytes do not give a PBF block header size (got ${headerSize} bytes, the format allows at most 64 KiB)`);
      corrupt(blockOffset, `has a header size of ${headerSize} bytes (at most 64 KiB)`);
    }
    const headerBytes = await reader.read(headerSize);
    if (!headerBytes || headerBytes.length < headerSize) {
      if (first) notPbf('it ends inside its first block header');
      corrupt(blockOffset, 'is cut short (the file is truncated: download it again)');
    }
    let header: { type: string; datasize: number };
    try {
      header = parsers.file.BlobHeader.decode(headerBytes as Buffer);
    } catch (err) {
      if (first) notPbf(`its first block header cannot be decoded: ${String((err as Error)?.message ?? err)}`);
      return corrupt(blockOffset, `has a header that cannot be decoded (${String((err as Error)?.message ?? err)})`);
    }
    if (first && header.type !== 'OSMHeader') notPbf(`its first block is "${String(header.type).slice(0, 40)}", not "OSMHeader"`);
    if (!(header.datasize >= 0 && header.datasize <= MAX_BLOB_BYTES)) corrupt(blockOffset, `claims ${header.datasize} bytes (at most 32 MiB)`);
    const blobBytes = await reader.read(header.datasize);
    if (header.datasize > 0 && (!blobBytes || blobBytes.length < header.datasize)) {
      corrupt(blockOffset, 'is cut short (the file is truncated: download it again)');
    }
    blocks++;
    if (header.type !== 'OSMHeader' && header.type !== 'OSMData') continue; // unknown block types are skipped, as the format says
    let data: Buffer;
    try {
      const blob = parsers.file.Blob.decode(blobBytes ?? Buffer.alloc(0));
      if (blob.raw) data = blob.raw;
      else if (blob.zlib_data) data = await inflate(blob.zlib_data);
      else if (blob.lzma_data) return corrupt(blockOffset, 'is LZMA-compressed, which is not supported (convert the file with osmium cat)');
      else return corrupt(blockOffset, 'holds no data in a supported compression (raw or zlib)');
    } catch (err) {
      if (err instanceof OsmFileError) throw err;
      return corrupt(blockOffset, `cannot be decompressed (${String((err as Error)?.message ?? err)})`);
    }
    if (header.type === 'OSMHeader') {
      let features: string[];
      try {
        features = parsers.osm.HeaderBlock.decode(data).required_features;
      } catch (err) {
        return corrupt(blockOffset, `has a header block that cannot be decoded (${String((err as Error)?.message ?? err)})`);
      }
      const unsupported = features.filter((f) => !SUPPORTED_PBF_FEATURES.has(f));
      if (unsupported.length) {
        throw new OsmFileError(`road network file ${name} needs PBF features this reader does not have: ${unsupported.join(', ')}`, file, undefined, blockOffset);
      }
    }
    await new Promise<void>((resolve, reject) => {
      try {
        // The decoder emits the block's items synchronously inside write(); the callback comes after.
        primitives.write({ type: header.type, data }, (err?: Error | null) => (err ? reject(err) : resolve()));
      } catch (err) {
        if (err === STOP || err instanceof OsmFileError) reject(err);
        // osm-pbf-parser throws strings as well as Errors.
        else reject(new OsmFileError(`road network file ${name} is damaged: the PBF block at byte ${blockOffset} cannot be decoded (${String((err as Error)?.message ?? err)})`, file, undefined, blockOffset));
      }
    });
  }
  if (blocks === 0) notPbf('it holds no PBF blocks');
}
