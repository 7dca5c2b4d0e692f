import { runTransportSuite } from "../support/transport-suite.js";

runTransportSuite({
  name: "tcp",
  listenUrl: () => "tcp://127.0.0.1:0",
  dialUrl: (url) => url,
  // Port 1 (tcpmux) has no listener on these machines: the kernel refuses at once.
  deadUrl: () => "tcp://127.0.0.1:1",
});
