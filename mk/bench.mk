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
BENCH_CLI = $(NODE) dist/src/cli/bench.js --target $(BENCH_TARGET)

.PHONY: benchmark
## benchmark: start a server, run the standard echo and sign scenarios (BENCH_ARGS passes options), stop the server
benchmark: build
	@set -euo pipefail; \
	log=$$(mktemp); \
	$(NODE) dist/src/cli/server.js --listen $(BENCH_TARGET) --log-level warn >"$$log" 2>&1 & server=$$!; \
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
