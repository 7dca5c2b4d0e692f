/** gRPC status codes, as numbered by the gRPC core (doc/statuscodes.md). */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** The canonical name of a code ("DEADLINE_EXCEEDED"), or "CODE_<n>" for a number outside the enum. */
export function codeName(code: number): string {
  const name = (Code as unknown as Record<number, string | undefined>)[code];
  return name ?? `CODE_${code}`;
}

/** Parses a grpc-status value; anything that is not a known code becomes UNKNOWN, as the protocol document says. */
export function parseCode(value: string | undefined): Code | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16 || value.trim() !== value || value === "") return Code.UNKNOWN;
  return n as Code;
}
