# The 1 GiB server-streaming download side by side (perf/download-compare.sh): fastgrpc, raw node:http2 and C++
# gRPC servers on core 0, fastgrpc's client on core 1, after the node:net loopback ceiling. Included by the main
# Makefile (PATH has Node 24 first). On a shared machine: flock /tmp/fastgrpc-bench.lock make bench-download
#
#   make bench-download                                          # 3 rounds, 1 GiB, 64 KiB and 1 MiB messages
#   make bench-download DOWNLOAD_ARGS="1 268435456 65536"        # ROUNDS TOTAL SIZES

DOWNLOAD_ARGS ?=

.PHONY: bench-download
## bench-download: 1 GiB server-streaming download against fastgrpc, raw node:http2 and C++ gRPC (DOWNLOAD_ARGS="ROUNDS TOTAL SIZES")
bench-download: build
	bash perf/download-compare.sh $(DOWNLOAD_ARGS)
