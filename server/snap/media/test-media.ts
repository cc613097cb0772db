import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Test support only (not used by the service): makes the footage the media tests need with Debian's
 * ffmpeg test sources (testsrc, sine), in a temporary folder, so no binary fixture is committed.
 */

const execFileAsync = promisify(execFile);

export const FFMPEG = '/usr/bin/ffmpeg';
export const FFPROBE = '/usr/bin/ffprobe';

/** A 320×240 test pattern at 25 fps with a 1 kHz tone, `durationS` long, encoded as each case asks. */
const TEST_PATTERN = (durationS: number) => ['-f', 'lavfi', '-i', `testsrc=duration=${durationS}:size=320x240:rate=25`];
const TEST_TONE = (durationS: number) => ['-f', 'lavfi', '-i', `sine=frequency=1000:duration=${durationS}`];

export interface MediaFolder {
  dir: string;
  path(name: string): string;
  /** Runs ffmpeg with the given arguments, writing `name` in the folder; returns its path. */
  ffmpeg(name: string, args: readonly string[]): Promise<string>;
  remove(): Promise<void>;
}

export async function mediaFolder(prefix = 'snap-media-'): Promise<MediaFolder> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const path = (name: string) => join(dir, name);
  return {
    dir,
    path,
    async ffmpeg(name, args) {
      await execFileAsync(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args, path(name)]);
      return path(name);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** H.264 (yuv420p) + AAC in MP4: what a phone or most dashcams produce, and what browsers play. */
export const h264Mp4 = (folder: MediaFolder, name = 'clip.mp4', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'mp4']);

/** H.264 + AAC in a QuickTime MOV (an iPhone-style container). */
export const h264Mov = (folder: MediaFolder, name = 'clip.mov', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'mov']);

/** Apple ProRes 422 + PCM sound in MOV: an editing format no browser plays. */
export const proresMov = (folder: MediaFolder, name = 'prores.mov', durationS = 2) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'prores_ks', '-profile:v', '0', '-c:a', 'pcm_s16le', '-shortest', '-f', 'mov']);

/** MPEG-4 part 2 video + MP3 audio in AVI: an older camera's format, not playable in browsers. */
export const mpeg4Avi = (folder: MediaFolder, name = 'clip.avi', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'libmp3lame', '-shortest', '-f', 'avi']);

/** MPEG-4 part 2 video + Vorbis audio in Matroska: not playable in browsers, so it needs a viewing copy. */
export const mpeg4Mkv = (folder: MediaFolder, name = 'clip.mkv', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'libvorbis', '-shortest', '-f', 'matroska']);

/** VP9 + Opus in WebM (browser-playable). */
export const vp9Webm = (folder: MediaFolder, name = 'clip.webm', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'libvpx-vp9', '-b:v', '200k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-shortest', '-f', 'webm']);

/** H.264 + AAC in an MPEG transport stream (some dashcams record .ts). */
export const h264Ts = (folder: MediaFolder, name = 'clip.ts', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_PATTERN(durationS), ...TEST_TONE(durationS), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'mpegts']);

/** One PNG frame of the test pattern, written under whatever name is given (e.g. `photo.mp4`). */
export const pngPicture = (folder: MediaFolder, name = 'picture.mp4') =>
  folder.ffmpeg(name, ['-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', '-c:v', 'png', '-f', 'image2']);

/** A sound recording with no picture: AAC in an MP4 container. */
export const audioOnlyMp4 = (folder: MediaFolder, name = 'sound.mp4', durationS = 3) =>
  folder.ffmpeg(name, [...TEST_TONE(durationS), '-c:a', 'aac', '-f', 'mp4']);

/** Copies the first half of `source`'s bytes to `name`: an upload or copy that stopped part-way. */
export async function truncatedHalf(folder: MediaFolder, source: string, name: string): Promise<string> {
  const { size } = await stat(source);
  const bytes = await readFile(source);
  await writeFile(folder.path(name), bytes.subarray(0, Math.floor(size / 2)));
  return folder.path(name);
}

/** Moves an MP4's index (moov) before the media so a truncated copy still opens: `-movflags +faststart`. */
export const faststartMp4 = (folder: MediaFolder, source: string, name: string) =>
  folder.ffmpeg(name, ['-i', source, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4']);

/** `bytes` bytes from a seeded generator (xorshift32), so every run writes the same "random" file. */
export async function seededRandomFile(path: string, bytes: number, seed = 0x5eed): Promise<string> {
  const buffer = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buffer[i] = x & 0xff;
  }
  await writeFile(path, buffer);
  return path;
}

export async function copyAs(folder: MediaFolder, source: string, name: string): Promise<string> {
  await copyFile(source, folder.path(name));
  return folder.path(name);
}

/**
 * Whether a process still runs. A killed process whose parent has gone may linger as a zombie until
 * init reaps it (this container's init may not): a zombie runs nothing, so it counts as gone.
 */
export async function isProcessRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export type FakeClamdBehaviour = 'clean' | 'infected' | 'hang' | 'size_limit';

/**
 * A tiny clamd speaking INSTREAM: checks the command, reassembles the length-prefixed chunks, then
 * answers as told. `received` holds the bytes of the last stream, to check what the client sent.
 */
export class FakeClamd {
  server: Server;
  received = Buffer.alloc(0);
  command = '';
  sockets = new Set<Socket>();

  constructor(readonly behaviour: FakeClamdBehaviour) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let pending = Buffer.alloc(0);
      const chunks: Buffer[] = [];
      let total = 0;
      let answered = false;
      socket.on('data', (data: Buffer) => {
        if (answered) return;
        pending = Buffer.concat([pending, data]);
        if (!this.command) {
          const end = pending.indexOf(0);
          if (end < 0) return;
          this.command = pending.subarray(0, end + 1).toString('latin1');
          pending = pending.subarray(end + 1);
        }
        while (pending.length >= 4) {
          const length = pending.readUInt32BE(0);
          if (length === 0) {
            this.received = Buffer.concat(chunks);
            answered = true;
            this.answer(socket);
            return;
          }
          if (pending.length < 4 + length) return;
          chunks.push(pending.subarray(4, 4 + length));
          total += length;
          pending = pending.subarray(4 + length);
          if (this.behaviour === 'size_limit' && total > 100_000) {
            answered = true;
            socket.end('INSTREAM size limit exceeded. ERROR\0');
            return;
          }
        }
      });
    });
  }

  answer(socket: Socket) {
    if (this.behaviour === 'clean') socket.end('stream: OK\0');
    if (this.behaviour === 'infected') socket.end('stream: Eicar-Signature FOUND\0');
    // 'hang': read everything, never answer
  }

  /** Listens on a free loopback port, or on a unix socket at `socketPath`. */
  listen(socketPath?: string): Promise<void> {
    return new Promise((resolve) => {
      if (socketPath) this.server.listen(socketPath, () => resolve());
      else this.server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  get port() {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
