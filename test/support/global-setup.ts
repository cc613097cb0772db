import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgis, type EmbeddedPostgis } from '../../server/db/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedUrl: string;
  }
}

let embedded: EmbeddedPostgis | undefined;
let dir: string | undefined;

/** One embedded PostGIS for the whole integration run (a new one takes ~9 s). */
export async function setup(project: TestProject): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-test-db-'));
  embedded = await startEmbeddedPostgis(dir);
  project.provide('embeddedUrl', embedded.url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
