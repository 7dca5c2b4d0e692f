/** Collects what a CLI command writes to stdout and stderr. */
import { Writable } from "node:stream";

export interface CapturedIo {
  stdout: Writable;
  stderr: Writable;
  out(): string;
  err(): string;
}

export function captureIo(): CapturedIo {
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        into.push(Buffer.from(chunk));
        callback();
      },
    });
  return {
    stdout: sink(chunks.out),
    stderr: sink(chunks.err),
    out: () => Buffer.concat(chunks.out).toString("utf8"),
    err: () => Buffer.concat(chunks.err).toString("utf8"),
  };
}
