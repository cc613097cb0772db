#!/usr/bin/env node
// npm test: runs the unit and integration suites (embedded PostGIS, plus TEST_DATABASE_URL when set)
// and the browser suite when Chromium is present. Every skipped suite is reported with its reason;
// with CI=true a skipped suite fails the run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const projects = ['unit', 'integration'];
const skipped = [];

if (!process.env.TEST_DATABASE_URL) {
  skipped.push(['integration on PostgreSQL/PostGIS', 'TEST_DATABASE_URL is not set (the embedded database still ran)']);
}
if (fs.existsSync(CHROMIUM)) projects.push('browser');
else skipped.push(['browser', `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`]);

const extra = process.argv.slice(2);
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'roadsafe-vitest-')), 'report.json');
const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra];
const result = spawnSync('npx', args, { stdio: 'inherit', env: process.env });

let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  // A file that fails to load has no failed tests but a failed suite: count it.
  failed = json.numFailedTests || json.numFailedTestSuites;
} catch {
  failed = Math.max(failed, result.status === 0 ? 0 : 1);
}

for (const [suite, reason] of skipped) console.log(`SKIPPED suite "${suite}": ${reason}`);
let status = result.status ?? 1;
if (ci && skipped.length > 0) {
  console.log(`CI=true: ${skipped.length} skipped suite(s) count as failure.`);
  status = 1;
}
if (passed === 0 && status === 0) {
  console.log('No test ran.');
  status = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status);
