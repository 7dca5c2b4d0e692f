/**
 * A raw HTTP/2 peer for conformance tests: writes hand-built frames on a real socket and reads the engine's
 * frames back, the way h2spec does. As a client it sends the preface; as a server it expects one.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { E, F, Frame, FrameParser, HpackDecoder, HpackEncoder, PREFACE, settings, settingsAck, T } from "./frames.js";

export interface HeaderBlock {
  streamId: number;
  flags: number;
  fields: Array<[string, string]>;
  /** The encoded block's size (HPACK octets, without padding and priority). */
  octets: number;
}

export class RawPeer {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly parser = new FrameParser();
  private waiters: Array<() => void> = [];
  private prefaceLeft: number;
  readonly decoder = new HpackDecoder();
  readonly encoder = new HpackEncoder();
  private cursor = 0;
  private contBlock: Buffer[] | null = null;
  private contHead: Frame | null = null;

  constructor(readonly socket: Duplex, readonly role: "client" | "server") {
    this.prefaceLeft = role === "server" ? PREFACE.length : 0;
    socket.on("data", (chunk: Buffer) => {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, chunk.length);
        this.prefaceLeft -= n;
        chunk = chunk.subarray(n);
      }
      for (const f of this.parser.push(chunk)) this.frames.push(f);
      this.wake();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.setNoDelay(true);
    return new RawPeer(socket, "client");
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(...bufs: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(bufs));
  }

  /** Client: preface + SETTINGS; waits for the server's SETTINGS and acks it. Server: waits for the client's. */
  async handshake(ourSettings: Array<[number, number]> = []): Promise<Frame> {
    if (this.role === "client") this.send(PREFACE, settings(ourSettings));
    else this.send(settings(ourSettings));
    const s = await this.next((f) => f.type === T.SETTINGS && (f.flags & F.ACK) === 0);
    this.send(settingsAck());
    return s;
  }

  /** The next frame (after those already returned) that matches; non-matching ones are skipped. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++] as Frame;
        if (match(f)) return f;
      }
      if (this.closed) throw new Error("connection closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a frame");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until a condition over everything received so far holds. */
  async until(cond: (frames: Frame[]) => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond(this.frames)) {
      if (Date.now() > deadline) throw new Error("timed out waiting for a condition on received frames");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Resolves to the next complete header block (HEADERS + CONTINUATION), decoded. */
  async nextHeaders(streamId?: number, timeoutMs = 2000): Promise<HeaderBlock> {
    for (;;) {
      const f = await this.next((x) => x.type === T.HEADERS || x.type === T.CONTINUATION, timeoutMs);
      if (f.type === T.HEADERS) {
        let p = 0;
        let end = f.payload.length;
        if (f.flags & F.PADDED) {
          end -= f.payload[0] as number;
          p = 1;
        }
        if (f.flags & F.PRIORITY) p += 5;
        this.contHead = f;
        this.contBlock = [f.payload.subarray(p, end)];
      } else {
        this.contBlock?.push(f.payload);
      }
      if ((f.flags & F.END_HEADERS) === 0) continue;
      const head = this.contHead as Frame;
      const fields: Array<[string, string]> = [];
      const block = Buffer.concat(this.contBlock ?? []);
      this.decoder.decode(block, (n, v) => fields.push([n, v]));
      this.contBlock = null;
      if (streamId === undefined || head.streamId === streamId) return { streamId: head.streamId, flags: head.flags, fields, octets: block.length };
    }
  }

  /**
   * A connection error: a GOAWAY with exactly this code (our engine always sends GOAWAY before it closes; a
   * connection that just closes fails this check).
   */
  async expectConnectionError(code: number, timeoutMs = 2000): Promise<void> {
    const f = await this.next((x) => x.type === T.GOAWAY, timeoutMs);
    const got = f.payload.readUInt32BE(4);
    if (got !== code) throw new Error(`expected GOAWAY ${code}, got GOAWAY ${got} (${f.payload.subarray(8).toString()})`);
  }

  /** h2spec's "stream error": RST_STREAM with the code on the stream (or a connection error with it). */
  async expectStreamError(streamId: number, code: number, timeoutMs = 2000): Promise<void> {
    const f = await this.next((x) => (x.type === T.RST_STREAM && x.streamId === streamId) || x.type === T.GOAWAY,
      timeoutMs);
    const got = f.type === T.GOAWAY ? f.payload.readUInt32BE(4) : f.payload.readUInt32BE(0);
    if (got !== code) throw new Error(`expected error ${code} on stream ${streamId}, got ${got} (frame type ${f.type})`);
  }

  /** The connection is still alive: a PING is answered. */
  async expectAlive(timeoutMs = 2000): Promise<void> {
    const payload = Buffer.from("alive!!!");
    this.send(Buffer.concat([Buffer.from([0, 0, 8, T.PING, 0, 0, 0, 0, 0]), payload]));
    await this.next((x) => x.type === T.PING && (x.flags & F.ACK) !== 0 && x.payload.equals(payload), timeoutMs);
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("connection still open");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export { E };
