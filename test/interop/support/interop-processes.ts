/** Starts interop servers and runs interop clients as child processes, and reads their one-line-per-case reports. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PYTHON = "/usr/bin/python3";
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** Compiled JS of our programs and the grpc-js peers; the Python peers are run from the source tree. */
export const PROGRAMS = {
  fastgrpcServer: here("../../../src/interop/server.js"),
  fastgrpcClient: here("../../../src/interop/client.js"),
  grpcJsServer: here("../peers/grpc-js-interop-server.js"),
  grpcJsClient: here("../peers/grpc-js-interop-client.js"),
  pythonServer: here("../../../../test/interop/peers/python_interop_server.py"),
  pythonClient: here("../../../../test/interop/peers/python_interop_client.py"),
};

/** Why the Python peers cannot run here, or undefined when python3-grpcio and python3-protobuf are installed. */
export function missingPythonGrpc(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} not found (apt-get install python3-grpcio python3-protobuf)`;
  if (probe.status !== 0) return `python3-grpcio / python3-protobuf missing (apt-get install python3-grpcio python3-protobuf)`;
  return undefined;
}

export interface RunningServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Spawns a server program and waits for its "listening on ...PORT" line. */
export function startServer(command: string, args: string[], timeoutMs = 20_000): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise<RunningServer>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${command} ${args.join(" ")} did not listen: ${stderr}`)); }, timeoutMs);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${command} exited (${String(code)}) before listening: ${stderr}`)); });
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on \S*?(\d+)\s*$/m.exec(stdout);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ port: Number(match[1]), stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => { clearTimeout(force); resolve(); });
    child.kill("SIGTERM");
  });
}

export type Outcome = { readonly result: "PASS" | "FAIL" | "SKIP"; readonly detail: string };

/** Runs a client program to completion and returns each case's outcome from its report lines. */
export function runClient(command: string, args: string[], timeoutMs: number): Promise<{ outcomes: Map<string, Outcome>; exitCode: number | null; output: string }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (exitCode) => {
      clearTimeout(timer);
      const outcomes = new Map<string, Outcome>();
      for (const line of stdout.split("\n")) {
        const match = /^(PASS|FAIL|SKIP) ([a-z_]+)(?:: | \(\d+ ms\)(?: note: )?)?(.*)$/.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) {
          outcomes.set(match[2], { result: match[1] as Outcome["result"], detail: match[3] ?? "" });
        }
      }
      resolve({ outcomes, exitCode, output: `${stdout}${stderr}` });
    });
  });
}
