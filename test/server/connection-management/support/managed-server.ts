/** A GrpcServer with connection management on an ephemeral port, time on a ManualClock, and raw HTTP/2 peers for it. */
import { GrpcServer } from "../../../../src/server/server.js";
import type { ServerKeepaliveOptions } from "../../../../src/server/connection-management/index.js";
import { createEchoService, EchoService } from "../../../../src/services/echo.js";
import { silentLogger } from "../../../../src/log/logger.js";
import type { EngineUnderTest } from "../../../support/engines.js";
import { ManualClock } from "../../../pool/support/manual-clock.js";
import { RawPeer } from "../../../h2/support/raw-peer.js";
import { headers, requestFields, T, type Frame } from "../../../h2/support/frames.js";

export const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";

export interface ManagedServer {
  server: GrpcServer;
  port: number;
  url: string;
  clock: ManualClock;
  /** A raw HTTP/2 client, handshake done. */
  peer(): Promise<RawPeer>;
  stop(): Promise<void>;
}

export async function startManagedServer(engine: EngineUnderTest, keepalive: ServerKeepaliveOptions, randoms?: number[]): Promise<ManagedServer> {
  const clock = new ManualClock(randoms);
  const server = new GrpcServer({ log: silentLogger(), engine: engine.server, keepalive: { ...keepalive, clock } });
  server.addService(EchoService, createEchoService(silentLogger()));
  const listener = await server.listen("tcp://127.0.0.1:0");
  const port = Number(new URL(listener.url.replace("tcp://", "http://")).port);
  const peers: RawPeer[] = [];
  return {
    server, port, url: listener.url, clock,
    async peer() {
      const p = await RawPeer.connect(port);
      peers.push(p);
      await p.handshake();
      return p;
    },
    async stop() {
      for (const p of peers) p.close();
      await server.shutdown(500);
    },
  };
}

/** Runs `body` with a managed server and one peer whose handshake is done; the server stops however `body` ends. */
export async function withManagedPeer(
  engine: EngineUnderTest,
  keepalive: ServerKeepaliveOptions,
  body: (peer: RawPeer, managed: ManagedServer) => Promise<void>,
  randoms?: number[],
): Promise<void> {
  const managed = await startManagedServer(engine, keepalive, randoms);
  try {
    await body(await managed.peer(), managed);
  } finally {
    await managed.stop();
  }
}

/** Opens a request stream and leaves it open (no END_STREAM): the server counts it as active. */
export function openStream(peer: RawPeer, sid: number): void {
  peer.send(headers(sid, peer.encoder.encode(requestFields(ECHO_PATH))));
}

export function goawayCode(f: Frame): number {
  return f.payload.readUInt32BE(4);
}

export function goawayDebug(f: Frame): string {
  return f.payload.subarray(8).toString();
}

export const isGoaway = (f: Frame): boolean => f.type === T.GOAWAY;
/** Lets the engine handle what the peer sent (socket I/O) before time moves. */
export const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
