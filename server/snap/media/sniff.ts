import { open } from 'node:fs/promises';

/**
 * What a file's first bytes say it is ("magic numbers"), used only to word a refusal when ffprobe
 * cannot open a file: a picture, a sound recording, a damaged video, or something else. Acceptance
 * is always decided by probing, never by these bytes or by the file's name.
 */

export type SniffedKind =
  /** a container we accept (MP4/MOV, Matroska/WebM, AVI, MPEG-TS) */
  | 'video_container'
  /** a video format we do not accept (MPEG-PS, FLV, WMV/ASF, Ogg Theora, RealMedia) */
  | 'other_video'
  | 'picture'
  | 'audio'
  | 'text'
  | 'unknown';

export interface Sniffed {
  kind: SniffedKind;
  /** A short technical name for staff logs, e.g. "PNG", "ISO BMFF (ftyp isom)". */
  label: string;
}

/** Bytes of a file's start that `sniffFileType` looks at; enough for three MPEG-TS packets. */
export const SNIFF_BYTES = 4096;

const ascii = (head: Uint8Array, start: number, end: number) => Buffer.from(head.subarray(start, end)).toString('latin1');
const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);

/** ISO BMFF (MP4/MOV/HEIC/M4A) brands that mean a still picture or sound only. */
const PICTURE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'jpeg']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
/** Top-level QuickTime boxes an old MOV may start with instead of `ftyp`. */
const QUICKTIME_FIRST_BOXES = new Set(['moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

/** Every `stride` bytes from `offset` starts with the MPEG-TS sync byte 0x47 (at least three packets). */
function transportStreamAt(head: Uint8Array, offset: number, stride: number): boolean {
  if (head.length < offset + 2 * stride + 1) return false;
  for (let at = offset; at < head.length; at += stride) if (head[at] !== 0x47) return false;
  return true;
}

/** Printable UTF-8 text (tabs and line breaks allowed), e.g. a note or a web page renamed `.mp4`. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    // The head of a longer file may end inside a character: leave its last three bytes out.
    const body = head.length >= SNIFF_BYTES ? head.subarray(0, head.length - 3) : head;
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}

/** Classifies a file by its first bytes (pass at least SNIFF_BYTES when the file is that long). */
export function sniffFileType(head: Uint8Array): Sniffed {
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    const label = `ISO BMFF (ftyp ${brand.trim()})`;
    if (PICTURE_BRANDS.has(brand)) return { kind: 'picture', label };
    if (AUDIO_BRANDS.has(brand)) return { kind: 'audio', label };
    return { kind: 'video_container', label };
  }
  if (head.length >= 8 && QUICKTIME_FIRST_BOXES.has(ascii(head, 4, 8))) return { kind: 'video_container', label: 'QuickTime' };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'video_container', label: 'Matroska/WebM' };
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 12);
    if (form === 'AVI ') return { kind: 'video_container', label: 'AVI' };
    if (form === 'WAVE') return { kind: 'audio', label: 'WAV' };
    if (form === 'WEBP') return { kind: 'picture', label: 'WebP' };
    return { kind: 'unknown', label: `RIFF ${form}` };
  }
  if (transportStreamAt(head, 0, 188)) return { kind: 'video_container', label: 'MPEG-TS' };
  if (transportStreamAt(head, 4, 192)) return { kind: 'video_container', label: 'MPEG-TS (M2TS)' };

  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'picture', label: 'PNG' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'picture', label: 'JPEG' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { kind: 'picture', label: 'GIF' };
  if (ascii(head, 0, 4) === 'II*\u0000' || ascii(head, 0, 4) === 'MM\u0000*') return { kind: 'picture', label: 'TIFF' };
  if (ascii(head, 0, 2) === 'BM' && head.length >= 26 && head[14] !== undefined && [12, 40, 56, 108, 124].includes(head[14]))
    return { kind: 'picture', label: 'BMP' };

  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return { kind: 'other_video', label: 'MPEG-PS' };
  if (ascii(head, 0, 3) === 'FLV') return { kind: 'other_video', label: 'FLV' };
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return { kind: 'other_video', label: 'ASF/WMV' };
  if (ascii(head, 0, 4) === '.RMF') return { kind: 'other_video', label: 'RealMedia' };
  if (ascii(head, 0, 4) === 'OggS') {
    const theora = Buffer.from(head).includes('theora', 0, 'latin1');
    return theora ? { kind: 'other_video', label: 'Ogg Theora' } : { kind: 'audio', label: 'Ogg' };
  }

  if (ascii(head, 0, 3) === 'ID3') return { kind: 'audio', label: 'MP3 (ID3)' };
  if (ascii(head, 0, 4) === 'fLaC') return { kind: 'audio', label: 'FLAC' };
  if (ascii(head, 0, 5) === '#!AMR') return { kind: 'audio', label: 'AMR' };
  if (ascii(head, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(head, 8, 12))) return { kind: 'audio', label: 'AIFF' };
  // An MPEG audio or ADTS AAC frame sync: 11 set bits (MP3) or 12 (AAC).
  if (head[0] === 0xff && head[1] !== undefined && (head[1] & 0xe0) === 0xe0) return { kind: 'audio', label: 'MPEG audio' };

  if (looksLikeText(head)) return { kind: 'text', label: 'text' };
  return { kind: 'unknown', label: 'unknown' };
}

/** Reads up to SNIFF_BYTES from the start of a file. */
export async function readFileHead(path: string, bytes = SNIFF_BYTES): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
