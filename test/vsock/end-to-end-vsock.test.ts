/** The end-to-end scenario (test/support/end-to-end.ts) over VSOCK inside the test VM: server on vsock://any:5000. */
import { test } from "node:test";
import { endToEnd } from "../support/end-to-end.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";

test(
  "end to end over vsock: server on vsock://any:5000, client to vsock://1:5000, clean shutdown",
  { skip: vsockVmSkip(), timeout: 300_000 },
  async () => {
    requireVsockVm();
    await endToEnd({ listenUrl: "vsock://any:5000", dialUrl: (url) => url.replace("vsock://any:", "vsock://1:") });
  },
);
