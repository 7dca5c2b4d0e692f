/**
 * The timed part shared by the download clients (download-throughput.ts, download-grpc-js-client.ts): a warm-up
 * download of TOTAL/8 (at most 64 MiB) on the same connection, then COUNT messages of SIZE timed, and the one output
 * line perf/download-compare.sh and download-medians.ts read. Exits 1 with the reason on a failed download.
 */
export async function timeDownload(name: string, size: number, total: number, count: number,
  download: (messages: number) => Promise<number>, close: () => unknown): Promise<void> {
  try {
    await download(Math.max(1, Math.floor(Math.min(total / 8, 64 * 1024 * 1024) / size)));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const bytes = await download(count);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const megabytes = bytes / 1e6;
    console.log(`${size} B: ${(megabytes / seconds).toFixed(1)} MB/s, ${Math.round(count / seconds)} messages/s, ` +
      `client CPU ${((cpu.user + cpu.system) / megabytes).toFixed(1)} us/MB, ${bytes} bytes in ${(seconds * 1000).toFixed(0)} ms`);
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}
