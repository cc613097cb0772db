import type { Knex } from 'knex';

/*
 * COPY … FROM STDIN over the `pg` driver without pg-copy-streams: a minimal "submittable" that
 * pg's Client runs like a query. When the server answers CopyInResponse it streams CopyData, then
 * CopyDone. Data must already be in the COPY format the statement names (see `copyTextField` for
 * the text format).
 */

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

interface PgClient {
  query(submittable: unknown): unknown;
}

/**
 * Runs `COPY table (…) FROM STDIN` on the connection of a knex transaction, sending `data`.
 * Returns the number of rows copied.
 */
export function copyFrom(trx: Knex.Transaction, sql: string, data: Array<Buffer | string>): Promise<number> {
  async function* chunks() {
    for (const chunk of data) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
  return copyFromStream(trx, sql, chunks());
}

/** A value as a field of COPY's text format: \N for null; backslash, tab, newline and CR escaped. */
export function copyTextField(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

interface PgStreamConnection extends PgConnection {
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  sendCopyFail(message: string): void;
}

/**
 * Streams `source` (for example a file read stream) as CopyData with
 * backpressure, so a file of any size passes through in constant memory. `onChunk` sees each chunk
 * before it is sent (progress). A source error aborts the COPY (CopyFail) and is what the promise
 * rejects with.
 */
class CopyFromStream {
  private error: Error | undefined;
  private sourceError: Error | undefined;
  rowCount = 0;

  constructor(
    readonly text: string,
    private readonly source: AsyncIterable<Buffer>,
    private readonly onChunk: ((chunk: Buffer) => void) | undefined,
    private readonly done: (err: Error | undefined, rowCount: number) => void,
  ) {}

  submit(connection: PgStreamConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgStreamConnection): void {
    void this.pump(connection);
  }

  private async pump(connection: PgStreamConnection): Promise<void> {
    try {
      for await (const chunk of this.source) {
        if (this.error) return; // the server already gave up; it drops any further CopyData
        this.onChunk?.(chunk);
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await new Promise((resolve) => connection.stream.once('drain', resolve));
      }
      if (!this.error) connection.endCopyFrom();
    } catch (err) {
      this.sourceError = err as Error;
      if (!this.error) connection.sendCopyFail(`reading the input failed: ${(err as Error).message}`);
    }
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /COPY (\d+)/.exec(msg.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleError(err: Error): void {
    // pg forgets this query on an error; ReadyForQuery then finds no active query.
    this.error = err;
    this.done(this.sourceError ?? err, 0);
  }

  handleReadyForQuery(): void {
    if (!this.error) this.done(undefined, this.rowCount);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY … FROM STDIN` on the transaction's connection, streaming `source`; returns the rows copied. */
export async function copyFromStream(
  trx: Knex.Transaction,
  sql: string,
  source: AsyncIterable<Buffer>,
  onChunk?: (chunk: Buffer) => void,
): Promise<number> {
  const client = (await trx.client.acquireConnection()) as PgClient;
  return new Promise<number>((resolve, reject) => {
    client.query(new CopyFromStream(sql, source, onChunk, (err, rows) => (err ? reject(err) : resolve(rows))));
  });
}
