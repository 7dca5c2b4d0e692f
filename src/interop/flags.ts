/**
 * The gRPC interop programs' flag style (--name=value, booleans as "true"/"false"), shared by the interop
 * server and client so they take the same command lines as every other implementation's.
 */
import { DEFAULT_ENGINE, ENGINE_NAMES, type EngineName, isEngineName } from "../engine/registry.js";
import { UsageError } from "../cli/args.js";

export function booleanFlag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw new UsageError(`--${name} must be true or false, got "${value}"`);
}

export function portFlag(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--${name} must be a port number, got "${value}"`);
  return port;
}

export function engineFlag(value: string | undefined): EngineName {
  const engine = value ?? DEFAULT_ENGINE;
  if (!isEngineName(engine)) throw new UsageError(`--engine must be one of ${ENGINE_NAMES.join("|")}, got "${engine}"`);
  return engine;
}

/** host:port in URL form (IPv6 literals in brackets). */
export function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
