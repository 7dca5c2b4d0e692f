/** Reading the Prometheus text format in tests. */

/** The value of one sample line, e.g. `name{labels} 3` (`name 3` when labels is ""); undefined when absent. */
export function metricSample(text: string, name: string, labels: string): number | undefined {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}
