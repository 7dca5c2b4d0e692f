/** The transport suite over Unix-domain sockets: a socket file (unix:///PATH) and an abstract name (unix-abstract:). */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { runTransportSuite } from "../support/transport-suite.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "fastgrpc-unix-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let sequence = 0;

runTransportSuite({
  name: "unix",
  listenUrl: () => `unix://${path.join(dir, `s${++sequence}.sock`)}`,
  dialUrl: (url) => url,
  deadUrl: () => `unix://${path.join(dir, "nobody-listens.sock")}`,
});

runTransportSuite({
  name: "unix-abstract",
  listenUrl: () => `unix-abstract:fastgrpc-test-${process.pid}-${++sequence}`,
  dialUrl: (url) => url,
  deadUrl: () => `unix-abstract:fastgrpc-nobody-${process.pid}`,
});
