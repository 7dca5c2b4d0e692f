/**
 * The host side of a Firecracker VM's vsock device. Firecracker exposes the guest's vsock as a unix socket (the
 * `uds_path` of its `PUT /vsock` call): a host program connects to it, writes "CONNECT <guest port>\n", and after
 * Firecracker answers "OK <host port>\n" the unix connection is the byte stream to the guest's vsock port.
 * Target URL: firecracker:///run/fc/v.sock:5000. Client only: a guest's connection to the host arrives on the
 * unix socket "<uds_path>_<port>", which is an ordinary unix listener, not this transport.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { type Address, formatAddress } from "./address.js";
import type { ConnectOptions, Transport } from "./types.js";

/** Firecracker's answer is one short line; anything longer is not Firecracker. */
const MAX_ANSWER_BYTES = 64;

function expectFirecracker(address: Address): { path: string; port: number } {
  if (address.scheme !== "firecracker") throw new TypeError(`the Firecracker transport cannot serve ${formatAddress(address)}`);
  return address;
}

function fail(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export const firecrackerTransport: Transport = {
  scheme: "firecracker",

  listen(address) {
    return Promise.reject(new TypeError(`cannot listen on ${formatAddress(address)}: firecracker:// is for clients on the host`));
  },

  connect(address, options: ConnectOptions = {}) {
    const { path, port } = expectFirecracker(address);
    return new Promise<Duplex>((resolve, reject) => {
      const socket = net.connect({ path });
      let answer = Buffer.alloc(0);
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: Error | null) => {
        if (timer) clearTimeout(timer);
        socket.off("readable", onReadable);
        socket.off("error", onError);
        socket.off("close", onClose);
        options.signal?.removeEventListener("abort", onAbort);
        if (error) {
          socket.destroy();
          reject(error);
        }
      };
      const onError = (error: Error) => finish(error);
      const onClose = () => finish(fail("ECONNRESET", `Firecracker closed ${path} before answering CONNECT ${port}`));
      const onAbort = () => finish(fail("ABORT_ERR", "connect aborted"));
      // Paused-mode reads: nothing of the guest's stream (an HTTP/2 server sends SETTINGS at once) may be lost
      // between Firecracker's answer line and the engine taking the socket.
      const onReadable = () => {
        let chunk: Buffer | null;
        while ((chunk = socket.read() as Buffer | null) !== null) {
          answer = Buffer.concat([answer, chunk]);
          if (answer.indexOf(0x0a) >= 0) break;
        }
        const newline = answer.indexOf(0x0a);
        if (newline < 0) {
          if (answer.length > MAX_ANSWER_BYTES) finish(fail("EPROTO", `unexpected answer from ${path}: not a Firecracker vsock socket`));
          return;
        }
        const line = answer.subarray(0, newline).toString("latin1");
        if (!/^OK \d+$/.test(line)) {
          // Firecracker closes the connection when nothing listens on the guest port; a reply that is not "OK" is
          // treated as that refusal.
          finish(fail("ECONNREFUSED", `Firecracker refused CONNECT ${port} on ${path}: "${line}"`));
          return;
        }
        finish(null);
        const rest = answer.subarray(newline + 1);
        // Bytes after the answer line already belong to the guest's stream.
        if (rest.length > 0) socket.unshift(rest);
        socket.setNoDelay?.(true);
        resolve(socket);
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(fail("ETIMEDOUT", `connect to ${path} port ${port} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      }
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("error", onError);
      socket.on("close", onClose);
      socket.once("connect", () => {
        socket.on("readable", onReadable);
        socket.write(`CONNECT ${port}\n`);
      });
    });
  },
};
