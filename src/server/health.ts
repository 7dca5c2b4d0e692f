/**
 * grpc.health.v1.Health: Check, List and Watch over a registry of serving statuses. "" is the server as a whole.
 * GrpcServer marks each service it adds SERVING and everything NOT_SERVING when shutdown begins; after that,
 * statuses no longer change (as in grpc-go), and Watch streams end UNAVAILABLE once they have sent NOT_SERVING.
 */
import { create } from "@bufbuild/protobuf";
import { errors } from "../errors/catalog.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import {
  type Health, type HealthCheckResponse, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as ServingStatus,
} from "../gen/grpc/health/v1/health_pb.js";
import type { ServiceImpl } from "./service.js";

export { ServingStatus };

/** Above this many services List answers RESOURCE_EXHAUSTED, as the protocol allows. */
export const HEALTH_LIST_LIMIT = 10_000;

type Watcher = (status: ServingStatus, final: boolean) => void;

export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  private readonly watchers = new Map<string, Set<Watcher>>();
  private shutDown = false;

  /** Sets a service's status ("" for the whole server) and tells its watchers. Ignored once shutdown began. */
  set(service: string, status: "SERVING" | "NOT_SERVING" | ServingStatus): void {
    if (this.shutDown) return;
    const value = typeof status === "string" ? ServingStatus[status] : status;
    this.statuses.set(service, value);
    this.notify(service, value, false);
  }

  /** The status of a service, or undefined when it is unknown. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every known service and its status. */
  entries(): IterableIterator<[string, ServingStatus]> {
    return this.statuses.entries();
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  /** Calls `watcher` on every change of `service`; `final` is true for the last call (shutdown). Returns the unsubscribe. */
  watch(service: string, watcher: Watcher): () => void {
    let set = this.watchers.get(service);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(service, set);
    }
    set.add(watcher);
    return () => {
      const current = this.watchers.get(service);
      if (current === undefined) return;
      current.delete(watcher);
      if (current.size === 0) this.watchers.delete(service);
    };
  }

  /** Every service NOT_SERVING, watchers told it is the last word; later set() calls are ignored. */
  shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const service of this.statuses.keys()) this.statuses.set(service, ServingStatus.NOT_SERVING);
    for (const [service, set] of this.watchers) {
      const status = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      for (const watcher of [...set]) watcher(status, true);
    }
  }

  private notify(service: string, status: ServingStatus, final: boolean): void {
    const set = this.watchers.get(service);
    if (set === undefined) return;
    for (const watcher of [...set]) watcher(status, final);
  }
}

export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.get(request.service);
      if (status === undefined) throw new GrpcError(Code.NOT_FOUND, `unknown service "${request.service}"`);
      return { status };
    },

    list() {
      const statuses: Record<string, HealthCheckResponse> = {};
      let count = 0;
      for (const [service, status] of registry.entries()) {
        if (++count > HEALTH_LIST_LIMIT) throw new GrpcError(Code.RESOURCE_EXHAUSTED, `more than ${HEALTH_LIST_LIMIT} services`);
        statuses[service] = create(HealthCheckResponseSchema, { status });
      }
      return { statuses };
    },

    async *watch(request, context) {
      const service = request.service;
      const pending: ServingStatus[] = [];
      let closing = false;
      let wake: (() => void) | null = null;
      const wakeUp = () => {
        const resolve = wake;
        wake = null;
        resolve?.();
      };
      const unsubscribe = registry.watch(service, (status, final) => {
        pending.push(status);
        if (final) closing = true;
        wakeUp();
      });
      const signal = context.signal;
      signal.addEventListener("abort", wakeUp);
      try {
        let last = registry.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
        yield { status: last };
        while (!signal.aborted) {
          const next = pending.shift();
          if (next === undefined) {
            if (closing) throw errors.shuttingDown();
            await new Promise<void>((resolve) => { wake = resolve; });
            continue;
          }
          if (next !== last) {
            last = next;
            yield { status: next };
          }
        }
      } finally {
        unsubscribe();
        signal.removeEventListener("abort", wakeUp);
      }
    },
  };
}
