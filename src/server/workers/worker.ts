/**
 * A worker process of a multi-worker server: asks the primary for its start message, rebuilds the shared keyring,
 * builds its GrpcServer through the caller's factory, listens (TCP through node:cluster's shared handle, VSOCK on
 * inherited descriptors) and drains on the primary's "shutdown", on SIGTERM/SIGINT, or when the primary is gone.
 */
import cluster from "node:cluster";
import type { Duplex } from "node:stream";
import { getSystemErrorMessage } from "node:util";
import { keyringFromTransfer } from "../../crypto/keyring-transfer.js";
import type { Keyring } from "../../crypto/keyring.js";
import type { Logger } from "../../log/logger.js";
import type { Listener, PeerInfo } from "../../transport/types.js";
import type { GrpcServer } from "../server.js";
import { type PrimaryMessage, type WorkerMessage, parsePrimaryMessage } from "./messages.js";
import { acceptOnInheritedVsock } from "./vsock-listeners.js";

export interface WorkerOptions {
  log: Logger;
  /** Grace period when the worker itself gets SIGTERM/SIGINT or loses its primary. */
  graceMs: number;
  /** Builds this worker's server (services added, not listening yet) around the shared keyring. */
  createServer(keyring: Keyring): GrpcServer;
}

type ConnectionHandler = (socket: Duplex, peer: PeerInfo) => void;

/** GrpcServer.adoptListener: serves a listener opened elsewhere (here: an inherited VSOCK descriptor). */
interface AdoptingServer {
  adoptListener(open: (onConnection: ConnectionHandler) => Listener | Promise<Listener>): Promise<Listener>;
}

function canAdopt(server: GrpcServer): server is GrpcServer & AdoptingServer {
  return typeof (server as unknown as Partial<AdoptingServer>).adoptListener === "function";
}

/** "bind EADDRINUSE 127.0.0.1:50051 (address already in use)": cluster's errors carry only the code. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const errno = (error as NodeJS.ErrnoException).errno;
  if (typeof errno !== "number" || errno >= 0) return error.message;
  try {
    return `${error.message} (${getSystemErrorMessage(errno).toLowerCase()})`;
  } catch {
    return error.message;
  }
}

/** Runs the worker until it is told to stop; resolves the process exit code. */
export function runWorker(options: WorkerOptions): Promise<number> {
  const { log } = options;
  if (!cluster.isWorker || typeof process.send !== "function") return Promise.reject(new Error("runWorker must run in a cluster worker"));
  return new Promise<number>((resolve) => {
    let server: GrpcServer | undefined;
    let stopping = false;

    const tell = (message: WorkerMessage, done?: () => void): void => {
      if (!process.connected || process.send === undefined) return done?.();
      process.send(message, undefined, {}, () => done?.());
    };

    const stop = (graceMs: number, why: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ why, graceMs }, "worker draining");
      const running = server;
      if (running === undefined) return resolve(0);
      running.shutdown(graceMs).then(
        () => resolve(0),
        (error: unknown) => {
          log.error({ err: error }, "worker shutdown failed");
          resolve(1);
        },
      );
    };

    const start = async (message: Extract<PrimaryMessage, { fastgrpc: "start" }>): Promise<void> => {
      if (server !== undefined || stopping) return;
      const keyring = keyringFromTransfer(message.keys);
      const created = options.createServer(keyring);
      server = created;
      const urls: string[] = [];
      for (const url of message.listen) {
        try {
          urls.push((await created.listen(url)).url);
        } catch (error) {
          throw new Error(`cannot listen on ${url}: ${describe(error)}`, { cause: error });
        }
      }
      for (const { fd, url } of message.inherited) {
        if (!canAdopt(created)) throw new Error(`${url}: serving an inherited VSOCK listener needs GrpcServer.adoptListener`);
        urls.push((await created.adoptListener((onConnection) => acceptOnInheritedVsock(fd, url, onConnection))).url);
      }
      if (stopping) return;
      log.debug({ urls, engine: created.engineName }, "worker listening");
      tell({ fastgrpc: "listening", urls });
    };

    process.on("message", (raw: unknown) => {
      const message = parsePrimaryMessage(raw);
      if (message === undefined) return;
      if (message.fastgrpc === "shutdown") return stop(message.graceMs, "primary asked");
      start(message).catch((error: unknown) => {
        log.debug({ err: error }, "worker start-up failed"); // the primary reports it once, for all workers
        tell({ fastgrpc: "failed", reason: describe(error) }, () => {
          stopping = true;
          const failed = server;
          if (failed === undefined) return resolve(1);
          failed.shutdown(0).then(() => resolve(1), () => resolve(1));
        });
      });
    });
    // Without a primary nobody would replace or stop this worker: drain and leave.
    process.on("disconnect", () => stop(options.graceMs, "primary gone"));
    process.on("SIGTERM", () => stop(options.graceMs, "SIGTERM"));
    process.on("SIGINT", () => stop(options.graceMs, "SIGINT"));
    tell({ fastgrpc: "ready" });
  });
}
