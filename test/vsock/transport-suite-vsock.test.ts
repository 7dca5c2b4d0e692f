/** The shared transport test-suite (test/support/transport-suite.ts), unchanged, over VSOCK inside the test VM. */
import { describe } from "node:test";
import { runTransportSuite } from "../support/transport-suite.js";
import { vsockVmSkip } from "../vm/guard.js";

describe("transport suite over vsock", { skip: vsockVmSkip(), timeout: 600_000 }, () => {
  runTransportSuite({
    name: "vsock",
    listenUrl: () => "vsock://any:0",
    // vsock_loopback: CID 1 (VMADDR_CID_LOCAL) reaches a listener on this machine
    dialUrl: (url) => url.replace("vsock://any:", "vsock://1:"),
    deadUrl: () => "vsock://1:45999",
  });
});
