import { describe, expect, it } from 'vitest';
import { durationInWords } from './refusals.ts';
import { sniffFileType } from './sniff.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** `packets` MPEG-TS packets of `size` bytes, each starting with the sync byte after `prefix` bytes. */
function transportStream(packets: number, size: number, prefix = 0): Buffer {
  const stream = Buffer.alloc(packets * size);
  for (let i = 0; i < packets; i++) stream[i * size + prefix] = 0x47;
  return stream;
}

describe('recognising a file by its first bytes', () => {
  it.each([
    ['an MP4', bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'video_container'],
    ['a QuickTime MOV', bytes([0, 0, 0, 0x14], 'ftypqt  '), 'video_container'],
    ['an old MOV starting with its index', bytes([0, 0, 0x10, 0], 'moov'), 'video_container'],
    ['an iPhone HEIC photo', bytes([0, 0, 0, 0x18], 'ftypheic'), 'picture'],
    ['an M4A sound file', bytes([0, 0, 0, 0x20], 'ftypM4A '), 'audio'],
    ['Matroska or WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'video_container'],
    ['an AVI', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST'), 'video_container'],
    ['a WAV', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '), 'audio'],
    ['a WebP picture', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'picture'],
    ['an MPEG-TS', transportStream(4, 188), 'video_container'],
    ['an M2TS (Blu-ray style, 192-byte packets)', transportStream(4, 192, 4), 'video_container'],
    ['a PNG', bytes([0x89], 'PNG\r\n', [0x1a, 0x0a]), 'picture'],
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'picture'],
    ['a GIF', bytes('GIF89a'), 'picture'],
    ['an MPEG program stream (DVD)', bytes([0, 0, 1, 0xba, 0x44]), 'other_video'],
    ['a WMV', bytes([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]), 'other_video'],
    ['an MP3 with ID3 tags', bytes('ID3', [4, 0]), 'audio'],
    ['an Ogg Vorbis sound file', bytes('OggS', [0, 2], '\u0001vorbis'), 'audio'],
    ['an Ogg Theora video', bytes('OggS', [0, 2], '\u0080theora'), 'other_video'],
    ['text', bytes('I was cycling north on the A6 when…\n'), 'text'],
    ['a PDF', bytes('%PDF-1.7\n', [0xe2, 0xe3, 0xcf, 0xd3]), 'unknown'],
  ])('knows %s', (_name, head, kind) => {
    expect(sniffFileType(head).kind).toBe(kind);
  });
});

describe('lengths in words', () => {
  it('says lengths the way people do', () => {
    expect(durationInWords(0.4)).toBe('less than a second');
    expect(durationInWords(1)).toBe('1 second');
    expect(durationInWords(3.96)).toBe('3 seconds');
    expect(durationInWords(60)).toBe('1 minute');
    expect(durationInWords(301.5)).toBe('5 minutes 1 second');
    expect(durationInWords(150)).toBe('2 minutes 30 seconds');
  });
});
