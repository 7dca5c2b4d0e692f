# The npm package: prebuilt vsock addons, packing, and the install test on Node 22 and 24. Included by the main
# Makefile, which exports PATH with Node 24 first and defines NODE, NODE_ARCH, TOOLS and the build target.
#
#   make vsock-prebuilds   rebuild native/vsock/prebuilds/linux-{x64,arm64}/vsock.node (gcc + gcc-aarch64-linux-gnu);
#                          commit the result: the package ships them and installing it compiles nothing
#   make pack              npm pack (prepack builds dist/) into the repository root
#   make node22            fetch Node 22 from the npm registry into .tools/ (the packaging test then runs on it too)
#   make test-packaging    pack, install into temp projects, run the CLIs, a program and the example (Node 24 and 22)
#   make check-vsock-prebuilds  rebuild the prebuilt addons and fail if they differ from the committed ones

NODE22_VERSION := 22.23.5
NODE22_BIN := $(TOOLS)/node-$(NODE22_VERSION)/node_modules/node-linux-$(NODE_ARCH)/bin/node

.PHONY: vsock-prebuilds pack node22 test-packaging

## vsock-prebuilds: cross-compile the vsock addon for linux-x64 and linux-arm64 (N-API: one binary per CPU)
vsock-prebuilds:
	bash native/vsock/prebuild.sh

## pack: the npm tarball (fastgrpc-VERSION.tgz); prepack compiles dist/
pack: $(DEPS_STAMP)
	npm pack

## node22: Node 22 for the packaging test (the package supports Node >= 22)
node22: $(NODE22_BIN)
$(NODE22_BIN):
	@mkdir -p $(TOOLS)/node-$(NODE22_VERSION)
	npm install --prefix $(TOOLS)/node-$(NODE22_VERSION) --no-save --no-package-lock --no-audit --no-fund node-linux-$(NODE_ARCH)@$(NODE22_VERSION)
	@test -x $@

## test-packaging: the packed tarball installs into fresh projects without a compiler and runs (Node 24, and 22)
test-packaging: build node22
	$(NODE) --test --test-reporter=spec --test-timeout=600000 'dist/test/packaging/*.test.js'

.PHONY: check-vsock-prebuilds
## check-vsock-prebuilds: the committed prebuilt addons are what vsock.c builds to (byte for byte, same Debian gcc)
check-vsock-prebuilds:
	bash native/vsock/prebuild.sh
	@git diff --exit-code --stat -- native/vsock/prebuilds || { echo "native/vsock/prebuilds differ from vsock.c's build: run 'make vsock-prebuilds' and commit them (or this gcc is not Debian 12's: $$(gcc -dumpfullversion))" >&2; exit 1; }
