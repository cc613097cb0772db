import { Readable } from 'node:stream';

export type CsvValue = string | number | boolean | null | undefined;

/**
 * One CSV field (RFC 4180): empty for null, quoted with doubled quotes when it holds a comma,
 * quote, or line break, or starts or ends with a space.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
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
