/**
 * GrpcServer: routes HTTP/2 streams to service handlers, on any number of listeners (TCP, VSOCK), over one
 * HTTP/2 engine. The early checks here (content-type, route, grpc-timeout) answer before any handler runs.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import type { ServerEngine, ServerEngineFactory, ServerStream, ServerStreamHandler, StreamDispatcher } from "../engine/types.js";
import { createNodeServerEngine } from "../engine/node/server.js";
import { type Logger, silentLogger } from "../log/logger.js";
import { parseGrpcTimeout } from "../protocol/timeout.js";
import { parseAddress } from "../transport/address.js";
import { transportFor } from "../transport/registry.js";
import type { Listener, PeerInfo } from "../transport/types.js";
import { type RegisteredMethod, type ServiceImpl, registerService } from "./service.js";
import { type CallEnvironment, UnaryCall } from "./unary-call.js";

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export interface ServerOptions {
  log?: Logger;
  /** Largest request message accepted (default 4 MiB); larger ones answer RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS per connection (default 1000). */
  maxConcurrentStreams?: number;
  /** The HTTP/2 engine (default node:http2). */
  engine?: ServerEngineFactory;
}

/** A stream that was answered before a handler ran needs no further events. */
const IGNORE: ServerStreamHandler = { onData() {}, onEnd() {}, onCancel() {} };

export class GrpcServer implements StreamDispatcher {
  private readonly routes = new Map<string, RegisteredMethod>();
  private readonly listeners: Listener[] = [];
  private readonly engine: ServerEngine;
  private readonly env: CallEnvironment;
  private readonly active = new Set<UnaryCall>();
  private draining = false;
  private shutdownPromise: Promise<void> | undefined;
  private idleWaiter: (() => void) | undefined;
  readonly log: Logger;

  constructor(options: ServerOptions = {}) {
    this.log = options.log ?? silentLogger();
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const factory = options.engine ?? createNodeServerEngine;
    this.engine = factory(this, {
      maxConcurrentStreams: options.maxConcurrentStreams ?? 1000,
      maxMessageBytes,
      onConnectionError: (error, peer) => this.log.debug({ err: error, peer: peer.label }, "connection error"),
    });
    this.env = {
      log: this.log,
      maxMessageBytes,
      active: this.active,
      onCallDone: () => {
        if (this.idleWaiter && this.active.size === 0) this.idleWaiter();
      },
    };
  }

  get engineName(): string {
    return this.engine.name;
  }

  /** Adds a service; its methods answer at "/<package>.<Service>/<Method>". */
  addService<S extends DescService>(service: S, impl: ServiceImpl<S>): this {
    for (const method of registerService(service, impl)) this.routes.set(method.path, method);
    return this;
  }

  /** Starts listening on a transport URL (tcp://HOST:PORT, vsock://CID:PORT); port 0 picks a free port. */
  async listen(url: string): Promise<Listener> {
    if (this.draining) throw new Error("server is shutting down");
    const address = parseAddress(url, true);
    const transport = await transportFor(address);
    const listener = await transport.listen(address, (socket, peer) => this.accept(socket, peer));
    this.listeners.push(listener);
    return listener;
  }

  get urls(): string[] {
    return this.listeners.map((listener) => listener.url);
  }

  private accept(socket: import("node:stream").Duplex, peer: PeerInfo): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    socket.on("error", () => undefined); // reported through the engine; never fatal
    if (this.log.isLevelEnabled("debug")) this.log.debug({ peer: peer.label, transport: peer.transport }, "connection accepted");
    this.engine.serveConnection(socket, peer);
  }

  /* ---------------------------------------------------------- StreamDispatcher */

  onStream(stream: ServerStream): ServerStreamHandler {
    if (this.draining) {
      stream.sendTrailers(Code.UNAVAILABLE, "server is shutting down");
      return IGNORE;
    }
    const contentType = stream.header("content-type");
    if (contentType === undefined || !isGrpcContentType(contentType)) {
      stream.sendHttpError(415, Code.UNKNOWN, `unsupported content-type "${contentType ?? ""}"`);
      return IGNORE;
    }
    const method = this.routes.get(stream.path);
    if (method === undefined) {
      const error = errors.unimplementedMethod(stream.path);
      stream.sendTrailers(error.code, error.rawMessage);
      return IGNORE;
    }
    let timeoutMs: number | undefined;
    const timeout = stream.header("grpc-timeout");
    if (timeout !== undefined) {
      timeoutMs = parseGrpcTimeout(timeout);
      if (timeoutMs === undefined) {
        const error = errors.malformedTimeout(timeout);
        stream.sendTrailers(error.code, error.rawMessage);
        return IGNORE;
      }
    }
    return new UnaryCall(stream, method, this.env, timeoutMs);
  }

  /* ---------------------------------------------------------- shutdown */

  /**
   * Graceful shutdown: stop accepting connections, GOAWAY every connection, let calls in flight finish for up to
   * graceMs, then cancel what is left and close. Safe to call more than once.
   */
  shutdown(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.shutdownPromise ??= this.drain(graceMs);
    return this.shutdownPromise;
  }

  private async drain(graceMs: number): Promise<void> {
    this.draining = true;
    await Promise.all(this.listeners.map((listener) => listener.close().catch(() => undefined)));
    // The engine sends GOAWAY now and destroys what is left of the connections after graceMs.
    const engineDone = this.engine.shutdown(graceMs);
    if (this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => { this.idleWaiter = resolve; }),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); }),
      ]);
      clearTimeout(timer);
      // Calls still running after the grace period are told why before their connections go.
      for (const call of [...this.active]) call.forceClose(errors.shuttingDown());
    }
    await engineDone;
  }
}

function isGrpcContentType(value: string): boolean {
  // application/grpc, application/grpc+proto, optionally with parameters ("; charset=...").
  if (value === "application/grpc" || value === "application/grpc+proto") return true;
  const base = value.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return base === "application/grpc" || base === "application/grpc+proto";
}
