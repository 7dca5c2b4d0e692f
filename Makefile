# fastgrpc — every target does its own set-up: Node 24 (when the system one is older than 22), npm ci, build.
SHELL := /bin/bash
.DEFAULT_GOAL := build

NODE_VERSION := 24.21.0
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
NODE_ARCH := $(subst aarch64,arm64,$(subst x86_64,x64,$(shell uname -m)))
TOOLS := $(CURDIR)/.tools

ifeq ($(shell [ "$(SYSTEM_NODE_MAJOR)" -ge 22 ] 2>/dev/null && echo yes),yes)
NODE_BIN :=
else
# The system node is end-of-life: use a pinned Node 24 from the npm registry's node-linux-<arch> package.
NODE_HOME := $(TOOLS)/node-$(NODE_VERSION)
NODE_BIN_DIR := $(NODE_HOME)/node_modules/node-linux-$(NODE_ARCH)/bin
NODE_BIN := $(NODE_BIN_DIR)/node
export PATH := $(NODE_BIN_DIR):$(CURDIR)/node_modules/.bin:$(PATH)
endif
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := node

DIST_STAMP := dist/.build-stamp
DEPS_STAMP := node_modules/.deps-stamp
SOURCES := $(shell find src test perf -name '*.ts' 2>/dev/null) tsconfig.json

.PHONY: node deps gen build test test-unit run-server run-client clean check-gen bench-compare fuzz-h2

node: $(NODE_BIN)

ifneq ($(NODE_BIN),)
$(NODE_BIN):
	@echo "fetching Node.js $(NODE_VERSION) (system node is $(SYSTEM_NODE_MAJOR).x) into $(NODE_HOME)"
	@mkdir -p $(NODE_HOME)
	npm install --prefix $(NODE_HOME) --no-save --no-package-lock --no-audit --no-fund node-linux-$(NODE_ARCH)@$(NODE_VERSION)
	@test -x $@
endif

deps: $(DEPS_STAMP)
$(DEPS_STAMP): package.json package-lock.json | $(NODE_BIN)
	npm ci --no-audit --no-fund
	@touch $@

## gen: regenerate src/gen from proto/ (protobuf-es v2 through buf)
gen: $(DEPS_STAMP)
	buf lint
	buf generate

## check-gen: fails when src/gen is not what proto/ generates
check-gen: gen
	git diff --exit-code -- src/gen

build: $(DIST_STAMP)
$(DIST_STAMP): $(DEPS_STAMP) $(SOURCES) mk/bundle-cli.mjs
	tsc -p tsconfig.json
	$(NODE) mk/bundle-cli.mjs
	@touch $@

## test: every test that runs on this machine (VSOCK tests run inside the test VM: make test-vsock)
test: build
	$(NODE) --test --test-reporter=spec --test-timeout=120000 'dist/test/**/*.test.js'
	$(MAKE) --no-print-directory test-vsock

LISTEN ?= tcp://127.0.0.1:50051
TARGET ?= tcp://127.0.0.1:50051
MESSAGE ?= hello from fastgrpc

run-server: build
	$(NODE) dist/bin/server.js --listen $(LISTEN) $(ARGS)

run-client: build
	$(NODE) dist/bin/client.js echo --target $(TARGET) --message "$(MESSAGE)" $(ARGS)

## fuzz-h2: a million mutated and random frame sequences against each side of the HTTP/2 engine (~3 min)
fuzz-h2: build
	H2_FUZZ_CASES=$${H2_FUZZ_CASES:-1000000} $(NODE) --expose-gc --test --test-timeout=900000 dist/test/h2/fuzz.test.js

bench-compare: build
	bash perf/compare/run.sh $(ARGS)

clean:
	rm -rf dist

-include mk/*.mk
