/**
 * `npm run bench -- snap-upload`: footage uploads over tus (issue 5, "Speed and memory").
 *
 *   big       one 2 GB upload over loopback in 8 MiB PATCH chunks: server memory growth ≤ 64 MB,
 *             throughput ≥ 100 MB/s, stored SHA-256 equal to the sent bytes'.
 *   parallel  twenty simultaneous 200 MB uploads: all complete with the right hashes, server memory
 *             growth ≤ 256 MB, no event-loop stall over 200 ms.
 *
 * The server (the real Express app with the tus endpoint and the background checks) runs in a child
 * process so its RSS and event-loop delay (perf_hooks.monitorEventLoopDelay) are its own; the parent
 * is the client. Bytes come from a seeded AES-256-CTR keystream (nothing is read from disk) and are
 * hashed as they are sent. "Hash right" compares the client's SHA-256 with the one the server stored
 * after its checks (the bytes are noise, so the checks then refuse the file as "not a video": the
 * hash is taken first). Memory growth = peak RSS during the phase − RSS at its start (after a warm-up
 * upload). The server keeps DATA_DIR in a temporary folder (removed afterwards) and uses PostgreSQL
 * at SNAP_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/roadsafe_test, in a
 * schema of its own, dropped afterwards), or the embedded database if that is unreachable.
 *
 * Options: --big-bytes N (2000000000)  --parallel N (20)  --parallel-bytes N (200000000)
 *          --chunk-bytes N (8388608)  --seed S (5)  --no-docs (leave docs/benchmarks.md alone)
 * Diagnostics: SNAP_BENCH_NODE_FLAGS (extra node flags for the server), SNAP_BENCH_PROBE (a module the
 * server imports first, e.g. a GC/stall logger).
 * Exits 1 if any upload fails, a hash differs or a target is missed. On a 2-core machine the client
 * (AES + SHA-256 at full speed), PostgreSQL and the server share the cores, so event-loop delay
 * includes time the server was not scheduled at all.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const TARGETS = { bigGrowthMB: 64, bigThroughputMBps: 100, parallelGrowthMB: 256, stallMs: 200 } as const;
const MB = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Server side (child process)

type ToServer = { cmd: 'mark' } | { cmd: 'report' } | { cmd: 'idle' } | { cmd: 'files'; uploadIds: string[] } | { cmd: 'stop' };

async function serverMain(): Promise<void> {
  const { default: knexFactory } = await import('knex');
  const { openDatabase } = await import('../../server/db/database.ts');
  const { migrateToLatest } = await import('../../server/db/migrate.ts');
  const { startSnapApp, insertSubmission } = await import('../integration/snap-upload-support.ts');
  const dataDir = process.env.SNAP_BENCH_DATA_DIR!;
  const url = process.env.SNAP_BENCH_DATABASE_URL;
  const schema = `snap_bench_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string | undefined;
  if (url) {
    const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`CREATE SCHEMA ${schema}`);
      databaseUrl = url;
    } catch {
      databaseUrl = undefined; // unreachable: fall back to the embedded database
    } finally {
      await admin.destroy();
    }
  }
  const db = await openDatabase({ databaseUrl, dataDir, ...(databaseUrl ? { searchPath: [schema] } : {}) });
  await migrateToLatest(db.knex, databaseUrl ? schema : undefined);
  const count = Number(process.env.SNAP_BENCH_SUBMISSIONS ?? '1');
  const submissions = [];
  for (let i = 0; i < count; i++) submissions.push(await insertSubmission(db.knex));
  const app = await startSnapApp(db, dataDir, { SNAP_MAX_FILES: '10' });

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);

  const send = (message: unknown) => process.send!(message);
  process.on('message', (message: ToServer) => {
    void (async () => {
      switch (message.cmd) {
        case 'mark':
          global.gc?.();
          baselineRss = process.memoryUsage.rss();
          peakRss = baselineRss;
          delay.reset();
          send({ cmd: 'mark', baselineRss });
          break;
        case 'report':
          send({ cmd: 'report', baselineRss, peakRss, maxDelayMs: delay.max / 1e6, p99DelayMs: delay.percentile(99) / 1e6 });
          break;
        case 'idle':
          await app.uploads.processor.idle();
          send({ cmd: 'idle' });
          break;
        case 'files': {
          const rows = await db.knex('snap_files').whereIn('upload_id', message.uploadIds).select('upload_id', 'sha256', 'state', 'size_bytes');
          send({ cmd: 'files', rows });
          break;
        }
        case 'stop':
          clearInterval(sampler);
          await app.close();
          if (databaseUrl) await db.knex.raw(`DROP SCHEMA ${schema} CASCADE`);
          await db.close();
          send({ cmd: 'stopped' });
          process.exit(0);
      }
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  send({ cmd: 'ready', url: app.url, submissions, database: databaseUrl ? 'postgresql' : 'embedded' });
}

// ---------------------------------------------------------------------------------------------
// Client side (parent)

/** A seeded keystream (AES-256-CTR over zeros): fast, reproducible, incompressible bytes. */
function seededBytes(seed: string) {
  const key = createHash('sha256').update(`snap-bench-key:${seed}`).digest();
  const iv = createHash('sha256').update(`snap-bench-iv:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(1024 * 1024);
  return (bytes: number): Buffer => cipher.update(bytes === zeros.length ? zeros : Buffer.alloc(bytes));
}

interface Target {
  host: string;
  port: number;
}

function request(target: Target, method: string, requestPath: string, headers: Record<string, string | number>, body?: (req: http.ClientRequest) => void) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = http.request({ host: target.host, port: target.port, method, path: requestPath, headers: { 'Tus-Resumable': '1.0.0', ...headers }, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) body(req);
    else req.end();
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Writes `length` seeded bytes into the request, respecting back-pressure; updates the hash. */
async function writeBody(req: http.ClientRequest, next: (n: number) => Buffer, length: number, hash: ReturnType<typeof createHash>) {
  let left = length;
  while (left > 0) {
    const piece = next(Math.min(left, 1024 * 1024));
    hash.update(piece);
    left -= piece.length;
    if (!req.write(piece)) await new Promise((resolve) => req.once('drain', resolve));
  }
  req.end();
}

/** One tus upload of `size` seeded bytes in `chunkBytes` PATCHes; returns the upload id and the SHA-256 sent. */
async function tusUpload(target: Target, submission: { reference: string; authorization: string }, size: number, chunkBytes: number, seed: string) {
  const meta = (v: string) => Buffer.from(v).toString('base64');
  const created = await request(target, 'POST', '/api/snap/uploads', {
    Authorization: submission.authorization,
    'Upload-Length': size,
    'Upload-Metadata': `reference ${meta(submission.reference)},filename ${meta(`bench-${seed}.bin`)}`,
  });
  if (created.status !== 201) throw new Error(`creating the upload answered ${created.status}: ${created.text}`);
  const location = String(created.headers.location);
  const next = seededBytes(seed);
  const hash = createHash('sha256');
  for (let offset = 0; offset < size; ) {
    const length = Math.min(chunkBytes, size - offset);
    const res = await request(
      target,
      'PATCH',
      location,
      { Authorization: submission.authorization, 'Upload-Offset': offset, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': length },
      (req) => void writeBody(req, next, length, hash),
    );
    if (res.status !== 204) throw new Error(`PATCH at ${offset} answered ${res.status}: ${res.text}`);
    offset = Number(res.headers['upload-offset']);
  }
  return { uploadId: location.split('/').pop()!, sha256: hash.digest('hex') };
}

function ask<T>(child: ChildProcess, message: ToServer, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: { cmd: string }) => {
      if (m.cmd !== reply) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

interface Report {
  baselineRss: number;
  peakRss: number;
  maxDelayMs: number;
  p99DelayMs: number;
}

async function clientMain(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'big-bytes': { type: 'string', default: String(2_000_000_000) },
      parallel: { type: 'string', default: '20' },
      'parallel-bytes': { type: 'string', default: String(200_000_000) },
      'chunk-bytes': { type: 'string', default: String(8 * 1024 * 1024) },
      seed: { type: 'string', default: '5' },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const bigBytes = Number(values['big-bytes']);
  const parallel = Number(values.parallel);
  const parallelBytes = Number(values['parallel-bytes']);
  const chunkBytes = Number(values['chunk-bytes']);
  const seed = values.seed!;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-bench-'));
  // Other work on the machine shows in event-loop delay: record the load the run started under.
  const loadAtStart = os.loadavg()[0]!;
  const log = (s: string) => console.error(s);
  const child = fork(import.meta.filename, ['--server'], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.SNAP_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(process.env.SNAP_BENCH_PROBE ? ['--import', process.env.SNAP_BENCH_PROBE] : [])],
    env: {
      ...process.env,
      SNAP_BENCH_DATA_DIR: dataDir,
      SNAP_BENCH_DATABASE_URL: process.env.SNAP_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roadsafe_test',
      SNAP_BENCH_SUBMISSIONS: String(parallel + 2),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const failures: string[] = [];
  try {
    const ready = await new Promise<{ url: string; submissions: Array<{ reference: string; authorization: string }>; database: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`benchmark server exited (${code}) before it was ready`)));
    });
    const target: Target = { host: '127.0.0.1', port: Number(new URL(ready.url).port) };
    const [warmUp, big, ...many] = ready.submissions;
    const files = (ids: string[]) => ask<{ rows: Array<{ upload_id: string; sha256: string | null; state: string }> }>(child, { cmd: 'files', uploadIds: ids }, 'files');
    const hashesRight = async (uploads: Array<{ uploadId: string; sha256: string }>) => {
      await ask(child, { cmd: 'idle' }, 'idle');
      const rows = (await files(uploads.map((u) => u.uploadId))).rows;
      return uploads.filter((u) => rows.find((r) => r.upload_id === u.uploadId)?.sha256 === u.sha256).length;
    };

    log(`server ready (${ready.database} database); warming up with a 32 MiB upload`);
    const warm = await tusUpload(target, warmUp!, 32 * 1024 * 1024, chunkBytes, `${seed}-warm`);
    if ((await hashesRight([warm])) !== 1) failures.push('warm-up upload: stored hash differs');

    log(`big: ${bigBytes} bytes in ${chunkBytes}-byte chunks`);
    await ask(child, { cmd: 'mark' }, 'mark');
    const bigStarted = performance.now();
    const bigUpload = await tusUpload(target, big!, bigBytes, chunkBytes, `${seed}-big`);
    const bigSeconds = (performance.now() - bigStarted) / 1000;
    const bigRight = (await hashesRight([bigUpload])) === 1;
    const bigReport = await ask<Report>(child, { cmd: 'report' }, 'report');

    log(`parallel: ${parallel} × ${parallelBytes} bytes at once`);
    await ask(child, { cmd: 'mark' }, 'mark');
    const parallelStarted = performance.now();
    const settled = await Promise.allSettled(many.slice(0, parallel).map((s, i) => tusUpload(target, s, parallelBytes, chunkBytes, `${seed}-p${i}`)));
    const parallelSeconds = (performance.now() - parallelStarted) / 1000;
    const completed = settled.filter((r): r is PromiseFulfilledResult<{ uploadId: string; sha256: string }> => r.status === 'fulfilled').map((r) => r.value);
    for (const r of settled) if (r.status === 'rejected') failures.push(`parallel upload failed: ${(r.reason as Error).message}`);
    const parallelRight = await hashesRight(completed);
    const parallelReport = await ask<Report>(child, { cmd: 'report' }, 'report');

    const growthMB = (r: Report) => (r.peakRss - r.baselineRss) / MB;
    const bigThroughput = bigBytes / MB / bigSeconds;
    const bigLabel = `${+(bigBytes / 1e9).toFixed(2)} GB upload`;
    const manyLabel = `${parallel} × ${+(parallelBytes / MB).toFixed(0)} MB at once`;
    const rows: Array<[string, string, string, boolean]> = [
      [`${bigLabel}: stored SHA-256 equals the sent bytes’`, bigRight ? 'yes' : 'no', 'yes', bigRight],
      [`${bigLabel}: throughput (MB/s)`, bigThroughput.toFixed(0), `≥ ${TARGETS.bigThroughputMBps}`, bigThroughput >= TARGETS.bigThroughputMBps],
      [`${bigLabel}: server memory growth (MB)`, growthMB(bigReport).toFixed(1), `≤ ${TARGETS.bigGrowthMB}`, growthMB(bigReport) <= TARGETS.bigGrowthMB],
      [`${bigLabel}: longest event-loop stall (ms)`, bigReport.maxDelayMs.toFixed(0), '(info)', true],
      [`${manyLabel}: completed with the right hash`, `${parallelRight}/${parallel}`, `${parallel}/${parallel}`, parallelRight === parallel],
      [`${manyLabel}: server memory growth (MB)`, growthMB(parallelReport).toFixed(1), `≤ ${TARGETS.parallelGrowthMB}`, growthMB(parallelReport) <= TARGETS.parallelGrowthMB],
      [`${manyLabel}: longest event-loop stall (ms)`, parallelReport.maxDelayMs.toFixed(0), `≤ ${TARGETS.stallMs}`, parallelReport.maxDelayMs <= TARGETS.stallMs],
      [`${manyLabel}: aggregate throughput (MB/s)`, ((parallel * parallelBytes) / MB / parallelSeconds).toFixed(0), '(info)', true],
    ];
    for (const [name, , , ok] of rows) if (!ok) failures.push(name);
    const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${ready.database} database, load average ${loadAtStart.toFixed(1)} at start`;
    const table = [
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; loopback, ${chunkBytes / 1024 / 1024} MiB chunks, local footage store.`,
      '',
      '| measure | result | target | |',
      '|---|---|---|---|',
      ...rows.map(([name, result, targetText, ok]) => `| ${name} | ${result} | ${targetText} | ${ok ? 'pass' : '**FAIL**'} |`),
    ].join('\n');
    console.log(table);
    const outDir = path.join(import.meta.dirname, 'out');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(
      path.join(outDir, `snap-upload-${new Date().toISOString().slice(0, 10)}.json`),
      JSON.stringify({ machine, bigBytes, bigSeconds, bigReport, parallel, parallelBytes, parallelSeconds, parallelReport, rows, failures }, null, 2),
    );
    if (!values['no-docs']) writeDocs(table);
  } finally {
    if (child.connected) await ask(child, { cmd: 'stop' }, 'stopped').catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`snap-upload benchmark: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
}

const START = '<!-- snap-bench:start -->';
const END = '<!-- snap-bench:end -->';

/** Replaces the text between the snap-bench markers in docs/benchmarks.md (appended when absent). */
function writeDocs(table: string): void {
  const file = path.join(import.meta.dirname, '../../docs/benchmarks.md');
  const text = fs.readFileSync(file, 'utf8');
  const block = [
    START,
    '## Footage uploads (Operation Snap, `npm run bench -- snap-upload`)',
    '',
    'The tus endpoint in its own process (RSS and `monitorEventLoopDelay` are the server’s), a client streaming',
    'seeded AES-CTR bytes and hashing them as it sends; "hash right" compares with the SHA-256 the server stored',
    'after its checks. Memory growth = peak RSS during the phase − RSS at its start (after a 32 MiB warm-up).',
    '',
    table,
    END,
  ].join('\n');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.replace(/\n*$/, '\n')}\n${block}\n`;
  fs.writeFileSync(file, next);
  console.error('docs/benchmarks.md updated');
}

if (process.argv.includes('--server')) {
  await serverMain();
} else {
  await clientMain();
}
