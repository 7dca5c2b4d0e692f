/**
 * A resolver driven by hand: tests (and programs that learn their backends some other way) push address lists
 * and failures, and can see how often the client asked for a re-resolution.
 */
import type { Address } from "../../transport/address.js";
import type { Resolver, ResolverListener } from "./types.js";

export class ManualResolver implements Resolver {
  private listener: ResolverListener | undefined;
  private closed = false;
  /** How many times the client asked for a re-resolution (connect failures, GOAWAY, lost connections). */
  resolutionRequests = 0;

  /** `initial`: addresses given at start; none = the client waits for the first update. */
  constructor(private readonly initial?: readonly Address[]) {}

  start(listener: ResolverListener): void {
    this.listener = listener;
    if (this.initial !== undefined) listener.onAddresses(this.initial);
  }

  requestResolution(): void {
    this.resolutionRequests++;
  }

  close(): void {
    this.closed = true;
  }

  update(addresses: readonly Address[]): void {
    if (!this.closed) this.listener?.onAddresses(addresses);
  }

  fail(error: Error): void {
    if (!this.closed) this.listener?.onError(error);
  }
}
