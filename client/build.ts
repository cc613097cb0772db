import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.join(clientDir, 'dist');

/** A value import of a server module (the pure ones the pages share, e.g. server/concerns/model.ts); type imports are left out. */
const SERVER_IMPORT = /^import\s+(?!type\s)[^'"]*?from\s+'((?:\.\.\/)+server\/[^']+)'/gm;

/** The newest change among the client's files and the server modules they import. */
function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestMtimeMs(full));
      continue;
    }
    newest = Math.max(newest, fs.statSync(full).mtimeMs);
    if (!entry.name.endsWith('.ts')) continue;
    for (const m of fs.readFileSync(full, 'utf8').matchAll(SERVER_IMPORT)) newest = Math.max(newest, fs.statSync(path.resolve(dir, m[1]!)).mtimeMs);
  }
  return newest;
}

/** Builds client/dist with Vite when it is missing or older than any client source file or server module it imports. */
export async function ensureClientBuilt(log: (msg: string) => void = (m) => console.error(m)): Promise<void> {
  const index = path.join(distDir, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtimeMs(clientDir)) return;
  log('Building the map client (first start or changed sources)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(clientDir, 'vite.config.ts'), logLevel: 'warn' });
}
