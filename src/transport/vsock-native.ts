/**
 * Loads the vsock addon (native/vsock: prebuilt for linux-x64 and linux-arm64, or a local node-gyp build) and gives
 * it types. The addon only creates AF_VSOCK sockets and hands back file descriptors; vsock-handle.ts turns them into
 * libuv streams.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface VsockName {
  readonly cid: number;
  readonly port: number;
}

/** The addon's API (native/vsock/vsock.c). Failures throw Errors with .code = errno name. */
export interface VsockAddon {
  /** A bound, listening, non-blocking socket. */
  listen(cid: number, port: number, backlog: number): number;
  /**
   * Starts a non-blocking connect and returns its fd at once; `callback` runs once when it ends: null when
   * connected (the fd is then the caller's), or the error (the addon has closed the fd). 0 = no timeout of ours.
   */
  connect(cid: number, port: number, timeoutMs: number, callback: (error: Error | null) => void): number;
  /** Abandons a pending connect: closes its fd; its callback never runs. False when none was pending. */
  cancelConnect(fd: number): boolean;
  sockName(fd: number): VsockName;
  peerName(fd: number): VsockName;
  /** IOCTL_VM_SOCKETS_GET_LOCAL_CID: the guest-to-host transport's CID (1 with only vsock_loopback; CID_ANY with none). */
  localCid(): number;
  /** Throws EAFNOSUPPORT when the kernel has no AF_VSOCK. */
  probe(): void;
  close(fd: number): void;
  readonly CID_ANY: number;
  readonly PORT_ANY: number;
}

export type VsockAvailability = { readonly available: true } | { readonly available: false; readonly reason: string };

const FUNCTIONS = ["listen", "connect", "cancelConnect", "sockName", "peerName", "localCid", "probe", "close"] as const;

function isAddon(value: unknown): value is VsockAddon {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return FUNCTIONS.every((name) => typeof record[name] === "function") && typeof record.CID_ANY === "number";
}

/**
 * Where the compiled addon is, seen from this module (dist/src/transport/ when built, src/transport/ when not, dist/bin/
 * in the bundled command lines, mk/bundle-cli.mjs: two folders below the package either way): a local build (`make
 * vsock-addon`, node-gyp) first, so that a changed vsock.c is what runs, then the prebuilt binary the package ships
 * for this platform and CPU (native/vsock/prebuilds/linux-x64, linux-arm64: N-API, one binary for every Node
 * version). Installing fastgrpc compiles nothing.
 */
export function addonCandidates(platform: string = process.platform, arch: string = process.arch): string[] {
  const relative = ["build/Release/vsock.node", `prebuilds/${platform}-${arch}/vsock.node`];
  const out: string[] = [];
  for (const root of ["../../../native/vsock/", "../../native/vsock/"]) {
    for (const path of relative) out.push(fileURLToPath(new URL(root + path, import.meta.url)));
  }
  return out;
}

function addonPath(): string | undefined {
  return addonCandidates().find((path) => existsSync(path));
}

type Loaded = { readonly addon: VsockAddon } | { readonly addon: undefined; readonly reason: string };
let loaded: Loaded | undefined;

function load(): Loaded {
  if (process.platform !== "linux") return { addon: undefined, reason: `vsock is Linux-only (this is ${process.platform})` };
  const path = addonPath();
  if (!path) {
    return {
      addon: undefined,
      reason: `fastgrpc ships no vsock addon for linux-${process.arch} (prebuilt: linux-x64, linux-arm64); `
        + "build one with `node native/vsock/build.mjs --strict` in fastgrpc's folder (needs a C compiler; node-gyp comes with npm)",
    };
  }
  let module: unknown;
  try {
    module = createRequire(import.meta.url)(path);
  } catch (error) {
    return { addon: undefined, reason: `cannot load the vsock addon ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isAddon(module)) return { addon: undefined, reason: `${path} is not the fastgrpc vsock addon` };
  try {
    module.probe();
  } catch (error) {
    const code = errorCode(error);
    const detail = code === "EAFNOSUPPORT" ? "this kernel has no AF_VSOCK support (load the vsock modules)" : describe(error);
    return { addon: undefined, reason: detail };
  }
  return { addon: module };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether vsock can be used here; when not, a sentence saying why, fit for a CLI error line. */
export function vsockAvailable(): VsockAvailability {
  loaded ??= load();
  return loaded.addon ? { available: true } : { available: false, reason: loaded.reason };
}

export class VsockUnavailableError extends Error {
  override readonly name = "VsockUnavailableError";
  readonly code = "EAFNOSUPPORT";
}

/** The addon; throws VsockUnavailableError (code EAFNOSUPPORT) with the reason when vsock cannot be used. */
export function vsockAddon(): VsockAddon {
  loaded ??= load();
  if (!loaded.addon) throw new VsockUnavailableError(`vsock unavailable: ${loaded.reason}`);
  return loaded.addon;
}
