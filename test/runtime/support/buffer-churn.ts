/**
 * The source of a child-process script that churns through 512 MB of 64 KiB buffers (16 alive at a time, as calls
 * in flight hold them) and prints the garbage collections it saw, by kind, as JSON: { major, minor }. `prelude`
 * is module code run first (imports included), to set up what the test compares.
 */
export interface Collections {
  major: number;
  minor: number;
}

export function bufferChurnScript(prelude: string): string {
  return `
    ${prelude}
    import { PerformanceObserver, constants } from "node:perf_hooks";
    const counts = { major: 0, minor: 0 };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
        if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++;
      }
    }).observe({ entryTypes: ["gc"] });
    const keep = [];
    let i = 0;
    const step = () => {
      for (let j = 0; j < 256; j++, i++) {
        keep.push({ i, buf: Buffer.allocUnsafe(65536) });
        if (keep.length > 16) keep.shift();
      }
      if (i < 8192) setImmediate(step);
      else setTimeout(() => console.log(JSON.stringify(counts)), 50);
    };
    step();
  `;
}

export function parseCollections(output: string): Collections {
  return JSON.parse(output) as Collections;
}
