/**
 * The /metrics endpoint: a node:http server that renders a MetricsSource on each GET — a ServerMetrics, or a
 * multi-worker primary's collector, which asks its workers first. Separate from the gRPC listeners (plain
 * HTTP/1.1, as Prometheus scrapes), and only started when asked (--metrics-listen). node:http is loaded then too:
 * importing it costs ~7 MB of RSS (measured, docs/scaling.md footprint), which a server without metrics never pays.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseAddress, formatAddress } from "../transport/address.js";

/** What /metrics serves: the exposition text, now or once gathered (a ServerMetrics is one). */
export interface MetricsSource {
  render(): string | Promise<string>;
}

export interface MetricsEndpoint {
  /** The bound address as a URL (port 0 resolved): "tcp://127.0.0.1:9464". */
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Serves `metrics` at http://HOST:PORT/metrics for a tcp://HOST:PORT URL. */
export async function serveMetrics(url: string, metrics: MetricsSource): Promise<MetricsEndpoint> {
  const address = parseAddress(url, true);
  if (address.scheme !== "tcp") throw new TypeError(`metrics listen on tcp://HOST:PORT, not ${url}`);
  const http = await import("node:http");
  const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? "").split("?", 1)[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    // A source that throws or rejects answers 500; an asynchronous one may finish after the scraper left (harmless).
    new Promise<string>((resolve) => resolve(metrics.render())).then(
      (body) => {
        response.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) });
        response.end(request.method === "HEAD" ? undefined : body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    ).catch(() => response.destroy());
  });
  // Scrapers come and go; an idle keep-alive socket must not hold shutdown.
  server.keepAliveTimeout = 5000;
  return new Promise<MetricsEndpoint>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off("error", reject);
      server.on("error", () => undefined);
      const bound = server.address();
      const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
      resolve({
        url: formatAddress({ scheme: "tcp", host: address.host, port }),
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
