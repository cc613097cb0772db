import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256File, sha256Hex } from './hash.ts';
import { parseClamdAddress, parseClamdReply, scanFile } from './scan.ts';
import { FakeClamd, mediaFolder, seededRandomFile, type FakeClamdBehaviour, type MediaFolder } from './test-media.ts';

let folder: MediaFolder;
let footage: string;
const servers: FakeClamd[] = [];

async function fakeClamd(behaviour: FakeClamdBehaviour): Promise<FakeClamd> {
  const clamd = new FakeClamd(behaviour);
  await clamd.listen();
  servers.push(clamd);
  return clamd;
}

beforeAll(async () => {
  folder = await mediaFolder('snap-scan-');
  footage = await seededRandomFile(folder.path('clip.mp4'), 700_000);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => folder.remove());

describe('virus scanning through clamd', () => {
  it('is skipped when no scanner is configured', async () => {
    expect(await scanFile(footage, undefined)).toEqual({ status: 'skipped' });
  });

  it('streams the whole file in length-prefixed chunks and reports a clean verdict', async () => {
    const clamd = await fakeClamd('clean');
    const result = await scanFile(footage, { clamd: { host: '127.0.0.1', port: clamd.port }, timeoutMs: 5000, chunkBytes: 64 * 1024 });
    expect(result.status).toBe('clean');
    expect(clamd.command).toBe('zINSTREAM\0');
    expect(sha256Hex(clamd.received)).toBe(await sha256File(footage));
  });

  it('reports the signature clamd found', async () => {
    const clamd = await fakeClamd('infected');
    const result = await scanFile(footage, { clamd: { host: '127.0.0.1', port: clamd.port }, timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'infected', signature: 'Eicar-Signature' });
  });

  it('fails closed when clamd hangs: unavailable at the timeout, not clean', async () => {
    const clamd = await fakeClamd('hang');
    const started = Date.now();
    const result = await scanFile(footage, { clamd: { host: '127.0.0.1', port: clamd.port }, timeoutMs: 500 });
    expect(result).toMatchObject({ status: 'unavailable', reason: 'clamd gave no verdict within 500 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails closed when nothing listens at the configured address', async () => {
    const clamd = await fakeClamd('clean');
    const port = clamd.port;
    await clamd.close();
    servers.length = 0;
    const result = await scanFile(footage, { clamd: { host: '127.0.0.1', port }, timeoutMs: 2000 });
    expect(result).toMatchObject({ status: 'unavailable', reason: 'clamd connection: ECONNREFUSED' });
  });

  it("fails closed when clamd refuses a stream over its size limit, quoting clamd's words", async () => {
    const clamd = await fakeClamd('size_limit');
    const result = await scanFile(footage, { clamd: { host: '127.0.0.1', port: clamd.port }, timeoutMs: 5000, chunkBytes: 16 * 1024 });
    expect(result).toMatchObject({ status: 'unavailable', reason: 'clamd: INSTREAM size limit exceeded. ERROR' });
  });

  it('talks to clamd over a unix socket too', async () => {
    const clamd = new FakeClamd('clean');
    servers.push(clamd);
    const socketPath = folder.path('clamd.sock');
    await clamd.listen(socketPath);
    expect((await scanFile(footage, { clamd: { socketPath }, timeoutMs: 5000 })).status).toBe('clean');
  });
});

describe('clamd configuration and replies', () => {
  it('reads tcp and unix addresses, and refuses anything else with the accepted forms', () => {
    expect(parseClamdAddress('tcp://clamav:3310')).toEqual({ host: 'clamav', port: 3310 });
    expect(parseClamdAddress('tcp://[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(parseClamdAddress('unix:/run/clamav/clamd.ctl')).toEqual({ socketPath: '/run/clamav/clamd.ctl' });
    expect(parseClamdAddress('unix:///run/clamav/clamd.ctl')).toEqual({ socketPath: '/run/clamav/clamd.ctl' });
    expect(parseClamdAddress('/run/clamav/clamd.ctl')).toEqual({ socketPath: '/run/clamav/clamd.ctl' });
    expect(() => parseClamdAddress('clamav:3310')).toThrow('Unexpected clamd address "clamav:3310": use tcp://host:3310');
    expect(() => parseClamdAddress('tcp://clamav:99999')).toThrow(/Unexpected clamd address/);
  });

  it('reads verdicts with or without the stream prefix', () => {
    expect(parseClamdReply('stream: OK\0').status).toBe('clean');
    expect(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND\0')).toMatchObject({ status: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    expect(parseClamdReply('')).toMatchObject({ status: 'unavailable', reason: 'clamd closed the connection without a verdict' });
  });
});
