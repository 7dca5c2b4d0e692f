/**
 * --call on any method: the schema from server reflection (v1, or v1alpha on older servers) or from --proto files,
 * the request from --data JSON (with per-call template values) or --data-file, metadata on every call, and the
 * streaming kinds, against an in-process GrpcServer that records what it received.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { create, createRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { EchoRequestSchema, EchoService } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { ServerReflectionRequestSchema } from "../../src/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { compileTemplate } from "../../src/loadgen/request-template.js";
import { BenchRuntimeError } from "../../src/loadgen/probe.js";
import { type BenchOptions, parseCommandLine } from "../../src/loadgen/options.js";
import { runBench } from "../../src/loadgen/run-bench.js";
import { parseMethodName } from "../../src/loadgen/call-spec.js";
import { collectFiles } from "../../src/loadgen/schema/reflection.js";
import { createReflectionService } from "../../src/server/reflection.js";
import { GrpcServer } from "../../src/server/server.js";
import type { ServiceImpl } from "../../src/server/service.js";

const ECHO_PROTO = fileURLToPath(new URL("../../../proto/fastgrpc/echo/v1/echo.proto", import.meta.url));
const decoder = new TextDecoder();

function options(...argv: string[]): BenchOptions {
  const parsed = parseCommandLine(argv);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

describe("fastgrpc-bench --call: any service", () => {
  const payloads: string[] = [];
  const streamLengths: number[] = [];
  const tenants: string[] = [];
  let withReflection: GrpcServer;
  let withoutReflection: GrpcServer;
  let alphaOnly: GrpcServer;
  let target = "";
  let bareTarget = "";
  let alphaTarget = "";
  let dir = "";

  const echo: Partial<ServiceImpl<typeof EchoService>> = {
    echo: (request, context) => {
      payloads.push(decoder.decode(request.payload));
      const tenant = context.metadata()["x-tenant"];
      if (typeof tenant === "string") tenants.push(tenant);
      return { payload: request.payload };
    },
    async *echoStream(requests) {
      let count = 0;
      for await (const request of requests) {
        count++;
        yield { payload: request.payload };
      }
      streamLengths.push(count);
    },
  };

  before(async () => {
    withReflection = new GrpcServer().addService(EchoService, echo);
    target = (await withReflection.listen("tcp://127.0.0.1:0")).url;
    withoutReflection = new GrpcServer({ reflection: false }).addService(EchoService, echo);
    bareTarget = (await withoutReflection.listen("tcp://127.0.0.1:0")).url;
    // An older server: reflection only as v1alpha (same wire format as v1, so the v1 handler serves it).
    alphaOnly = new GrpcServer({ reflection: false }).addService(EchoService, echo);
    const reflection = createReflectionService(() => [EchoService]) as unknown as ServiceImpl<typeof ServerReflectionV1alpha>;
    alphaOnly.addService(ServerReflectionV1alpha, reflection);
    alphaTarget = (await alphaOnly.listen("tcp://127.0.0.1:0")).url;
    dir = await mkdtemp(join(tmpdir(), "fastgrpc-bench-call-"));
  });

  after(async () => {
    await Promise.all([withReflection.shutdown(0), withoutReflection.shutdown(0), alphaOnly.shutdown(0)]);
    await rm(dir, { recursive: true, force: true });
  });

  it("reads method names with a slash, a leading slash or a dot", () => {
    assert.deepEqual(parseMethodName("pkg.v1.Svc/Call"), { service: "pkg.v1.Svc", method: "Call" });
    assert.deepEqual(parseMethodName("/pkg.v1.Svc/Call"), { service: "pkg.v1.Svc", method: "Call" });
    assert.deepEqual(parseMethodName("pkg.v1.Svc.Call"), { service: "pkg.v1.Svc", method: "Call" });
    assert.equal(parseMethodName("Call"), undefined);
    assert.equal(parseMethodName("pkg.v1.Svc/Ca ll"), undefined);
  });

  it("calls a unary method described by server reflection, with --data JSON and --metadata", async () => {
    payloads.length = 0;
    tenants.length = 0;
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--data", JSON.stringify({ payload: btoa("hello") }),
      "--metadata", "x-tenant: blue", "--requests", "100", "--concurrency", "4", "--warmup", "0s",
    ));
    assert.equal(report.ok, 100);
    assert.equal(report.failed, 0);
    assert.deepEqual(report.call, { path: "/fastgrpc.echo.v1.EchoService/Echo", requestBytes: 7, kind: "unary" });
    assert.ok(payloads.length >= 100 && payloads.every((p) => p === "hello"), "the server got the JSON request");
    assert.ok(tenants.length >= 100 && tenants.every((t) => t === "blue"), "every call carried the metadata");
  });

  it("fills template values per call in every thread ({{uuid}} into a bytes field)", async () => {
    payloads.length = 0;
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--data", JSON.stringify({ payload: "{{uuid}}" }),
      "--requests", "200", "--concurrency", "4", "--threads", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 200);
    // Each thread's probe sends the run's first request; every load call after it has its own.
    const distinct = new Set(payloads.map((p) => Buffer.from(p).toString("hex")));
    assert.ok(distinct.size >= payloads.length - 1, `${distinct.size} distinct requests of ${payloads.length}`);
  });

  it("numbers {{counter}} uniquely across threads: thread i of n sends i, i+n, i+2n...", () => {
    const registry = createRegistry(ServerReflectionRequestSchema);
    const thread1 = compileTemplate({ host: "h{{counter}}" }, ServerReflectionRequestSchema, registry, 1, 2);
    const hosts = [0, 1, 2].map((n) => fromBinary(ServerReflectionRequestSchema, thread1(n)).host);
    assert.deepEqual(hosts, ["h1", "h3", "h5"]);
  });

  it("falls back to reflection v1alpha when the server has no v1", async () => {
    const report = await runBench(options(
      "--target", alphaTarget, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--requests", "20", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 20);
  });

  it("takes the schema from --proto when the server has no reflection, and says so when neither is there", async () => {
    const report = await runBench(options(
      "--target", bareTarget, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--proto", ECHO_PROTO,
      "--data", JSON.stringify({ payload: btoa("abc") }), "--requests", "20", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 20);
    await assert.rejects(
      runBench(options("--target", bareTarget, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--requests", "1")),
      (error: unknown) => error instanceof BenchRuntimeError && /does not serve gRPC reflection: give the schema with --proto/.test(error.message),
    );
  });

  it("sends a binary --data-file as it is, and refuses one that is not the input type", async () => {
    payloads.length = 0;
    const good = join(dir, "request.bin");
    await writeFile(good, toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: new TextEncoder().encode("binary") })));
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--data-file", good, "--requests", "10", "--concurrency", "1", "--warmup", "0s",
    ));
    assert.equal(report.ok, 10);
    assert.ok(payloads.every((p) => p === "binary"));
    const bad = join(dir, "garbage.bin");
    await writeFile(bad, Buffer.from([0xff, 0xff, 0xff]));
    await assert.rejects(
      runBench(options("--target", target, "--call", "fastgrpc.echo.v1.EchoService/Echo", "--data-file", bad, "--requests", "1")),
      /is not a fastgrpc.echo.v1.EchoRequest/,
    );
  });

  it("names what is wrong with the method or the data", async () => {
    const call = (method: string, ...rest: string[]) => runBench(options("--target", target, "--call", method, "--requests", "1", ...rest));
    await assert.rejects(call("fastgrpc.echo.v1.EchoService/Nope"), /has no method Nope \(it has Echo, EchoStream, Download\)/);
    await assert.rejects(call("fastgrpc.echo.v1.Missing/Echo"), /does not know service fastgrpc.echo.v1.Missing/);
    await assert.rejects(call("fastgrpc.echo.v1.EchoService/Echo", "--data", "{not json"), /--data is not JSON/);
    await assert.rejects(call("fastgrpc.echo.v1.EchoService/Echo", "--data", '{"nope":1}'), /--data does not fit fastgrpc.echo.v1.EchoRequest/);
  });

  it("drives a bidi stream: --stream-messages requests per stream, one call per stream", async () => {
    streamLengths.length = 0;
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.echo.v1.EchoService/EchoStream", "--data", JSON.stringify({ payload: btoa("s") }),
      "--stream-messages", "5", "--requests", "30", "--concurrency", "3", "--warmup", "0s",
    ));
    assert.equal(report.ok, 30);
    assert.equal(report.call.kind, "bidi_streaming");
    assert.ok(streamLengths.length >= 30 && streamLengths.every((n) => n === 5), `stream lengths ${streamLengths.join(",")}`);
  });

  it("closes a stream after --stream-duration", async () => {
    streamLengths.length = 0;
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.echo.v1.EchoService/EchoStream", "--stream-duration", "200ms", "--stream-interval", "20ms",
      "--requests", "4", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 4);
    assert.ok(report.latency.service.p50Us >= 150_000, `a stream lasts about its duration, p50 ${report.latency.service.p50Us} us`);
    assert.ok(streamLengths.every((n) => n >= 5 && n <= 12), `messages per 200 ms stream at 20 ms: ${streamLengths.join(",")}`);
  });
});

describe("server reflection client", () => {
  it("asks for dependencies the server left out, by file name", async () => {
    const dep = create(FileDescriptorProtoSchema, { name: "dep.proto", package: "dep" });
    const main = create(FileDescriptorProtoSchema, { name: "main.proto", package: "main", dependency: ["dep.proto"] });
    const asked: string[] = [];
    const files = await collectFiles(async (ask) => {
      asked.push(`${ask.case}:${String(ask.value)}`);
      return ask.case === "fileContainingSymbol" ? [toBinary(FileDescriptorProtoSchema, main)] : [toBinary(FileDescriptorProtoSchema, dep)];
    }, "main.Svc");
    assert.deepEqual(asked, ["fileContainingSymbol:main.Svc", "fileByFilename:dep.proto"]);
    assert.deepEqual(files.map((f) => f.name).sort(), ["dep.proto", "main.proto"]);
  });
});
