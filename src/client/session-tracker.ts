/**
 * Knows which HTTP/2 sessions a client opened and whether their sockets have closed, so `close()` can wait for
 * them. It wraps the connector (not the pool): one closure per connection, nothing per call.
 */
import type { ClientSession, ClientSessionEvents } from "../engine/types.js";
import type { Connector } from "./connector.js";

/** How long a destroyed session gets to report its socket closed. */
const DESTROYED_CLOSE_WAIT_MS = 1000;

interface Tracked {
  /** Set once the connection is up. */
  session: ClientSession | null;
  readonly closed: Promise<void>;
}

export class SessionTracker {
  /** Connection attempts and open sessions, removed when the socket has closed (or the attempt failed). */
  private readonly open = new Set<Tracked>();

  track(connector: Connector): Connector {
    return (request) => {
      let markClosed: () => void = () => undefined;
      const entry: Tracked = { session: null, closed: new Promise<void>((resolve) => { markClosed = resolve; }) };
      this.open.add(entry);
      void entry.closed.then(() => this.open.delete(entry));
      const events = request.events;
      const tracked = {
        onGoaway: (code, debugData) => events.onGoaway?.(code, debugData),
        onClose: (error) => {
          markClosed();
          events.onClose?.(error);
        },
        onRemoteSettings: () => events.onRemoteSettings?.(),
        onStreamClosed: () => events.onStreamClosed?.(),
      } satisfies Required<ClientSessionEvents>; // every event passes through: a new one must be added here
      let attempt: ReturnType<Connector>;
      try {
        attempt = connector({ ...request, events: tracked });
      } catch (error) {
        markClosed();
        return Promise.reject(error);
      }
      attempt.then((session) => { entry.session = session; }, () => markClosed());
      return attempt;
    };
  }

  /**
   * Resolves once every session has closed, including those still connecting when it was called. The pool has
   * already closed the sessions it holds (gracefully unless forced); a session it dropped after a failure may
   * still hold its socket, so idle ones are destroyed here (`force`: all of them). A destroyed session whose
   * close event does not come within DESTROYED_CLOSE_WAIT_MS (node:http2 after a refused TLS client certificate)
   * is not waited for any longer.
   */
  async allClosed(force: boolean): Promise<void> {
    while (this.open.size > 0) {
      const pending = [...this.open];
      let destroyed = 0;
      for (const entry of pending) {
        const session = entry.session;
        if (session !== null && (force || session.activeStreams === 0)) {
          session.destroy();
          destroyed++;
        }
      }
      const anyClosed = Promise.race(pending.map((entry) => entry.closed));
      if (destroyed < pending.length) {
        await anyClosed;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(pending.map((entry) => entry.closed)).then(() => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), DESTROYED_CLOSE_WAIT_MS); }),
      ]);
      clearTimeout(timer);
      if (timedOut) for (const entry of pending) this.open.delete(entry);
    }
  }
}
