import type net from "node:net";
import type { ConnectOptions } from "./types.js";

/**
 * Waits for a connecting socket's `readyEvent` ("connect", "secureConnect"), failing on a socket error, the
 * timeout (code ETIMEDOUT) or the abort signal (code ABORT_ERR); the socket is destroyed on failure. `check`
 * may reject a socket that connected but is not usable (returning the error). Shared by the TCP and TLS transports.
 */
export function awaitConnect<S extends net.Socket>(
  socket: S,
  readyEvent: string,
  options: ConnectOptions,
  what: string,
  check?: (socket: S) => Error | undefined,
): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(Object.assign(new Error("connect aborted"), { code: "ABORT_ERR" }));
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      socket.off("error", fail);
      options.signal?.removeEventListener("abort", onAbort);
    };
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => fail(Object.assign(new Error(`${what} timed out after ${options.timeoutMs} ms`), { code: "ETIMEDOUT" })), options.timeoutMs);
    }
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", fail);
    socket.once(readyEvent, () => {
      const problem = check?.(socket);
      if (problem) return fail(problem);
      cleanup();
      resolve(socket);
    });
  });
}
