import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = path.dirname(fileURLToPath(import.meta.url));
const distDir = path.join(clientDir, 'dist');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds client/dist with Vite when it is missing or older than any client source file. */
export async function ensureClientBuilt(log: (msg: string) => void = (m) => console.error(m)): Promise<void> {
  const index = path.join(distDir, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestMtimeMs(clientDir)) return;
  log('Building the map client (first start or changed sources)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(clientDir, 'vite.config.ts'), logLevel: 'warn' });
}
