// fastgrpc-server's command line repeats two of GrpcServer's defaults so that parsing it does not load the server
// (a multi-worker primary serves nothing: docs/scaling.md, footprint). They must stay equal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLI_DEFAULT_MAX_MESSAGE_BYTES, CLI_DEFAULT_SHUTDOWN_GRACE_MS, parseConfig } from "../../src/cli/server-config.js";
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS } from "../../src/server/server.js";

test("the CLI's defaults are GrpcServer's", async () => {
  assert.equal(CLI_DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(CLI_DEFAULT_SHUTDOWN_GRACE_MS, DEFAULT_SHUTDOWN_GRACE_MS);
  const config = await parseConfig(["--workers", "1"]);
  assert.notEqual(config, "help");
  if (config === "help") return;
  assert.equal(config.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(config.graceMs, DEFAULT_SHUTDOWN_GRACE_MS);
});
