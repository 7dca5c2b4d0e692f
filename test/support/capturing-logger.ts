/** A pino logger whose JSON lines a test can read back. */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../src/log/logger.js";

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function capturingLogger(level = "debug"): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) if (line !== "") records.push(JSON.parse(line) as LogRecord);
      callback();
    },
  });
  return { log: pino({ level }, stream), records };
}
