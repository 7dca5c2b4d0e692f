/**
 * A HEADER_TABLE_SIZE below the protocol default applies to the peer's encoder once the peer has acknowledged our
 * SETTINGS (RFC 7541 4.2): from then on its next header block must start with a size update.
 */
import { describe, it } from "node:test";
import { E } from "./support/frames.js";
import { echoRequest, expectEchoResponse, serverHarness } from "./support/server-harness.js";

describe("server advertising HEADER_TABLE_SIZE 0", () => {
  const h = serverHarness({ headerTableSize: 0 });

  it("a block without the size update after the SETTINGS ACK: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(echoRequest(p, 1));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a block that starts with a size update to 0 is served", async () => {
    const p = await h.peer();
    p.encoder.setMaxTableSize(0);
    p.send(echoRequest(p, 1));
    await expectEchoResponse(p, 1);
  });
});
