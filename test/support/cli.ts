/** Runs the compiled CLIs as child processes, as a user would. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const SERVER_CLI = fileURLToPath(new URL("../../bin/server.js", import.meta.url));
export const CLIENT_CLI = fileURLToPath(new URL("../../bin/client.js", import.meta.url));

export interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; stdoutBytes: Buffer }

export function runCli(script: string, args: string[], timeoutMs = 30_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => { out.push(chunk); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${script} ${args.join(" ")} timed out`)); }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString(), stderr, stdoutBytes });
    });
  });
}

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  urls: string[];
  stdout(): string;
  stderr(): string;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Finished>;
}

/** Starts fastgrpc-server and waits until it printed every listening line. */
export function startServerCli(args: string[], expectedListeners = 1, timeoutMs = 30_000, env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_CLI, ...args], { stdio: ["pipe", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    const urls: string[] = [];
    const exited = new Promise<Finished>((done) => child.on("close", (code, signal) => done({ code, signal, stdout, stderr, stdoutBytes: Buffer.from(stdout) })));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`server did not start: ${stderr}`)); }, timeoutMs);
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const match of stdout.matchAll(/listening on (\S+)/g)) if (match[1] && !urls.includes(match[1])) urls.push(match[1]);
      if (urls.length >= expectedListeners) {
        clearTimeout(timer);
        resolve({
          child, urls, stdout: () => stdout, stderr: () => stderr,
          stop: (signal = "SIGTERM") => { child.kill(signal); return exited; },
        });
      }
    });
    void exited.then((finished) => { clearTimeout(timer); reject(new Error(`server exited early (${finished.code}): ${finished.stderr}`)); });
  });
}

/** One JSON log line of the server (pino): pid, msg and level, with whatever fields the line carries. */
export interface ServerLogLine { pid?: number; msg?: string; level?: number; [key: string]: unknown }

/** The server's stderr so far, as log lines; lines that are not JSON are skipped. */
export function serverLogLines(server: ServerProcess): ServerLogLine[] {
  return server.stderr().split("\n").flatMap((line) => {
    try {
      return [JSON.parse(line) as ServerLogLine];
    } catch {
      return [];
    }
  });
}
