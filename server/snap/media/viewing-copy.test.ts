import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from './hash.ts';
import { probeVideo, type VideoProbe } from './probe.ts';
import { FFMPEG, FFPROBE, h264Mov, h264Mp4, mediaFolder, mpeg4Avi, mpeg4Mkv, proresMov, type MediaFolder } from './test-media.ts';
import { makeViewingCopy, planViewingCopy } from './viewing-copy.ts';

const TOOLS = { ffprobePath: FFPROBE, ffmpegPath: FFMPEG };

let folder: MediaFolder;
beforeAll(async () => {
  folder = await mediaFolder('snap-view-');
}, 30_000);
afterAll(() => folder.remove());

async function probed(path: string): Promise<VideoProbe> {
  const outcome = await probeVideo(path, TOOLS);
  if (!outcome.accepted) throw new Error(`${path} refused: ${outcome.refusal.detail}`);
  return outcome.video;
}

describe('viewing copies', { timeout: 60_000 }, () => {
  it('makes none for an H.264/AAC MP4, which browsers play as it is', async () => {
    const clip = await h264Mp4(folder, 'clip.mp4');
    const video = await probed(clip);
    expect(planViewingCopy(video)).toBeNull();
    expect(await makeViewingCopy(clip, folder.path('clip.view.mp4'), video, { ffmpegPath: FFMPEG })).toBeNull();
    expect(await readdir(folder.dir)).not.toContain('clip.view.mp4');
  });

  it('encodes an MKV with MPEG-4 video into a playable H.264/AAC MP4 of the same length and size', async () => {
    const clip = await mpeg4Mkv(folder, 'clip.mkv');
    const original = await probed(clip);
    const before = await sha256File(clip);
    expect(planViewingCopy(original)).toEqual({ video: 'transcode', audio: 'transcode' });

    const copy = await makeViewingCopy(clip, folder.path('clip.mkv.view.mp4'), original, { ffmpegPath: FFMPEG });
    expect(copy?.method).toBe('transcode');
    const viewing = await probed(copy!.path);
    expect(viewing).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', width: 320, height: 240, browserPlayable: true });
    expect(viewing.durationS).toBeCloseTo(original.durationS, 0);
    expect(await sha256File(clip)).toBe(before);
  });

  it('encodes an AVI (MPEG-4 video, MP3 sound) into a playable MP4', async () => {
    const clip = await mpeg4Avi(folder, 'clip.avi');
    const copy = await makeViewingCopy(clip, folder.path('clip.avi.view.mp4'), await probed(clip), { ffmpegPath: FFMPEG });
    expect(await probed(copy!.path)).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', browserPlayable: true });
  });

  it('encodes a ProRes MOV with PCM sound into a playable MP4', async () => {
    const clip = await proresMov(folder, 'prores.mov');
    const original = await probed(clip);
    expect(original).toMatchObject({ container: 'mov', videoCodec: 'prores', audioCodec: 'pcm_s16le', browserPlayable: false });
    const copy = await makeViewingCopy(clip, folder.path('prores.view.mp4'), original, { ffmpegPath: FFMPEG });
    expect(copy?.method).toBe('transcode');
    expect(await probed(copy!.path)).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', browserPlayable: true });
  });

  it('only re-wraps a MOV whose H.264 and AAC browsers already play', async () => {
    const clip = await h264Mov(folder, 'clip.mov');
    const original = await probed(clip);
    expect(planViewingCopy(original)).toEqual({ video: 'copy', audio: 'copy' });
    const copy = await makeViewingCopy(clip, folder.path('clip.mov.view.mp4'), original, { ffmpegPath: FFMPEG });
    expect(copy?.method).toBe('remux');
    expect(await probed(copy!.path)).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', browserPlayable: true });
  });

  it('refuses to write the copy over the original', async () => {
    const clip = await mpeg4Mkv(folder, 'precious.mkv');
    await expect(makeViewingCopy(clip, clip, await probed(clip), { ffmpegPath: FFMPEG })).rejects.toThrow(/cannot replace the original/);
  });
});
