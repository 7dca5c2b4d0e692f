/**
 * GrpcServer: routes HTTP/2 streams to service handlers, on any number of listeners (TCP, TLS, VSOCK), over one
 * HTTP/2 engine. The early checks here (content-type, route, grpc-timeout) answer before any handler runs.
 * Health (grpc.health.v1) and reflection (grpc.reflection.v1 and v1alpha) are on by default; metrics are on only
 * when a ServerMetrics is given.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { DescService } from "@bufbuild/protobuf";
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import type { ServerEngine, ServerEngineFactory, ServerStream, ServerStreamHandler, StreamDispatcher } from "../engine/types.js";
import { createH2ServerEngine } from "../engine/h2/index.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { type Logger, silentLogger } from "../log/logger.js";
import { type CompressionName, DEFAULT_COMPRESSION_THRESHOLD_BYTES } from "../protocol/compression.js";
import { parseGrpcTimeout } from "../protocol/timeout.js";
import { type Address, parseAddress } from "../transport/address.js";
import { transportFor } from "../transport/registry.js";
import type { TlsServerOptions } from "../transport/tls.js";
import type { Listener, PeerInfo } from "../transport/types.js";
import { reportCidRefusal } from "./accept-policy.js";
import { connectionManagement, type ServerKeepaliveOptions } from "./connection-management/index.js";
import { resolveClock, type PoolClock } from "../client/pool/clock.js";
import { type CidFilter, cidFilter } from "./cid-allowlist.js";
import { HealthRegistry, createHealthService } from "./health.js";
import { plaintextExposureWarning } from "./listen-warnings.js";
import type { ServerMetrics } from "./metrics.js";
import { createReflectionService } from "./reflection.js";
import { type RegisteredMethod, type ServiceImpl, registerService } from "./service.js";
import { type ServerInterceptor, interceptMethod } from "./interceptors.js";
import { StreamingCall } from "./streaming-call.js";
import { type ActiveCall, type CallEnvironment } from "./server-call.js";
import { UnaryCall } from "./unary-call.js";

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;
/** How long force-closed calls get to flush their UNAVAILABLE trailers before the connections are destroyed. */
const FORCE_CLOSE_FLUSH_MS = 250;

export interface ServerOptions {
  log?: Logger;
  /** Largest request message accepted (default 4 MiB); larger ones answer RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS per connection (default 1000). */
  maxConcurrentStreams?: number;
  /** The HTTP/2 engine (default fastgrpc's own, createH2ServerEngine; node:http2 is createNodeServerEngine). */
  engine?: ServerEngineFactory;
  /** Serve grpc.health.v1.Health (default true). */
  health?: boolean;
  /** Serve grpc.reflection.v1 and v1alpha ServerReflection (default true; the CLI's --no-reflection turns it off). */
  reflection?: boolean;
  /** Count calls, latencies and connections into this object (default: no metrics, no cost). */
  metrics?: ServerMetrics;
  /**
   * Compress every response with this algorithm when the client accepts it (default none; a handler can choose
   * per call with ctx.setCompression). Compressed requests are accepted whatever this says.
   */
  compression?: CompressionName;
  /** Responses smaller than this many bytes go uncompressed (default 1024). */
  compressionThresholdBytes?: number;
  /**
   * Run around every handler, first = outermost (default none: handlers are called directly). They see health and
   * reflection calls too: check `request.method.service` to leave those alone.
   */
  interceptors?: readonly ServerInterceptor[];
  /**
   * Keepalive enforcement, server PINGs, max connection idle/age/grace (gRPC A9; docs/fleet.md). Default none: no
   * per-connection bookkeeping. `clock` is injectable time for tests.
   */
  keepalive?: ServerKeepaliveOptions & { clock?: Partial<PoolClock> };
}

export interface ListenOptions {
  /** Certificate, key and optional client CA: required for tls:// URLs. */
  tls?: TlsServerOptions;
  /** VSOCK listeners only: accept connections from these CIDs alone; others are closed before any HTTP/2 byte. */
  allowCids?: readonly number[];
  /**
   * TCP, TLS and unix, for a multi-process server: called with each accepted connection before anything reads from
   * it; true when it was handed to another process (ListenSocketOptions.handOff), false to serve it here.
   */
  handOff?: (socket: Socket) => boolean;
}

/** A stream that was answered before a handler ran needs no further events. */
const IGNORE: ServerStreamHandler = { onData() {}, onEnd() {}, onCancel() {} };

const REFLECTION_V1ALPHA_PATH = `/${ServerReflectionV1alpha.typeName}/ServerReflectionInfo`;

export class GrpcServer implements StreamDispatcher {
  private readonly routes = new Map<string, RegisteredMethod>();
  /** Services as reflection describes them, by full name. */
  private readonly services = new Map<string, DescService>();
  private readonly listeners: Listener[] = [];
  private readonly engine: ServerEngine;
  private readonly env: CallEnvironment;
  private readonly active = new Set<ActiveCall>();
  private readonly metrics: ServerMetrics | null;
  private readonly interceptors: readonly ServerInterceptor[];
  private draining = false;
  private shutdownPromise: Promise<void> | undefined;
  private idleWaiter: (() => void) | undefined;
  readonly log: Logger;
  /** Serving status per service for grpc.health.v1 ("" is the whole server); set to NOT_SERVING on shutdown. */
  readonly health = new HealthRegistry();

  constructor(options: ServerOptions = {}) {
    this.log = options.log ?? silentLogger();
    this.metrics = options.metrics ?? null;
    this.interceptors = options.interceptors ?? [];
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const factory = options.engine ?? createH2ServerEngine;
    this.engine = factory(this, {
      maxConcurrentStreams: options.maxConcurrentStreams ?? 1000,
      maxMessageBytes,
      onConnectionError: (error, peer) => this.log.debug({ err: error, peer: peer.label }, "connection error"),
      ...(options.keepalive !== undefined ? {
        manageConnection: connectionManagement(options.keepalive, resolveClock(options.keepalive.clock),
          (action) => this.log.debug({ action }, "connection management: GOAWAY or close")),
      } : {}),
    });
    this.env = {
      log: this.log,
      maxMessageBytes,
      active: this.active,
      onCallDone: () => {
        if (this.idleWaiter && this.active.size === 0) this.idleWaiter();
      },
      compression: options.compression === undefined || options.compression === "identity" ? null : options.compression,
      compressionThresholdBytes: options.compressionThresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES,
    };
    if (options.health !== false) this.register(Health, createHealthService(this.health));
    if (options.reflection !== false) {
      const reflection = registerService(ServerReflection, createReflectionService(() => this.services.values()));
      for (const method of reflection) this.addRoute(method);
      this.services.set(ServerReflection.typeName, ServerReflection);
      // v1alpha is v1 under another package name, byte for byte: the same handler and codecs serve it.
      const v1 = reflection.find((method) => method.methodName === "ServerReflectionInfo");
      if (v1 !== undefined) {
        this.addRoute({ ...v1, path: REFLECTION_V1ALPHA_PATH, serviceName: ServerReflectionV1alpha.typeName, stats: null });
        this.services.set(ServerReflectionV1alpha.typeName, ServerReflectionV1alpha);
      }
    }
  }

  get engineName(): string {
    return this.engine.name;
  }

  /**
   * Adds a service; its methods answer at "/<package>.<Service>/<Method>" and its health status becomes SERVING.
   * Methods without a handler answer UNIMPLEMENTED. Adding a service again replaces the handlers it names.
   */
  addService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): this {
    this.register(service, impl);
    this.health.set(service.typeName, "SERVING");
    return this;
  }

  private register<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): void {
    for (const method of registerService(service, impl)) this.addRoute(method);
    this.services.set(service.typeName, service);
  }

  private addRoute(registered: RegisteredMethod): void {
    const method = interceptMethod(registered, this.interceptors);
    // Counters are made here, once per method, so a call finds them through its route without a lookup.
    method.stats = this.metrics?.forMethod(method.path, method.serviceName, method.methodName, method.kind) ?? null;
    this.routes.set(method.path, method);
  }

  /**
   * Starts listening on a transport URL (tcp://HOST:PORT, tls://HOST:PORT, vsock://CID:PORT); port 0 picks a
   * free port. A plaintext listener on a non-loopback address logs a warning.
   */
  async listen(url: string, options: ListenOptions = {}): Promise<Listener> {
    if (this.draining) throw new Error("server is shutting down");
    const address = parseAddress(url, true);
    const filter = listenFilter(address, options);
    const transport = await transportFor(address, options.tls ? { server: options.tls } : undefined);
    const socketOptions = options.handOff !== undefined ? { handOff: options.handOff } : {};
    const listener = await transport.listen(address, (socket, peer) => this.accept(socket, peer, filter), socketOptions);
    this.listeners.push(listener);
    const warning = plaintextExposureWarning(listener.address);
    if (warning !== undefined) this.log.warn({ url: listener.url }, warning);
    return listener;
  }

  /**
   * Serves a listener opened elsewhere — a worker process's inherited VSOCK descriptor — exactly like one from
   * `listen` (no CID allowlist here: a worker applies it as it accepts, workers/vsock-listeners.ts).
   */
  async adoptListener(open: (onConnection: (socket: Duplex, peer: PeerInfo) => void) => Listener | Promise<Listener>): Promise<Listener> {
    if (this.draining) throw new Error("server is shutting down");
    const listener = await open((socket, peer) => this.accept(socket, peer, null));
    this.listeners.push(listener);
    return listener;
  }

  /**
   * Serves connections that another process accepted on `url` (tcp://, tls://, unix://) and handed over: returns
   * what to give each one to. The listener counts as this server's (shutdown stops it: later ones are destroyed).
   */
  async acceptHandedOver(url: string, options: ListenOptions = {}): Promise<(socket: Socket) => void> {
    if (this.draining) throw new Error("server is shutting down");
    const address = parseAddress(url, true);
    const transport = await transportFor(address, options.tls ? { server: options.tls } : undefined);
    if (transport.adoptHandedOver === undefined) throw new TypeError(`${url}: connections of this scheme cannot be handed over`);
    const listener = transport.adoptHandedOver(address, (socket, peer) => this.accept(socket, peer, null));
    this.listeners.push(listener);
    return (socket) => listener.accept(socket);
  }

  get urls(): string[] {
    return this.listeners.map((listener) => listener.url);
  }

  private accept(socket: Duplex, peer: PeerInfo, filter: CidFilter | null): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    socket.on("error", () => undefined); // reported through the engine; never fatal
    if (filter !== null && !filter.allows(peer)) {
      // Before the engine sees the socket: not one HTTP/2 byte is read or written.
      socket.destroy();
      reportCidRefusal(this.log, this.metrics, peer, filter);
      return;
    }
    if (this.metrics !== null) socket.once("close", this.metrics.connectionOpened(peer.transport));
    if (this.log.isLevelEnabled("debug")) this.log.debug({ peer: peer.label, transport: peer.transport }, "connection accepted");
    this.engine.serveConnection(socket, peer);
  }

  /* ---------------------------------------------------------- StreamDispatcher */

  onStream(stream: ServerStream): ServerStreamHandler {
    // A stream that arrives while draining is still served: the engine accepts only streams the client sent before
    // it saw our GOAWAY (gRPC's two-phase GOAWAY), and refuses later ones with REFUSED_STREAM, which clients retry
    // elsewhere. Answering them UNAVAILABLE would fail calls a rolling restart must not fail (docs/scaling.md).
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
    if (method.kind === "unary") return new UnaryCall(stream, method, this.env, timeoutMs);
    return new StreamingCall(stream, method, this.env, timeoutMs);
  }

  /* ---------------------------------------------------------- shutdown */

  /**
   * Graceful shutdown: health turns NOT_SERVING (Watch streams get it, then end UNAVAILABLE), stop accepting
   * connections, GOAWAY every connection, let calls in flight finish for up to graceMs, then cancel what is left
   * and close. Safe to call more than once.
   */
  shutdown(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.shutdownPromise ??= this.drain(graceMs);
    return this.shutdownPromise;
  }

  private async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.health.shutdown();
    await Promise.all(this.listeners.map((listener) => listener.close().catch(() => undefined)));
    // The engine sends GOAWAY now and destroys what is left of the connections a little after graceMs: calls still
    // running at graceMs are force-closed first, and their trailers need a moment to reach the socket.
    const engineDone = this.engine.shutdown(graceMs + FORCE_CLOSE_FLUSH_MS);
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

function listenFilter(address: Address, options: ListenOptions): CidFilter | null {
  if (options.allowCids === undefined) return null;
  if (address.scheme !== "vsock") throw new TypeError("a CID allowlist applies to vsock:// listeners only");
  return cidFilter(options.allowCids);
}

function isGrpcContentType(value: string): boolean {
  // application/grpc, application/grpc+proto, optionally with parameters ("; charset=...").
  if (value === "application/grpc" || value === "application/grpc+proto") return true;
  const base = value.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return base === "application/grpc" || base === "application/grpc+proto";
}
