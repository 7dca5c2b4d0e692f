/** Shared setup for the server conformance files: an echo server per file, a handshaken raw client per test. */
import { after, before } from "node:test";
import type { H2Tuning } from "../../../src/engine/h2/tuning.js";
import { startEchoServer, type EchoServer } from "./echo-server.js";
import { F, grpcFrame, headers, data, requestFields, T } from "./frames.js";
import { RawPeer } from "./raw-peer.js";

export interface Harness {
  server(): EchoServer;
  /** A raw client that has exchanged SETTINGS with the server. */
  peer(settings?: Array<[number, number]>): Promise<RawPeer>;
}

export function serverHarness(tuning?: Partial<H2Tuning>, maxConcurrentStreams = 100): Harness {
  let server: EchoServer | undefined;
  const peers: RawPeer[] = [];
  before(async () => {
    server = await startEchoServer(tuning, maxConcurrentStreams);
  });
  after(async () => {
    for (const p of peers) p.close();
    await server?.close();
  });
  return {
    server: () => {
      if (server === undefined) throw new Error("server not started");
      return server;
    },
    async peer(settings = []) {
      if (server === undefined) throw new Error("server not started");
      const p = await RawPeer.connect(server.port);
      peers.push(p);
      await p.handshake(settings);
      return p;
    },
  };
}

/** HEADERS for a gRPC request (encoded with the peer's own HPACK encoder). */
export function requestHeaders(peer: RawPeer, sid: number, path = "/test.Echo/Echo", flags: number = F.END_HEADERS,
  extra: Array<[string, string]> = []): Buffer {
  return headers(sid, peer.encoder.encode(requestFields(path, extra)), flags);
}

/** A complete unary echo request on a stream. */
export function echoRequest(peer: RawPeer, sid: number, message = "hi"): Buffer {
  return Buffer.concat([requestHeaders(peer, sid), data(sid, grpcFrame(Buffer.from(message)), F.END_STREAM)]);
}

/** Waits for a full echo response on the stream: headers with :status 200, the DATA, trailers grpc-status 0. */
export async function expectEchoResponse(peer: RawPeer, sid: number, message = "hi"): Promise<void> {
  const h = await peer.nextHeaders(sid);
  if (!h.fields.some(([n, v]) => n === ":status" && v === "200")) throw new Error(`no :status 200: ${JSON.stringify(h.fields)}`);
  const chunks: Buffer[] = [];
  for (;;) {
    const f = await peer.next((x) => x.streamId === sid && (x.type === T.DATA || x.type === T.HEADERS));
    if (f.type === T.DATA) {
      chunks.push(f.payload);
      continue;
    }
    const fields: Array<[string, string]> = [];
    peer.decoder.decode(f.payload, (n, v) => fields.push([n, v]));
    if (!fields.some(([n, v]) => n === "grpc-status" && v === "0")) throw new Error(`bad trailers ${JSON.stringify(fields)}`);
    if ((f.flags & F.END_STREAM) === 0) throw new Error("trailers without END_STREAM");
    break;
  }
  const body = Buffer.concat(chunks);
  if (!body.equals(grpcFrame(Buffer.from(message)))) throw new Error(`unexpected body ${body.toString("hex")}`);
}
