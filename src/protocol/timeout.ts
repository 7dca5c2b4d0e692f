/**
 * grpc-timeout: 1 to 8 ASCII digits followed by a unit (H hours, M minutes, S seconds, m milliseconds,
 * u microseconds, n nanoseconds), per the gRPC over HTTP/2 protocol document.
 */
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The timeout in milliseconds, or undefined when the value is malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const length = value.length;
  if (length < 2 || length > 9) return undefined;
  const unit = UNIT_MS[value.charAt(length - 1)];
  if (unit === undefined) return undefined;
  let amount = 0;
  for (let i = 0; i < length - 1; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    amount = amount * 10 + digit;
  }
  return amount * unit;
}

/** Encodes a timeout for the wire, choosing the finest unit that fits in 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  const safe = Math.max(0, Math.ceil(ms));
  if (safe < 1e8) return `${safe}m`;
  const seconds = Math.ceil(safe / 1000);
  if (seconds < 1e8) return `${seconds}S`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 1e8) return `${minutes}M`;
  return `${Math.min(99_999_999, Math.ceil(minutes / 60))}H`;
}
