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
 * Progress through one file on stderr: a cli-progress bar (the share of its bytes read) on a
 * terminal, otherwise a plain line each time another 10% of the file has been read.
 */
export class FileProgress {
  private bar: cliProgress.SingleBar | undefined;
  private nextPercent = 0;

  /** `format` is the bar's cli-progress format; `payload` fills its tokens until the first update. */
  constructor(
    private readonly out: OutputStream,
    private readonly totalBytes: number,
    format: string,
    payload: Record<string, unknown>,
  ) {
    if (!out.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      { format, stream: out as unknown as NodeJS.WritableStream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(totalBytes, 1), 0, payload);
  }

  /** Moves the bar to `bytesRead`; without one, writes `line(percent)` when the next 10% step is reached. */
  update(bytesRead: number, payload: Record<string, unknown>, line: (percent: number) => string): void {
    if (this.bar) {
      this.bar.update(bytesRead, payload);
      return;
    }
    const percent = this.totalBytes > 0 ? (100 * bytesRead) / this.totalBytes : 100;
    if (percent >= this.nextPercent) {
      this.out.write(`${line(percent)}\n`);
      this.nextPercent = Math.floor(percent / 10) * 10 + 10;
    }
  }

  /** Fills the bar and stops it (it stays on screen); any later update writes plain lines. */
  finish(): void {
    if (!this.bar) return;
    this.bar.update(this.bar.getTotal());
    this.bar.stop();
    this.bar = undefined;
  }
}

/**
 * Import progress on stderr: a cli-progress bar per file (rows, rows/s, % of bytes) on a terminal,
 * otherwise a plain line every 10% of the file.
 */
export class ImportProgress {
  private file: FileProgress | undefined;
  private current: string | undefined;
  private started = 0;

  constructor(private readonly out: OutputStream) {}

  update(p: Stats19Progress): void {
    if (!this.file || p.file !== this.current) {
      this.file?.finish();
      this.current = p.file;
      this.started = Date.now();
      this.file = new FileProgress(this.out, p.totalBytes, `${NOUN[p.table].padEnd(10)} [{bar}] {percentage}% | {rows} rows | {speed} rows/s | {duration_formatted}`, {
        rows: 0,
        speed: 0,
      });
    }
    const elapsed = Date.now() - this.started;
    if (p.phase === 'reading') {
      this.file.update(p.bytesRead, { rows: p.rows, speed: rate(p.rows, elapsed) }, () => progressLine(p, elapsed));
    } else if (p.phase === 'storing') {
      this.file.finish();
      this.out.write(`${NOUN[p.table]}: storing ${p.rows} rows…\n`);
    }
  }

  stop(): void {
    this.file?.finish();
  }
}

/**
 * Progress through named stages on stderr (a hotspot run, a plan generation): a cli-progress bar
 * with the stage on a terminal, otherwise one line per stage, since a stage may report many
 * fractions.
 */
export class StageProgress {
  private bar: cliProgress.SingleBar | undefined;
  private lastStage: string | undefined;
  private readonly started = Date.now();

  /** `label` starts the bar's line, e.g. `plan` or `hotspots`. */
  constructor(
    private readonly out: OutputStream,
    private readonly label: string,
  ) {}

  /** `fraction` is the share done, 0 to 1. */
  update(fraction: number, stage: string): void {
    if (this.out.isTTY) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          { format: `${this.label} [{bar}] {percentage}% | {stage} | {duration_formatted}`, stream: this.out as unknown as NodeJS.WritableStream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(100, 0, { stage });
      }
      this.bar.update(Math.round(fraction * 100), { stage });
      return;
    }
    if (stage === this.lastStage) return;
    this.lastStage = stage;
    this.out.write(`${String(Math.round(fraction * 100)).padStart(3)}% ${stage} (${((Date.now() - this.started) / 1000).toFixed(1)} s)\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
