/**
 * How each serving process of a multi-process server listens, the primary and every worker alike:
 * - TCP and TLS with SO_REUSEPORT: every process binds the same port and the kernel spreads new connections over
 *   them, so no process has to accept for the others;
 * - unix sockets through node:cluster's shared handle (AF_UNIX has no SO_REUSEPORT): only workers ask for them, the
 *   primary's node:cluster binds the path and hands connections round-robin to the workers;
 * - VSOCK on the listening sockets the primary opened (vsock-listeners.ts): the primary accepts on its own
 *   descriptor, a worker on the one it inherited, and the kernel gives each connection to one of them.
 */
import net from "node:net";
import { getSystemErrorMessage } from "node:util";
import { formatAddress, parseAddress } from "../../transport/address.js";
import type { AcceptPolicy } from "../accept-policy.js";
import type { GrpcServer } from "../server.js";
import type { InheritedListener } from "./messages.js";
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

/** True for the URLs a process listens on with SO_REUSEPORT (tcp:// and tls://). */
export function sharesPortByReuse(url: string): boolean {
  const scheme = parseAddress(url, true).scheme;
  return scheme === "tcp" || scheme === "tls";
}

/**
 * The primary binds each tcp:// and tls:// port alone first, without SO_REUSEPORT, and lets it go: a port another
 * server holds fails here with EADDRINUSE, as it would for a single process, where binding with SO_REUSEPORT would
 * have joined that server (same user) and taken a share of its connections. Resolves the URL with port 0 resolved
 * (the processes then all bind that port); other URLs unchanged.
 */
export async function claimPort(url: string): Promise<string> {
  const address = parseAddress(url, true);
  if (address.scheme !== "tcp" && address.scheme !== "tls") return url;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen({ host: address.host, port: address.port, exclusive: true }, () => resolve());
    });
  } catch (error) {
    throw new Error(`cannot listen on ${url}: ${describeListenError(error)}`, { cause: error });
  }
  const bound = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof bound === "object" && bound !== null ? formatAddress({ ...address, port: bound.port }) : url;
}

/**
 * Listens `server` on `urls` (tcp:// and tls:// with SO_REUSEPORT, unix:// through node:cluster) and on the VSOCK
 * listening sockets `vsock` (accepting on their descriptors, under the policy's CID allowlist). Resolves the bound
 * URLs in that order; a failure names the URL.
 */
export async function listenBesideEachOther(
  server: GrpcServer,
  policy: AcceptPolicy,
  urls: readonly string[],
  vsock: readonly InheritedListener[],
): Promise<string[]> {
  const bound: string[] = [];
  for (const url of urls) {
    try {
      bound.push((await server.listen(url, { ...policy.listenOptions(url), reusePort: sharesPortByReuse(url) })).url);
    } catch (error) {
      throw new Error(`cannot listen on ${url}: ${describeListenError(error)}`, { cause: error });
    }
  }
  const gate = policy.cidGate();
  for (const { fd, url } of vsock) {
    bound.push((await server.adoptListener((onConnection) => acceptOnInheritedVsock(fd, url, onConnection, gate))).url);
  }
  return bound;
}
