/**
 * A client's retry state: its service config, the retry throttle and buffer budget, and the counters. The client
 * makes one only when given a service config; the per-call lookup is then one Map probe.
 */
import { errors } from "../../errors/catalog.js";
import { type MethodConfig, type ServiceConfig, parseServiceConfig } from "../service-config.js";
import { type AttemptContext, type AttemptSender, withHedging, withRetries } from "./attempts.js";
import { RetryBufferBudget } from "./buffer-budget.js";
import type { ClientRetryStats } from "./stats.js";
import { RetryThrottle } from "./throttle.js";

export { MAX_TRANSPARENT_RETRIES } from "./transparent-retry.js";

/** A service config as the client option takes it: JSON text, the parsed JSON, or parseServiceConfig's result. */
export type ServiceConfigInput = string | ServiceConfig | Record<string, unknown>;

export function toServiceConfig(input: ServiceConfigInput): ServiceConfig {
  return typeof input === "object" && typeof (input as Partial<ServiceConfig>).methodConfig === "function" ? input as ServiceConfig : parseServiceConfig(input);
}

export class ClientRetry {
  readonly throttle: RetryThrottle | null;
  constructor(readonly config: ServiceConfig, readonly stats: ClientRetryStats, readonly budget = new RetryBufferBudget()) {
    this.throttle = config.retryThrottling === undefined ? null : new RetryThrottle(config.retryThrottling);
  }

  methodConfig(path: string): MethodConfig | undefined {
    return this.config.methodConfig(path);
  }

  /**
   * Runs a streaming call's attempts under the method's policy (retrying-stream.ts keeps its requests within the
   * buffer limits itself and commits the call when they are exceeded); one attempt when the method has no policy.
   */
  runStream(method: MethodConfig, timeoutMs: number | undefined, signal: AbortSignal, send: AttemptSender<void>): Promise<void> {
    const context: AttemptContext = { stats: this.stats, throttle: this.throttle, timeoutMs, signal, retriable: true };
    if (method.retryPolicy !== undefined) return withRetries(method.retryPolicy, context, send);
    if (method.hedgingPolicy !== undefined) return withHedging(method.hedgingPolicy, context, send);
    return send({ index: 0, timeoutMs, signal, committed: false });
  }

  /**
   * Runs a unary call's attempts under the method's policy (or a single attempt when it has none). `frameBytes`
   * is the request's size on the wire, held for retries within the A6 buffer limits.
   */
  run<T>(method: MethodConfig, frameBytes: number, timeoutMs: number | undefined, signal: AbortSignal | undefined, send: AttemptSender<T>): Promise<T> {
    if (method.maxRequestMessageBytes !== undefined && frameBytes - 5 > method.maxRequestMessageBytes) {
      return Promise.reject(errors.messageTooLarge(frameBytes - 5, method.maxRequestMessageBytes));
    }
    const { retryPolicy, hedgingPolicy } = method;
    if (retryPolicy === undefined && hedgingPolicy === undefined) {
      return send({ index: 0, timeoutMs, signal: signal ?? new AbortController().signal, committed: false });
    }
    const retriable = this.budget.reserve(frameBytes);
    if (!retriable) this.stats.overBufferLimit++;
    const context: AttemptContext = { stats: this.stats, throttle: this.throttle, timeoutMs, signal, retriable };
    let result: Promise<T>;
    if (retryPolicy !== undefined) result = withRetries(retryPolicy, context, send);
    else if (hedgingPolicy !== undefined) result = withHedging(hedgingPolicy, context, send);
    else result = send({ index: 0, timeoutMs, signal: signal ?? new AbortController().signal, committed: false });
    if (!retriable) return result;
    return result.finally(() => this.budget.release(frameBytes));
  }
}
