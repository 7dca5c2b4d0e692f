import { test } from "node:test";
import { endToEnd } from "../support/end-to-end.js";

test("end to end over TCP: server on an ephemeral port, calls through the client, clean shutdown", async () => {
  await endToEnd({ listenUrl: "tcp://127.0.0.1:0", dialUrl: (url) => url });
});
