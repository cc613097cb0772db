import { createReadStream } from 'node:fs';
import { connect, type Socket } from 'node:net';

/**
 * Optional virus scanning through clamd (ClamAV's daemon) with its INSTREAM command, over TCP or a
 * unix socket: `zINSTREAM\0`, then chunks each prefixed by their length (4 bytes, big-endian), then a
 * zero length; clamd answers `stream: OK`, `stream: <signature> FOUND` or `… ERROR`.
 *
 * Not configured → `skipped`. Configured but unreachable, slow or answering an error → `unavailable`,
 * and the caller fails closed (holds the file and retries); never treat that as clean.
 * clamd refuses streams over its StreamMaxLength (25 MB by default): for footage up to 2 GiB set
 * `StreamMaxLength 2048M` (and MaxScanSize / MaxFileSize) in clamd.conf, or every large file is held.
 */

export type ClamdAddress = { host: string; port: number } | { socketPath: string };

export interface ScanOptions {
  clamd: ClamdAddress;
  /** Whole scan, milliseconds: connect, send the file, wait for the verdict. */
  timeoutMs: number;
  /** Bytes per INSTREAM chunk. */
  chunkBytes?: number;
}

export type ScanResult =
  | { status: 'skipped' }
  | { status: 'clean'; durationMs: number }
  | { status: 'infected'; signature: string; durationMs: number }
  /** The scanner could not give a verdict; `reason` is for staff logs. */
  | { status: 'unavailable'; reason: string; durationMs: number };

export const DEFAULT_SCAN_TIMEOUT_MS = 10 * 60_000; // 2 GiB at a few MB/s on a busy clamd
const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** A verdict is one short line; anything longer is not clamd. */
const MAX_REPLY_BYTES = 4096;

/**
 * Reads a clamd address from configuration: `tcp://host:port`, `unix:/path/clamd.ctl` or an absolute
 * socket path. Throws with the accepted forms on anything else.
 */
export function parseClamdAddress(text: string): ClamdAddress {
  const trimmed = text.trim();
  if (trimmed.startsWith('unix:')) return { socketPath: trimmed.slice('unix:'.length).replace(/^\/\/(?=\/)/, '') };
  if (trimmed.startsWith('/')) return { socketPath: trimmed };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(trimmed);
  const port = Number(tcp?.[2]);
  if (tcp && port >= 1 && port <= 65535) return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port };
  throw new Error(`Unexpected clamd address "${text}": use tcp://host:3310, unix:/run/clamav/clamd.ctl or /run/clamav/clamd.ctl.`);
}

/** Reads clamd's one-line verdict (without its trailing NUL / newline). */
export function parseClamdReply(reply: string): Exclude<ScanResult, { status: 'skipped' }> {
  const line = reply.replace(/[\0\n\r]+$/, '').trim();
  if (/^(stream: )?OK$/.test(line)) return { status: 'clean', durationMs: 0 };
  const found = /^(?:stream: )?(.+) FOUND$/.exec(line);
  if (found) return { status: 'infected', signature: found[1]!, durationMs: 0 };
  return { status: 'unavailable', reason: line === '' ? 'clamd closed the connection without a verdict' : `clamd: ${line}`, durationMs: 0 };
}

function lengthPrefix(bytes: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes, 0);
  return prefix;
}

/** Waits until the socket can take more, or fails if it closes first. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Error('connection closed while sending'));
      return;
    }
    const cleanup = () => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error('connection closed while sending'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/**
 * Scans a file with clamd, or returns `skipped` when `options` is undefined (scanning not configured).
 * Never throws for scanner trouble: that is `unavailable`.
 */
export async function scanFile(path: string, options: ScanOptions | undefined): Promise<ScanResult> {
  if (!options) return { status: 'skipped' };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;

  const socket = connect('socketPath' in options.clamd ? { path: options.clamd.socketPath } : options.clamd);
  const replyChunks: Buffer[] = [];
  let replyBytes = 0;
  const replyEnded = new Promise<string>((resolve) => {
    const finish = () => resolve(Buffer.concat(replyChunks).toString('utf8'));
    socket.on('data', (chunk: Buffer) => {
      replyChunks.push(chunk);
      replyBytes += chunk.length;
      // clamd ends a z-command's reply with NUL; it may also simply close.
      if (chunk.includes(0) || replyBytes > MAX_REPLY_BYTES) finish();
    });
    socket.on('close', finish);
  });
  let failure: string | null = null;
  socket.on('error', (err: NodeJS.ErrnoException) => (failure ??= `clamd connection: ${err.code ?? err.message}`));
  const timer = setTimeout(() => {
    failure ??= `clamd gave no verdict within ${options.timeoutMs} ms`;
    socket.destroy();
  }, options.timeoutMs);

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('close', () => reject(new Error('closed before connecting')));
    });
    const send = async (data: Buffer) => {
      // clamd closes its side when it stops reading (e.g. over its size limit).
      if (socket.destroyed || !socket.writable) throw new Error('connection closed while sending');
      if (!socket.write(data)) await drained(socket);
    };
    await send(Buffer.from('zINSTREAM\0'));
    for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
      const bytes = chunk as Buffer;
      await send(Buffer.concat([lengthPrefix(bytes.length), bytes]));
    }
    await send(lengthPrefix(0));
  } catch (err) {
    // clamd may stop reading and answer early (e.g. "INSTREAM size limit exceeded. ERROR"): keep its answer.
    if (replyBytes === 0) {
      clearTimeout(timer);
      socket.destroy();
      return { status: 'unavailable', reason: failure ?? `clamd: ${(err as Error).message}`, durationMs: elapsed() };
    }
  }

  const reply = await replyEnded;
  clearTimeout(timer);
  socket.destroy();
  if (failure !== null && reply === '') return { status: 'unavailable', reason: failure, durationMs: elapsed() };
  return { ...parseClamdReply(reply), durationMs: elapsed() };
}
