/**
 * The closed loop the perf scripts share: CONCURRENCY callRaw calls in flight on one client, 1 s of warm-up, then
 * `seconds` measured. Returns calls/s, the client's CPU per call and every call made (warm-up included, so that a
 * script can divide the server's CPU, read from /proc over the whole run, by it).
 */
import type { GrpcClient } from "../src/client/client.js";

export interface ClosedLoopResult {
  callsPerSecond: number;
  clientCpuUsPerCall: number;
  allCalls: number;
}

export async function closedLoop(client: GrpcClient, path: string, request: Uint8Array, concurrency: number, seconds: number): Promise<ClosedLoopResult> {
  let calls = 0;
  let all = 0;
  let counting = false;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      await client.callRaw(path, request);
      all++;
      if (counting) calls++;
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up
  counting = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  return { callsPerSecond: Math.round(calls / elapsed), clientCpuUsPerCall: (cpu.user + cpu.system) / calls, allCalls: all };
}
