# fastgrpc-bench's `make benchmark`: starts fastgrpc-server on loopback, runs a short standard scenario (echo, then
# one sign algorithm when the server offers the crypto service), prints the tables and always stops the server.
# Included by the main Makefile, which exports PATH with Node 24 first, defines NODE and the build target.
#
#   make benchmark                                  # echo 64 B, 100 in flight, 5 s; sign ecdsa-p256-sha256-asn1 5 s
#   make benchmark BENCH_ARGS="--threads 2 --connections 4"
#   make benchmark BENCH_LOAD="--rate 5000" BENCH_DURATION=10s BENCH_ARGS="--html bench.html"

BENCH_PORT ?= 50151
BENCH_DURATION ?= 5s
# How the load is generated (replace it to use the open loop: BENCH_LOAD="--rate 5000").
BENCH_LOAD ?= --concurrency 100
BENCH_SIGN_ALGORITHM ?= ecdsa-p256-sha256-asn1
# Anything else for fastgrpc-bench, passed to every scenario.
BENCH_ARGS ?=
BENCH_TARGET = tcp://127.0.0.1:$(BENCH_PORT)
BENCH_CLI = $(NODE) dist/bin/bench.js --target $(BENCH_TARGET)

.PHONY: benchmark
## benchmark: start a server, run the standard echo and sign scenarios (BENCH_ARGS passes options), stop the server
benchmark: build
	@set -euo pipefail; \
	log=$$(mktemp); \
	$(NODE) dist/bin/server.js --listen $(BENCH_TARGET) --log-level warn >"$$log" 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null || true; rm -f "$$log"' EXIT; \
	for attempt in $$(seq 1 100); do \
	  if grep -q "listening on" "$$log"; then break; fi; \
	  if ! kill -0 $$server 2>/dev/null || [ $$attempt -eq 100 ]; then \
	    echo "benchmark: fastgrpc-server did not start on $(BENCH_TARGET):" >&2; cat "$$log" >&2; exit 1; \
	  fi; \
	  sleep 0.1; \
	done; \
	$(BENCH_CLI) --service echo $(BENCH_LOAD) --duration $(BENCH_DURATION) $(BENCH_ARGS); \
	echo; \
	if probe=$$($(BENCH_CLI) --service sign --algorithm $(BENCH_SIGN_ALGORITHM) --probe 2>&1); then \
	  $(BENCH_CLI) --service sign --algorithm $(BENCH_SIGN_ALGORITHM) $(BENCH_LOAD) --duration $(BENCH_DURATION) $(BENCH_ARGS); \
	else \
	  echo "sign scenario skipped: $$probe"; \
	fi

# bench-vs-h2load: fastgrpc-bench beside h2load on the same fastgrpc-server (docs/loadgen-comparison.md). Server on
# core 0 (one process), the load generators on core 1, runs alternating; prints one line per run. Each round ends with
# the minimal node:net client of perf/compare/node-floor-client.ts at the low rate: the floor Node itself has there.
#   make bench-vs-h2load                             # 5 s runs, 2 rounds
#   make bench-vs-h2load COMPARE_DURATION=10 COMPARE_ROUNDS=3 COMPARE_TARGET_PORT=50152
#   make bench-vs-h2load COMPARE_SERVER=cpp          # Google's C++ gRPC echo (make cpp-echo builds it)
COMPARE_SERVER ?= fastgrpc
COMPARE_DURATION ?= 5
COMPARE_ROUNDS ?= 2
COMPARE_TARGET_PORT ?= 50152
COMPARE_OPEN_RATE ?= 150000
COMPARE_LOW_RATE ?= 1000
COMPARE_URL = http://127.0.0.1:$(COMPARE_TARGET_PORT)/fastgrpc.echo.v1.EchoService/Echo
COMPARE_BENCH = taskset -c 1 $(NODE) dist/bin/bench.js --target tcp://127.0.0.1:$(COMPARE_TARGET_PORT) --connections 1 --duration $(COMPARE_DURATION)s --warmup 2s
COMPARE_H2LOAD = taskset -c 1 h2load -c1 -t1 -D $(COMPARE_DURATION) --warm-up-time 2 -d "$$dir/echo-64.bin" -H 'content-type: application/grpc' -H 'te: trailers'
# Reads a fastgrpc-bench JSON report: rate, client cores (measured window), CPU per call, latency percentiles.
COMPARE_SHOW_BENCH = $(NODE) -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const l=r.latency;const g=r.generatorLag;console.log(`$${process.argv[2]}: $${Math.round(r.achievedRate)} calls/s, $${r.cpu.cores} cores, $${r.cpu.perCallUs} us/call, service p50 $${l.service.p50Us} p99 $${l.service.p99Us} us, corrected p50 $${l.corrected.p50Us} p99 $${l.corrected.p99Us} us, latency valid $${r.latencyValid}` + (g ? `, send lag p50 $${g.p50Us} p99 $${g.p99Us} us, late $${g.late}, held $${g.held}, dropped $${g.dropped}, unsent $${g.unsent}` : ""))'
# Reads h2load's per-request log (start us, status, duration us) and /usr/bin/time's "elapsed user sys" line.
COMPARE_SHOW_H2LOAD = $(NODE) -e 'const fs=require("fs");const d=fs.readFileSync(process.argv[1],"utf8").trim().split("\n").map(l=>Number(l.split("\t")[2])).sort((a,b)=>a-b);const [e,u,s]=fs.readFileSync(process.argv[2],"utf8").trim().split("\n").pop().split(" ").map(Number);const p=q=>d[Math.min(d.length-1,Math.floor(q*d.length))];console.log(`$${process.argv[3]}: $${d.length} requests logged, $${((u+s)/e).toFixed(3)} cores over the whole run incl. warm-up, p50 $${p(0.5)} p99 $${p(0.99)} us`)'

.PHONY: bench-vs-h2load
## bench-vs-h2load: fastgrpc-bench and h2load on the same server, closed loop and open loop, alternating
bench-vs-h2load: build
	@set -euo pipefail; \
	command -v h2load >/dev/null || { echo "bench-vs-h2load: needs h2load (apt-get install nghttp2-client)" >&2; exit 1; }; \
	dir=$$(mktemp -d); log="$$dir/server.log"; \
	python3 -c "import sys;m=b'\x0a\x40'+b'a'*64;sys.stdout.buffer.write(b'\0'+len(m).to_bytes(4,'big')+m)" > "$$dir/echo-64.bin"; \
	if [ "$(COMPARE_SERVER)" = cpp ]; then \
	  bash perf/compare/cpp/build.sh >&2; \
	  taskset -c 0 perf/compare/cpp/build/echo-server $(COMPARE_TARGET_PORT) >"$$log" 2>&1 & server=$$!; \
	else \
	  taskset -c 0 $(NODE) dist/bin/server.js --listen tcp://127.0.0.1:$(COMPARE_TARGET_PORT) --workers 1 --log-level warn >"$$log" 2>&1 & server=$$!; \
	fi; \
	trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null || true; rm -rf "$$dir"' EXIT; \
	for attempt in $$(seq 1 100); do grep -q "listening" "$$log" && break; sleep 0.1; done; \
	echo "server $(COMPARE_SERVER); load average: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	for round in $$(seq 1 $(COMPARE_ROUNDS)); do \
	  rm -f "$$dir/h2.log" "$$dir/h2low.log"; /usr/bin/time -f "%e %U %S" -o "$$dir/time" $(COMPARE_H2LOAD) -m100 --log-file="$$dir/h2.log" $(COMPARE_URL) >"$$dir/h2.out" 2>&1; \
	  echo "h2load closed, 100 streams: $$(grep -o 'finished in .*req/s' "$$dir/h2.out")"; \
	  $(COMPARE_SHOW_H2LOAD) "$$dir/h2.log" "$$dir/time" "  h2load closed"; \
	  $(COMPARE_BENCH) --concurrency 100 --json "$$dir/closed.json" >/dev/null 2>&1; $(COMPARE_SHOW_BENCH) "$$dir/closed.json" "fastgrpc-bench closed, 100 in flight"; \
	  $(COMPARE_BENCH) --rate $(COMPARE_OPEN_RATE) --json "$$dir/open.json" >/dev/null 2>&1; $(COMPARE_SHOW_BENCH) "$$dir/open.json" "fastgrpc-bench open $(COMPARE_OPEN_RATE)/s"; \
	  rm -f "$$dir/h2low.log"; /usr/bin/time -f "%e %U %S" -o "$$dir/time" $(COMPARE_H2LOAD) -m100 --rps $(COMPARE_LOW_RATE) --log-file="$$dir/h2low.log" $(COMPARE_URL) >/dev/null 2>&1; \
	  $(COMPARE_SHOW_H2LOAD) "$$dir/h2low.log" "$$dir/time" "h2load -m100 --rps $(COMPARE_LOW_RATE)"; \
	  rm -f "$$dir/h2low.log"; /usr/bin/time -f "%e %U %S" -o "$$dir/time" $(COMPARE_H2LOAD) -m1 --rps $(COMPARE_LOW_RATE) --log-file="$$dir/h2low.log" $(COMPARE_URL) >/dev/null 2>&1; \
	  $(COMPARE_SHOW_H2LOAD) "$$dir/h2low.log" "$$dir/time" "h2load -m1 --rps $(COMPARE_LOW_RATE)"; \
	  $(COMPARE_BENCH) --rate $(COMPARE_LOW_RATE) --json "$$dir/low.json" >/dev/null 2>&1; $(COMPARE_SHOW_BENCH) "$$dir/low.json" "fastgrpc-bench open $(COMPARE_LOW_RATE)/s"; \
	  taskset -c 1 $(NODE) dist/perf/compare/node-floor-client.js $(COMPARE_TARGET_PORT) $(COMPARE_LOW_RATE) $(COMPARE_DURATION) 2; \
	done; \
	echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)"
