/**
 * A TCP relay that forwards bytes unchanged and reads the HTTP/2 frames going each way (h2c only), to see where a
 * proxied call stalls: DATA sent per stream, WINDOW_UPDATE granted per stream and for the connection, the
 * SETTINGS_INITIAL_WINDOW_SIZE each side announced, resets and GOAWAYs. From these, `windows()` computes how much each
 * side may still send (RFC 9113 section 6.9): a sender with window left that sends nothing is stalled by something
 * other than flow control. Used by perf/haproxy-bidi-stall.ts.
 */
import net from "node:net";

const PREFACE_BYTES = 24;
const DEFAULT_WINDOW = 65_535;

/** What one direction of the connection carried (frames sent by that side). */
export interface DirectionLog {
  /** SETTINGS_INITIAL_WINDOW_SIZE this side announced (what the other side may send per stream). */
  initialWindow: number;
  /** DATA bytes (flow-controlled length) this side sent, per stream id. */
  data: Map<number, number>;
  /** WINDOW_UPDATE increments this side granted, per stream id (0 = the connection). */
  windowUpdates: Map<number, number>;
  /** Frame counts by type name. */
  frames: Map<string, number>;
  /** RST_STREAM and GOAWAY, as text. */
  events: string[];
  /** When this side last sent a frame of each type (ms since the relay started). */
  lastAt: Map<string, number>;
  /** The last frames this side sent, oldest first ("ms TYPE stream length/increment"). */
  recent: string[];
}

const TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"];

function newLog(): DirectionLog {
  return { initialWindow: DEFAULT_WINDOW, data: new Map(), windowUpdates: new Map(), frames: new Map(), events: [], lastAt: new Map(), recent: [] };
}

const add = (map: Map<number, number>, key: number, value: number) => map.set(key, (map.get(key) ?? 0) + value);

/** Parses frames from one direction's bytes as they pass. */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private prefaceLeft: number;

  constructor(private readonly log: DirectionLog, hasPreface: boolean, private readonly started: number) {
    this.prefaceLeft = hasPreface ? PREFACE_BYTES : 0;
  }

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.prefaceLeft > 0) {
      const skip = Math.min(this.prefaceLeft, this.buffered.length);
      this.prefaceLeft -= skip;
      this.buffered = this.buffered.subarray(skip);
    }
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) break;
      const type = this.buffered[3] ?? 0;
      const flags = this.buffered[4] ?? 0;
      const stream = this.buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = this.buffered.subarray(9, 9 + length);
      this.frame(type, flags, stream, payload);
      this.buffered = this.buffered.subarray(9 + length);
    }
  }

  private frame(type: number, flags: number, stream: number, payload: Buffer): void {
    const name = TYPES[type] ?? `TYPE_${type}`;
    this.log.frames.set(name, (this.log.frames.get(name) ?? 0) + 1);
    this.log.lastAt.set(name, Date.now() - this.started);
    const detail = type === 8 && payload.length >= 4 ? `+${payload.readUInt32BE(0) & 0x7fffffff}` : `${payload.length}${(flags & 1) !== 0 && (type === 0 || type === 1) ? " END_STREAM" : ""}`;
    this.log.recent.push(`${Date.now() - this.started} ${name} s${stream} ${detail}`);
    if (this.log.recent.length > 12) this.log.recent.shift();
    if (type === 0) add(this.log.data, stream, payload.length);
    else if (type === 8 && payload.length >= 4) add(this.log.windowUpdates, stream, payload.readUInt32BE(0) & 0x7fffffff);
    else if (type === 4 && (flags & 1) === 0) {
      for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
        if (payload.readUInt16BE(offset) === 4) this.log.initialWindow = payload.readUInt32BE(offset + 2);
      }
    } else if (type === 3 && payload.length >= 4) this.log.events.push(`RST_STREAM stream ${stream} code ${payload.readUInt32BE(0)}`);
    else if (type === 7 && payload.length >= 8) this.log.events.push(`GOAWAY last ${payload.readUInt32BE(0) & 0x7fffffff} code ${payload.readUInt32BE(4)}`);
  }
}

export interface FrameRelay {
  readonly port: number;
  /** Frames the connecting side (client) sent, and the accepting side (server), of each relayed connection. */
  readonly connections: Array<{ client: DirectionLog; server: DirectionLog }>;
  /** Per connection and stream: what each side may still send (window left) and has sent. */
  windows(): string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0) and relays each connection to 127.0.0.1:targetPort. */
export async function startFrameRelay(targetPort: number): Promise<FrameRelay> {
  const started = Date.now();
  const connections: Array<{ client: DirectionLog; server: DirectionLog }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const logs = { client: newLog(), server: newLog() };
    connections.push(logs);
    const fromClient = new FrameReader(logs.client, true, started);
    const fromServer = new FrameReader(logs.server, false, started);
    const outbound = net.connect(targetPort, "127.0.0.1");
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    inbound.on("data", (chunk: Buffer) => fromClient.push(chunk));
    outbound.on("data", (chunk: Buffer) => fromServer.push(chunk));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    connections,
    windows() {
      const lines: string[] = [];
      connections.forEach(({ client, server: accepting }, index) => {
        lines.push(`connection ${index}: client frames ${JSON.stringify(Object.fromEntries(client.frames))}, server frames ${JSON.stringify(Object.fromEntries(accepting.frames))}`);
        lines.push(`  initial windows: client announced ${client.initialWindow}, server announced ${accepting.initialWindow}`);
        const streams = new Set<number>([...client.data.keys(), ...accepting.data.keys()]);
        const sum = (map: Map<number, number>) => [...map.values()].reduce((a, b) => a + b, 0);
        const clientSentAll = sum(client.data);
        const serverSentAll = sum(accepting.data);
        lines.push(`  connection window: client sent ${clientSentAll} of ${DEFAULT_WINDOW + (accepting.windowUpdates.get(0) ?? 0)} granted (left ${DEFAULT_WINDOW + (accepting.windowUpdates.get(0) ?? 0) - clientSentAll}); server sent ${serverSentAll} of ${DEFAULT_WINDOW + (client.windowUpdates.get(0) ?? 0)} granted (left ${DEFAULT_WINDOW + (client.windowUpdates.get(0) ?? 0) - serverSentAll})`);
        for (const stream of [...streams].sort((a, b) => a - b)) {
          const clientSent = client.data.get(stream) ?? 0;
          const serverSent = accepting.data.get(stream) ?? 0;
          const clientMay = accepting.initialWindow + (accepting.windowUpdates.get(stream) ?? 0);
          const serverMay = client.initialWindow + (client.windowUpdates.get(stream) ?? 0);
          lines.push(`  stream ${stream}: client sent ${clientSent} of ${clientMay} granted (left ${clientMay - clientSent}); server sent ${serverSent} of ${serverMay} granted (left ${serverMay - serverSent})`);
        }
        for (const event of [...client.events.map((e) => `client ${e}`), ...accepting.events.map((e) => `server ${e}`)]) lines.push(`  ${event}`);
        lines.push(`  last frames (ms): client ${JSON.stringify(Object.fromEntries(client.lastAt))}, server ${JSON.stringify(Object.fromEntries(accepting.lastAt))}`);
        lines.push(`  client's last frames: ${client.recent.join(" | ")}`);
        lines.push(`  server's last frames: ${accepting.recent.join(" | ")}`);
      });
      return lines.join("\n");
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
