import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCommandLine, UsageError, type BenchOptions } from "../../src/loadgen/options.js";

function parse(...argv: string[]): BenchOptions {
  const parsed = parseCommandLine(argv);
  assert.equal(parsed.help, false);
  if (parsed.help) throw new Error("unreachable");
  return parsed.options;
}

function rejects(argv: string[], message: RegExp): void {
  assert.throws(() => parseCommandLine(argv), (error: unknown) => {
    assert.ok(error instanceof UsageError, `expected UsageError, got ${String(error)}`);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, "one line");
    return true;
  });
}

const T = ["--target", "tcp://127.0.0.1:50051"];

describe("fastgrpc-bench options", () => {
  it("takes any method, several targets, metadata, stream shapes, TLS and a rate schedule", () => {
    const o = parse(
      "--target", "tls://a.example:443", "--target", "tls://b.example:443", "--call", "pkg.v1.Svc/Do", "--data", '{"x":1}',
      "--proto", "svc.proto", "--import-path", "protos", "--metadata", "X-Tenant: blue", "--metadata", "trace=1",
      "--stream-messages", "5", "--stream-interval", "10ms", "--insecure", "--rate", "1000:5000:1000/10s", "--max-lag", "20ms",
    );
    assert.deepEqual(o.targets, ["tls://a.example:443", "tls://b.example:443"]);
    assert.equal(o.target, "tls://a.example:443");
    assert.equal(o.call, "pkg.v1.Svc/Do");
    assert.deepEqual(o.protoFiles, ["svc.proto"]);
    assert.deepEqual(o.importPaths, ["protos"]);
    assert.deepEqual(o.metadata, { "x-tenant": "blue", trace: "1" });
    assert.deepEqual(o.stream, { messages: 5, intervalMs: 10, durationMs: undefined });
    assert.equal(o.tls.insecure, true);
    assert.deepEqual(o.rateSchedule, { start: 1000, end: 5000, step: 1000, periodMs: 10_000 });
    assert.equal(o.rate, 1000);
    assert.equal(o.mode, "open");
    assert.equal(o.maxLagMs, 20);
    assert.equal(o.maxInFlight, 2_000, "1,000 per connection, one connection to each of two targets");
    assert.equal(parse(...T, "--rate", "10", "--connections", "3").maxInFlight, 3_000);
    assert.equal(parse(...T, "--rate", "10", "--max-in-flight", "50").maxInFlight, 50);
    assert.deepEqual(parse(...T, "--call", "a.B/C", "--stream-duration", "2s").stream, { messages: undefined, intervalMs: 0, durationMs: 2000 });
  });

  it("has documented defaults: echo, 64 B, closed loop of 50, 1 connection, 10 s after 1 s warm-up", () => {
    const o = parse(...T);
    assert.equal(o.service, "echo");
    assert.equal(o.payloadBytes, 64);
    assert.equal(o.mode, "closed");
    assert.equal(o.concurrency, 50);
    assert.equal(o.rate, undefined);
    assert.equal(o.connections, 1);
    assert.equal(o.threads, 1);
    assert.equal(o.durationMs, 10_000);
    assert.equal(o.requests, undefined);
    assert.equal(o.warmupMs, 1_000);
    assert.equal(o.timeoutMs, undefined, "no deadline unless asked: h2load sends none either");
    assert.equal(o.maxErrorRate, undefined);
    assert.equal(o.keyType, undefined);
    assert.equal(o.algorithm, undefined);
  });

  it("reads every option", () => {
    const o = parse(
      ...T, "--service", "sign", "--algorithm", "rsa-pss-sha256", "--payload-bytes", "128", "--rate", "2500.5",
      "--connections", "4", "--threads", "2", "--requests", "1000", "--warmup", "500ms", "--timeout", "2s",
      "--json", "out.json", "--html", "out.html", "--max-error-rate", "1%", "--engine", "node",
    );
    assert.equal(o.mode, "open");
    assert.equal(o.rate, 2500.5);
    assert.equal(o.keyType, "rsa");
    assert.equal(o.algorithm, "rsa-pss-sha256");
    assert.equal(o.payloadBytes, 128);
    assert.equal(o.connections, 4);
    assert.equal(o.threads, 2);
    assert.equal(o.requests, 1000);
    assert.equal(o.durationMs, undefined);
    assert.equal(o.warmupMs, 500);
    assert.equal(o.timeoutMs, 2000);
    assert.equal(o.jsonFile, "out.json");
    assert.equal(o.htmlFile, "out.html");
    assert.equal(o.maxErrorRate, 0.01);
    assert.equal(o.engine, "node");
  });

  it("parses durations with units and timeouts in ms", () => {
    assert.equal(parse(...T, "--duration", "1m").durationMs, 60_000);
    assert.equal(parse(...T, "--duration", "1.5s").durationMs, 1_500);
    assert.equal(parse(...T, "--duration", "250ms").durationMs, 250);
    assert.equal(parse(...T, "--warmup", "0s").warmupMs, 0);
    assert.equal(parse(...T, "--timeout", "250").timeoutMs, 250);
    assert.equal(parse(...T, "--timeout", "0").timeoutMs, undefined);
    assert.equal(parse(...T, "--max-error-rate", "0.05").maxErrorRate, 0.05);
  });

  it("fills in the sign key type from the algorithm and the algorithm from the key type", () => {
    const byDefault = parse(...T, "--service", "sign");
    assert.equal(byDefault.algorithm, "ecdsa-p256-sha256-asn1");
    assert.equal(byDefault.keyType, "ec-p256");
    assert.equal(parse(...T, "--service", "sign", "--key-type", "ed25519").algorithm, "ed25519");
    assert.equal(parse(...T, "--service", "sign", "--key-type", "rsa").algorithm, "rsa-pkcs1-sha256");
    assert.equal(parse(...T, "--service", "sign", "--algorithm", "ecdsa-p384-sha384-fixed").keyType, "ec-p384");
  });

  it("gives --connections one per thread by default", () => {
    assert.equal(parse(...T, "--threads", "3", "--concurrency", "30").connections, 3);
  });

  it("accepts vsock targets without connecting", () => {
    assert.equal(parse("--target", "vsock://3:5000").target, "vsock://3:5000");
  });

  it("recognises --help", () => {
    assert.deepEqual(parseCommandLine(["--help"]), { help: true });
    assert.deepEqual(parseCommandLine(["-h"]), { help: true });
  });

  const bad: Array<[string, string[], RegExp]> = [
    ["unknown option", [...T, "--bogus"], /unknown option --bogus/],
    ["positional argument", [...T, "extra"], /unexpected argument "extra"/],
    ["option without its value", ["--target"], /--target needs a value/],
    ["value given to a flag", [...T, "--probe=yes"], /--probe takes no value/],
    ["missing target", [], /--target is required/],
    ["target without scheme", ["--target", "127.0.0.1:50051"], /--target: invalid address/],
    ["unsupported scheme", ["--target", "http://127.0.0.1:50051"], /unsupported scheme "http"/],
    ["port out of range", ["--target", "tcp://127.0.0.1:70000"], /port out of range/],
    ["vsock CID any", ["--target", "vsock://any:5000"], /only valid for listening/],
    ["unknown service", [...T, "--service", "ping"], /--service must be echo or sign/],
    ["key type with echo", [...T, "--key-type", "rsa"], /--key-type only applies to --service sign/],
    ["algorithm with echo", [...T, "--algorithm", "ed25519"], /--algorithm only applies to --service sign/],
    ["unknown key type", [...T, "--service", "sign", "--key-type", "dsa"], /unknown --key-type "dsa"/],
    ["unknown algorithm", [...T, "--service", "sign", "--algorithm", "md5"], /unknown --algorithm "md5"/],
    ["algorithm for another key", [...T, "--service", "sign", "--key-type", "rsa", "--algorithm", "ed25519"], /needs --key-type ed25519/],
    ["negative payload", [...T, "--payload-bytes", "-1"], /--payload-bytes/],
    ["huge payload", [...T, "--payload-bytes", "999999999999"], /--payload-bytes must be between/],
    ["concurrency zero", [...T, "--concurrency", "0"], /--concurrency must be between 1/],
    ["concurrency not a number", [...T, "--concurrency", "ten"], /--concurrency must be a whole number/],
    ["rate zero", [...T, "--rate", "0"], /--rate must be a number above zero/],
    ["rate not a number", [...T, "--rate", "fast"], /--rate must be a number above zero/],
    ["rate and concurrency", [...T, "--rate", "10", "--concurrency", "5"], /cannot be used together/],
    ["threads zero", [...T, "--threads", "0"], /--threads must be between 1/],
    ["fewer connections than threads", [...T, "--threads", "4", "--connections", "2", "--concurrency", "8"], /--connections 2 is lower than --threads 4/],
    ["less concurrency than threads", [...T, "--threads", "4", "--concurrency", "2"], /--concurrency 2 is lower than --threads 4/],
    ["duration without unit", [...T, "--duration", "10"], /--duration must be a duration such as 10s/],
    ["duration zero", [...T, "--duration", "0s"], /--duration must be greater than zero/],
    ["duration and requests", [...T, "--duration", "1s", "--requests", "5"], /--duration and --requests cannot be used together/],
    ["requests zero", [...T, "--requests", "0"], /--requests must be between 1/],
    ["fewer requests than threads", [...T, "--threads", "2", "--concurrency", "2", "--requests", "1"], /--requests 1 is lower than --threads 2/],
    ["bad warmup", [...T, "--warmup", "soon"], /--warmup must be a duration/],
    ["bad timeout", [...T, "--timeout", "soon"], /--timeout must be a number of milliseconds/],
    ["error rate above 1", [...T, "--max-error-rate", "1.5"], /--max-error-rate must be a fraction from 0 to 1/],
    ["error rate above 100%", [...T, "--max-error-rate", "150%"], /--max-error-rate/],
    ["unknown engine", [...T, "--engine", "quic"], /--engine must be one of/],
    ["empty json path", [...T, "--json", ""], /--json needs a file name/],
    ["rate steps without a period", [...T, "--rate", "100:200:50"], /--rate must be a rate \(5000\), steps/],
    ["max-lag in the closed loop", [...T, "--max-lag", "5ms"], /--max-lag applies to the open loop/],
    ["data without call", [...T, "--data", "{}"], /--data needs --call/],
    ["proto without call", [...T, "--proto", "x.proto"], /--proto needs --call/],
    ["service with call", [...T, "--call", "a.B/C", "--service", "sign"], /--service is for the built-in services/],
    ["data and data-file", [...T, "--call", "a.B/C", "--data", "{}", "--data-file", "x.bin"], /cannot be used together/],
    ["metadata without a value separator", [...T, "--metadata", "novalue"], /--metadata must be "key: value"/],
    ["reserved metadata", [...T, "--metadata", "grpc-timeout: 1S"], /--metadata grpc-timeout is reserved/],
    ["tls options on tcp", [...T, "--insecure"], /apply to tls:\/\/ targets only/],
    ["cert without key", ["--target", "tls://localhost:1", "--cert", "c.pem"], /--cert and --key go together/],
    ["bad second target", [...T, "--target", "tcp://nowhere"], /--target: invalid address/],
  ];
  for (const [name, argv, message] of bad) {
    it(`rejects ${name}`, () => rejects(argv, message));
  }
});
