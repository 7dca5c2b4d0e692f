/**
 * Preloaded with `node --import` (node:cluster passes it on to every worker): appends the URL of every module this
 * process loads (node: builtins included) to $FASTGRPC_MODULE_LOG_DIR/<pid>.txt, one per line. Tests read it to see
 * what each process of a server imported. The file is started afresh by each program the pid runs: the CLIs
 * re-execute themselves in place once (cli/restart-for-large-messages.ts), and only the program that serves counts.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { join } from "node:path";

const dir = process.env.FASTGRPC_MODULE_LOG_DIR;
if (dir !== undefined) {
  const file = join(dir, `${process.pid}.txt`);
  writeFileSync(file, "");
  registerHooks({
    load(url, context, nextLoad) {
      appendFileSync(file, `${url}\n`);
      return nextLoad(url, context);
    },
  });
}
