/** fastgrpc-bench --help. */
import { ENGINE_NAMES } from "../engine/registry.js";
import { DEFAULTS } from "./options.js";
import { KEY_TYPES, SIGNATURE_ALGORITHMS } from "./sign-algorithms.js";

export const USAGE = `Usage: fastgrpc-bench --target URL [options]

Load generator for any gRPC server: fastgrpc's Echo and Sign built in, any other method with --call.

Target and call:
  --target URL          tcp://HOST:PORT, tls://HOST:PORT, vsock://CID:PORT, unix:///PATH, unix-abstract:NAME,
                        ipv4:A:PORT,B:PORT or dns:///HOST:PORT (every address of HOST, followed as it changes)
                        (required; repeat it to spread the connections over several targets; dns: stands alone)
  --call SVC/METHOD     any method, package.Service/Method; its schema from server reflection (v1, then v1alpha)
                        or from --proto. Unary, server, client and bidi streaming
  --data JSON           --call's request in protobuf's JSON mapping (default {}); strings may hold {{counter}},
                        {{random}} or {{uuid}}, filled per call
  --data-file FILE      --call's request as binary protobuf, sent as it is
  --proto FILE          .proto file that defines --call's service (repeatable; needs the optional protobufjs)
  --import-path DIR     where --proto's imports are looked for (repeatable)
  --metadata "K: V"     sent with every call (repeatable)
  --stream-messages N   client/bidi streams: requests per stream (default 1; unlimited with --stream-duration)
  --stream-interval D   streams: pause between two requests (default 0)
  --stream-duration D   streams: close each stream after D (server streams are cancelled then, and count as OK)
  --ca FILE, --cert FILE, --key FILE   tls:// (and dns:/ipv4:/ipv6:, dialled over TLS) targets: CA to trust, client certificate and key
  --insecure            tls:// (and dns:/ipv4:/ipv6:) targets: accept any server certificate (testing only)
  --service NAME        built-in call: echo | sign (default ${DEFAULTS.service})
  --key-type NAME       sign: ${[...KEY_TYPES.keys()].join(" | ")} (default: the algorithm's)
  --algorithm NAME      sign: ${[...SIGNATURE_ALGORITHMS.keys()].join(" | ")}
                        (default ecdsa-p256-sha256-asn1, or the key type's first)
  --payload-bytes N     echo payload / bytes to sign (default ${DEFAULTS.payloadBytes})

Load (closed loop by default):
  --concurrency N       closed loop: N calls in flight in total (default ${DEFAULTS.concurrency})
  --rate R              open loop: R calls/s in total at fixed intervals; latency is timed from each call's
                        scheduled send (coordinated omission corrected, as wrk2) and the service time beside it.
                        Steps: A:B:S/D (from A, +S every D up to B); ramp: A:B/D (A to B over D); then B is held
  --max-lag D           open loop: a call sent more than D after its time is late; when over 1% are, the report
                        marks the latency invalid (the generator fell behind) (default ${DEFAULTS.maxLagMs}ms)
  --max-in-flight N     open loop: calls in flight at most; calls due beyond it wait for a free slot, their wait
                        in their corrected latency; any still waiting at the end make the latency invalid: the
                        server did not keep up (default ${DEFAULTS.maxInFlightPerConnection} per connection)
  --connections C       HTTP/2 connections in total, shared out among the threads (default: one per thread)
  --threads T           load threads (worker_threads), each with its own event loop and connections (default 1)
  --duration D          measure for D: 10s, 500ms, 1m (default 10s)
  --requests N          measure N calls instead of a duration
  --warmup D            run for D first without measuring (default 1s)
  --timeout MS          deadline of each call (grpc-timeout), ms or a duration; 0 = none (default none)
  --engine NAME         client HTTP/2 engine: ${ENGINE_NAMES.join(" | ")}
  --service-config FILE gRPC service config JSON for the client: method timeouts, retryPolicy, hedgingPolicy,
                        retryThrottling (docs/fleet.md); a retried call counts once in the report

Output:
  --json FILE           write the full report as JSON
  --html FILE           write a self-contained HTML page with the latency curve and the rate per second
  --hgrm FILE           write HdrHistogram's percentile text (.hgrm, ms) of the latency; in the open loop the
                        corrected latency goes to FILE and the service time to FILE's .service.hgrm sibling
  --compare A.json B.json   print two --json reports side by side with the change of each figure, and exit
  --max-error-rate X    exit 3 when failed/total exceeds X (a fraction such as 0.01, or 1%)
  --probe               make one call, report whether it succeeded, and exit
  -h, --help            show this help

Exit status: 0 done, 1 the run failed (target unreachable, ...), 2 bad usage, 3 --max-error-rate exceeded,
130 interrupted (Ctrl-C: sending stops, calls in flight end, the report covers what ran).
`;
