/**
 * How the processes of a multi-process server share their listeners:
 * - tcp://, tls:// and unix://: only the primary listens. It accepts each connection paused (nothing read yet) and
 *   takes turns: one for itself, one for each listening worker, round-robin. A worker's turn goes to it over the
 *   cluster IPC channel as a file descriptor (node's handle passing), and the worker serves it as its own listener
 *   would have (the TLS handshake too: nothing was read before the hand-over). Connections spread evenly whatever
 *   their number, which a kernel-hashed SO_REUSEPORT group does not do for a few connections.
 * - vsock://: node's IPC cannot pass an AF_VSOCK handle (libuv types it as unknown), so the primary opens the
 *   listening socket, accepts on it itself, and each worker accepts on the copy it inherited (vsock-listeners.ts);
 *   the kernel gives each connection to one of them.
 */
import type { Socket } from "node:net";
import { getSystemErrorMessage } from "node:util";
import type { AcceptPolicy } from "../accept-policy.js";
import type { GrpcServer } from "../server.js";
import type { InheritedListener, PrimaryMessage } from "./messages.js";
import { acceptOnInheritedVsock } from "./vsock-listeners.js";

/** "bind EADDRINUSE 127.0.0.1:50051 (address already in use)": node's listen errors carry only the code. */
export function describeListenError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const errno = (error as NodeJS.ErrnoException).errno;
  if (typeof errno !== "number" || errno >= 0) return error.message;
  try {
    return `${error.message} (${getSystemErrorMessage(errno).toLowerCase()})`;
  } catch {
    return error.message;
  }
}

/** A worker the primary may hand connections to. */
export interface HandOffTarget {
  readonly pid: number;
  /** Sends the message with the socket's descriptor: false if it could not even start (serve it here then); a later
   * failure calls back with an error. */
  send(message: PrimaryMessage, socket: Socket, done: (error: Error | null) => void): boolean;
}

/** The primary's turns: itself, then each listening worker, in a circle. */
export class RoundRobinHandOff {
  private turn = 0;

  constructor(private readonly workers: () => readonly HandOffTarget[]) {}

  /** For the primary's listener number `listener`: true when `socket` went to a worker, false to serve it here. */
  handOff(listener: number, socket: Socket): boolean {
    const workers = this.workers();
    const turn = this.turn % (workers.length + 1);
    this.turn = turn + 1;
    const worker = workers[turn - 1];
    if (worker === undefined) return false;
    // A send that fails later (the worker died meanwhile) loses this connection: the client reconnects, as it would
    // after any connection reset. One that cannot start at all is served here.
    return worker.send({ fastgrpc: "connection", listener }, socket, (error) => {
      if (error !== null) socket.destroy();
    });
  }
}

/** The primary: listens on `urls` (tcp://, tls://, unix://), handing connections round-robin; resolves the bound URLs. */
export async function listenAndHandOff(server: GrpcServer, policy: AcceptPolicy, urls: readonly string[], handOff: RoundRobinHandOff): Promise<string[]> {
  const bound: string[] = [];
  for (const [listener, url] of urls.entries()) {
    try {
      bound.push((await server.listen(url, { ...policy.listenOptions(url), handOff: (socket) => handOff.handOff(listener, socket) })).url);
    } catch (error) {
      throw new Error(`cannot listen on ${url}: ${describeListenError(error)}`, { cause: error });
    }
  }
  return bound;
}

/** A worker: serves what the primary hands over for each of `urls` (in the primary's order); one function per URL. */
export async function acceptHandedOver(server: GrpcServer, policy: AcceptPolicy, urls: readonly string[]): Promise<((socket: Socket) => void)[]> {
  const sinks: ((socket: Socket) => void)[] = [];
  for (const url of urls) {
    try {
      sinks.push(await server.acceptHandedOver(url, policy.listenOptions(url)));
    } catch (error) {
      throw new Error(`cannot serve ${url}: ${describeListenError(error)}`, { cause: error });
    }
  }
  return sinks;
}

/** Any process: accepts on VSOCK listening sockets (the primary's own descriptors, a worker's inherited copies). */
export async function acceptOnVsock(server: GrpcServer, policy: AcceptPolicy, vsock: readonly InheritedListener[]): Promise<string[]> {
  const gate = policy.cidGate();
  const bound: string[] = [];
  for (const { fd, url } of vsock) {
    bound.push((await server.adoptListener((onConnection) => acceptOnInheritedVsock(fd, url, onConnection, gate))).url);
  }
  return bound;
}
