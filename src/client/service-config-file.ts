/**
 * `--service-config FILE` for the CLIs: reads the JSON file and checks it with parseServiceConfig, so a mistake is
 * reported at start-up. Returns the plain JSON object (it crosses to load threads by structured clone).
 */
import { readFileSync } from "node:fs";
import { parseServiceConfig } from "./service-config.js";

/** The checked JSON of a service config file; throws an Error whose message names the flag and the problem. */
export function readServiceConfigFile(file: string, flag = "--service-config"): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${flag}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    parseServiceConfig(text);
  } catch (error) {
    throw new Error(`${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
