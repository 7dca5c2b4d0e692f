/**
 * Fuzzer: mutated and random frame sequences fed into server connections and client sessions over in-memory
 * sockets. Zero crashes, zero unhandled exceptions or rejections, zero internal errors (an exception inside the
 * engine turned into GOAWAY INTERNAL_ERROR counts as a failure), bounded memory.
 *   H2_FUZZ_CASES   cases per role (default 50000; the fuzz-h2 script runs 1000000)
 *   H2_FUZZ_SEED    seed (default: time-based, printed)
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { duplexPair, type Duplex } from "node:stream";
import { describe, it } from "node:test";
import type { ServerStream, ServerStreamHandler } from "../../src/engine/types.js";
import { createH2ServerEngine, H2ClientEngine } from "../../src/engine/h2/index.js";
import { chunks, clientCase, Rng, serverCase } from "./support/fuzz-cases.js";
import { grpcFrame } from "./support/frames.js";

const CASES = Number(process.env.H2_FUZZ_CASES ?? "50000");
const SEED = Number(process.env.H2_FUZZ_SEED ?? String(Date.now() % 0xffffffff));
const PEER = { transport: "memory", label: "fuzz" };

/** The least a socket must do for the engine: events, write, end, destroy. */
class MemorySocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  bytesOut = 0;

  write(chunk: Uint8Array): boolean {
    this.bytesOut += chunk.length;
    return true;
  }

  end(): this {
    return this.destroy();
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      process.nextTick(() => this.emit("close"));
    }
    return this;
  }
}

const internalErrors: Error[] = [];
let uncaught = 0;
process.on("uncaughtException", (e) => {
  uncaught++;
  internalErrors.push(e);
});
process.on("unhandledRejection", (e) => {
  uncaught++;
  internalErrors.push(e instanceof Error ? e : new Error(String(e)));
});

function recordIfInternal(e: Error): void {
  if (/^internal error/.test(e.message) && internalErrors.length < 20) internalErrors.push(e);
}

/** A dispatcher that answers in every way the seam allows, picked by the request. */
function fuzzDispatcher(rng: Rng) {
  return {
    onStream(stream: ServerStream): ServerStreamHandler {
      const mode = rng.int(8);
      stream.header("content-type");
      if (mode === 0) stream.metadata();
      if (mode === 7 && rng.chance(0.1)) throw new Error("dispatcher throws on purpose");
      return {
        onData(chunk) {
          if (mode === 1) stream.sendMessage(chunk);
          if (mode === 6 && rng.chance(0.2)) throw new Error("handler throws on purpose");
        },
        onEnd() {
          switch (mode) {
            case 2: stream.sendTrailers(3, "bad ünicode\n", { "x-a": ["1", "2"] }); break;
            case 3: stream.sendHttpError(415, 2, "wrong content-type"); break;
            case 4: stream.sendHeaders({ "x-h": "v" }); stream.sendMessage(grpcFrame(Buffer.alloc(rng.int(70000)))); stream.sendTrailers(0, ""); break;
            case 5: break; // never answers
            default: stream.sendUnary(grpcFrame(Buffer.from("echo")), mode === 1 ? { "x-m": "1" } : undefined); break;
          }
        },
        onCancel() {
          stream.sendUnary(grpcFrame(Buffer.from("after cancel"))); // must be ignored
        },
        onDrain() {},
      };
    },
  };
}

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
  return process.memoryUsage().heapUsed / 1048576;
}

describe(`h2 fuzzer (seed ${SEED}, ${CASES} cases per role)`, () => {
  it("server: mutated and random client frame sequences", async () => {
    const rng = new Rng(SEED);
    const engine = createH2ServerEngine(fuzzDispatcher(rng), {
      maxConcurrentStreams: 10, maxMessageBytes: 1 << 20, onConnectionError: recordIfInternal,
    });
    const heapBefore = heapMb();
    const start = performance.now();
    for (let i = 0; i < CASES; i++) {
      const socket = new MemorySocket();
      engine.serveConnection(socket as unknown as Duplex, PEER);
      for (const c of chunks(rng, serverCase(rng))) socket.emit("data", c);
      if (rng.chance(0.5)) socket.emit("end");
      socket.destroy();
      if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - start) / 1000;
    const heapAfter = heapMb();
    console.log(`server fuzz: ${CASES} cases in ${seconds.toFixed(1)} s (${Math.round(CASES / seconds)}/s), heap ${heapBefore.toFixed(0)} -> ${heapAfter.toFixed(0)} MB, open connections ${engine.connectionCount}`);
    assert.deepEqual(internalErrors.map((e) => e.stack), []);
    assert.equal(uncaught, 0);
    assert.equal(engine.connectionCount, 0);
    assert.ok(heapAfter - heapBefore < 64, `heap grew ${heapAfter - heapBefore} MB`);
  });

  it("client: mutated and random server frame sequences", async () => {
    const rng = new Rng(SEED ^ 0x5bd1e995);
    const engine = new H2ClientEngine();
    const heapBefore = heapMb();
    const start = performance.now();
    let closes = 0;
    let opened = 0;
    for (let i = 0; i < CASES; i++) {
      const socket = new MemorySocket();
      const session = engine.connect(socket as unknown as Duplex, { authority: "fuzz" }, { onClose: (e) => e && recordIfInternal(e) });
      const calls = [];
      for (let s = 0; s < 3; s++) {
        opened++;
        const call = session.request("/fuzz/Call", s === 1 ? { "x-s": "1" } : {}, {
          onHeaders() {}, onData() {}, onTrailers() {},
          onClose: () => { closes++; },
        });
        call.sendMessage(grpcFrame(Buffer.from("req")), s !== 2);
        calls.push(call);
      }
      for (const c of chunks(rng, clientCase(rng))) {
        socket.emit("data", c);
        if (rng.chance(0.05)) (calls[rng.int(3)])?.cancel();
      }
      if (rng.chance(0.3)) session.close();
      if (rng.chance(0.5)) session.destroy();
      socket.destroy();
      if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - start) / 1000;
    const heapAfter = heapMb();
    console.log(`client fuzz: ${CASES} cases in ${seconds.toFixed(1)} s (${Math.round(CASES / seconds)}/s), heap ${heapBefore.toFixed(0)} -> ${heapAfter.toFixed(0)} MB`);
    assert.deepEqual(internalErrors.map((e) => e.stack), []);
    assert.equal(uncaught, 0);
    assert.equal(closes, opened, "every call got exactly one onClose");
    assert.ok(heapAfter - heapBefore < 64, `heap grew ${heapAfter - heapBefore} MB`);
  });

  it("server over a real in-memory Duplex pair (stream semantics, async delivery)", async () => {
    const rng = new Rng(SEED ^ 0x1234567);
    const engine = createH2ServerEngine(fuzzDispatcher(rng), {
      maxConcurrentStreams: 10, maxMessageBytes: 1 << 20, onConnectionError: recordIfInternal,
    });
    const n = Math.max(200, Math.floor(CASES / 100));
    for (let i = 0; i < n; i++) {
      const [client, server] = duplexPair();
      client.on("data", () => {});
      client.on("error", () => {});
      engine.serveConnection(server, PEER);
      for (const c of chunks(rng, serverCase(rng))) client.write(c);
      await new Promise((r) => setImmediate(r));
      client.destroy();
      server.destroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(internalErrors.map((e) => e.stack), []);
    assert.equal(uncaught, 0);
    assert.equal(engine.connectionCount, 0);
  });
});
