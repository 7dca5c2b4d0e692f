/** Small helpers shared by the CLIs: option values that must be numbers, and one-line usage errors. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function positiveInteger(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || (n === 0 && !allowZero)) throw new UsageError(`--${name} out of range: ${value}`);
  return n;
}

/** The message of anything thrown, for one-line CLI errors (never a stack trace). */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
