/**
 * One request stream of the server role, as the gRPC layer sees it (ServerStream): its headers, and the response
 * written through its connection (server.ts), which owns the HTTP/2 state.
 */
import type { Code } from "../../errors/codes.js";
import { pushStatusFields } from "../../protocol/status-trailers.js";
import { metadataFromHeaders, type Metadata } from "../../protocol/metadata.js";
import type { WireFrame } from "../../protocol/wire-frame.js";
import type { PeerInfo } from "../../transport/types.js";
import type { ServerStream, ServerStreamHandler } from "../types.js";
import { fieldsToHeaderMap } from "./header-fields.js";
import type { RequestDrain } from "./request-drain.js";
import { StreamCore } from "./stream-core.js";
import type { ServerConnection } from "./server.js";

export type Fields = Array<readonly [string, string]>;

export const NOOP_HANDLER: ServerStreamHandler = { onData() {}, onEnd() {}, onCancel() {} };

export class H2ServerStream extends StreamCore implements ServerStream {
  handler: ServerStreamHandler = NOOP_HANDLER;
  headersSent = false;
  /** The response is complete (END_STREAM written or queued behind DATA). */
  finished = false;
  /** Trailers waiting for queued DATA: their fields, encoded when they are written. */
  pendingTrailerFields: Fields | null = null;
  /** Answered before the request ended: the rest of the request is being discarded (request-drain.ts). */
  drain: RequestDrain | null = null;

  constructor(readonly conn: ServerConnection, readonly path: string, private readonly fields: string[]) {
    super();
  }

  get peer(): PeerInfo {
    return this.conn.peer;
  }

  get closed(): boolean {
    return this.finished || this.done;
  }

  header(name: string): string | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) if (f[i] === name) return f[i + 1];
    return undefined;
  }

  metadata(): Metadata {
    return metadataFromHeaders(fieldsToHeaderMap(this.fields));
  }

  sendUnary(frame: WireFrame, headers?: Metadata, trailers?: Metadata): void {
    if (this.finished || this.done) return;
    this.sendHeaders(headers);
    this.conn.sendMessageOn(this, frame);
    this.sendTrailers(0, "", trailers);
  }

  sendHeaders(metadata?: Metadata): void {
    if (this.headersSent || this.finished || this.done) return;
    this.headersSent = true;
    this.conn.writeResponseHeaders(this, metadata);
  }

  sendMessage(frame: WireFrame): boolean {
    if (this.finished || this.done) return false;
    if (!this.headersSent) this.sendHeaders();
    return this.conn.sendMessageOn(this, frame);
  }

  sendTrailers(code: Code, message: string, metadata?: Metadata): void {
    if (this.finished || this.done) return;
    this.finished = true;
    this.conn.writeTrailers(this, code, message, metadata);
  }

  sendHttpError(httpStatus: number, code: Code, message: string): void {
    if (this.finished || this.done) return;
    if (this.headersSent) {
      this.sendTrailers(code, message);
      return;
    }
    this.headersSent = true;
    this.finished = true;
    const fields: Fields = [[":status", String(httpStatus)], ["content-type", "application/grpc"]];
    pushStatusFields(fields, code, message);
    this.conn.writeFinalHeaders(this, fields);
  }

  pauseInput(): void {
    this.conn.pauseInput(this);
  }

  resumeInput(): void {
    this.conn.resumeInput(this);
  }
}
