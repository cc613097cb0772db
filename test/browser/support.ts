import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN = { email: 'admin@example.org', password: 'correct horse battery staple' };

/** Flags that let Debian's Chromium run headless as root with MapLibre's WebGL on SwiftShader. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RunningServer {
  url: string;
  dataDir: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real service (`node bin/start.js`, as `npm start` does) on a free port with a fresh
 * DATA_DIR, so it creates the embedded database and loads the demo data. Resolves with the URL it
 * logs ("listening on …", JSON with a `url` field).
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-browser-'));
  const child: ChildProcess = spawn(process.execPath, ['bin/start.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      INITIAL_ADMIN_EMAIL: ADMIN.email,
      INITIAL_ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`The server did not start within 150 s:\n${output.slice(-3000)}`)), 150_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.url && entry.msg?.startsWith('listening on')) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // Not a log line (e.g. the client build's message).
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited with code ${code} before listening:\n${output.slice(-3000)}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(force);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium with a fresh profile (playwright-core makes a temporary user data directory per launch). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}

export interface PageProblems {
  /** console.error messages and uncaught exceptions. */
  errors: string[];
  /** Content-Security-Policy violations reported by the page. */
  cspViolations: string[];
}

/** Collects console errors, page errors and CSP violations from the moment the page opens. */
export async function watchProblems(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { errors: [], cspViolations: [] };
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.errors.push(message.text());
  });
  page.on('pageerror', (err) => problems.errors.push(`page error: ${err.message}`));
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.cspViolations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCspViolation(t: string): void }).__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return problems;
}

/** Messages the browser logs by itself for answers a staff page expects (a 401 before signing in). */
export const expectedNoise = (e: string): boolean => /status of 401/.test(e);

/** Waits until the map has loaded every tile for the current view and drawn it. */
export async function waitForMapIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const map = window.roadsafeMap;
      return Boolean(map && map.loaded() && map.areTilesLoaded() && document.getElementById('map')?.dataset.idle === 'true');
    },
    undefined,
    { timeout, polling: 100 },
  );
}

export interface Rgba {
  width: number;
  height: number;
  /** RGBA bytes, row by row. */
  data: Uint8Array;
}

/** Decodes the 8-bit RGB/RGBA non-interlaced PNGs Chromium's screenshots are. */
export function decodePng(png: Buffer): Rgba {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('Not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const bitDepth = body[8];
      colourType = body[9]!;
      if (bitDepth !== 8 || (colourType !== 2 && colourType !== 6) || body[12] !== 0) {
        throw new Error(`Unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${body[12]}`);
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const channels = colourType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const current = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? current[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      current[i] = (line[i]! + predictor) & 255;
    }
    for (let x = 0; x < width; x++) {
      out.set([current[x * channels]!, current[x * channels + 1]!, current[x * channels + 2]!, channels === 4 ? current[x * channels + 3]! : 255], (y * width + x) * 4);
    }
    previous = current;
  }
  return { width, height, data: out };
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Number of pixels within `tolerance` (Euclidean RGB distance) of each colour. */
export function countColours(image: Rgba, colours: Record<string, string>, tolerance = 28): Record<string, number> {
  const targets = Object.entries(colours).map(([name, hex]) => [name, hexToRgb(hex)] as const);
  const counts = Object.fromEntries(targets.map(([name]) => [name, 0])) as Record<string, number>;
  const limit = tolerance * tolerance;
  for (let i = 0; i < image.data.length; i += 4) {
    const r = image.data[i]!;
    const g = image.data[i + 1]!;
    const b = image.data[i + 2]!;
    for (const [name, [tr, tg, tb]] of targets) {
      if ((r - tr) ** 2 + (g - tg) ** 2 + (b - tb) ** 2 <= limit) counts[name]!++;
    }
  }
  return counts;
}

/** Where screenshots go for people to look at (the gitignored scratch folder). */
export function screenshotPath(name: string): string {
  const dir = path.join(repoRoot, 'scratch', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

export interface BrowserSession {
  /** The server started for this file. */
  server(): RunningServer;
  /** A page in a fresh browser context (closed after the test), with its console problems watched. */
  newPage(viewport?: { width: number; height: number }): Promise<{ page: Page; problems: PageProblems }>;
  /** Closes the current context early (a test that opens two pages in turn). */
  closeContext(): Promise<void>;
  /** Signs in as ADMIN on the sign-in page and waits to be sent on to `next` (a path). */
  signIn(page: Page, next: string): Promise<void>;
}

/** Registers the hooks for one real server and one Chromium per test file, and a fresh context per test. */
export function useBrowserSession(env: Record<string, string> = {}): BrowserSession {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    server = await startServer(env);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const started = (): RunningServer => {
    if (!server) throw new Error('the server has not started');
    return server;
  };
  return {
    server: started,
    async newPage(viewport = { width: 1280, height: 800 }) {
      if (!browser) throw new Error('the browser has not started');
      context = await browser.newContext({ viewport, locale: 'en-GB' });
      const page = await context.newPage();
      const problems = await watchProblems(page);
      return { page, problems };
    },
    async closeContext() {
      await context?.close();
      context = undefined;
    },
    async signIn(page, next) {
      await page.goto(`${started().url}/staff/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Email address').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === next);
    },
  };
}
