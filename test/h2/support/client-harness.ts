/** A raw-frame fake server for client conformance tests: our client engine connects, the test plays the server. */
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { ClientSession } from "../../../src/engine/types.js";
import type { H2Tuning } from "../../../src/engine/h2/tuning.js";
import { connectClient } from "./client-call.js";
import { RawPeer } from "./raw-peer.js";

export interface ClientPair {
  session: ClientSession;
  server: RawPeer;
  closed: Promise<Error | undefined>;
  goaways: number[];
  dispose(): void;
}

/** Connects the engine's client to a raw server; `serverSettings` go in the server's SETTINGS (sent unless null). */
export async function clientPair(serverSettings: Array<[number, number]> | null = [], tuning?: Partial<H2Tuning>): Promise<ClientPair> {
  let accepted: (p: RawPeer) => void = () => {};
  const got = new Promise<RawPeer>((r) => (accepted = r));
  const srv = net.createServer((socket) => accepted(new RawPeer(socket, "server")));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { session, closed, goaways } = await connectClient((srv.address() as AddressInfo).port, tuning);
  const server = await got;
  if (serverSettings !== null) await server.handshake(serverSettings);
  return {
    session, server, closed, goaways,
    dispose() {
      server.close();
      srv.close();
      session.destroy();
    },
  };
}
