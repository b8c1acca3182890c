/**
 * A COPY statement run through pg's Submittable interface (the one pg-cursor uses): what COPY FROM
 * (copy-from.ts) and COPY TO (copy-to.ts) share. `done` settles when the server is ready for the next
 * query, rejected with the first error seen; the messages a COPY does not use are ignored.
 */
export abstract class CopySubmittable {
  protected error: Error | undefined;
  readonly done: Promise<void>;
  private settle!: (err?: Error) => void;

  constructor(private readonly text: string) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve());
    });
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  abstract handleCopyInResponse(connection: unknown): void;
  abstract handleCopyData(message: { chunk: Buffer }): void;

  handleError(err: Error): void {
    this.error = err;
  }

  handleReadyForQuery(): void {
    this.settle(this.error);
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}
