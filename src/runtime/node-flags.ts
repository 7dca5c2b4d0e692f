/** Whether a node flag was given when the process started. */

/**
 * Whether one of `flags` (e.g. "--max-semi-space-size", with or without "=value") is in `execArgv` or in
 * NODE_OPTIONS, spelled with dashes or with underscores (node takes both).
 */
export function nodeFlagGiven(flags: readonly string[], execArgv: readonly string[], nodeOptions: string): boolean {
  const spellings = flags.flatMap((flag) => [flag, `--${flag.slice(2).replaceAll("-", "_")}`]);
  const given = (arg: string) => spellings.some((flag) => arg.startsWith(flag));
  return execArgv.some(given) || nodeOptions.split(/\s+/).some(given);
}
