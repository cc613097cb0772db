import cliProgress from 'cli-progress';
import type { Stats19Progress } from '../server/collisions/stats19/import.ts';

export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

const NOUN: Record<Stats19Progress['table'], string> = { collision: 'collisions', casualty: 'casualties', vehicle: 'vehicles' };

/** Rows per second over `ms` milliseconds, rounded. */
export function rate(rows: number, ms: number): number {
  return ms > 0 ? Math.round((rows * 1000) / ms) : 0;
}

/** One plain progress line, for logs and non-TTY stderr. */
export function progressLine(p: Stats19Progress, elapsedMs: number): string {
  const percent = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
  return `${NOUN[p.table]}: ${p.rows} rows read (${percent}% of ${(p.totalBytes / 1e6).toFixed(1)} MB), ${rate(p.rows, elapsedMs)} rows/s`;
}

/**
 * Import progress on stderr: a cli-progress bar per file (rows, rows/s, % of bytes) on a terminal,
 * otherwise a plain line every 10% of the file.
 */
export class ImportProgress {
  private bar: cliProgress.SingleBar | undefined;
  private current: string | undefined;
  private started = 0;
  private nextPercent = 0;

  constructor(private readonly out: OutputStream) {}

  update(p: Stats19Progress): void {
    if (p.file !== this.current) {
      this.finishBar();
      this.current = p.file;
      this.started = Date.now();
      this.nextPercent = 0;
      if (this.out.isTTY) {
        this.bar = new cliProgress.SingleBar(
          {
            format: `${NOUN[p.table].padEnd(10)} [{bar}] {percentage}% | {rows} rows | {speed} rows/s | {duration_formatted}`,
            stream: this.out as unknown as NodeJS.WritableStream,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(Math.max(p.totalBytes, 1), 0, { rows: 0, speed: 0 });
      }
    }
    const elapsed = Date.now() - this.started;
    if (p.phase === 'reading') {
      if (this.bar) {
        this.bar.update(p.bytesRead, { rows: p.rows, speed: rate(p.rows, elapsed) });
      } else {
        const percent = p.totalBytes > 0 ? (100 * p.bytesRead) / p.totalBytes : 100;
        if (percent >= this.nextPercent) {
          this.out.write(`${progressLine(p, elapsed)}\n`);
          this.nextPercent = Math.floor(percent / 10) * 10 + 10;
        }
      }
    } else if (p.phase === 'storing') {
      this.finishBar();
      this.out.write(`${NOUN[p.table]}: storing ${p.rows} rows…\n`);
    }
  }

  private finishBar(): void {
    if (!this.bar) return;
    this.bar.update(this.bar.getTotal());
    this.bar.stop();
    this.bar = undefined;
  }

  stop(): void {
    this.finishBar();
  }
}
