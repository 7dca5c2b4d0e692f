/**
 * The one module that touches Node internals: it wraps an AF_VSOCK file descriptor in libuv's pipe handle
 * (node's internal `Pipe` class, pipe_wrap), so that node:net and node:http2 drive it natively like a TCP socket.
 *
 * Why: `new net.Socket({ fd })` rejects a vsock fd (ERR_INVALID_FD_TYPE: uv_guess_handle knows only TCP, UDP and
 * unix sockets) and `server.listen({ fd })` fails with EINVAL. libuv's pipe stream code itself does not care about
 * the socket family: uv_pipe_open(), read, write, shutdown and accept work on any stream socket fd.
 * These are internals: test/vsock/node-internals-path.test.ts proves the path on the pinned Node major.
 */
import { closeSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getSystemErrorName } from "node:util";

/** The subset of node's internal Pipe handle (src/pipe_wrap.cc, stream_wrap.cc) used here. */
export interface PipeHandle {
  /** uv_pipe_open(): 0 or a negative libuv error number. */
  open(fd: number): number;
  /** uv_listen(): 0 or a negative libuv error number. */
  listen(backlog: number): number;
  close(callback?: () => void): void;
  /** Called by uv_listen's connection callback with a new client handle (status < 0: accept failed). */
  onconnection: ((status: number, client?: PipeHandle) => void) | null;
  readonly fd: number;
}

interface PipeConstructor {
  new (type: number): PipeHandle;
}

/** PipeConstants in src/pipe_wrap.cc (SOCKET = 0, SERVER = 1, IPC = 2), unchanged since Node 10. */
const PIPE_SOCKET = 0;
const PIPE_SERVER = 1;

interface ServerWithHandle {
  _handle?: { constructor?: unknown } | null;
}

function isPipeConstructor(value: unknown): value is PipeConstructor {
  return typeof value === "function" && typeof (value as { prototype?: { open?: unknown } }).prototype?.open === "function";
}

/**
 * The constructor of the handle of a net.Server listening on a unix socket path is Pipe: no deprecated API needed.
 * listen() on a path creates the handle synchronously, in a cluster worker too when `exclusive` (otherwise the
 * worker asks the primary for the handle asynchronously, and the answer would arrive after this server is gone:
 * node then throws from cluster's listenOnPrimaryHandle, an uncaught exception in the worker).
 */
function pipeFromUnixServer(): PipeConstructor | undefined {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), "fastgrpc-pipe-"));
  } catch {
    return undefined;
  }
  const server = net.createServer();
  try {
    server.on("error", () => undefined);
    server.listen({ path: join(dir, "s"), exclusive: true });
    const ctor = (server as ServerWithHandle)._handle?.constructor;
    return isPipeConstructor(ctor) ? ctor : undefined;
  } catch {
    return undefined;
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** process.binding('pipe_wrap').Pipe: deprecated (DEP0111), so only the fallback. */
function pipeFromBinding(): PipeConstructor | undefined {
  try {
    const { binding } = process as unknown as { binding?: (name: string) => unknown };
    if (typeof binding !== "function") return undefined;
    const pipeWrap = binding.call(process, "pipe_wrap");
    const ctor = typeof pipeWrap === "object" && pipeWrap !== null ? (pipeWrap as { Pipe?: unknown }).Pipe : undefined;
    return isPipeConstructor(ctor) ? ctor : undefined;
  } catch {
    return undefined;
  }
}

export type PipeSource = "unix-server" | "process.binding";
let pipeConstructor: { ctor: PipeConstructor; source: PipeSource } | undefined;

function findPipe(): { ctor: PipeConstructor; source: PipeSource } | undefined {
  const fromServer = pipeFromUnixServer();
  if (fromServer) return { ctor: fromServer, source: "unix-server" };
  const fromBinding = pipeFromBinding();
  return fromBinding ? { ctor: fromBinding, source: "process.binding" } : undefined;
}

function pipe(): PipeConstructor {
  pipeConstructor ??= findPipe();
  if (!pipeConstructor) throw new Error(`Node ${process.version} exposes no Pipe handle constructor: vsock needs one`);
  return pipeConstructor.ctor;
}

/** Where the Pipe constructor came from (tests check that the non-deprecated way works on this Node). */
export function pipeSource(): PipeSource {
  pipe();
  return pipeConstructor?.source ?? "process.binding";
}

/** The error Node would make from a negative libuv error number: code "EMFILE", errno -24. */
function uvError(syscall: string, status: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `UV_${status}`;
  }
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno: status, syscall });
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to release
  }
}

function pipeOrClose(fd: number): PipeConstructor {
  try {
    return pipe();
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

/**
 * net.Socket accepts any libuv stream handle in `handle` (lib/net.js); @types/node declares only its own
 * BoundSocket there, hence this narrower signature.
 */
type SocketOnHandleConstructor = new (options: { handle: PipeHandle; readable: boolean; writable: boolean }) => net.Socket;
const SocketOnHandle = net.Socket as unknown as SocketOnHandleConstructor;

function socketOnHandle(handle: PipeHandle): net.Socket {
  return new SocketOnHandle({ handle, readable: true, writable: true });
}

/** A connected stream socket fd -> a net.Socket on a native libuv stream. Owns the fd: on a throw it is closed. */
export function socketFromFd(fd: number): net.Socket {
  const handle = new (pipeOrClose(fd))(PIPE_SOCKET);
  const status = handle.open(fd);
  if (status !== 0) {
    handle.close();
    closeQuietly(fd);
    throw uvError("uv_pipe_open", status);
  }
  return socketOnHandle(handle);
}

export interface AcceptLoop {
  /** Stops accepting and closes the listening fd; accepted sockets stay open. */
  close(): Promise<void>;
}

/**
 * Accepts connections on a listening stream socket fd with libuv (uv_listen + uv_accept), handing each one to
 * `onSocket` as a net.Socket. Owns the fd: on a throw it is closed. Accept errors (EMFILE...) go to `onError`;
 * libuv keeps listening after them.
 */
export function acceptOnFd(
  fd: number,
  backlog: number,
  onSocket: (socket: net.Socket, fd: number) => void,
  onError: (error: Error) => void,
): AcceptLoop {
  const handle = new (pipeOrClose(fd))(PIPE_SERVER);
  let status = handle.open(fd);
  const opened = status === 0;
  if (opened) {
    handle.onconnection = (result, client) => {
      if (result < 0 || !client) {
        onError(uvError("accept", result));
        return;
      }
      onSocket(socketOnHandle(client), client.fd);
    };
    status = handle.listen(backlog);
  }
  if (status !== 0) {
    handle.close(); // closes the fd once it was opened
    if (!opened) closeQuietly(fd);
    throw uvError(opened ? "uv_listen" : "uv_pipe_open", status);
  }
  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= new Promise<void>((resolve) => {
        handle.onconnection = null;
        handle.close(resolve);
      });
      return closed;
    },
  };
}
