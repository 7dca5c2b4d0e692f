/**
 * Listen and connect addresses are URLs: tcp://127.0.0.1:50051, tcp://[::1]:50051, tls://host:port,
 * vsock://CID:PORT (CID a number, or "any" when listening), and for clients on a Firecracker host
 * firecracker:///PATH/TO/v.sock:PORT (the VM's vsock unix-socket proxy and the guest's vsock port), and Unix-domain
 * sockets as gRPC names them (naming.md): unix:///ABSOLUTE/PATH, unix:PATH (relative or absolute) and
 * unix-abstract:NAME (Linux's abstract namespace: no file, the name is prefixed with a NUL byte).
 * Multi-address targets (dns:///, ipv4:, ipv6:) are resolver targets: see src/client/resolver/.
 */
export type Address =
  | { readonly scheme: "tcp" | "tls"; readonly host: string; readonly port: number }
  | { readonly scheme: "vsock"; readonly cid: number; readonly port: number }
  | { readonly scheme: "firecracker"; readonly path: string; readonly port: number }
  /** `port` is never set: it is declared so that code reading `address.port` off any Address still compiles. */
  | { readonly scheme: "unix"; readonly path: string; readonly abstract: boolean; readonly port?: undefined };

/** VMADDR_CID_ANY: listen on every CID of this machine. */
export const VSOCK_CID_ANY = 0xffffffff;

export class AddressError extends Error {
  override readonly name = "AddressError";
}

function parsePort(text: string, url: string, allowZero: boolean): number {
  if (!/^\d{1,10}$/.test(text)) throw new AddressError(`invalid port "${text}" in ${url}`);
  const port = Number(text);
  const max = 0xffffffff;
  if ((port === 0 && !allowZero) || port > max) throw new AddressError(`port out of range in ${url}`);
  return port;
}

/**
 * Parses a transport URL. `forListening` allows port 0 (ephemeral) and vsock CID "any".
 * Throws AddressError with a message fit for a CLI user.
 */
export function parseAddress(url: string, forListening = false): Address {
  if (url.startsWith("unix:") || url.startsWith("unix-abstract:")) return parseUnix(url);
  const match = /^([a-z]+):\/\/(.*)$/.exec(url);
  if (!match) throw new AddressError(`invalid address "${url}": expected tcp://HOST:PORT, tls://HOST:PORT, vsock://CID:PORT, unix:///PATH or unix-abstract:NAME`);
  const scheme = match[1] ?? "";
  const rest = match[2] ?? "";
  if (scheme === "tcp" || scheme === "tls") {
    const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d+)\/?$/.exec(rest);
    if (!hostPort) throw new AddressError(`invalid address "${url}": expected ${scheme}://HOST:PORT`);
    let host = hostPort[1] ?? "";
    if (host.startsWith("[")) host = host.slice(1, -1);
    const port = parsePort(hostPort[2] ?? "", url, forListening);
    if (port > 65535) throw new AddressError(`port out of range in ${url}`);
    return { scheme, host, port };
  }
  if (scheme === "vsock") {
    const cidPort = /^([^:/]+):(\d+)\/?$/.exec(rest);
    if (!cidPort) throw new AddressError(`invalid address "${url}": expected vsock://CID:PORT`);
    const cidText = cidPort[1] ?? "";
    let cid: number;
    if (cidText === "any") {
      if (!forListening) throw new AddressError(`CID "any" is only valid for listening, in ${url}`);
      cid = VSOCK_CID_ANY;
    } else if (/^\d{1,10}$/.test(cidText) && Number(cidText) <= 0xffffffff) {
      cid = Number(cidText);
    } else {
      throw new AddressError(`invalid CID "${cidText}" in ${url}`);
    }
    const port = parsePort(cidPort[2] ?? "", url, forListening);
    return { scheme, cid, port };
  }
  if (scheme === "firecracker") {
    const pathPort = /^(\/[^\0]*):(\d+)$/.exec(rest);
    if (!pathPort) throw new AddressError(`invalid address "${url}": expected firecracker:///PATH/TO/v.sock:PORT`);
    if (forListening) throw new AddressError(`firecracker:// is a client target (the host side of a Firecracker vsock), not a listen address: ${url}`);
    const port = parsePort(pathPort[2] ?? "", url, false);
    return { scheme, path: pathPort[1] ?? "", port };
  }
  throw new AddressError(`unsupported scheme "${scheme}" in ${url}: use tcp://, tls://, vsock://, firecracker://, unix: or unix-abstract:`);
}

/** Linux's limit on sun_path (108 bytes with its terminating NUL; abstract names use the leading NUL instead). */
const MAX_UNIX_PATH_BYTES = 107;

function parseUnix(url: string): Address {
  const abstract = url.startsWith("unix-abstract:");
  let path: string;
  if (abstract) {
    path = url.slice("unix-abstract:".length);
  } else {
    const rest = url.slice("unix:".length);
    // unix://PATH must be absolute (unix:///tmp/s); unix:PATH may be relative (unix:s.sock) or absolute.
    if (rest.startsWith("//")) {
      path = rest.slice(2);
      if (!path.startsWith("/")) throw new AddressError(`invalid address "${url}": unix:// needs an absolute path (unix:///PATH) or use unix:RELATIVE/PATH`);
    } else {
      path = rest;
    }
  }
  if (path === "") throw new AddressError(`invalid address "${url}": empty ${abstract ? "name" : "path"}`);
  if (path.includes("\0")) throw new AddressError(`invalid address "${url}": NUL byte in the path`);
  if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES - (abstract ? 1 : 0)) throw new AddressError(`invalid address "${url}": longer than ${MAX_UNIX_PATH_BYTES} bytes`);
  return { scheme: "unix", path, abstract };
}

/** The URL form of an address (IPv6 hosts in brackets). */
export function formatAddress(address: Address): string {
  if (address.scheme === "unix") {
    if (address.abstract) return `unix-abstract:${address.path}`;
    return address.path.startsWith("/") ? `unix://${address.path}` : `unix:${address.path}`;
  }
  if (address.scheme === "firecracker") return `firecracker://${address.path}:${address.port}`;
  if (address.scheme === "vsock") {
    const cid = address.cid === VSOCK_CID_ANY ? "any" : String(address.cid);
    return `vsock://${cid}:${address.port}`;
  }
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${address.scheme}://${host}:${address.port}`;
}
