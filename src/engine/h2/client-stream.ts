/** A client call's HTTP/2 stream: what the gRPC layer holds; the connection (client.ts) does the work. */
import type { Metadata } from "../../protocol/metadata.js";
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

  sendMessage(frame: Uint8Array, end: boolean): boolean {
    return this.session.send(this, frame, end);
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
