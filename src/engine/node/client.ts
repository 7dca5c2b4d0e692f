/** The node:http2 client engine: reference implementation and fallback (`--engine node`). */
import http2 from "node:http2";
import type { Duplex } from "node:stream";
import type { Metadata } from "../../protocol/metadata.js";
import type { WireFrame } from "../../protocol/wire-frame.js";
import { writeParts } from "./write-parts.js";
import type {
  ClientEngine, ClientEngineOptions, ClientSession, ClientSessionEvents, ClientStream, ClientStreamHandler, HeaderMap,
} from "../types.js";

const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;
const END_STREAM_FLAG = 0x1;

class NodeClientStream implements ClientStream {
  constructor(private readonly stream: http2.ClientHttp2Stream) {}
  sendMessage(frame: WireFrame, end: boolean): boolean {
    const stream = this.stream;
    if (stream.destroyed) return false;
    if (frame instanceof Uint8Array) {
      if (!end) return stream.write(frame);
      stream.end(frame);
      return true;
    }
    const more = writeParts(stream, frame);
    if (!end) return more;
    stream.end();
    return true;
  }
  end(): void {
    if (!this.stream.destroyed) this.stream.end();
  }
  cancel(): void {
    if (this.stream.destroyed) return;
    // node's Http2Stream.close() ends the writable side first when it is still open, which sends END_STREAM just
    // before the RST_STREAM: the server would see a normal end of the requests, and a streaming handler would
    // finish as if the client were done. node skips that end() when the writable state is already "ending".
    const state = (this.stream as unknown as { _writableState?: { ending?: boolean } })._writableState;
    if (state !== undefined && state.ending === false) state.ending = true;
    this.stream.close(NGHTTP2_CANCEL);
  }
  pauseInput(): void {
    this.stream.pause();
  }
  resumeInput(): void {
    this.stream.resume();
  }
}

function toHeaderMap(headers: http2.IncomingHttpHeaders): HeaderMap {
  return headers as HeaderMap;
}

class NodeClientSession implements ClientSession {
  private goaway = false;
  private peerMaxStreams = Infinity;
  /** node:http2 exposes no count of open streams, so the session keeps its own. */
  private open = 0;
  private failure: Error | undefined;

  constructor(private readonly session: http2.ClientHttp2Session, private readonly scheme: string, private readonly authority: string, private readonly events: ClientSessionEvents) {
    // Surfaced through the streams: a stream that closes because its session failed (a TLS alert such as a refused
    // client certificate, a socket error) reports that error, not the INTERNAL_ERROR code node resets it with.
    session.on("error", (error: Error) => { this.failure ??= error; });
    session.on("goaway", (code: number, _lastStreamId: number, debugData?: Buffer) => {
      this.goaway = true;
      events.onGoaway?.(code, debugData?.toString("latin1") ?? "");
    });
    session.on("remoteSettings", (settings) => {
      this.peerMaxStreams = settings.maxConcurrentStreams ?? Infinity;
      events.onRemoteSettings?.();
    });
    session.once("close", () => events.onClose?.());
  }

  get activeStreams(): number {
    return this.open;
  }
  get maxConcurrentStreams(): number {
    return this.peerMaxStreams;
  }
  get usable(): boolean {
    return !this.goaway && !this.session.closed && !this.session.destroyed;
  }

  request(path: string, headers: Metadata, handler: ClientStreamHandler): ClientStream {
    const stream = this.session.request(
      { ":method": "POST", ":scheme": this.scheme, ":path": path, ":authority": this.authority, "content-type": "application/grpc", te: "trailers", ...headers },
      { endStream: false },
    );
    this.open++;
    let closedWith: Error | undefined;
    stream.on("error", (error: Error) => { closedWith = error; });
    stream.on("response", (responseHeaders, flags) => {
      handler.onHeaders(Number(responseHeaders[":status"] ?? 0), toHeaderMap(responseHeaders), (flags & END_STREAM_FLAG) !== 0);
    });
    stream.on("data", (chunk: Buffer) => handler.onData(chunk));
    stream.on("trailers", (trailers) => handler.onTrailers(toHeaderMap(trailers)));
    if (handler.onDrain) stream.on("drain", () => handler.onDrain?.());
    stream.on("close", () => {
      this.open--;
      this.events.onStreamClosed?.();
      const code = stream.rstCode;
      // node resets the streams of a session it destroys (INTERNAL_ERROR or CANCEL) before it emits the session's
      // error: that is a failed connection, not a reset sent by the server.
      // REFUSED_STREAM (nghttp2's code for streams above a GOAWAY's last-stream-id) stays: the call may be retried.
      if (this.session.destroyed && code !== undefined && code !== NGHTTP2_NO_ERROR && code !== NGHTTP2_REFUSED_STREAM) {
        return handler.onClose(null, closedWith ?? this.failure ?? new Error("the connection failed"));
      }
      handler.onClose(code === undefined || code === NGHTTP2_NO_ERROR ? null : code, closedWith);
    });
    return new NodeClientStream(stream);
  }

  ping(callback: (error: Error | null) => void): boolean {
    if (this.session.closed || this.session.destroyed) return false;
    try {
      // node answers a session destroyed before the ACK with an error, so the callback always runs once.
      return this.session.ping((error) => callback(error ?? null));
    } catch {
      return false; // e.g. too many PINGs unanswered (ERR_HTTP2_PING_CANCEL is reported through the callback)
    }
  }

  close(): void {
    if (!this.session.closed) this.session.close();
  }
  destroy(error?: Error): void {
    this.session.destroy(error);
  }
}

export const nodeClientEngine: ClientEngine = {
  name: "node:http2",
  connect(socket: Duplex, options: ClientEngineOptions, events: ClientSessionEvents): ClientSession {
    const scheme = options.secure ? "https" : "http";
    // node:http2 refuses new streams (ENHANCE_YOUR_CALM) once a session's buffered data passes maxSessionMemory,
    // 10 MB by default: 1,000 concurrent 272 KB requests (gRPC's concurrent_large_unary) fail most calls under it.
    // Flow control and the caller's own back-pressure bound the memory instead, as grpc-js does (it sets no limit).
    const session = http2.connect(`${scheme}://${options.authority}`, {
      createConnection: () => socket,
      settings: { enablePush: false },
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    return new NodeClientSession(session, scheme, options.authority, events);
  },
};
