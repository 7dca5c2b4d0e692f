/**
 * Holds N idle HTTP/2 connections to a gRPC server, for perf/footprint.sh: each sends the client preface and an
 * empty SETTINGS frame, ACKs the server's SETTINGS, and then stays silent. Prints "ready N" once every connection
 * has had the server's SETTINGS (so the server has set each one up), then holds them until stdin ends or SIGTERM.
 *
 *   node dist/perf/idle-connections.js --target tcp://127.0.0.1:50051 --connections 1000
 */
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { target: { type: "string" }, connections: { type: "string", default: "1000" } } });
const match = /^tcp:\/\/(.+):(\d+)$/.exec(values.target ?? "");
if (match === null) {
  process.stderr.write("idle-connections: --target tcp://HOST:PORT is required\n");
  process.exit(2);
}
const host = (match[1] ?? "").replace(/^\[|\]$/g, "");
const port = Number(match[2]);
const count = Number(values.connections);

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);

const sockets: net.Socket[] = [];
let ready = 0;

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(Buffer.concat([PREFACE, SETTINGS])));
    sockets.push(socket);
    let acked = false;
    socket.on("data", (chunk: Buffer) => {
      // The server's first frame is its SETTINGS (type 4, no ACK flag): acknowledge it once.
      if (!acked && chunk.length >= 9 && chunk[3] === 4 && ((chunk[4] ?? 0) & 1) === 0) {
        acked = true;
        socket.write(SETTINGS_ACK);
        ready++;
        resolve();
      }
    });
    socket.on("error", reject);
    socket.on("close", () => { if (!acked) reject(new Error("closed before SETTINGS")); });
  });
}

async function main(): Promise<void> {
  // 100 at a time: a burst of a thousand SYNs can overflow a small accept backlog.
  for (let start = 0; start < count; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - start) }, () => open()));
  }
  process.stdout.write(`ready ${ready}\n`);
}

const stop = () => {
  for (const socket of sockets) socket.destroy();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
main().catch((error: unknown) => {
  process.stderr.write(`idle-connections: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
