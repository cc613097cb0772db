// The parts of osm-pbf-parser 2.3 the road import uses (the package ships no types).
declare module 'osm-pbf-parser' {
  import type { Transform } from 'node:stream';

  export interface PbfNode {
    type: 'node';
    id: number;
    /** Degrees (WGS84), already scaled by the block's granularity and offset. */
    lat: number;
    lon: number;
    tags: Record<string, string>;
  }
  export interface PbfWay {
    type: 'way';
    id: number;
    tags: Record<string, string>;
    /** Node ids in way order. */
    refs: number[];
  }
  export interface PbfRelation {
    type: 'relation';
    id: number;
    tags: Record<string, string>;
    members: Array<{ type: string; id: number; role: string }>;
  }
  export type PbfItem = PbfNode | PbfWay | PbfRelation;

  /** Object-mode transform: `{type: 'OSMHeader' | 'OSMData', data: Buffer (inflated)}` in, arrays of items out. */
  interface PrimitivesParserConstructor {
    new (): Transform;
  }

  interface OsmPbfParser {
    (): Transform;
    PrimitivesParser: PrimitivesParserConstructor;
  }
  const parser: OsmPbfParser;
  export default parser;
}

declare module 'osm-pbf-parser/lib/parsers.js' {
  interface Decoder<T> {
    decode(buffer: Buffer): T;
    encode(message: T): Buffer;
  }
  const parsers: {
    file: {
      BlobHeader: Decoder<{ type: string; indexdata?: Buffer | null; datasize: number }>;
      Blob: Decoder<{ raw?: Buffer | null; raw_size?: number; zlib_data?: Buffer | null; lzma_data?: Buffer | null; OBSOLETE_bzip2_data?: Buffer | null }>;
    };
    osm: {
      HeaderBlock: Decoder<{ required_features: string[]; optional_features: string[]; writingprogram?: string; source?: string }>;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      PrimitiveBlock: Decoder<any>;
    };
  };
  export default parsers;
}
