/**
 * Medians of perf/download-compare.sh's rounds, as the Markdown table docs/benchmarks.md shows: one row per server and
 * message size, MB/s median (min-max), messages/s, client and server CPU per MB (medians). Reads the script's
 * "round N NAME ..." lines from the file given (or stdin).
 *
 *   node dist/perf/download-medians.js LOG
 */
import { readFileSync } from "node:fs";

interface Run {
  mbPerSecond: number;
  messagesPerSecond: number | null;
  clientUsPerMb: number;
  serverUsPerMb: number;
}

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const runs = new Map<string, Run[]>();
const line = /^round \d+ (\S+) (?:(\d+) B|tcp): ([\d.]+) MB\/s, (?:(\d+) messages\/s, )?client CPU ([\d.]+) us\/MB.*server CPU ([\d.]+) us\/MB/;
for (const row of text.split("\n")) {
  const match = line.exec(row);
  if (match === null) continue;
  const [, name, size, mbs, messages, client, server] = match;
  const key = size === undefined ? `${name}|any` : `${name}|${size}`;
  const list = runs.get(key) ?? [];
  list.push({
    mbPerSecond: Number(mbs), messagesPerSecond: messages === undefined ? null : Number(messages),
    clientUsPerMb: Number(client), serverUsPerMb: Number(server),
  });
  runs.set(key, list);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] ?? 0 : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function sizeLabel(size: string): string {
  if (size === "any") return "1 MiB writes";
  const bytes = Number(size);
  return bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

console.log("| messages | server | MB/s, median (min-max) | messages/s, median | client CPU per MB, median | server CPU per MB, median | rounds |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [key, list] of runs) {
  const [name = "", size = ""] = key.split("|");
  const mbs = list.map((run) => run.mbPerSecond);
  const messages = list.flatMap((run) => (run.messagesPerSecond === null ? [] : [run.messagesPerSecond]));
  console.log(`| ${sizeLabel(size)} | ${name} | ${median(mbs).toFixed(0)} (${Math.min(...mbs).toFixed(0)}-${Math.max(...mbs).toFixed(0)}) | ` +
    `${messages.length > 0 ? Math.round(median(messages)).toLocaleString("en-US") : "-"} | ${median(list.map((run) => run.clientUsPerMb)).toFixed(0)} us | ` +
    `${median(list.map((run) => run.serverUsPerMb)).toFixed(0)} us | ${list.length} |`);
}
