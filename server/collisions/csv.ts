import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type CsvValue = string | number | boolean | null | undefined;

/** A plain decimal number (as numbers, and numeric columns read as strings, print): never a formula. */
const PLAIN_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** What a spreadsheet may read as the start of a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): empty for null, quoted with doubled quotes when it holds a comma,
 * quote, or line break, or starts or ends with a space. Text a spreadsheet would run as a formula
 * (starting with = + - @, tab or carriage return) gets a leading single quote, so it shows as
 * text; numbers, negative ones included, are written as they are.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A field as csvField wrote it, read back: the single quote it put before text starting with
 * = + - @, tab or carriage return is dropped (for importers reading the service's own exports).
 */
export function csvFieldText(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

/** One CSV record ending in CRLF, as RFC 4180 asks. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * A byte stream of CSV: the header, then one line per record from batches of records.
 * Batches are pulled only as fast as the consumer reads (backpressure), so memory stays flat.
 */
export function csvStream<T>(headers: readonly string[], values: (record: T) => CsvValue[], batches: AsyncIterable<T[]>): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(headers);
    for await (const batch of batches) {
      yield batch.map((record) => csvLine(values(record))).join('');
    }
  }
  return Readable.from(lines());
}

/**
 * Sends a CSV stream as the download `filename` (Content-Type and Content-Disposition; set any other
 * headers first). A client going away mid-download is not an error: the stream just stops.
 */
export async function sendCsv(res: ServerResponse, filename: string, csv: Readable): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  try {
    await pipeline(csv, res);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}
