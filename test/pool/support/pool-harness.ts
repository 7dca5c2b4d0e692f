/**
 * Echo calls straight over a ConnectionPool (so tests control every pool option), servers that count (and can
 * hold) calls, and a connector that reports what the pool's sessions go through, so tests wait on events rather
 * than on the wall clock.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectionPool, type PoolOptions } from "../../../src/client/pool.js";
import { buildConnector, type Connector } from "../../../src/client/connector.js";
import { ClientUnaryCall } from "../../../src/client/unary-call.js";
import type { ClientSession } from "../../../src/engine/types.js";
import { EchoRequestSchema, EchoResponseSchema } from "../../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { silentLogger } from "../../../src/log/logger.js";
import { encodeFrame } from "../../../src/protocol/framing.js";
import { GrpcServer } from "../../../src/server/server.js";
import { createEchoService, EchoService } from "../../../src/services/echo.js";
import { formatAddress, parseAddress } from "../../../src/transport/address.js";
import type { EngineUnderTest } from "../../support/engines.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";

/** One Echo call on whatever session the pool picks; resolves the echoed text. */
export function echo(pool: ConnectionPool, text: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string> {
  const frame = encodeFrame(toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: new TextEncoder().encode(text) })));
  return new Promise<Uint8Array>((resolve, reject) => {
    const call = new ClientUnaryCall(resolve, reject, 1 << 20);
    call.arm(undefined, options.signal);
    const start = (session: ClientSession) => {
      if (call.isSettled) return;
      const stream = session.request(ECHO_PATH, {}, call);
      call.stream = stream;
      stream.sendMessage(frame, true);
    };
    const picked = pool.pick(options.signal, options.timeoutMs);
    if (picked instanceof Promise) picked.then(start, (error: unknown) => reject(error));
    else start(picked);
  }).then((bytes) => new TextDecoder().decode(fromBinary(EchoResponseSchema, bytes).payload));
}

/** Resolves when `condition` holds after one of the observed events (checked at once, too). */
type Until = (condition: () => boolean) => Promise<void>;

export interface ObservedConnector {
  connector: Connector;
  /** Connect attempts per target URL (failed ones included). */
  attempts: Map<string, number>;
  /** Sessions opened per target URL. */
  opened: Map<string, number>;
  /** GOAWAYs the pool's sessions received. */
  goaways: number;
  /** Their code and debug data, as the engine reported them. */
  goawayDetails: Array<{ code: number | undefined; debugData: string | undefined }>;
  /** Waits for connects, GOAWAYs and session closes until `condition` holds. */
  until: Until;
}

/** The engine's standard connector, counting what it does and letting tests wait for it. */
export function observedConnector(engine: EngineUnderTest): ObservedConnector {
  const base = buildConnector(engine.client);
  const waiting: Array<{ condition: () => boolean; resolve: () => void }> = [];
  const check = () => {
    for (const entry of [...waiting]) {
      if (!entry.condition()) continue;
      waiting.splice(waiting.indexOf(entry), 1);
      entry.resolve();
    }
  };
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const observed: ObservedConnector = {
    attempts: new Map(),
    opened: new Map(),
    goaways: 0,
    goawayDetails: [],
    until: (condition) => condition() ? Promise.resolve() : new Promise((resolve) => waiting.push({ condition, resolve })),
    connector: async (request) => {
      const key = formatAddress(request.address);
      count(observed.attempts, key);
      const events = {
        ...request.events,
        onGoaway: (code?: number, debugData?: string) => {
          request.events.onGoaway?.(code, debugData);
          observed.goawayDetails.push({ code, debugData });
          observed.goaways++;
          setImmediate(check);
        },
        onClose: (error?: Error) => {
          request.events.onClose?.(error);
          setImmediate(check);
        },
      };
      try {
        const session = await base({ ...request, events });
        count(observed.opened, key);
        return session;
      } finally {
        // after the pool saw the outcome: its handlers run in the microtasks before this
        setImmediate(check);
      }
    },
  };
  return observed;
}

export interface CountingServer {
  server: GrpcServer;
  url: string;
  /** Echo calls answered. */
  calls: number;
  /** Echo calls that arrived (answered or held). */
  arrived: number;
  /** Resolves when `arrived` reaches `n`. */
  arrivals(n: number): Promise<void>;
  /** Lets the held calls answer (with `hold`). */
  release(): void;
}

/**
 * An Echo server on 127.0.0.1 (port 0 unless given) that counts its calls; a call whose text `hold` accepts waits
 * for release(); with `delayMs`, every call answers that much later.
 */
export async function countingServer(
  engine: EngineUnderTest,
  options: { port?: number; delayMs?: number; hold?: (text: string) => boolean; maxConcurrentStreams?: number } = {},
): Promise<CountingServer> {
  const server = new GrpcServer({ log: silentLogger(), engine: engine.server, ...(options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}) });
  const base = createEchoService(silentLogger());
  let released = false;
  let releaseAll: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    releaseAll = () => {
      released = true;
      resolve();
    };
  });
  const arrivalWaits: Array<{ n: number; resolve: () => void }> = [];
  const state: CountingServer = {
    server,
    url: "",
    calls: 0,
    arrived: 0,
    arrivals: (n) => state.arrived >= n ? Promise.resolve() : new Promise((resolve) => arrivalWaits.push({ n, resolve })),
    release: () => releaseAll(),
  };
  server.addService(EchoService, {
    ...base,
    async echo(request, context) {
      state.arrived++;
      for (const wait of arrivalWaits.filter((entry) => entry.n <= state.arrived)) {
        arrivalWaits.splice(arrivalWaits.indexOf(wait), 1);
        wait.resolve();
      }
      if (options.hold?.(new TextDecoder().decode(request.payload)) === true && !released) await gate;
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      state.calls++;
      return base.echo(request, context);
    },
  });
  state.url = (await server.listen(`tcp://127.0.0.1:${options.port ?? 0}`)).url;
  return state;
}

export function pool(urls: readonly string[], connector: Connector, options: Partial<PoolOptions> = {}): ConnectionPool {
  return new ConnectionPool(urls.map((url) => parseAddress(url)), connector, { maxSessions: 1, connectTimeoutMs: 2000, ...options });
}

/** A TCP port that nothing listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
