/** Runs the multi-worker server entry as a child process and reads its stdout URL and JSON log lines. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const SERVER_ENTRY = fileURLToPath(new URL("./server-entry.js", import.meta.url));

export interface LogLine {
  pid: number;
  msg: string;
  [key: string]: unknown;
}

export interface WorkerServer {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  /** Resolves with the first log line matching, waiting up to timeoutMs. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorkerServer(args: string[], timeoutMs = 20_000): Promise<WorkerServer> {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let pending = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ pid: 0, msg: line });
      }
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const waitForLog = (predicate: (line: LogLine) => boolean, waitMs = 10_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`log line not seen within ${waitMs} ms; logs:\n${logs.map((line) => JSON.stringify(line)).join("\n")}`));
      }, waitMs);
      waiters.add(check);
      check();
    });
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start; logs: ${JSON.stringify(logs)}`));
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], logs, waitForLog, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening; logs: ${JSON.stringify(logs)}`));
    });
  });
}

/** The serving pids the primary reported when all were listening: its own first, then its workers'. */
export function workerPids(server: WorkerServer): number[] {
  const line = server.logs.find((each) => each.msg === "all workers listening");
  return Array.isArray(line?.pids) ? line.pids.filter((pid): pid is number => typeof pid === "number") : [];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
