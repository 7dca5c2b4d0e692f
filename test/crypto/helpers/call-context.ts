/** The least CallContext a handler needs, for calling service handlers without a server. */
import { silentLogger } from "../../../src/log/logger.js";
import type { CallContext } from "../../../src/server/service.js";

export function testCallContext(path = "/test", signal: AbortSignal = new AbortController().signal): CallContext {
  return {
    signal,
    get ended() {
      return signal.aborted;
    },
    path,
    peer: { transport: "test", label: "test" },
    metadata: () => ({}),
    deadline: undefined,
    log: silentLogger(),
    responseHeaders: {},
    responseTrailers: {},
    setCompression: () => undefined,
    setMessageCompression: () => undefined,
    requestWasCompressed: () => false,
  };
}
