/**
 * For tests of the comparison servers in perf/compare (the canned server, the grpc-js echo): starting one on a free
 * port, and one Echo call to it over node:http2, so that neither fastgrpc's client nor its server is part of what is
 * checked. The request bytes come from ./echo-wire.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import http2 from "node:http2";

/** Runs `node script args...`, resolves with the port of its "listening on tcp://127.0.0.1:PORT" line. */
export async function withListeningScript<T>(script: string, args: readonly string[], body: (port: number) => Promise<T>): Promise<T> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`${script} exited (${String(code)}): ${out}`)));
    });
    return await body(port);
  } finally {
    child.kill("SIGTERM");
  }
}

export interface EchoAnswer {
  status: unknown;
  grpcStatus: unknown;
  body: Buffer;
}

/** One Echo call on `session`: the HTTP status, grpc-status (from trailers, or trailers-only HEADERS) and the DATA. */
export function echoOverHttp2(session: http2.ClientHttp2Session, request: Buffer): Promise<EchoAnswer> {
  return new Promise<EchoAnswer>((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": "/fastgrpc.echo.v1.EchoService/Echo", "content-type": "application/grpc", te: "trailers" });
    let status: unknown;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      status = headers[":status"];
      if (headers["grpc-status"] !== undefined) resolve({ status, grpcStatus: headers["grpc-status"], body: Buffer.alloc(0) });
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("trailers", (trailers) => resolve({ status, grpcStatus: trailers["grpc-status"], body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(request);
  });
}
