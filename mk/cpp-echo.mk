# Google's C++ gRPC Echo server (async API, one completion queue) that `make bench-compare` measures as "cpp".
# Included by the main Makefile. perf/compare/run.sh builds it itself (and installs Debian's packages when
# missing), so these targets are only for building or removing it by hand.
#
#   make cpp-echo         build perf/compare/cpp/build/echo-server (idempotent; Debian libgrpc++-dev protobuf-compiler-grpc)
#   make cpp-echo-clean   remove perf/compare/cpp/build

.PHONY: cpp-echo cpp-echo-clean
## cpp-echo: build the C++ gRPC Echo server used by bench-compare (perf/compare/cpp/build/echo-server)
cpp-echo:
	bash perf/compare/cpp/build.sh

## cpp-echo-clean: remove the C++ gRPC Echo server's build folder
cpp-echo-clean:
	rm -rf perf/compare/cpp/build
