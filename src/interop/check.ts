/** What the interop cases assert with: a failed check is one line saying why, never a stack trace. */
import { Code, codeName } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";

/** A case that did not pass; its message is the one line the client prints. */
export class CaseFailure extends Error {
  override readonly name = "CaseFailure";
}

export function check(condition: boolean, why: string): asserts condition {
  if (!condition) throw new CaseFailure(why);
}

/** A payload body of `size` zero bytes (interop payloads are COMPRESSABLE zeros). */
export function checkZeros(body: Uint8Array | undefined, size: number, what: string): void {
  check(body !== undefined, `${what}: no payload`);
  check(body.length === size, `${what}: payload of ${body.length} bytes, expected ${size}`);
  check(body.every((byte) => byte === 0), `${what}: payload is not all zeros`);
}

/** Waits for a call that must fail with `code` (and `message`, when given). */
export async function expectStatus(call: Promise<unknown>, code: Code, what: string, message?: string): Promise<GrpcError> {
  let outcome: unknown;
  try {
    await call;
  } catch (error) {
    outcome = error;
  }
  if (outcome === undefined) throw new CaseFailure(`${what}: succeeded, expected ${codeName(code)}`);
  if (!(outcome instanceof GrpcError)) throw new CaseFailure(`${what}: failed with ${String(outcome)}, expected ${codeName(code)}`);
  if (outcome.code !== code) throw new CaseFailure(`${what}: got ${outcome.codeName} "${outcome.rawMessage}", expected ${codeName(code)}`);
  if (message !== undefined && outcome.rawMessage !== message) {
    throw new CaseFailure(`${what}: status message ${JSON.stringify(outcome.rawMessage)}, expected ${JSON.stringify(message)}`);
  }
  return outcome;
}

/** Reads a whole response stream into an array. */
export async function collect<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const response of responses) out.push(response);
  return out;
}
