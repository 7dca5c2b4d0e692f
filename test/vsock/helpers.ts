/** Small helpers shared by the vsock tests (which run only inside the test VM). */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { parseAddress } from "../../src/transport/address.js";
import { transportFor } from "../../src/transport/registry.js";

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

/**
 * A server that refuses this peer (--allow-cid): each of `connections` raw connections is closed before the server
 * sends one byte (no SETTINGS), and an Echo call through the client fails UNAVAILABLE.
 */
export async function assertRefusedBeforeHttp2(
  target: string,
  options: { connections: number; connectTimeoutMs: number; callTimeoutMs: number },
): Promise<void> {
  const address = parseAddress(target);
  for (let i = 0; i < options.connections; i++) {
    const socket = await (await transportFor(address)).connect(address, { timeoutMs: options.connectTimeoutMs });
    const received = await readAll(socket).catch(() => Buffer.alloc(0));
    assert.equal(received.length, 0, "not one byte from the server");
  }
  const client = new GrpcClient(target, { connectTimeoutMs: options.connectTimeoutMs });
  try {
    await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("refused") }, { timeoutMs: options.callTimeoutMs }),
      (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
  } finally {
    await client.close(true);
  }
}
