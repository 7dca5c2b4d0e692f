/**
 * Measurement tool for docs/scaling.md: opens N HTTP/2 connections to a server (each completes the preface and a
 * PING round trip, so the server holds a live session), prints "held N", then keeps them idle until SIGTERM.
 *   node hold-idle-connections.js tcp://127.0.0.1:PORT N
 */
import http2 from "node:http2";

const [url = "", countText = "1000"] = process.argv.slice(2);
const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
if (!match) {
  process.stderr.write("usage: hold-idle-connections tcp://HOST:PORT N\n");
  process.exit(2);
}
const origin = `http://${match[1]}:${match[2]}`;
const count = Number(countText);
const sessions: http2.ClientHttp2Session[] = [];
const BATCH = 200;

function openOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    session.once("error", reject);
    session.once("connect", () => {
      session.ping((error) => (error ? reject(error) : resolve()));
    });
    sessions.push(session);
  });
}

for (let opened = 0; opened < count; opened += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, count - opened) }, openOne));
}
process.stdout.write(`held ${sessions.length}\n`);
process.on("SIGTERM", () => {
  for (const session of sessions) session.destroy();
  process.exit(0);
});
setInterval(() => undefined, 60_000);
