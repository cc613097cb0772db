import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from './hash.ts';
import { makeThumbnail, ThumbnailError, thumbnailTimeS } from './thumbnail.ts';
import { FFMPEG, FFPROBE, h264Mp4, mediaFolder, seededRandomFile, type MediaFolder } from './test-media.ts';

const execFileAsync = promisify(execFile);

let folder: MediaFolder;
beforeAll(async () => {
  folder = await mediaFolder('snap-thumb-');
}, 30_000);
afterAll(() => folder.remove());

/** Width, height and codec of a picture, as ffprobe reads it. */
async function pictureOf(path: string): Promise<{ codec_name: string; width: number; height: number }> {
  const { stdout } = await execFileAsync(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_streams', path]);
  return (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0]!;
}

describe('thumbnails', { timeout: 30_000 }, () => {
  it('takes the frame at 1 s, or the middle of a clip shorter than 2 s', () => {
    expect(thumbnailTimeS(180)).toBe(1);
    expect(thumbnailTimeS(2)).toBe(1);
    expect(thumbnailTimeS(1.5)).toBe(0.75);
  });

  it('makes a JPEG of a valid MP4 at 1 s and leaves the original unchanged', async () => {
    const clip = await h264Mp4(folder, 'clip.mp4');
    const before = await sha256File(clip);
    const thumbnail = await makeThumbnail(clip, folder.path('clip.jpg'), 3, { ffmpegPath: FFMPEG });
    expect(thumbnail).toMatchObject({ path: folder.path('clip.jpg'), atS: 1 });
    expect(thumbnail.bytes).toBeGreaterThan(1000);
    expect(await pictureOf(thumbnail.path)).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 240 });
    expect(await sha256File(clip)).toBe(before);
  });

  it('scales a wide video down to the widest thumbnail, keeping its shape', async () => {
    const clip = await h264Mp4(folder, 'clip-for-small.mp4');
    const thumbnail = await makeThumbnail(clip, folder.path('small.jpg'), 3, { ffmpegPath: FFMPEG, maxWidthPx: 160 });
    expect(await pictureOf(thumbnail.path)).toMatchObject({ width: 160, height: 120 });
  });

  it('falls back to the first frame when the stated length is longer than the video', async () => {
    const clip = await h264Mp4(folder, 'short-really.mp4', 1);
    const thumbnail = await makeThumbnail(clip, folder.path('fallback.jpg'), 60, { ffmpegPath: FFMPEG });
    expect(thumbnail.atS).toBe(0);
  });

  it('throws for a file with no picture in it, leaving no thumbnail or partial file', async () => {
    const noise = await seededRandomFile(folder.path('noise.mp4'), 50_000);
    await writeFile(folder.path('keep.txt'), 'x');
    const failure = await makeThumbnail(noise, folder.path('noise.jpg'), 3, { ffmpegPath: FFMPEG }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ThumbnailError);
    const names = await readdir(folder.dir);
    expect(names.filter((n) => n.startsWith('noise.jpg'))).toEqual([]);
  });
});
