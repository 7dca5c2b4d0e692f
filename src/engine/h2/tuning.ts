/** Limits and sizes of the fastgrpc HTTP/2 engine. Defaults suit gRPC; tests shrink them to attack the defences. */
export interface H2Tuning {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise (server); streams beyond it get REFUSED_STREAM. */
  maxConcurrentStreams: number;
  /**
   * SETTINGS_INITIAL_WINDOW_SIZE we advertise: how much a peer may send on one stream before we acknowledge. A
   * message of gRPC's default 4 MiB limit and its prefix fit, so it crosses in one round trip (1 MiB echo: 13-22%
   * more calls/s than with 256 KiB in 3 alternating rounds, docs/benchmarks.md §12), and a client behind HAProxy
   * does not stall (docs/proxies.md), as with gRPC's C core. It is also what a paused stream (a streaming call whose
   * reader is behind) may hold; the connection window bounds what all of a connection's streams hold together. The
   * server lowers it to its message limit + 5 when that is smaller (server-engine.ts).
   */
  initialWindowSize: number;
  /** Our connection-level receive window (raised from 65535 with a WINDOW_UPDATE right after SETTINGS). */
  connectionWindowSize: number;
  /** Decoded header list size (RFC 9113 6.5.2) above which a request is refused with 431 / a response reset. */
  maxHeaderListSize: number;
  /** Compressed header block bytes (HEADERS + CONTINUATION) above which the connection is closed. */
  maxHeaderBlockBytes: number;
  /** Our HPACK decoder's dynamic table size (SETTINGS_HEADER_TABLE_SIZE). */
  headerTableSize: number;
  /**
   * SETTINGS_MAX_FRAME_SIZE we advertise: the largest frame a peer may send us. Above the RFC's 16384 a large
   * message crosses in fewer frames, and a message inside one DATA frame reaches the gRPC layer as one view of the
   * input (no assembly). A frame split across socket chunks is carried in a buffer of its size, so this is also
   * what one connection may make us allocate ahead of its bytes.
   */
  maxFrameSize: number;
  /** Queued bytes on one stream above which sendMessage returns false (the caller waits for onDrain). */
  streamQueueSoftBytes: number;
  /** Queued bytes on one stream above which the stream is reset: the caller ignored backpressure. */
  streamQueueHardBytes: number;
  /**
   * Output bytes produced while one socket chunk is parsed after which they are written at once, before the rest of
   * the chunk is parsed. A client that sends 100 requests in one write then gets the first answers while the server
   * still works on the others, so the two sides overlap instead of taking turns (measured at 1 connection x 100
   * streams: +20-60% calls/s, docs/benchmarks.md). Each early write doubles the bytes the next one waits for,
   * within the same input chunk: 4 KiB answers no longer cost a write each (docs/benchmarks.md §13).
   */
  earlyFlushBytes: number;
  /** Bytes waiting in the socket above which no more DATA is moved into it until it drains. */
  outputHighWaterBytes: number;
  /** Bytes waiting in the socket above which the peer is considered not to read and the connection is destroyed. */
  outputHardCapBytes: number;
  /** A connection that cannot send for this long (zero connection window or a socket that does not drain) is closed. */
  stallTimeoutMs: number;
  /** Time a new connection has to send its preface and SETTINGS. */
  prefaceTimeoutMs: number;
  /** RST_STREAM frames received: burst size and sustained rate, beyond which GOAWAY ENHANCE_YOUR_CALM (CVE-2023-44487). */
  resetBurst: number;
  resetsPerSecond: number;
  /** SETTINGS and PING frames (each forces a reply): burst and rate before ENHANCE_YOUR_CALM. */
  controlBurst: number;
  controlPerSecond: number;
  /** Frames that do no work (empty DATA/CONTINUATION, PRIORITY, unknown types, frames on closed streams). */
  idleFrameBurst: number;
  idleFramesPerSecond: number;
  /**
   * A request answered before its END_STREAM (request-drain.ts): how many more DATA bytes are read and discarded,
   * and for how long, before the stream is reset with NO_ERROR. 0 bytes: reset at once (RFC 9113 8.1, not proxy-safe).
   */
  earlyAnswerDrainBytes: number;
  earlyAnswerDrainMs: number;
  /** Graceful shutdown: how long to wait for the PING ack between the two GOAWAY frames. */
  shutdownPingTimeoutMs: number;
}

export const DEFAULT_TUNING: Readonly<H2Tuning> = {
  maxConcurrentStreams: 1000,
  initialWindowSize: 4 * 1024 * 1024 + 5,
  connectionWindowSize: 16 * 1024 * 1024,
  maxHeaderListSize: 16 * 1024,
  maxHeaderBlockBytes: 64 * 1024,
  headerTableSize: 4096,
  maxFrameSize: 1024 * 1024,
  streamQueueSoftBytes: 64 * 1024,
  streamQueueHardBytes: 64 * 1024 * 1024,
  earlyFlushBytes: 4096,
  outputHighWaterBytes: 1024 * 1024,
  outputHardCapBytes: 16 * 1024 * 1024,
  stallTimeoutMs: 30_000,
  prefaceTimeoutMs: 10_000,
  resetBurst: 1000,
  resetsPerSecond: 200,
  controlBurst: 1000,
  controlPerSecond: 200,
  idleFrameBurst: 10_000,
  idleFramesPerSecond: 2000,
  shutdownPingTimeoutMs: 2000,
  earlyAnswerDrainBytes: 16 * 1024 * 1024,
  earlyAnswerDrainMs: 5000,
};

export function resolveTuning(overrides: Partial<H2Tuning> | undefined): H2Tuning {
  return overrides === undefined ? { ...DEFAULT_TUNING } : { ...DEFAULT_TUNING, ...overrides };
}

