/**
 * What every benchmark report shares: the machine it ran on, in one line, and writing its section
 * into docs/benchmarks.md between its own markers, leaving the other suites' sections as they are.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BENCHMARKS_DOC = path.resolve(import.meta.dirname, '../../docs/benchmarks.md');

/** "2 CPUs (AMD EPYC 7763 64-Core Processor), 7.8 GB RAM, Linux 6.8.0; Node v22.11.0" (RAM in GiB). */
export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.type()} ${os.release()}; Node ${process.version}`;
}

/**
 * Puts `section` between `<!-- name:start -->` and `<!-- name:end -->` in docs/benchmarks.md,
 * replacing what stood there, or appends the marked section when the file has none yet.
 */
export function writeBenchmarkSection(name: string, section: string): void {
  const startMarker = `<!-- ${name}:start -->`;
  const endMarker = `<!-- ${name}:end -->`;
  const text = fs.existsSync(BENCHMARKS_DOC) ? fs.readFileSync(BENCHMARKS_DOC, 'utf8') : '# Benchmarks\n';
  const block = `${startMarker}\n${section}\n${endMarker}`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + endMarker.length) : `${text.replace(/\n*$/, '\n')}\n${block}\n`;
  fs.writeFileSync(BENCHMARKS_DOC, next);
}
