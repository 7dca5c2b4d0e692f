/**
 * Logging is pino. Hot paths must guard anything beyond a constant string with `log.isLevelEnabled(level)` (or
 * the precomputed flags in LogFlags) so that a disabled level builds no objects or strings.
 */
import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A logger writing JSON lines to stderr (stdout stays free for CLI output), synchronously so nothing is lost on exit. */
export function createLogger(level: LogLevel = "info", name = "fastgrpc"): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library use without logging). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
