/** How an OpenTelemetry propagator reads and writes gRPC metadata (traceparent, tracestate, baggage...). */
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import type { CallMetadata } from "../protocol/metadata.js";

export const metadataSetter: TextMapSetter<CallMetadata> = {
  set(carrier, key, value) {
    carrier[key.toLowerCase()] = value;
  },
};

export const metadataGetter: TextMapGetter<CallMetadata> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key.toLowerCase()];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === "string" ? first : undefined;
  },
};
