/** A client call's HTTP/2 stream: what the gRPC layer holds; the connection (client.ts) does the work. */
import type { Metadata } from "../../protocol/metadata.js";
import { sendInParts, type WireFrame } from "../../protocol/wire-frame.js";
import type { ClientStream, ClientStreamHandler } from "../types.js";
import type { ClientConnection } from "./client.js";
import { StreamCore } from "./stream-core.js";

const EMPTY = new Uint8Array(0);

export class H2ClientStream extends StreamCore implements ClientStream {
  headersReceived = false;
  closeNotified = false;

  constructor(
    private readonly session: ClientConnection,
    readonly path: string,
    readonly headers: Metadata,
    readonly handler: ClientStreamHandler,
  ) {
    super();
  }

  sendMessage(frame: WireFrame, end: boolean): boolean {
    if (frame instanceof Uint8Array) return this.session.send(this, frame, end);
    return sendInParts(frame, end, (data, last) => this.session.send(this, data, last));
  }

  end(): void {
    this.session.send(this, EMPTY, true);
  }

  cancel(): void {
    this.session.cancel(this);
  }

  pauseInput(): void {
    this.session.pauseInput(this);
  }

  resumeInput(): void {
    this.session.resumeInput(this);
  }
}
