/** Small stream helpers shared by the vsock tests (which run only inside the test VM). */
import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";

/** Resolves with everything the stream emits until 'end'; rejects on 'error'. */
export function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

/** sha256 (hex) and byte count of everything the stream emits until 'end'. */
export function hashAll(stream: Duplex): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    let bytes = 0;
    stream.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    stream.once("end", () => resolve({ sha256: hash.digest("hex"), bytes }));
    stream.once("error", reject);
  });
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The fd under a net.Socket made by the vsock transport (a libuv Pipe handle has an `fd`). */
export function fdOf(socket: Duplex): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  if (typeof handle?.fd !== "number") throw new Error("socket has no fd");
  return handle.fd;
}

/** A promise settled by the first of `event` or 'error' on an emitter. */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => {
      emitter.off(event, onEvent);
      reject(error);
    };
    const onEvent = (value: T) => {
      emitter.off("error", onError);
      resolve(value);
    };
    emitter.once(event, onEvent);
    if (event !== "error") emitter.once("error", onError);
  });
}
