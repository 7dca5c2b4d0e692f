# VSOCK: the native addon and the tests that run inside the qemu test VM (test/vm). Included by the main Makefile,
# which exports PATH with Node 24 first and defines NODE and the build target.
#
#   make vsock-addon   build a local native/vsock/build/Release/vsock.node (fails loudly; the package ships prebuilt ones)
#   make vm-setup      install qemu/busybox/socat (apt) and build the guest images in test/vm/images (idempotent)
#   make test-vsock    build, then run dist/test/vsock/*.test.js inside the VM; skipped with a clear message when
#                      qemu or the images are missing, unless VSOCK_TESTS_REQUIRED=1 (CI), which makes that a failure

VSOCK_ADDON := native/vsock/build/Release/vsock.node
# generous: under TCG (no hardware KVM) code in the guest runs 10-15x slower than on the host
VSOCK_VM_TIMEOUT ?= 1200
VSOCK_TEST_TIMEOUT ?= 600000
VSOCK_TESTS_REQUIRED ?=

.PHONY: vsock-addon vm-setup test-vsock

## vsock-addon: build the AF_VSOCK N-API addon with node-gyp (npm's copy, Node's own headers: no download)
vsock-addon: $(VSOCK_ADDON)
$(VSOCK_ADDON): native/vsock/vsock.c native/vsock/binding.gyp native/vsock/build.mjs
	$(NODE) native/vsock/build.mjs --strict

## vm-setup: prepare the qemu guest for the VSOCK tests (apt packages, Debian kernel download, initramfs)
vm-setup:
	bash test/vm/setup.sh

## test-vsock: run the VSOCK tests inside the qemu guest (vsock_loopback; AF_VSOCK never leaves the guest)
test-vsock: build $(VSOCK_ADDON)
	@if ! command -v qemu-system-x86_64 >/dev/null || ! ls test/vm/images/vmlinux-* >/dev/null 2>&1 \
	    || [ ! -f test/vm/images/initramfs.cpio.gz ]; then \
	  echo "SKIPPED: VSOCK tests (they run inside a qemu VM: qemu-system-x86_64 or the guest images in test/vm/images are missing; 'make vm-setup' as root installs them)"; \
	  if [ -n "$(VSOCK_TESTS_REQUIRED)" ]; then echo "VSOCK_TESTS_REQUIRED is set: failing" >&2; exit 1; fi; \
	else \
	  test/vm/run-in-vm.sh --timeout $(VSOCK_VM_TIMEOUT) -- $(NODE) --test --test-reporter=spec \
	    --test-timeout=$(VSOCK_TEST_TIMEOUT) --test-force-exit 'dist/test/vsock/**/*.test.js'; \
	fi
