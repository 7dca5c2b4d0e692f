// The session tracker wraps the connector so close() can wait for sockets; every session event, with its
// arguments, must still reach the pool (a lost onStreamClosed hung waiting calls; a lost GOAWAY code would stop
// the too_many_pings keepalive back-off).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectRequest } from "../../src/client/connector.js";
import { SessionTracker } from "../../src/client/session-tracker.js";
import type { ClientSession, ClientSessionEvents } from "../../src/engine/types.js";

test("every session event and its arguments pass through the tracked connector", async () => {
  const seen: unknown[][] = [];
  const events: Required<ClientSessionEvents> = {
    onGoaway: (...args) => { seen.push(["goaway", ...args]); },
    onClose: (...args) => { seen.push(["close", ...args]); },
    onRemoteSettings: () => { seen.push(["settings"]); },
    onStreamClosed: () => { seen.push(["stream closed"]); },
  };
  let given: ClientSessionEvents | undefined;
  const session = { activeStreams: 0, destroy() {} } as unknown as ClientSession;
  const connector = new SessionTracker().track(async (request: ConnectRequest) => {
    given = request.events;
    return session;
  });
  await connector({ address: { scheme: "tcp", host: "127.0.0.1", port: 1 }, timeoutMs: 1000, events } as ConnectRequest);
  assert.ok(given !== undefined);
  const closeError = new Error("gone");
  given.onGoaway?.(11, "too_many_pings");
  given.onRemoteSettings?.();
  given.onStreamClosed?.();
  given.onClose?.(closeError);
  assert.deepEqual(seen, [["goaway", 11, "too_many_pings"], ["settings"], ["stream closed"], ["close", closeError]]);
});
